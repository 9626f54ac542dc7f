// TLSF: the index math (the worked example of tlsf.ts), the bitmaps, splitting and coalescing, the
// PREV_FREE bit and the prev-physical word, check() catching broken invariants, bounded probes,
// the secondLevel knob, and errors. The random-sequence contract is in properties.test.ts.

import { describe, expect, it } from "vitest";
import { randomLcg } from "d3-random";
import {
  TlsfAllocator, TLSF_HEADER_BYTES, blockSizeFor, tlsfGeometry, tlsfListFloor, tlsfListOf, tlsfSearchListOf,
} from "../../lib/allocators/tlsf.js";
import { HeapError } from "../../lib/allocators/types.js";
import { blocksOf, heapErrorOf } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;
const make = (options = {}) => new TlsfAllocator({ arenaBytes: ARENA, ...options });

describe("tlsf: the index math", () => {
  it("tlsf: malloc(1000) needs a 1008 B block", () => {
    expect(blockSizeFor(1000)).toBe(1008);
    expect(blockSizeFor(0)).toBe(16);
    expect(blockSizeFor(8)).toBe(16);
    expect(blockSizeFor(9)).toBe(32);
  });

  it("tlsf: with 32 second-level lists a 1008 B block is stored and searched on list (2, 31)", () => {
    const g = tlsfGeometry(32, 2 * 1024 * 1024);
    expect(g.smallBlock).toBe(256);
    expect(tlsfListOf(g, 1008)).toEqual({ fl: 2, sl: 31 });
    expect(tlsfSearchListOf(g, 1008)).toEqual({ fl: 2, sl: 31 });
    expect(tlsfListFloor(g, 2, 31)).toBe(1008);
    expect(tlsfListFloor(g, 3, 0)).toBe(1024);
  });

  it("tlsf: with 8 second-level lists a 1008 B block is stored on (4, 7) but searched from (5, 0)", () => {
    const g = tlsfGeometry(8, 2 * 1024 * 1024);
    expect(g.smallBlock).toBe(64);
    expect(tlsfListOf(g, 1008)).toEqual({ fl: 4, sl: 7 });
    expect(tlsfListFloor(g, 4, 7)).toBe(960);
    expect(tlsfSearchListOf(g, 1008)).toEqual({ fl: 5, sl: 0 });
    expect(tlsfListFloor(g, 5, 0)).toBe(1024);
  });

  it("tlsf: small blocks go to linear lists of 8 B spacing", () => {
    const g = tlsfGeometry(32, ARENA);
    expect(tlsfListOf(g, 16)).toEqual({ fl: 0, sl: 2 });
    expect(tlsfListOf(g, 240)).toEqual({ fl: 0, sl: 30 });
    expect(tlsfListOf(g, 256)).toEqual({ fl: 1, sl: 0 });
  });

  it("tlsf: every block on the list a search names is at least the request, for every size and knob", () => {
    for (const sl of [8, 16, 32]) {
      const g = tlsfGeometry(sl, ARENA);
      for (let size = 16; size < ARENA / 2; size += 16) {
        const { fl, sl: s } = tlsfSearchListOf(g, size);
        expect(tlsfListFloor(g, fl, s)).toBeGreaterThanOrEqual(size);
        const stored = tlsfListOf(g, size);
        expect(tlsfListFloor(g, stored.fl, stored.sl)).toBeLessThanOrEqual(size);
      }
    }
  });
});

describe("tlsf: blocks, lists and bitmaps", () => {
  it("tlsf: a fresh heap is the control block and one free block, filed with both bitmap bits set", () => {
    const a = make();
    const blocks = blocksOf(a);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toEqual({ start: 0, bytes: a.controlBytes, payload: a.controlBytes, requested: 0 });
    expect(blocks[1]).toMatchObject({ start: a.controlBytes, bytes: ARENA - a.controlBytes, requested: -1 });
    expect((a.controlBytes + TLSF_HEADER_BYTES) % 16).toBe(0);
    const { fl, sl } = tlsfListOf(a.geometry, ARENA - 8 - a.controlBytes);
    expect(a.freeList(fl, sl)).toEqual([a.controlBytes]);
    expect(a.firstLevelBitmap).toBe(1 << fl);
    expect(a.secondLevelBitmap(fl)).toBe(1 << sl);
    a.check();
  });

  it("tlsf: malloc splits the block it takes; the rest is filed by its own size", () => {
    const a = make();
    const p = a.malloc(1000);
    expect(p % 16).toBe(0);
    const [, used, rest] = blocksOf(a);
    expect(used).toEqual({ start: p - 8, bytes: 1008, payload: p, requested: 1000 });
    expect(rest.requested).toBe(-1);
    const { fl, sl } = tlsfListOf(a.geometry, rest.bytes - 8);
    expect(a.freeList(fl, sl)).toEqual([rest.start]);
    expect(a.stats.splits).toBe(1);
    a.check();
  });

  it("tlsf: a freed 1008 B block is found again by malloc(1000) in its list, with no walk", () => {
    const a = make();
    const p = a.malloc(1000);
    a.malloc(16); // keeps p from merging with the rest of the heap
    a.free(p);
    expect(a.freeList(2, 31)).toEqual([p - 8]);
    const probes = a.stats.probes;
    expect(a.malloc(1000)).toBe(p);
    expect(a.stats.probes - probes).toBeLessThanOrEqual(5);
    a.check();
  });

  it("tlsf: free coalesces with both neighbours and the PREV_FREE bits follow", () => {
    const a = make();
    const x = a.malloc(100), y = a.malloc(100), z = a.malloc(100);
    a.malloc(100); // guard
    a.free(x);
    a.free(z);
    a.check(); // y's and the guard's PREV_FREE bits are set, z's prev-physical word points at z
    const coalesces = a.stats.coalesces;
    a.free(y);
    expect(a.stats.coalesces - coalesces).toBe(2);
    const free = blocksOf(a).filter((b) => b.requested < 0);
    expect(free[0]).toMatchObject({ start: x - 8, bytes: 3 * 112 });
    a.check();
  });

  it("tlsf: a remainder below the minimum block is handed out whole", () => {
    const a = make();
    const x = a.malloc(40); // 48 B
    a.malloc(8);
    a.free(x);
    const p = a.malloc(24); // needs 32: 16 B would remain, which is a whole MIN_BLOCK
    expect(p).toBe(x);
    expect(blocksOf(a).find((b) => b.payload === p)!.bytes).toBe(32);
    a.free(p);
    const q = a.malloc(33); // needs 48: nothing remains
    expect(q).toBe(x);
    a.check();
  });

  it("tlsf: realloc grows into a free next block, shrinks in place, and moves when it must", () => {
    const a = make();
    const p = a.malloc(100);
    const q = a.malloc(100);
    a.malloc(100);
    a.free(q);
    a.bytes.fill(9, p, p + 100);
    expect(a.realloc(p, 200)).toBe(p); // absorbs q's block
    expect(a.realloc(p, 50)).toBe(p);
    const moved = a.realloc(p, 4000);
    expect(moved).not.toBe(p);
    expect(Array.from(a.bytes.subarray(moved, moved + 50))).toEqual(new Array(50).fill(9));
    expect(a.stats).toMatchObject({ reallocs: 3, allocs: 3, frees: 1, liveBytes: 4100 });
    a.check();
  });

  it("tlsf: 20k seeded random ops keep every invariant, and freeing everything leaves one free block", () => {
    for (const [secondLevel, search, probeBound] of [[8, "round-up", 5], [16, "round-up", 5], [32, "round-up", 5], [32, "own-list-first", 6]] as const) {
      const a = make({ secondLevel, search });
      const random = randomLcg(secondLevel + probeBound);
      const live: number[] = [];
      let maxMallocProbes = 0;
      for (let i = 0; i < 20000; i++) {
        const r = random();
        if (r < 0.5 || live.length === 0) {
          const before = a.stats.probes;
          const p = a.malloc(random() < 0.8 ? Math.floor(random() * 200) : Math.floor(random() * 4000));
          maxMallocProbes = Math.max(maxMallocProbes, a.stats.probes - before);
          if (p !== -1) live.push(p);
        } else if (r < 0.85) {
          const k = Math.floor(random() * live.length);
          a.free(live[k]);
          live[k] = live[live.length - 1];
          live.pop();
        } else {
          const k = Math.floor(random() * live.length);
          const q = a.realloc(live[k], 1 + Math.floor(random() * 3000));
          if (q !== -1) live[k] = q;
        }
        if (i % 500 === 0) a.check();
      }
      expect(maxMallocProbes).toBeLessThanOrEqual(probeBound);
      for (const p of live) a.free(p);
      a.check();
      expect(blocksOf(a)).toHaveLength(2);
    }
  });
});

describe("tlsf: check() names the broken invariant", () => {
  it("tlsf: a bitmap bit without a block on its list is reported", () => {
    const a = make();
    a.malloc(100);
    a.bytes[0] |= 1; // flBitmap bit 0 and slBitmap[0] bit 0: list (0, 0) claims a block
    a.bytes[4] |= 1;
    expect(() => a.check()).toThrow(/bit 0 of slBitmap\[0\] == \(heads\[0\]\[0\] != NIL\)/);
  });

  it("tlsf: a block on the wrong list is reported", () => {
    const a = make();
    const x = a.malloc(100);
    a.malloc(100);
    a.free(x);
    const h = x - 8;
    a.bytes[h] = (a.bytes[h] & 15) | 0x80; // its size word now says 128 + bits, on the list of 112
    expect(() => a.check()).toThrow(HeapError);
  });

  it("tlsf: a PREV_FREE bit that disagrees with its neighbour is reported", () => {
    const a = make();
    const x = a.malloc(100);
    const y = a.malloc(100);
    a.malloc(100);
    a.free(x);
    a.bytes[y - 8] &= ~2;
    expect(() => a.check()).toThrow(/PREV_FREE\(next\(b\)\) == FREE\(b\)/);
  });
});

describe("tlsf: errors and knobs", () => {
  it("tlsf: a double free is a HeapError double-free, a foreign address an invalid-free", () => {
    const a = make();
    const x = a.malloc(64);
    a.malloc(64);
    a.free(x);
    expect(heapErrorOf(() => a.free(x)).code).toBe("double-free");
    expect(heapErrorOf(() => a.free(x + 16)).code).toBe("invalid-free");
    expect(heapErrorOf(() => a.free(3)).code).toBe("invalid-free");
    expect(heapErrorOf(() => a.free(ARENA * 2)).code).toBe("invalid-free");
    a.check();
  });


  // Found by the property test: a header merged into a neighbour stays in memory, and payload bytes
  // written over its low byte made it read "used" again with the stale size above it intact.
  it("tlsf: freeing a block merged away is a HeapError even when payload bytes forge its header", () => {
    const a = make();
    const first = a.malloc(16); // a 32 B block
    const second = a.malloc(0); // a 16 B block right after it
    a.malloc(0); // keeps the merged block below the top
    a.free(first);
    a.free(second); // merges into first: second's header, requested word intact, lies inside a 48 B free block
    const reused = a.malloc(40); // takes that whole 48 B block
    expect(reused).toBe(first);
    const staleHeader = second - TLSF_HEADER_BYTES;
    a.bytes[staleHeader] = 16; // the program writes its payload: size 16, no FREE bit
    a.bytes[staleHeader + 1] = 0;
    expect(["double-free", "invalid-free"]).toContain(heapErrorOf(() => a.free(second)).code);
    a.check();
  });
  it("tlsf: a request larger than any block fails and counts a failure", () => {
    const a = make();
    expect(a.malloc(ARENA)).toBe(-1);
    expect(a.malloc(ARENA - 1024)).toBe(-1); // rounded up past the largest list
    expect(a.stats.failures).toBe(2);
    expect(a.malloc(ARENA / 2)).not.toBe(-1);
  });

  it("tlsf: secondLevel accepts 8, 16 and 32 (as numbers or strings) and refuses anything else", () => {
    expect(make({ secondLevel: 16 }).geometry.slCount).toBe(16);
    expect(make({ secondLevel: "8" }).geometry.smallBlock).toBe(64);
    expect(() => make({ secondLevel: 12 })).toThrow(/invalid secondLevel: 12 \(must be one of 8, 16, 32\)/);
    expect(() => make({ secondLevels: 8 })).toThrow(/unknown option for tlsf/);
  });

  it("tlsf: search=own-list-first takes back an exact hole that the reference's round-up passes over", () => {
    const run = (search: string) => {
      const a = make({ search });
      const hole = a.malloc(1032); // a 1040 B block on list [1024, 1056), whose floor is not 1040
      a.malloc(24); // a guard, so the hole cannot merge into the top
      a.free(hole);
      const before = a.stats.probes;
      const again = a.malloc(1032);
      a.check();
      return { reused: again === hole, probes: a.stats.probes - before };
    };
    expect(run("round-up")).toEqual({ reused: false, probes: 5 }); // rounded to [1056, 1088): two bitmap words, a first level, the top block and its next header
    expect(run("own-list-first")).toEqual({ reused: true, probes: 3 }); // the own list's head, its header, the next header
    expect(() => make({ search: "best" })).toThrow(/invalid search: "best" \(must be one of round-up, own-list-first\)/);
  });
});
