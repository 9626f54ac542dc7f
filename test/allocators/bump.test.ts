// The bump allocator's own checks (from the original design): monotonic layout, accounting,
// fill to exhaustion, and the arena reset; plus walk(), realloc, errors, knobs and stats.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { randomLcg } from "d3-random";
import { BumpAllocator, BUMP_KNOBS } from "../../lib/allocators/bump.js";
import { censusOf } from "../../lib/arena.js";
import { replaySteps, stepArbitrary, heapErrorOf } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

type Visit = [start: number, bytes: number, payload: number, requested: number];

function walkOf(a: BumpAllocator): Visit[] {
  const visits: Visit[] = [];
  a.walk((start, bytes, payload, requested) => visits.push([start, bytes, payload, requested]));
  return visits;
}

/** An 8-byte header plus the payload, rounded up to 16 (the layout the file documents). */
const blockBytes = (size: number) => Math.max(16, Math.ceil((size + 8) / 16) * 16);

describe("bump: layout", () => {
  it("bump: successive mallocs return increasing addresses, each 8 header bytes past the previous block", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const random = randomLcg(7);
    let expected = 16;
    for (let i = 0; i < 200; i++) {
      const size = Math.floor(random() * 200);
      const addr = a.malloc(size);
      expect(addr).toBe(expected);
      expect(addr % 16).toBe(0);
      expected = addr + blockBytes(size);
    }
    a.check();
  });

  it("bump: malloc(0) returns a minimal 16-byte block", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const first = a.malloc(0);
    const second = a.malloc(0);
    expect(first).toBe(16);
    expect(second - first).toBe(16);
    expect(a.stats.liveBytes).toBe(0);
  });

  it("bump: walk reports live objects, dead objects as reserved, and the untouched tail as free", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const first = a.malloc(10);
    const second = a.malloc(24);
    const third = a.malloc(0);
    expect([first, second, third]).toEqual([16, 48, 80]);
    a.free(second);
    expect(walkOf(a)).toEqual([
      [0, 40, 16, 10],     // the alignment pad and the first header are metadata of the first block
      [40, 32, 40, 0],     // dead, not reclaimed: all reserved
      [72, 16, 80, 0],     // live malloc(0): header then 8 reserved bytes
      [88, ARENA - 88, 88, -1],
    ]);
    const census = censusOf(a);
    expect(census).toMatchObject({ usedBytes: 10, headerBytes: 24, reservedBytes: 14 + 32 + 8, freeBytes: ARENA - 88 });
  });

  it("bump: an empty arena walks as one free block", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    expect(walkOf(a)).toEqual([[0, ARENA, 0, -1]]);
    a.free(a.malloc(100));
    expect(walkOf(a)).toEqual([[0, ARENA, 0, -1]]);
  });
});

describe("bump: accounting", () => {
  it("bump: stats and walk byte totals agree after random mallocs and frees", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const random = randomLcg(42);
    const live: Array<[number, number]> = [];
    let allocs = 0, frees = 0, liveBytes = 0, peak = 0;
    for (let i = 0; i < 400; i++) {
      if (live.length > 1 && random() < 0.4) {
        const [addr, size] = live.splice(Math.floor(random() * (live.length - 1)) + 1, 1)[0];
        a.free(addr);
        frees++;
        liveBytes -= size;
      } else {
        const size = Math.floor(random() * 100);
        const addr = a.malloc(size);
        if (addr === -1) break;
        live.push([addr, size]);
        allocs++;
        liveBytes += size;
        peak = Math.max(peak, liveBytes);
      }
    }
    a.check();
    expect(a.stats).toMatchObject({ allocs, frees, reallocs: 0, failures: 0, splits: 0, coalesces: 0, liveBytes, peakLiveBytes: peak });
    const census = censusOf(a);
    expect(census.usedBytes).toBe(liveBytes);
    expect(census.usedBytes + census.headerBytes + census.reservedBytes).toBe(a.stats.highWater);
    expect(census.freeBytes).toBe(ARENA - a.stats.highWater);
    // Every live object (the first one is still live) has an 8-byte header, plus the 8-byte pad.
    expect(census.headerBytes).toBe(8 * live.length + 8);
    expect(census.fragmentation).toBe(0);
  });

  it("bump: highWater is the cursor and peakLiveBytes never falls", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(100);
    const y = a.malloc(50);
    expect(a.stats.highWater).toBe(y + 56);
    a.free(x);
    a.free(y);
    expect(a.stats).toMatchObject({ liveBytes: 0, peakLiveBytes: 150, highWater: y + 56 });
  });

  it("bump: malloc reads no header; free and realloc read one each", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(10);
    const y = a.malloc(10);
    expect(a.stats.probes).toBe(0);
    a.free(x);
    expect(a.stats.probes).toBe(1);
    a.realloc(y, 20);
    expect(a.stats.probes).toBe(2);
  });
});

describe("bump: exhaustion and reset", () => {
  it("bump: filling the arena to exhaustion returns -1 and counts every failure", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const addresses: number[] = [];
    for (;;) {
      const addr = a.malloc(1000);
      if (addr === -1) break;
      addresses.push(addr);
    }
    expect(addresses.length).toBe(Math.floor((ARENA - 8) / 1008));
    expect(a.stats.failures).toBe(1);
    expect(a.malloc(1000)).toBe(-1);
    expect(a.stats.failures).toBe(2);
    a.free(addresses[3]); // freeing in the middle reclaims nothing
    expect(a.malloc(1000)).toBe(-1);
    expect(a.stats.failures).toBe(3);
    expect(a.malloc(ARENA + 1)).toBe(-1);
    expect(a.malloc(2 ** 40)).toBe(-1);
    expect(a.stats.failures).toBe(5);
    expect(a.stats.allocs).toBe(addresses.length);
    a.check();
  });

  it("bump: freeing every object resets the cursor: the next malloc returns the first address again", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const addresses = [a.malloc(100), a.malloc(200), a.malloc(300)];
    a.free(addresses[1]);
    a.free(addresses[0]);
    expect(a.malloc(10)).toBe(addresses[2] + blockBytes(300)); // one object still lives
    a.free(addresses[2]);
    a.free(addresses[2] + blockBytes(300));
    expect(a.malloc(10)).toBe(16);
    a.check();
  });

  it("bump: with resetWhenEmpty false the cursor never moves back", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA, resetWhenEmpty: false });
    const first = a.malloc(100);
    a.free(first);
    expect(a.malloc(10)).toBe(first + blockBytes(100));
    expect(walkOf(a)[0]).toEqual([0, blockBytes(100) + 8, 0, 0]);
    a.check();
  });

  it("bump: after a reset the whole arena is usable again", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const big = a.malloc(ARENA - 100);
    expect(a.malloc(200)).toBe(-1);
    a.free(big);
    expect(a.malloc(ARENA - 100)).toBe(16);
  });
});

describe("bump: realloc", () => {
  it("bump: realloc of the last block grows and shrinks in place by moving the cursor", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(10);
    a.bytes.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], x);
    expect(a.realloc(x, 100)).toBe(x);
    expect(Array.from(a.bytes.subarray(x, x + 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 1, liveBytes: 100, highWater: 8 + blockBytes(100) });
    expect(a.realloc(x, 1)).toBe(x);
    expect(a.malloc(10)).toBe(x + 16);
    expect(a.stats).toMatchObject({ allocs: 2, reallocs: 2, liveBytes: 11 });
    a.check();
  });

  it("bump: realloc of an earlier block moves it to the cursor, copies the bytes and leaves it dead", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(10);
    const y = a.malloc(10);
    a.bytes.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], x);
    const moved = a.realloc(x, 40);
    expect(moved).toBe(y + 32);
    expect(Array.from(a.bytes.subarray(moved, moved + 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(walkOf(a).slice(0, 3)).toEqual([[0, 40, 0, 0], [40, 32, 48, 10], [72, 48, 80, 40]]);
    expect(a.stats).toMatchObject({ allocs: 2, frees: 0, reallocs: 1, liveBytes: 50 });
    expect(heapErrorOf(() => a.free(x)).code).toBe("double-free");
    a.check();
  });

  it("bump: realloc(addr, 0) frees the object and returns -1; a later free is a double free", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(100);
    a.malloc(10);
    expect(a.realloc(x, 0)).toBe(-1);
    expect(a.stats).toMatchObject({ frees: 1, reallocs: 0, failures: 0, liveBytes: 10 });
    expect(heapErrorOf(() => a.free(x)).code).toBe("double-free");
  });

  it("bump: realloc(-1, n) is malloc(n)", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    expect(a.realloc(-1, 30)).toBe(16);
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 0, liveBytes: 30 });
  });

  it("bump: a realloc that cannot be served returns -1, counts a failure and leaves the block intact", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(10);
    a.bytes.set([9, 8, 7], x);
    expect(a.realloc(x, ARENA)).toBe(-1); // last block, no room to grow
    const y = a.malloc(ARENA - 200);
    expect(a.realloc(x, 500)).toBe(-1);   // not last, no room at the cursor
    expect(a.stats).toMatchObject({ failures: 2, reallocs: 0, liveBytes: 10 + ARENA - 200 });
    expect(Array.from(a.bytes.subarray(x, x + 3))).toEqual([9, 8, 7]);
    expect(y).toBeGreaterThan(x);
    a.check();
    a.free(x);
  });
});

describe("bump: errors", () => {
  it("bump: freeing twice throws double-free and changes nothing", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(10);
    a.malloc(10);
    a.free(x);
    const stats = { ...a.stats };
    const error = heapErrorOf(() => a.free(x));
    expect(error).toMatchObject({ code: "double-free", addr: x, message: "bump: double free(0x0010): the block is already free" });
    expect(heapErrorOf(() => a.realloc(x, 5)).code).toBe("double-free");
    // Only the cost model moves: each rejected call still read the header once.
    expect(a.stats).toEqual({ ...stats, probes: stats.probes + 2 });
    a.check();
  });

  it("bump: addresses that were never returned by malloc throw invalid-free", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    const x = a.malloc(1000);
    for (let i = 0; i < 1000; i++) a.bytes[x + i] = (i * 37 + 11) & 255;
    const cases: Array<[number, RegExp]> = [
      [x + 3, /not a 16-aligned address/],
      [0, /before the first header/],
      [x + 512, /no object header precedes it/],
      [x + 2048, /beyond the cursor/],
      [ARENA, /not a 16-aligned address inside the arena/],
      [-16, /not a 16-aligned address/],
    ];
    for (const [addr, why] of cases) {
      const error = heapErrorOf(() => a.free(addr));
      expect(error.code).toBe("invalid-free");
      expect(error.message).toMatch(why);
    }
    expect(heapErrorOf(() => a.realloc(x + 32, 10)).code).toBe("invalid-free");
    expect(a.stats.liveBytes).toBe(1000);
    a.check();
  });

  it("bump: free(-1) does nothing", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    a.free(-1);
    expect(a.stats.frees).toBe(0);
  });

  it("bump: non-integer or negative sizes throw RangeError", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    expect(() => a.malloc(-1)).toThrow(RangeError);
    expect(() => a.malloc(1.5)).toThrow(/invalid size: 1.5/);
    const x = a.malloc(1);
    expect(() => a.realloc(x, Number.NaN)).toThrow(RangeError);
  });

  it("bump: check() names the broken invariant and its address", () => {
    const a = new BumpAllocator({ arenaBytes: ARENA });
    a.malloc(10);
    const y = a.malloc(10);
    a.bytes[y - 8] ^= 1; // a stray write into the second header
    const error = heapErrorOf(() => a.check());
    expect(error.code).toBe("corrupt");
    expect(error.message).toBe("bump: header check word should equal BUMP_MAGIC ^ payload at 0x0028");
  });
});

describe("bump: knobs", () => {
  it("bump: resetWhenEmpty is a boolean knob, default true", () => {
    expect(BUMP_KNOBS).toEqual([expect.objectContaining({ name: "resetWhenEmpty", kind: "boolean", default: true })]);
    expect(new BumpAllocator().resetWhenEmpty).toBe(true);
    expect(new BumpAllocator({ resetWhenEmpty: false }).resetWhenEmpty).toBe(false);
  });

  it("bump: bad knob values and unknown knobs throw RangeError quoting the value", () => {
    expect(() => new BumpAllocator({ resetWhenEmpty: "yes" })).toThrow('invalid resetWhenEmpty: "yes" (must be true or false)');
    expect(() => new BumpAllocator({ reset: true })).toThrow(/unknown option for bump: "reset"/);
    expect(() => new BumpAllocator({ arenaBytes: 3000 })).toThrow(/invalid arenaBytes: 3000/);
  });
});

describe("bump: random operation sequences", () => {
  for (const resetWhenEmpty of [true, false]) {
    it(`bump: keeps every invariant under random malloc/free/realloc (resetWhenEmpty ${resetWhenEmpty})`, () => {
      const make = () => new BumpAllocator({ arenaBytes: ARENA, resetWhenEmpty });
      fc.assert(
        fc.property(fc.array(stepArbitrary(ARENA, 1024), { minLength: 1, maxLength: 120 }), (steps) => {
          replaySteps(make, steps);
        }),
        { numRuns: 30, seed: 20240611 },
      );
    });
  }
});
