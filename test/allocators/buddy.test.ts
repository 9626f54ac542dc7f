// The buddy allocator on its own: splitting and merging by orders, the header checks behind
// double and invalid frees, walk() and stats on hand-built heaps, and a long seeded random run.
// The shared random-sequence properties live in properties.test.ts.

import { describe, expect, it } from "vitest";
import { randomLcg, randomLogNormal } from "d3-random";
import { BuddyAllocator, BUDDY_KNOBS, buddyOf, orderFor, HEADER_BYTES } from "../../lib/allocators/buddy.js";
import { HeapError } from "../../lib/allocators/types.js";
import { censusOf } from "../../lib/arena.js";
import { blocksOf, type WalkedBlock as Block, heapErrorOf } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

function blockAt(a: BuddyAllocator, start: number): Block {
  const block = blocksOf(a).find((b) => b.start === start);
  if (!block) throw new Error(`no block starts at ${start}`);
  return block;
}

function wordsOf(a: BuddyAllocator): Int32Array {
  return new Int32Array(a.bytes.buffer);
}

describe("buddy: sizes and orders", () => {
  it("buddy: malloc(48) fits a 64 B block and malloc(49) needs 128 B", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const small = a.malloc(48);
    const large = a.malloc(49);
    expect(blockAt(a, small - HEADER_BYTES).bytes).toBe(64);
    expect(blockAt(a, large - HEADER_BYTES).bytes).toBe(128);
  });

  it("buddy: orderFor rounds size plus the 16-byte header up to a power of two, never below 64 B", () => {
    expect([0, 1, 48, 49, 112, 113, 1008, 1009].map(orderFor)).toEqual([6, 6, 6, 7, 7, 8, 10, 11]);
    expect(orderFor(ARENA - HEADER_BYTES)).toBe(16);
  });

  it("buddy: buddyOf flips the bit of the block's own size", () => {
    expect(buddyOf(0, 6)).toBe(64);
    expect(buddyOf(64, 6)).toBe(0);
    expect(buddyOf(128, 7)).toBe(0);
    expect(buddyOf(256, 7)).toBe(384);
  });

  it("buddy: malloc(0) returns a minimal 64-byte block reporting 0 requested bytes", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(0);
    expect(p).toBe(16);
    expect(blockAt(a, 0)).toEqual({ start: 0, bytes: 64, payload: 16, requested: 0 });
    a.check();
  });

  it("buddy: the whole arena minus its header is the largest request; anything bigger fails and counts", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    expect(a.malloc(ARENA - HEADER_BYTES + 1)).toBe(-1);
    expect(a.malloc(2 ** 40)).toBe(-1);
    expect(a.stats.failures).toBe(2);
    expect(a.malloc(ARENA - HEADER_BYTES)).toBe(16);
    expect(a.malloc(0)).toBe(-1);
    expect(a.stats.failures).toBe(3);
    expect(a.stats.splits).toBe(0);
    a.check();
  });

  it("buddy: non-integer and negative sizes throw RangeError quoting the value", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    expect(() => a.malloc(-1)).toThrow(RangeError);
    expect(() => a.malloc(1.5)).toThrow("invalid size: 1.5");
    expect(() => a.malloc(Number.NaN)).toThrow("invalid size: NaN");
    const p = a.malloc(10);
    expect(() => a.realloc(p, -3)).toThrow("invalid size: -3");
    expect(a.stats.failures).toBe(0);
  });

  it("buddy: a 1 GiB arena splits from order 30 and merges back to it", () => {
    const a = new BuddyAllocator({ arenaBytes: 2 ** 30, largeThreshold: 0 }); // the whole arena in one block, not a mapping
    const whole = a.malloc(2 ** 30 - HEADER_BYTES);
    expect(whole).toBe(16);
    a.free(whole);
    const p = a.malloc(48);
    expect(a.stats.splits).toBe(24);
    a.free(p);
    expect(a.stats.coalesces).toBe(24);
    expect(blocksOf(a)).toEqual([{ start: 0, bytes: 2 ** 30, payload: 16, requested: -1 }]);
    a.check();
  });
});

describe("buddy: splitting and merging", () => {
  it("buddy: a 48-byte request on a fresh arena splits once per order, leaving one free block of each size", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(48);
    expect(p).toBe(16);
    expect(a.stats.splits).toBe(10); // order 16 down to order 6
    const free = blocksOf(a).filter((b) => b.requested === -1).map((b) => [b.start, b.bytes]);
    expect(free).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((k) => [1 << k, 1 << k]));
    // The buddy left over by the split is an exact fit: no further splits.
    expect(a.malloc(48)).toBe(64 + 16);
    expect(a.stats.splits).toBe(10);
    a.check();
  });

  it("buddy: freeing both buddies restores order k+1", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const left = a.malloc(48);
    const right = a.malloc(48);
    const neighbour = a.malloc(100); // holds the order-7 buddy, so the merge stops at order 7
    expect(right - HEADER_BYTES).toBe(buddyOf(left - HEADER_BYTES, 6));
    expect(neighbour).toBe(128 + 16);

    a.free(left);
    expect(a.stats.coalesces).toBe(0);
    expect(blockAt(a, 0)).toMatchObject({ bytes: 64, requested: -1 });

    a.free(right);
    expect(a.stats.coalesces).toBe(1);
    expect(blockAt(a, 0)).toMatchObject({ bytes: 128, requested: -1 });
    expect(blockAt(a, 128)).toMatchObject({ bytes: 128, requested: 100 });
    a.check();
  });

  it("buddy: merging climbs every order whose buddy is free, back to the whole arena", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const first = a.malloc(48);
    const second = a.malloc(48);
    a.free(first);
    a.free(second);
    expect(a.stats.coalesces).toBe(10);
    expect(blocksOf(a)).toEqual([{ start: 0, bytes: ARENA, payload: 16, requested: -1 }]);
    a.check();
  });

  it("buddy: a free block merges only with its own buddy, not with a free neighbour of the same size", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const blocks = [a.malloc(48), a.malloc(48), a.malloc(48), a.malloc(48)]; // 0, 64, 128, 192
    a.free(blocks[1]);
    a.free(blocks[2]); // 64 and 128 are adjacent but not buddies
    expect(a.stats.coalesces).toBe(0);
    expect(blockAt(a, 64)).toMatchObject({ bytes: 64, requested: -1 });
    expect(blockAt(a, 128)).toMatchObject({ bytes: 64, requested: -1 });
    a.check();
  });
});

describe("buddy: walk() and the census", () => {
  it("buddy: walk() reports headers, payloads and free blocks of a hand-built heap in address order", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const big = a.malloc(100); // order 7 at 0
    const small = a.malloc(10); // order 6 at 128, split from the order-7 block at 128
    expect([big, small]).toEqual([16, 144]);
    const expected: Block[] = [
      { start: 0, bytes: 128, payload: 16, requested: 100 },
      { start: 128, bytes: 64, payload: 144, requested: 10 },
      { start: 192, bytes: 64, payload: 208, requested: -1 },
    ];
    for (let k = 8; k < 16; k++) expected.push({ start: 1 << k, bytes: 1 << k, payload: (1 << k) + 16, requested: -1 });
    expect(blocksOf(a)).toEqual(expected);

    a.free(big); // its order-7 buddy at 128 is split, so it stays alone
    expect(blocksOf(a)[0]).toEqual({ start: 0, bytes: 128, payload: 16, requested: -1 });
  });

  it("buddy: internal fragmentation shows as reserved bytes in walk()", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.malloc(49); // 16 header + 49 used in a 128-byte block: 63 bytes reserved
    const census = censusOf(a);
    expect(census.headerBytes).toBe(16);
    expect(census.usedBytes).toBe(49);
    expect(census.reservedBytes).toBe(63);
    expect(census.freeBytes).toBe(ARENA - 128);
    expect(census.internalFragmentation).toBeCloseTo(63 / 112);
  });

  it("buddy: walk() and check() cost no probes", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.malloc(300);
    const probes = a.stats.probes;
    a.walk(() => {});
    a.check();
    expect(a.stats.probes).toBe(probes);
  });
});

describe("buddy: realloc", () => {
  it("buddy: realloc within the order stays in place", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(20);
    a.bytes.fill(7, p, p + 20);
    expect(a.realloc(p, 48)).toBe(p);
    expect(a.realloc(p, 1)).toBe(p);
    expect(blockAt(a, p - HEADER_BYTES)).toEqual({ start: 0, bytes: 64, payload: 16, requested: 1 });
    expect(a.bytes[p]).toBe(7);
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 2, frees: 0, liveBytes: 1, peakLiveBytes: 48 });
    a.check();
  });

  it("buddy: realloc past the order moves the block, copies the bytes and frees the old block", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(40);
    for (let i = 0; i < 40; i++) a.bytes[p + i] = i + 1;
    const q = a.realloc(p, 49);
    expect(q).not.toBe(p);
    expect(blockAt(a, q - HEADER_BYTES)).toMatchObject({ bytes: 128, requested: 49 });
    expect(Array.from(a.bytes.subarray(q, q + 40))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(blockAt(a, p - HEADER_BYTES)).toMatchObject({ requested: -1 });
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 1, frees: 0, liveBytes: 49 });
    a.check();
  });

  it("buddy: realloc to a smaller order shrinks in place, freeing the upper halves", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(1000); // order 10 at 0
    const splitsBefore = a.stats.splits;
    expect(a.realloc(p, 10)).toBe(p);
    expect(a.stats.splits - splitsBefore).toBe(4);
    const head = blocksOf(a).slice(0, 5).map((b) => [b.start, b.bytes, b.requested]);
    expect(head).toEqual([[0, 64, 10], [64, 64, -1], [128, 128, -1], [256, 256, -1], [512, 512, -1]]);
    a.free(p);
    expect(blocksOf(a)).toHaveLength(1);
    a.check();
  });

  it("buddy: realloc(-1, n) is malloc(n) and realloc(p, 0) frees p and returns -1", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.realloc(-1, 200);
    expect(p).toBe(16);
    expect(a.stats.allocs).toBe(1);
    expect(a.realloc(p, 0)).toBe(-1);
    expect(blocksOf(a)).toHaveLength(1); // the whole arena is one free block again
    expect(a.stats).toMatchObject({ allocs: 1, frees: 1, reallocs: 0, failures: 0, liveBytes: 0 });
    expect(() => a.free(p)).toThrow(HeapError);
    a.check();
  });

  it("buddy: a realloc that cannot be served returns -1, counts a failure and leaves the block intact", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(100);
    a.bytes.fill(9, p, p + 100);
    const before = blocksOf(a);
    expect(a.realloc(p, ARENA / 2)).toBe(-1); // needs the whole arena, part of which p holds
    expect(a.realloc(p, ARENA)).toBe(-1);
    expect(a.stats.failures).toBe(2);
    expect(a.stats.reallocs).toBe(0);
    expect(blocksOf(a)).toEqual(before);
    expect(a.bytes.subarray(p, p + 100).every((byte) => byte === 9)).toBe(true);
    a.check();
  });
});

describe("buddy: double and invalid frees", () => {
  it("buddy: free(-1) is a no-op", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.free(-1);
    expect(a.stats.frees).toBe(0);
    expect(a.stats.probes).toBe(0);
    a.check();
  });

  it("buddy: freeing a free block throws double-free naming the address", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(48);
    a.malloc(48); // keeps p from merging, so its header still says free
    a.free(p);
    const error = heapErrorOf(() => a.free(p));
    expect(error.code).toBe("double-free");
    expect(error.addr).toBe(p);
    expect(error.message).toBe("buddy: double free(0x0010): the block is already free");
    expect(heapErrorOf(() => a.realloc(p, 10)).code).toBe("double-free");
    expect(a.stats.frees).toBe(1);
    a.check();
  });

  it("buddy: freeing a block that has since merged into its buddy throws invalid-free", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const left = a.malloc(48);
    const right = a.malloc(48);
    a.free(right);
    a.free(left); // right's header is now in the middle of a free block
    const error = heapErrorOf(() => a.free(right));
    expect(error.code).toBe("invalid-free");
    expect(error.message).toContain("buddy: invalid free(0x0050)");
    a.check();
  });

  it("buddy: addresses that are not payloads throw invalid-free and change nothing", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(1000);
    const q = a.malloc(48);
    for (let i = 0; i < 1000; i++) a.bytes[p + i] = (i * 37) & 255;
    const bytesBefore = a.bytes.slice();
    const statsBefore = { ...a.stats };
    // p + 256 and p + 496 sit 16 bytes after a 64-byte boundary inside p, where payload garbage would be the header.
    for (const addr of [p + 8, p + 48, p + 256, p + 496, q + 16, 0, -16, ARENA, ARENA + 16, 1.5, Number.NaN]) {
      const error = heapErrorOf(() => a.free(addr));
      expect(error.code).toBe("invalid-free");
      expect(error.message).toMatch(/^buddy: invalid free\(.*\): /);
    }
    expect(heapErrorOf(() => a.realloc(p + 48, 10)).code).toBe("invalid-free");
    expect(a.bytes.findIndex((byte, i) => byte !== bytesBefore[i])).toBe(-1);
    expect(a.stats).toEqual(statsBefore);
    a.check();
  });

  it("buddy: a header copied into a payload does not verify at its new address", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(1000); // block at 0, payload 16..1016
    a.malloc(48);
    const forged = p + 256; // its header would sit at 256, a 64-byte boundary
    a.bytes.copyWithin(forged - HEADER_BYTES, 0, HEADER_BYTES);
    expect(heapErrorOf(() => a.free(forged)).code).toBe("invalid-free");
    a.check();
  });
});

describe("buddy: check() names the broken invariant", () => {
  it("buddy: a scribbled header is reported as corrupt with its address", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.malloc(48);
    const p = a.malloc(48);
    wordsOf(a)[(p - HEADER_BYTES) >> 2] = 0x12345678;
    const error = heapErrorOf(() => a.check());
    expect(error.code).toBe("corrupt");
    expect(error.message).toBe("buddy: every block should start with a header tag (found 0x12345678) at 0x0040");
  });

  it("buddy: two free buddies of the same order are reported as unmerged", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const left = a.malloc(48);
    const right = a.malloc(48);
    a.free(left);
    const words = wordsOf(a);
    words[(right - HEADER_BYTES) >> 2] = words[(left - HEADER_BYTES) >> 2]; // mark right free without merging
    expect(() => a.check()).toThrow("buddy: free buddies of order 6 should have merged (with 0x0040) at 0x0000");
  });

  it("buddy: a broken free-list link is reported", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.malloc(48); // frees one block of each order 6..15 onto the lists
    wordsOf(a)[(64 >> 2) + 3] = 4096; // prev link of the order-6 head
    expect(() => a.check()).toThrow("buddy: next.prev should equal the node on list 6 at 0x0040");
  });

  it("buddy: stats.liveBytes that disagree with the headers are reported", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.malloc(30);
    a.stats.liveBytes += 1;
    expect(() => a.check()).toThrow("stats.liveBytes 31 should equal the sum of requested sizes 30");
  });
});

describe("buddy: knobs and stats", () => {
  it("buddy: has only the large-object path's knobs and rejects unknown options by name", () => {
    expect(BUDDY_KNOBS.map((knob) => [knob.name, knob.default])).toEqual([["largeThreshold", 128 * 1024], ["slidingThreshold", false]]);
    expect(() => new BuddyAllocator({ minOrder: 5 })).toThrow('unknown option for buddy: "minOrder" (known: largeThreshold, slidingThreshold)');
    expect(() => new BuddyAllocator({ arenaBytes: 3000 })).toThrow("invalid arenaBytes: 3000");
    expect(() => new BuddyAllocator({ arenaBytes: 32 * 1024 })).toThrow(RangeError);
  });

  it("buddy: starts with the default 2 MiB arena as one free block", () => {
    const a = new BuddyAllocator();
    expect(a.name).toBe("buddy");
    expect(a.arenaBytes).toBe(2 * 1024 * 1024);
    const blocks: number[][] = [];
    a.walk((start, bytes, _payload, requested) => blocks.push([start, bytes, requested]));
    expect(blocks).toEqual([[0, 2 * 1024 * 1024, -1]]);
  });

  it("buddy: stats count allocs, frees, failures, live and peak bytes and the high-water mark", () => {
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    const p = a.malloc(48); // [0, 64)
    const q = a.malloc(100); // [128, 256)
    expect(a.stats.highWater).toBe(256);
    a.free(p);
    a.free(q);
    expect(a.malloc(ARENA)).toBe(-1);
    expect(a.stats).toMatchObject({
      allocs: 2, frees: 2, reallocs: 0, failures: 1, liveBytes: 0, peakLiveBytes: 148, highWater: 256,
      splits: 10, coalesces: 10,
    });
  });

  it("buddy: probes are a deterministic cost model: the same ops cost the same probes", () => {
    const run = () => {
      const a = new BuddyAllocator({ arenaBytes: ARENA });
      const p = a.malloc(48);
      const q = a.malloc(500);
      a.realloc(p, 300);
      a.free(q);
      return a.stats.probes;
    };
    expect(run()).toBeGreaterThan(0);
    expect(run()).toBe(run());
    const a = new BuddyAllocator({ arenaBytes: ARENA });
    a.malloc(48);
    const afterSplit = a.stats.probes;
    a.malloc(48); // exact fit: the bitmap word and the list head
    expect(a.stats.probes - afterSplit).toBe(2);
  });
});

describe("buddy: a long seeded random run", () => {
  it("buddy: 30k seeded random ops keep every invariant, and freeing everything collapses to one free block", () => {
    const arenaBytes = 128 * 1024;
    const a = new BuddyAllocator({ arenaBytes });
    const random = randomLcg(0x5eed);
    const sizeOf = randomLogNormal.source(random)(4, 1.4);
    const addrs: number[] = [];
    const sizes: number[] = [];
    let liveBytes = 0;
    let failures = 0;

    // The first and last payload bytes carry a stamp derived from the address, checked before each free and realloc.
    const stamp = (addr: number, size: number) => {
      if (size === 0) return;
      a.bytes[addr + size - 1] = (addr >> 6) & 255;
      a.bytes[addr] = (addr >> 4) & 255;
    };
    const verifyStamp = (addr: number, size: number) => {
      if (size === 0) return;
      expect(a.bytes[addr]).toBe((addr >> 4) & 255);
      if (size > 1) expect(a.bytes[addr + size - 1]).toBe((addr >> 6) & 255);
    };

    for (let op = 0; op < 30_000; op++) {
      const r = random();
      const mallocOdds = addrs.length < 600 ? 0.6 : 0.4;
      if (addrs.length === 0 || r < mallocOdds) {
        const size = Math.min(Math.round(sizeOf()), arenaBytes / 4);
        const addr = a.malloc(size);
        if (addr === -1) { failures++; continue; }
        stamp(addr, size);
        addrs.push(addr);
        sizes.push(size);
        liveBytes += size;
      } else {
        const k = Math.floor(random() * addrs.length);
        verifyStamp(addrs[k], sizes[k]);
        if (r < 0.9) {
          a.free(addrs[k]);
          liveBytes -= sizes[k];
          addrs[k] = addrs[addrs.length - 1];
          sizes[k] = sizes[sizes.length - 1];
          addrs.pop();
          sizes.pop();
        } else {
          const size = Math.min(Math.round(sizeOf()), arenaBytes / 4);
          const addr = a.realloc(addrs[k], size);
          if (addr === -1) { failures++; continue; }
          if (Math.min(size, sizes[k]) > 0) expect(a.bytes[addr]).toBe((addrs[k] >> 4) & 255);
          liveBytes += size - sizes[k];
          addrs[k] = addr;
          sizes[k] = size;
          stamp(addr, size);
        }
      }
      if (op % 500 === 0) {
        a.check();
        expect(a.stats.liveBytes).toBe(liveBytes);
      }
    }
    a.check();
    expect(a.stats.failures).toBe(failures);
    expect(failures).toBeGreaterThan(0); // the arena is small enough that the run also exercises the out-of-memory paths
    expect(a.stats.splits).toBeGreaterThan(1000);
    expect(a.stats.coalesces).toBeGreaterThan(1000);

    for (let k = 0; k < addrs.length; k++) {
      verifyStamp(addrs[k], sizes[k]);
      a.free(addrs[k]);
    }
    a.check();
    expect(a.stats.liveBytes).toBe(0);
    expect(a.stats.allocs - a.stats.frees).toBe(0);
    expect(blocksOf(a)).toEqual([{ start: 0, bytes: arenaBytes, payload: 16, requested: -1 }]);
    expect(a.stats.splits).toBe(a.stats.coalesces);
  });
});
