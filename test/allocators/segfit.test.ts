// Segregated fits over boundary tags: size classes, the bitmap of non-empty classes, the searchLimit
// knob, splitting, coalescing across classes, realloc in place, walk(), errors and counters. The
// shared property tests (properties.test.ts) cover random sequences op by op.

import { describe, expect, it } from "vitest";
import { randomLcg } from "d3-random";
import {
  SegFitAllocator, SEGFIT_CLASSES, SEGFIT_KNOBS, segfitClassFloor, segfitClassOf,
} from "../../lib/allocators/segfit.js";
import { HeapError, type Allocator, type AllocatorOptions } from "../../lib/allocators/types.js";
import { censusOf } from "../../lib/arena.js";
import { blocksOf, type WalkedBlock } from "../support/allocator-harness.js";

const ARENA = 256 * 1024;

// The arena's own behaviour: the large-object path is off here (test/allocators/large.test.ts has it).
function make(options: AllocatorOptions = {}): SegFitAllocator {
  return new SegFitAllocator({ arenaBytes: ARENA, largeThreshold: 0, ...options });
}

function bit(k: number): number {
  return 1 << k;
}

/** Which classes have a block, read from the lists themselves rather than from the bitmap. */
function classesWithBlocks(a: SegFitAllocator): number {
  let bits = 0;
  for (let k = 0; k < SEGFIT_CLASSES; k++) if (a.classList(k).length > 0) bits |= bit(k);
  return bits;
}

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

// A seeded mix of malloc, free and realloc; `every` runs (with check()) every 250 ops.
function replayRandomOps(a: SegFitAllocator, seed: number, ops: number, every: () => void): void {
  const random = randomLcg(seed);
  const live: number[] = [];
  const pickSize = () => {
    const r = random();
    if (r < 0.7) return Math.floor(random() * 129);
    if (r < 0.95) return 129 + Math.floor(random() * 3968);
    return 4097 + Math.floor(random() * 60000);
  };
  for (let i = 0; i < ops; i++) {
    const r = random();
    if (r < 0.5 || live.length === 0) {
      const p = a.malloc(pickSize());
      if (p !== -1) live.push(p);
    } else if (r < 0.85) {
      const k = Math.floor(random() * live.length);
      a.free(live[k]);
      live[k] = live[live.length - 1];
      live.pop();
    } else {
      const k = Math.floor(random() * live.length);
      const size = pickSize();
      const q = a.realloc(live[k], size);
      if (size === 0) { live[k] = live[live.length - 1]; live.pop(); } // realloc(p, 0) freed p
      else if (q !== -1) live[k] = q;
    }
    if (i % 250 === 0) {
      a.check();
      every();
    }
  }
  a.check();
  for (const p of live) a.free(p);
  a.check();
  every();
}

describe("segfit: size classes", () => {
  it("segfit: class k holds blocks of 32·2^k up to 32·2^(k+1) bytes; class 11 everything from 64 KiB", () => {
    expect([32, 48, 63, 64, 127, 128, 4112, 32767, 32768, 65535, 65536, 2 ** 30].map(segfitClassOf))
      .toEqual([0, 0, 0, 1, 1, 2, 7, 9, 10, 10, 11, 11]);
    for (let k = 0; k < SEGFIT_CLASSES; k++) {
      expect(segfitClassOf(segfitClassFloor(k))).toBe(k);
      if (k > 0) expect(segfitClassOf(segfitClassFloor(k) - 16)).toBe(k - 1);
    }
  });

  it("segfit: a fresh heap is one free block in the top class", () => {
    const a = make();
    expect(a.nonEmptyClasses).toBe(bit(11));
    expect(a.classList(11)).toEqual([8]);
    expect(new SegFitAllocator({ arenaBytes: 64 * 1024 }).nonEmptyClasses).toBe(bit(10)); // 65,520 bytes
  });
});

describe("segfit: seeded random operations", () => {
  it.each([{}, { searchLimit: 0 }, { searchLimit: 1 }, { searchLimit: 1000 }])(
    "segfit %j: 20k ops keep every invariant and the bitmap, and freeing everything leaves one free block covering the arena",
    (options) => {
      const a = make(options);
      replayRandomOps(a, 424242, 20_000, () => expect(a.nonEmptyClasses).toBe(classesWithBlocks(a)));
      expect(blocksOf(a)).toEqual([{ start: 0, bytes: ARENA, payload: 16, requested: -1 }]);
      expect(a.nonEmptyClasses).toBe(bit(11));
      expect(a.stats.liveBytes).toBe(0);
      expect(a.stats.failures).toBeGreaterThan(0);
      expect(censusOf(a)).toMatchObject({ freeBytes: ARENA, fragmentation: 0 });
    },
  );
});

describe("segfit: the bitmap and searchLimit", () => {
  it("segfit: the bitmap tracks which classes have a free block", () => {
    const a = make();
    const small = a.malloc(52); // 64 bytes: class 1 once free
    a.malloc(20);
    const large = a.malloc(500); // 512 bytes: class 4 once free
    a.malloc(20);
    expect(a.nonEmptyClasses).toBe(bit(11));
    a.free(small);
    expect(a.nonEmptyClasses).toBe(bit(1) | bit(11));
    a.free(large);
    expect(a.nonEmptyClasses).toBe(bit(1) | bit(4) | bit(11));
    expect(a.classList(4)).toEqual([large - 8]);
    expect(a.malloc(52)).toBe(small); // the head of class 1 fits
    expect(a.nonEmptyClasses).toBe(bit(4) | bit(11));
    expect(a.malloc(480)).toBe(large); // class 3 is empty: the bitmap leads to class 4
    expect(a.nonEmptyClasses).toBe(bit(11));
    a.check();
  });

  // Class 1 (64–127 bytes) holds, from its head: 64, 64, then 112 bytes. A request for 100 bytes
  // needs 112: only the third node fits, and the rest of the heap sits in class 11.
  function classOneWithDeepFit(options: AllocatorOptions, arenaBytes = ARENA) {
    const a = new SegFitAllocator({ arenaBytes, ...options });
    const deep = a.malloc(100);
    a.malloc(20);
    const small1 = a.malloc(52);
    a.malloc(20);
    const small2 = a.malloc(52);
    a.malloc(20);
    a.free(deep);
    a.free(small1);
    a.free(small2);
    expect(a.classList(1)).toEqual([small2 - 8, small1 - 8, deep - 8]);
    const rest = blocksOf(a).at(-1)!;
    return { a, deep, rest };
  }

  it("segfit: searchLimit decides between a deep fit in the class and a block from a larger class", () => {
    for (const [limit, chooses] of [[0, "rest"], [1, "rest"], [2, "rest"], [3, "deep"], [8, "deep"]] as const) {
      const { a, deep, rest } = classOneWithDeepFit({ searchLimit: limit });
      expect(a.malloc(100)).toBe(chooses === "deep" ? deep : rest.payload);
      a.check();
    }
  });

  it("segfit: probes count the nodes examined and the bitmap word", () => {
    const deep = classOneWithDeepFit({ searchLimit: 8 });
    let before = deep.a.stats.probes;
    deep.a.malloc(100); // three nodes of class 1
    expect(deep.a.stats.probes - before).toBe(3);

    const up = classOneWithDeepFit({ searchLimit: 2 });
    before = up.a.stats.probes;
    up.a.malloc(100); // two nodes, the bitmap, the head of class 11
    expect(up.a.stats.probes - before).toBe(4);

    const fresh = make();
    fresh.malloc(20); // class 0 is empty: the bitmap, then the head of class 11
    expect(fresh.stats.probes).toBe(2);
    const p = fresh.malloc(20);
    fresh.malloc(20);
    expect(fresh.stats.probes).toBe(6);
    fresh.free(p); // header, footer, both neighbours' tags
    expect(fresh.stats.probes).toBe(10);
    expect(fresh.malloc(20)).toBe(p); // fast path: the head of class 0 fits
    expect(fresh.stats.probes).toBe(11);
  });

  it("segfit: with no larger class to move up to, the rest of the class is searched past the limit", () => {
    for (const searchLimit of [0, 1]) {
      const { a, deep, rest } = classOneWithDeepFit({ searchLimit }, 64 * 1024);
      expect(a.malloc(rest.bytes - 8 - 12)).toBe(rest.payload); // the whole rest of the heap
      expect(a.nonEmptyClasses).toBe(bit(1));
      expect(a.malloc(100)).toBe(deep);
      expect(a.malloc(100)).toBe(-1);
      a.check();
    }
  });
});

describe("segfit: splitting, coalescing and realloc", () => {
  it("segfit: a remainder below the minimum block is not split off, one at the minimum is", () => {
    const a = make();
    const hole80 = a.malloc(68);
    a.malloc(20);
    const hole96 = a.malloc(84);
    a.malloc(20);
    a.free(hole80);
    a.free(hole96);
    expect(a.classList(1)).toEqual([hole96 - 8, hole80 - 8]);
    const splits = a.stats.splits;
    expect(a.malloc(52)).toBe(hole96); // 96 - 64 = 32: split, and the 32 bytes go to class 0
    expect(a.classList(0)).toEqual([hole96 + 56]);
    expect(a.malloc(52)).toBe(hole80); // 80 - 64 = 16: handed out whole
    expect(a.stats.splits).toBe(splits + 1);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 88, payload: 16, requested: 52 });
    a.check();
  });

  it("segfit: coalescing with both neighbours re-files the merged block in its larger class", () => {
    const a = make();
    const [p, q, r] = [a.malloc(52), a.malloc(52), a.malloc(52), a.malloc(52)];
    a.free(p);
    a.free(r);
    expect(a.classList(1)).toEqual([r - 8, p - 8]);
    a.free(q);
    expect(a.stats.coalesces).toBe(2);
    expect(a.classList(1)).toEqual([]);
    expect(a.classList(2)).toEqual([8]); // 3 × 64 = 192 bytes
    expect(a.nonEmptyClasses).toBe(bit(2) | bit(11));
    a.check();
  });

  it("segfit: realloc grows in place by absorbing a free next block, filing the leftover by size", () => {
    const a = make();
    const p = a.malloc(20);
    const q = a.malloc(100);
    a.malloc(20);
    a.bytes.fill(0x5a, p, p + 20);
    a.free(q);
    expect(a.classList(1)).toEqual([q - 8]);
    expect(a.realloc(p, 60)).toBe(p); // 32 + 112 bytes hold 72: 64 bytes are left over
    expect(a.classList(1)).toEqual([88]);
    expect(a.bytes.subarray(p, p + 20).every((b) => b === 0x5a)).toBe(true);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 88, payload: 16, requested: 60 });
    expect(a.realloc(p, 300)).not.toBe(p); // the next block is too small now: move
    expect(a.stats).toMatchObject({ reallocs: 2, allocs: 3, frees: 1, liveBytes: 320 });
    a.check();
  });

  it("segfit: realloc shrinks in place and gives the tail to a free neighbour", () => {
    const a = make();
    const p = a.malloc(1000); // 1,024 bytes
    expect(a.realloc(p, 100)).toBe(p); // 112: the tail joins the rest of the heap
    expect(blocksOf(a)).toEqual([
      { start: 0, bytes: 120, payload: 16, requested: 100 },
      { start: 120, bytes: ARENA - 120, payload: 128, requested: -1 },
    ]);
    expect(a.stats.coalesces).toBe(1);
    a.check();
  });
});

describe("segfit: walk, errors and counters", () => {
  it("segfit: walk reports header, payload, reserved and free bytes of a hand-built heap", () => {
    const a = make();
    const p = a.malloc(20);
    const q = a.malloc(40);
    a.malloc(1);
    a.free(q);
    expect(blocksOf(a)).toEqual([
      { start: 0, bytes: 40, payload: 16, requested: 20 },
      { start: 40, bytes: 64, payload: 48, requested: -1 },
      { start: 104, bytes: 32, payload: 112, requested: 1 },
      { start: 136, bytes: ARENA - 136, payload: 144, requested: -1 },
    ]);
    expect(p).toBe(16);
    expect(a.stats.highWater).toBe(136);
  });

  it("segfit: double and invalid frees throw HeapErrors and leave the heap as it was", () => {
    const a = make();
    const p = a.malloc(100);
    const q = a.malloc(100);
    a.free(p);
    const before = blocksOf(a);
    expect(thrown(() => a.free(p))).toMatchObject({ code: "double-free", addr: p, message: "segfit: double free(0x0010): the block is already free" });
    const error = thrown(() => a.free(q + 32));
    expect(error).toBeInstanceOf(HeapError);
    expect(error).toMatchObject({ code: "invalid-free", addr: q + 32, message: expect.stringMatching(/^segfit: invalid free\(0x00a0\): /) });
    expect(thrown(() => a.free(q + 1))).toMatchObject({ code: "invalid-free" });
    expect(thrown(() => a.realloc(ARENA, 8))).toMatchObject({ code: "invalid-free" });
    expect(blocksOf(a)).toEqual(before);
    a.free(-1);
    expect(a.stats.frees).toBe(1);
    a.check();
  });

  it("segfit: malloc(0) returns a minimal block; oversized requests fail and count; bad sizes throw", () => {
    const a = make();
    expect(a.malloc(0)).toBe(16);
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 40, payload: 16, requested: 0 });
    expect(a.malloc(ARENA)).toBe(-1);
    expect(a.malloc(ARENA * 8)).toBe(-1);
    expect(a.stats.failures).toBe(2);
    expect(() => a.malloc(-5)).toThrow("invalid size: -5");
    expect(() => a.malloc(0.5)).toThrow(RangeError);
  });

  it("segfit: counters follow allocs, frees, reallocs, splits, coalesces and live bytes", () => {
    const a = make();
    const p = a.malloc(100);
    const q = a.malloc(200);
    expect(a.stats).toMatchObject({ allocs: 2, splits: 2, liveBytes: 300, peakLiveBytes: 300, highWater: 8 + 112 + 224 });
    a.free(p);
    a.free(q);
    expect(a.stats).toMatchObject({ frees: 2, coalesces: 2, liveBytes: 0, peakLiveBytes: 300 });
    const r = a.malloc(10);
    expect(a.realloc(r, 50)).toBe(r);
    expect(a.stats).toMatchObject({ allocs: 3, reallocs: 1, liveBytes: 50, failures: 0 });
  });
});

describe("segfit: knobs", () => {
  it("segfit: SEGFIT_KNOBS describes searchLimit and its default", () => {
    expect(SEGFIT_KNOBS.map((k) => [k.name, k.default])).toEqual([["searchLimit", 8], ["largeThreshold", 128 * 1024], ["slidingThreshold", false]]);
    expect(new SegFitAllocator().searchLimit).toBe(8);
  });

  it("segfit: invalid searchLimit values are rejected, quoting the value", () => {
    expect(() => make({ searchLimit: -1 })).toThrow("invalid searchLimit: -1 (must be an integer from 0 to 65536)");
    expect(() => make({ searchLimit: 1.5 })).toThrow("invalid searchLimit: 1.5");
    expect(() => make({ searchLimit: "8" })).toThrow('invalid searchLimit: "8"');
    expect(() => make({ placement: "best" })).toThrow('unknown option for segfit: "placement"');
  });
});
