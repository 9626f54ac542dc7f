// realloc(p, 0) in every allocator, as glibc does it: p is freed, -1 (no block) comes back, and a
// later free(p) is a double free (lib/allocators/types.ts, the contract).

import { describe, expect, it } from "vitest";
import { ALLOCATORS, createAllocator } from "../../lib/allocators/index.js";
import { HeapError } from "../../lib/allocators/types.js";
import { heapErrorOf } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

describe.each(ALLOCATORS)("%s: realloc(p, 0)", (name) => {
  it(`${name}: realloc(p, 0) frees p and returns -1, counting a free and no failure`, () => {
    const a = createAllocator(name, { arenaBytes: ARENA });
    const p = a.malloc(100);
    const keep = a.malloc(40);
    expect(a.realloc(p, 0)).toBe(-1);
    expect(a.stats).toMatchObject({ allocs: 2, frees: 1, reallocs: 0, failures: 0, liveBytes: 40 });
    a.check();
    let liveBlocks = 0;
    a.walk((_start, _bytes, payload, requested) => { if (requested > 0) { liveBlocks++; expect(payload).toBe(keep); } });
    expect(liveBlocks).toBe(1);
  });

  it(`${name}: a free after realloc(p, 0) is a double free`, () => {
    const a = createAllocator(name, { arenaBytes: ARENA });
    const p = a.malloc(100);
    a.malloc(40);
    a.realloc(p, 0);
    expect(heapErrorOf(() => a.free(p)).code).toBe("double-free");
  });

  it(`${name}: realloc(-1, 0) is malloc(0), a minimal live block`, () => {
    const a = createAllocator(name, { arenaBytes: ARENA });
    const p = a.realloc(-1, 0);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(a.stats).toMatchObject({ allocs: 1, frees: 0 });
    a.free(p);
    a.check();
  });

  it(`${name}: realloc of an address never handed out is an error even with size 0`, () => {
    const a = createAllocator(name, { arenaBytes: ARENA });
    a.malloc(100);
    expect(() => a.realloc(4096 + 32, 0)).toThrow(HeapError);
  });
});
