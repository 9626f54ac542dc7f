// detail(): each strategy's own bookkeeping, copied out for the steppers. Random operation
// sequences check after every op that what detail() reports agrees with walk() — every free block
// in the arena is on exactly one list, every list node is a free block, the bitmaps say which lists
// are non-empty — so a stepper that draws detail() draws the heap as it is.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ALLOCATORS, createAllocator } from "../../lib/allocators/index.js";
import type { Allocator, AllocatorDetail, AllocatorName, AllocatorOptions } from "../../lib/allocators/types.js";
import { blocksOf, replaySteps, stepArbitrary, type WalkedBlock } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

/** The lists a detail holds, whatever the strategy. */
function listsOf(d: AllocatorDetail): number[][] {
  switch (d.kind) {
    case "freelist": return [d.freeList];
    case "segfit": return d.classes.map((c) => c.freeList);
    case "buddy": return d.orders.map((o) => o.freeList);
    case "tlsf": return d.lists.map((l) => l.freeList);
    default: return [];
  }
}

function verifyDetail(a: Allocator): void {
  const d = a.detail!();
  const blocks = blocksOf(a);
  const free = blocks.filter((b) => b.requested < 0);
  // A node is a block's header; walk() may fold an alignment pad in front of the first one.
  const blockOfNode = (node: number) => blocks.find((b) => node >= b.start && node < b.start + Math.min(b.bytes, 16));
  const expectOnLists = (blockSize: (b: WalkedBlock, node: number) => number, fits: (listIndex: number, size: number) => boolean) => {
    const lists = listsOf(d);
    const seen = new Set<number>();
    lists.forEach((list, i) => {
      for (const node of list) {
        const block = blockOfNode(node);
        if (!block || block.requested >= 0) throw new Error(`${a.name}: list node 0x${node.toString(16)} is not a free block`);
        if (seen.has(block.start)) throw new Error(`${a.name}: 0x${node.toString(16)} is on two lists`);
        if (!fits(i, blockSize(block, node))) throw new Error(`${a.name}: a ${blockSize(block, node)} B block on list ${i}`);
        seen.add(block.start);
      }
    });
    const missing = free.filter((b) => !seen.has(b.start));
    if (missing.length) throw new Error(`${a.name}: free blocks on no list: ${missing.map((b) => b.start).join(", ")}`);
  };
  /** The block's own size, from its header: without the pad walk() folds in front of the first block. */
  const fromHeader = (b: WalkedBlock, node: number) => b.start + b.bytes - node;
  const bitsOf = (lists: number[][]) => lists.reduce((bits, list, i) => (list.length ? bits | (1 << i) : bits), 0);
  switch (d.kind) {
    case "bump": {
      const last = blocks[blocks.length - 1];
      const expected = last && last.requested < 0 ? (last.start === 0 ? d.emptyCursor : last.start) : a.arenaBytes;
      expect(d.cursor).toBe(expected);
      expect(d.liveObjects).toBe(blocks.filter((b) => b.requested > 0 || (b.requested === 0 && b.payload > b.start)).length);
      break;
    }
    case "freelist":
      expectOnLists(fromHeader, () => true);
      if (d.order === "address") expect([...d.freeList].sort((x, y) => x - y)).toEqual(d.freeList);
      break;
    case "segfit":
      expectOnLists(fromHeader, (k, size) => size >= d.classes[k].floor && size <= d.classes[k].ceiling);
      expect(d.classBitmap).toBe(bitsOf(d.classes.map((c) => c.freeList)));
      break;
    case "buddy":
      expectOnLists(fromHeader, (i, size) => size === 2 ** d.orders[i].order);
      expect(d.orderBitmap).toBe(d.orders.reduce((bits, o) => (o.freeList.length ? bits | (1 << o.order) : bits), 0));
      break;
    case "tlsf": {
      const own = (b: WalkedBlock, node: number) => fromHeader(b, node) - (b.start + b.bytes === a.arenaBytes ? d.sentinelBytes : 0);
      expectOnLists(own, (i, size) => size >= d.lists[i].floor && size <= d.lists[i].ceiling);
      let fl = 0;
      const sl = new Array<number>(d.flCount).fill(0);
      for (const list of d.lists) { fl |= 1 << list.fl; sl[list.fl] |= 1 << list.sl; }
      expect(d.flBitmap).toBe(fl);
      expect(d.slBitmaps).toEqual(sl);
      break;
    }
    case "slab":
      expect(d.classes.map((c) => c.objectBytes)).toEqual([...d.classes.map((c) => c.objectBytes)].sort((x, y) => x - y));
      for (const c of d.classes) expect(c.capacity).toBeGreaterThan(0);
      break;
  }
}

const configurations: Array<[AllocatorName, AllocatorOptions]> = [
  ...ALLOCATORS.map((name): [AllocatorName, AllocatorOptions] => [name, {}]),
  ["bump", { resetWhenEmpty: false }],
  ["freelist", { placement: "best", order: "address" }],
  ["segfit", { searchLimit: 0 }],
  ["tlsf", { secondLevel: 8, largeThreshold: 2048, slidingThreshold: true }],
];

describe.each(configurations)("%s %j: detail()", (name, options) => {
  const make = () => createAllocator(name, { arenaBytes: ARENA, ...options });

  it("agrees with walk() after every op of random sequences", () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary(ARENA, 2048), { minLength: 1, maxLength: 120 }), (steps) => {
        replaySteps(make, steps, verifyDetail);
      }),
      { numRuns: 40 },
    );
  });

  it("is a copy: changing it changes nothing in the heap", () => {
    const a = make();
    a.malloc(100);
    const p = a.malloc(200);
    a.malloc(300);
    a.free(p);
    const before = JSON.stringify(a.detail!());
    for (const list of listsOf(a.detail!())) list.splice(0, list.length, 12345);
    expect(JSON.stringify(a.detail!())).toBe(before);
    a.check();
  });
});

describe("detail(): what the steppers read", () => {
  it("reports the large-object threshold in force, moving under the sliding rule", () => {
    const a = createAllocator("freelist", { arenaBytes: ARENA, largeThreshold: 4096, slidingThreshold: true });
    expect(a.detail!().largeThreshold).toBe(4096);
    const big = a.malloc(8000);
    a.free(big);
    expect(a.detail!().largeThreshold).toBeGreaterThanOrEqual(8000);
    expect(createAllocator("bump", { arenaBytes: ARENA }).detail!().largeThreshold).toBe(0);
    expect(createAllocator("segfit", { arenaBytes: ARENA, largeThreshold: 0 }).detail!().largeThreshold).toBe(0);
  });

  it("names the bump cursor's empty position, where the heap restarts once every object has died", () => {
    const a = createAllocator("bump", { arenaBytes: ARENA });
    const empty = a.detail!();
    if (empty.kind !== "bump") throw new Error("bump detail expected");
    const p = a.malloc(48);
    const after = a.detail!();
    if (after.kind !== "bump") throw new Error("bump detail expected");
    expect(after.cursor).toBeGreaterThan(empty.cursor);
    a.free(p);
    const reset = a.detail!();
    expect(reset.kind === "bump" && reset.cursor).toBe(empty.emptyCursor);
  });
});
