// The explicit free list over boundary tags: placement and order policies, splitting at the
// minimum-block boundary, coalescing, realloc in place, walk() on a hand-built heap, errors and
// counters. The shared property tests (properties.test.ts) cover random sequences op by op.

import { describe, expect, it } from "vitest";
import { randomLcg } from "d3-random";
import { FreeListAllocator, FREELIST_KNOBS } from "../../lib/allocators/freelist.js";
import { HeapError, type Allocator, type AllocatorOptions } from "../../lib/allocators/types.js";
import { censusOf } from "../../lib/arena.js";
import { blocksOf, type WalkedBlock } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

function freeBlocksOf(a: Allocator): WalkedBlock[] {
  return blocksOf(a).filter((b) => b.requested < 0);
}

// The arena's own behaviour: the large-object path is off here (test/allocators/large.test.ts has it).
function make(options: AllocatorOptions = {}): FreeListAllocator {
  return new FreeListAllocator({ arenaBytes: ARENA, largeThreshold: 0, ...options });
}

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

// A seeded mix of malloc, free and realloc; payloads carry a stamp that must survive every move.
function replayRandomOps(a: Allocator, seed: number, ops: number): void {
  const random = randomLcg(seed);
  const live: number[] = [];
  const sizes = new Map<number, number>();
  const pickSize = () => {
    const r = random();
    if (r < 0.7) return Math.floor(random() * 129);
    if (r < 0.95) return 129 + Math.floor(random() * 1920);
    return 2049 + Math.floor(random() * 14336);
  };
  const stamp = (p: number, size: number) => { if (size > 0) a.bytes[p] = a.bytes[p + size - 1] = (p >> 4) & 255; };
  const verifyStamp = (p: number, size: number, stampedAt: number) => {
    if (size > 0) expect(a.bytes[p]).toBe((stampedAt >> 4) & 255);
  };
  for (let i = 0; i < ops; i++) {
    const r = random();
    if (r < 0.5 || live.length === 0) {
      const size = pickSize();
      const p = a.malloc(size);
      if (p !== -1) {
        live.push(p);
        sizes.set(p, size);
        stamp(p, size);
      }
    } else if (r < 0.85) {
      const k = Math.floor(random() * live.length);
      const p = live[k];
      verifyStamp(p, sizes.get(p)!, p);
      live[k] = live[live.length - 1];
      live.pop();
      sizes.delete(p);
      a.free(p);
    } else {
      const k = Math.floor(random() * live.length);
      const p = live[k];
      const size = pickSize();
      const q = a.realloc(p, size);
      if (size === 0) { // realloc(p, 0) freed p
        live[k] = live[live.length - 1];
        live.pop();
        sizes.delete(p);
      } else if (q !== -1) {
        if (Math.min(size, sizes.get(p)!) > 0) verifyStamp(q, 1, p);
        sizes.delete(p);
        live[k] = q;
        sizes.set(q, size);
        stamp(q, size);
      }
    }
    if (i % 250 === 0) a.check();
  }
  a.check();
  for (const p of live) a.free(p);
  a.check();
}

describe("freelist: seeded random operations", () => {
  const configurations: AllocatorOptions[] = [];
  for (const placement of ["first", "next", "best"]) {
    for (const order of ["lifo", "address"]) configurations.push({ placement, order });
  }

  it.each(configurations)("freelist %j: 20k ops keep every invariant, and freeing everything leaves one free block covering the arena", (options) => {
    const a = new FreeListAllocator({ arenaBytes: 256 * 1024, ...options });
    replayRandomOps(a, 20240611, 20_000);
    expect(blocksOf(a)).toEqual([{ start: 0, bytes: a.arenaBytes, payload: 16, requested: -1 }]);
    expect(a.freeList()).toEqual([8]);
    expect(a.stats.liveBytes).toBe(0);
    expect(a.stats.allocs).toBe(a.stats.frees);
    expect(a.stats.failures).toBeGreaterThan(0);
    expect(censusOf(a)).toMatchObject({ freeBytes: a.arenaBytes, fragmentation: 0 });
  });
});

describe("freelist: placement policies", () => {
  // Three holes at rising addresses — 256, 64 and 128 bytes — between used guards, then the rest of
  // the heap. Each request below needs a 64-byte block (52 requested + 12 bytes of tags).
  function heapWithHoles(placement: string) {
    const a = make({ placement, order: "address" });
    const hole256 = a.malloc(244);
    a.malloc(20);
    const hole64 = a.malloc(52);
    a.malloc(20);
    const hole128 = a.malloc(116);
    a.malloc(20);
    a.free(hole256);
    a.free(hole64);
    a.free(hole128);
    return { a, hole256, hole64, hole128 };
  }

  it("freelist: first, next and best fit choose different holes for the same requests", () => {
    const first = heapWithHoles("first");
    expect([first.a.malloc(52), first.a.malloc(52)]).toEqual([first.hole256, first.hole256 + 64]);

    const next = heapWithHoles("next");
    expect([next.a.malloc(52), next.a.malloc(52)]).toEqual([next.hole256, next.hole64]);

    const best = heapWithHoles("best");
    expect([best.a.malloc(52), best.a.malloc(52)]).toEqual([best.hole64, best.hole128]);

    for (const { a } of [first, next, best]) a.check();
  });

  it("freelist: next fit wraps around to the head when nothing past the rover fits", () => {
    const { a, hole256, hole64 } = heapWithHoles("next");
    expect(a.malloc(52)).toBe(hole256); // rover moves to the 64-byte hole
    expect(a.malloc(52)).toBe(hole64); // rover moves to the 128-byte hole
    const rest = freeBlocksOf(a).at(-1)!;
    expect(a.malloc(rest.bytes - 8 - 12)).toBe(rest.payload); // the whole tail: rover wraps to NIL
    expect(a.malloc(180)).toBe(hole256 + 64); // from the head again: the 192-byte remainder
    a.check();
  });

  it("freelist: best fit stops at an exact fit", () => {
    const { a, hole64 } = heapWithHoles("best");
    const before = a.stats.probes;
    expect(a.malloc(52)).toBe(hole64);
    expect(a.stats.probes - before).toBe(2); // the 256-byte hole, then the exact 64
  });

  it("freelist: with LIFO order, first fit takes the most recently freed hole that fits", () => {
    const a = make({ placement: "first", order: "lifo" });
    const low = a.malloc(100);
    a.malloc(20);
    const high = a.malloc(100);
    a.malloc(20);
    a.free(low);
    a.free(high);
    expect(a.freeList()[0]).toBe(high - 8);
    expect(a.malloc(100)).toBe(high);
    expect(a.malloc(100)).toBe(low);
  });

  it("freelist: address order keeps the list sorted through random operations", () => {
    const a = make({ placement: "first", order: "address" });
    const random = randomLcg(7);
    const live: number[] = [];
    for (let i = 0; i < 3000; i++) {
      if (random() < 0.55 || live.length === 0) {
        const p = a.malloc(Math.floor(random() * 600));
        if (p !== -1) live.push(p);
      } else {
        const k = Math.floor(random() * live.length);
        a.free(live[k]);
        live[k] = live[live.length - 1];
        live.pop();
      }
      if (i % 100 === 0) {
        const list = a.freeList();
        expect(list).toEqual([...list].sort((x, y) => x - y));
        expect(list).toEqual(freeBlocksOf(a).map((b) => (b.start === 0 ? 8 : b.start)));
      }
    }
    a.check();
  });
});

describe("freelist: splitting and coalescing", () => {
  it("freelist: a remainder below the minimum block is not split off, one at the minimum is", () => {
    const a = make();
    const hole80 = a.malloc(68); // 80-byte block
    a.malloc(20);
    const hole96 = a.malloc(84); // 96-byte block
    a.malloc(20);
    a.free(hole80);
    let splits = a.stats.splits;
    expect(a.malloc(52)).toBe(hole80); // needs 64: a 16-byte remainder stays inside the block
    expect(a.stats.splits).toBe(splits);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 88, payload: 16, requested: 52 });

    a.free(hole96);
    splits = a.stats.splits;
    expect(a.malloc(52)).toBe(hole96); // needs 64: the 32-byte remainder becomes a free block
    expect(a.stats.splits).toBe(splits + 1);
    const at = blocksOf(a).findIndex((b) => b.payload === hole96);
    expect(blocksOf(a)[at]).toMatchObject({ start: hole96 - 8, bytes: 64, requested: 52 });
    expect(blocksOf(a)[at + 1]).toMatchObject({ start: hole96 + 56, bytes: 32, requested: -1 });
    a.check();
  });

  function fourBlocks() {
    const a = make({ order: "address" });
    const [p, q, r, s] = [a.malloc(20), a.malloc(20), a.malloc(20), a.malloc(20)];
    return { a, p, q, r, s };
  }

  it("freelist: free coalesces with the previous block", () => {
    const { a, p, q } = fourBlocks();
    a.free(p);
    a.free(q);
    expect(a.stats.coalesces).toBe(1);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 72, payload: 16, requested: -1 });
    a.check();
  });

  it("freelist: free coalesces with the next block", () => {
    const { a, p, q } = fourBlocks();
    a.free(q);
    a.free(p);
    expect(a.stats.coalesces).toBe(1);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 72, payload: 16, requested: -1 });
    a.check();
  });

  it("freelist: free coalesces with both neighbours at once", () => {
    const { a, p, q, r, s } = fourBlocks();
    a.free(p);
    a.free(r);
    a.free(q);
    expect(a.stats.coalesces).toBe(2);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 104, payload: 16, requested: -1 });
    expect(a.freeList()).toEqual([8, s + 24]); // the merged block, then the heap after s
    a.check();
  });

  it("freelist: the last block coalesces into the rest of the heap", () => {
    const { a, s } = fourBlocks();
    a.free(s);
    expect(freeBlocksOf(a)).toEqual([{ start: s - 8, bytes: ARENA - (s - 8), payload: s, requested: -1 }]);
  });
});

describe("freelist: realloc", () => {
  it("freelist: realloc grows in place by absorbing a free next block", () => {
    const a = make();
    const p = a.malloc(20);
    const q = a.malloc(100);
    a.malloc(20);
    a.bytes.fill(0xab, p, p + 20);
    a.free(q);
    expect(a.realloc(p, 60)).toBe(p); // 32 + 112 bytes hold 72: the 64-byte leftover is split off
    expect(a.bytes.subarray(p, p + 20).every((b) => b === 0xab)).toBe(true);
    expect(blocksOf(a).slice(0, 2)).toEqual([
      { start: 0, bytes: 88, payload: 16, requested: 60 },
      { start: 88, bytes: 64, payload: 96, requested: -1 },
    ]);
    expect(a.realloc(p, 132)).toBe(p); // 80 + 64 = 144 = exactly what 132 needs
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 152, payload: 16, requested: 132 });
    expect(a.stats.reallocs).toBe(2);
    a.check();
  });

  it("freelist: realloc moves when the next block is in use, keeping the bytes", () => {
    const a = make();
    const p = a.malloc(40);
    const guard = a.malloc(20);
    for (let i = 0; i < 40; i++) a.bytes[p + i] = i + 1;
    const q = a.realloc(p, 200);
    expect(q).not.toBe(p);
    expect(q).toBeGreaterThan(guard);
    for (let i = 0; i < 40; i++) expect(a.bytes[q + i]).toBe(i + 1);
    expect(blocksOf(a)[0]).toMatchObject({ start: 0, requested: -1 });
    expect(a.stats).toMatchObject({ allocs: 2, frees: 0, reallocs: 1, liveBytes: 220 });
    a.check();
  });

  it("freelist: realloc shrinks in place, splitting off the tail or giving it to a free neighbour", () => {
    const a = make();
    const p = a.malloc(500); // 512
    const guard = a.malloc(20);
    expect(a.realloc(p, 100)).toBe(p); // 112: the 400-byte tail becomes a free block
    expect(blocksOf(a).slice(0, 2)).toEqual([
      { start: 0, bytes: 120, payload: 16, requested: 100 },
      { start: 120, bytes: 400, payload: 128, requested: -1 },
    ]);
    expect(a.realloc(p, 84)).toBe(p); // 96: the 16-byte tail joins the free block after it
    expect(blocksOf(a)[1]).toEqual({ start: 104, bytes: 416, payload: 112, requested: -1 });
    a.free(guard);
    a.malloc(20);
    a.check();
  });

  it("freelist: realloc keeps a tail below the minimum block when the next block is in use", () => {
    const a = make();
    const p = a.malloc(68); // 80
    a.malloc(20);
    expect(a.realloc(p, 52)).toBe(p); // needs 64: 16 bytes cannot stand alone
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 88, payload: 16, requested: 52 });
    expect(a.realloc(p, 4)).toBe(p); // needs 32: the 48-byte tail is split off
    expect(blocksOf(a).slice(0, 2)).toEqual([
      { start: 0, bytes: 40, payload: 16, requested: 4 },
      { start: 40, bytes: 48, payload: 48, requested: -1 },
    ]);
    a.check();
  });

  it("freelist: realloc(-1, n) is malloc(n); a failed realloc leaves the block and its bytes intact", () => {
    const a = make();
    const p = a.realloc(-1, 30);
    expect(p).toBe(16);
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 0 });
    a.bytes.fill(7, p, p + 30);
    expect(a.realloc(p, ARENA)).toBe(-1);
    expect(a.realloc(p, ARENA * 4)).toBe(-1);
    expect(a.stats.failures).toBe(2);
    expect(a.bytes.subarray(p, p + 30).every((b) => b === 7)).toBe(true);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 56, payload: 16, requested: 30 });
    expect(() => a.realloc(p, -1)).toThrow(RangeError);
    a.check();
  });
});

describe("freelist: walk, errors and counters", () => {
  it("freelist: walk reports header, payload, reserved and free bytes of a hand-built heap", () => {
    const a = make();
    expect(blocksOf(a)).toEqual([{ start: 0, bytes: ARENA, payload: 16, requested: -1 }]);
    const p = a.malloc(20); // [8, 40): tags 8 + 4, payload 20
    const q = a.malloc(0); // [40, 72): a minimal block
    const r = a.malloc(100); // [72, 184)
    expect([p, q, r]).toEqual([16, 48, 80]);
    a.free(q);
    expect(blocksOf(a)).toEqual([
      { start: 0, bytes: 40, payload: 16, requested: 20 }, // the prologue's 8 bytes count as header
      { start: 40, bytes: 32, payload: 48, requested: -1 },
      { start: 72, bytes: 112, payload: 80, requested: 100 },
      { start: 184, bytes: ARENA - 184, payload: 192, requested: -1 }, // up to the end, epilogue included
    ]);
    expect(censusOf(a)).toMatchObject({
      usedBytes: 120, headerBytes: 16 + 8, reservedBytes: 4 + 4, freeBytes: 32 + ARENA - 184,
    });
    const last = a.malloc(ARENA - 184 - 8 - 12); // exactly the rest of the heap
    expect(blocksOf(a).at(-1)).toEqual({ start: 184, bytes: ARENA - 184, payload: last, requested: ARENA - 204 });
    expect(a.stats.highWater).toBe(ARENA);
    a.check();
  });

  it("freelist: malloc(0) returns a minimal block; requests that cannot fit fail and count", () => {
    const a = make();
    expect(a.malloc(0)).toBe(16);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 40, payload: 16, requested: 0 });
    expect(a.malloc(ARENA)).toBe(-1);
    expect(a.malloc(2 ** 40)).toBe(-1);
    expect(a.malloc(ARENA - 40 - 8 - 12)).not.toBe(-1);
    expect(a.malloc(0)).toBe(-1);
    expect(a.stats.failures).toBe(3);
    expect(() => a.malloc(-1)).toThrow(RangeError);
    expect(() => a.malloc(1.5)).toThrow("invalid size: 1.5");
    expect(() => a.malloc(Number.NaN)).toThrow(RangeError);
    a.check();
  });

  it("freelist: a double free throws double-free and changes nothing", () => {
    const a = make();
    const p = a.malloc(40);
    a.malloc(40);
    a.free(p);
    const before = blocksOf(a);
    const error = thrown(() => a.free(p));
    expect(error).toBeInstanceOf(HeapError);
    expect(error).toMatchObject({ code: "double-free", addr: p, message: "freelist: double free(0x0010): the block is already free" });
    expect(() => a.realloc(p, 10)).toThrow(HeapError);
    expect(blocksOf(a)).toEqual(before);
    expect(a.stats.frees).toBe(1);
    a.check();
  });

  it("freelist: freeing what malloc never returned throws invalid-free", () => {
    const a = make();
    const p = a.malloc(200);
    a.malloc(20);
    for (const addr of [p + 16, p + 8, 0, 8, 24, ARENA, ARENA - 16, 2 ** 31, 17, -16]) {
      const error = thrown(() => a.free(addr));
      expect(error).toMatchObject({ code: "invalid-free", addr });
    }
    expect(thrown(() => a.free(p + 32))).toMatchObject({ message: expect.stringMatching(/^freelist: invalid free\(0x0030\): /) });
    a.check();
  });

  it("freelist: random garbage addresses inside payloads are rejected without touching the heap", () => {
    const a = make();
    const random = randomLcg(99);
    const live: number[] = [];
    for (let i = 0; i < 40; i++) live.push(a.malloc(64 + Math.floor(random() * 900)));
    for (const p of live.filter((_, i) => i % 3 === 0)) a.free(p);
    // Fill every byte the program may write with garbage, then free 16-aligned addresses inside payloads.
    a.walk((start, bytes, payload, requested) => {
      for (let i = 0; i < requested; i++) a.bytes[payload + i] = Math.floor(random() * 256);
    });
    const before = blocksOf(a);
    let rejected = 0;
    a.walk((start, bytes, payload, requested) => {
      for (let addr = payload + 16; addr < payload + requested; addr += 16) {
        expect(() => a.free(addr)).toThrow(HeapError);
        rejected++;
      }
    });
    expect(rejected).toBeGreaterThan(200);
    expect(blocksOf(a)).toEqual(before);
    a.check();
  });

  it("freelist: free(-1) is a no-op", () => {
    const a = make();
    a.free(-1);
    expect(a.stats.frees).toBe(0);
    a.check();
  });

  it("freelist: counters follow allocs, frees, reallocs, splits, coalesces, probes, live bytes and the high-water mark", () => {
    const a = make({ placement: "first", order: "lifo" });
    const p = a.malloc(20); // splits the heap: 1 node examined
    expect(a.stats).toMatchObject({ allocs: 1, splits: 1, probes: 1, liveBytes: 20, peakLiveBytes: 20, highWater: 40 });
    const q = a.malloc(100);
    expect(a.stats).toMatchObject({ allocs: 2, splits: 2, probes: 2, liveBytes: 120, highWater: 152 });
    a.free(p); // header + footer + prev footer + next header
    expect(a.stats).toMatchObject({ frees: 1, coalesces: 0, probes: 6, liveBytes: 100, peakLiveBytes: 120 });
    a.free(q); // merges with both neighbours
    expect(a.stats).toMatchObject({ frees: 2, coalesces: 2, probes: 10, liveBytes: 0, highWater: 152 });
    const r = a.malloc(10);
    expect(a.realloc(r, 30)).toBe(r); // grows into the free block after it
    expect(a.stats).toMatchObject({ allocs: 3, reallocs: 1, liveBytes: 30, peakLiveBytes: 120, failures: 0 });
    expect(a.malloc(ARENA)).toBe(-1);
    expect(a.stats.failures).toBe(1);
    a.check();
  });
});

describe("freelist: knobs", () => {
  it("freelist: FREELIST_KNOBS describes placement and order with their defaults", () => {
    expect(FREELIST_KNOBS.map((k) => [k.name, k.default])).toEqual([["placement", "first"], ["order", "lifo"], ["largeThreshold", 128 * 1024], ["slidingThreshold", false]]);
    const a = new FreeListAllocator();
    expect([a.placement, a.order, a.arenaBytes]).toEqual(["first", "lifo", 2 * 1024 * 1024]);
  });

  it("freelist: invalid knob values are rejected, quoting the value", () => {
    expect(() => make({ placement: "worst" })).toThrow('invalid placement: "worst" (must be one of first, next, best)');
    expect(() => make({ order: 3 })).toThrow('invalid order: 3 (must be one of lifo, address)');
    expect(() => make({ searchLimit: 8 })).toThrow('unknown option for freelist: "searchLimit"');
    expect(() => new FreeListAllocator({ arenaBytes: 3000 })).toThrow("invalid arenaBytes: 3000");
  });
});
