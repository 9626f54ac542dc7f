// The large-object path (lib/allocators/large.ts) in every allocator that has one: mapped
// addresses past the arena, page rounding, immediate unmapping, double and invalid frees as
// HeapErrors, realloc across the arena and the mapped region, glibc's sliding threshold, and the
// race's footprint. Random sequences with check() after every op are in properties.test.ts.

import { describe, expect, it } from "vitest";
import { createAllocator } from "../../lib/allocators/index.js";
import type { AllocatorName } from "../../lib/allocators/types.js";
import { PAGE_BYTES, mappedBytesFor } from "../../lib/allocators/large.js";
import { race } from "../../lib/race/race.js";
import { TraceBuilder } from "../../lib/trace/types.js";
import { heapErrorOf } from "../support/allocator-harness.js";

const ARENA = 2 * 1024 * 1024;
const WITH_PATH: AllocatorName[] = ["freelist", "segfit", "buddy", "slab", "tlsf"];

describe.each(WITH_PATH)("%s: the large-object path", (name) => {
  const make = (options = {}) => createAllocator(name, { arenaBytes: ARENA, ...options });

  it(`${name}: a request at the threshold is mapped past the arena, page-rounded, and unmapped at once on free`, () => {
    const a = make({ largeThreshold: 64 * 1024 });
    const small = a.malloc(100);
    const highWater = a.stats.highWater;
    const p = a.malloc(64 * 1024);
    expect(p).toBeGreaterThanOrEqual(ARENA);
    expect(p % 16).toBe(0);
    expect(a.stats).toMatchObject({ mmaps: 1, munmaps: 0, mappedBytes: mappedBytesFor(64 * 1024), allocs: 2, liveBytes: 100 + 64 * 1024 });
    expect(mappedBytesFor(64 * 1024)).toBe(64 * 1024 + PAGE_BYTES); // the 16-byte header slice costs a page here
    expect(a.stats.highWater).toBe(highWater);
    a.check();
    a.free(p);
    expect(a.stats).toMatchObject({ mmaps: 1, munmaps: 1, mappedBytes: 0, peakMappedBytes: mappedBytesFor(64 * 1024), frees: 1, liveBytes: 100 });
    a.check();
    a.free(small);
  });

  it(`${name}: a double free of a mapped block is a HeapError double-free; a stray address is invalid-free`, () => {
    const a = make({ largeThreshold: 64 * 1024 });
    const p = a.malloc(100_000);
    const q = a.malloc(100_000);
    a.free(p);
    expect(heapErrorOf(() => a.free(p)).code).toBe("double-free");
    expect(heapErrorOf(() => a.free(q + 16)).code).toBe("invalid-free");
    expect(heapErrorOf(() => a.free(ARENA + 64 * PAGE_BYTES + 16)).code).toBe("invalid-free");
    expect(heapErrorOf(() => a.realloc(p, 10)).code).toBe("double-free");
    a.check();
  });

  it(`${name}: realloc moves a block into the mapped region and back, keeping its bytes`, () => {
    const a = make({ largeThreshold: 64 * 1024 });
    a.malloc(50);
    const p = a.malloc(1000);
    a.bytes.fill(7, p, p + 1000);
    const mapped = a.realloc(p, 200_000);
    expect(mapped).toBeGreaterThanOrEqual(ARENA);
    const view = a.mappedPayload!(mapped)!;
    expect(view.subarray(0, 1000).every((b) => b === 7)).toBe(true);
    view.fill(9, 0, 2000);
    expect(a.realloc(mapped, 200_100)).toBe(mapped); // the same pages: in place
    const back = a.realloc(mapped, 1500);
    expect(back).toBeLessThan(ARENA);
    expect(a.bytes.subarray(back, back + 1500).every((b) => b === 9)).toBe(true);
    expect(a.stats).toMatchObject({ allocs: 2, frees: 0, reallocs: 3, mmaps: 1, munmaps: 1, mappedBytes: 0, liveBytes: 1550 });
    a.check();
  });

  it(`${name}: a mapping's payload is zero bytes until written, before and after a remap`, () => {
    const a = make({ largeThreshold: 64 * 1024 });
    const p = a.malloc(100_000);
    const grown = a.realloc(p, 300_000); // never read or written: its pages are still the kernel's zeros
    const view = a.mappedPayload!(grown)!;
    expect(view.length).toBe(300_000);
    expect(view.every((b) => b === 0)).toBe(true);
    view.fill(3, 0, 10);
    const shrunk = a.realloc(grown, 200_000);
    expect([...a.mappedPayload!(shrunk)!.subarray(0, 12)]).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0]);
    a.check();
  });

  it(`${name}: growing a mapped block remaps it as mremap does: the footprint never holds both`, () => {
    const a = make({ largeThreshold: 64 * 1024 });
    const p = a.malloc(100_000);
    const neighbour = a.malloc(100_000); // right after p: p cannot grow where it is
    a.mappedPayload!(p)!.fill(5);
    const grown = a.realloc(p, 150_000); // the pages after p are taken: it moves
    expect(grown).not.toBe(p);
    expect(a.mappedPayload!(grown)!.subarray(0, 100_000).every((b) => b === 5)).toBe(true);
    expect(a.stats.peakMappedBytes).toBe(mappedBytesFor(100_000) + mappedBytesFor(150_000));
    expect(heapErrorOf(() => a.free(p)).code).toBe("double-free"); // the old address is gone
    a.free(neighbour);
    const again = a.realloc(grown, 400_000); // the room before it is free now: first fit takes it
    expect(again).toBe(p);
    expect(a.stats).toMatchObject({ mmaps: 2, munmaps: 1, reallocs: 2, mappedBytes: mappedBytesFor(400_000), liveBytes: 400_000 });
    expect(a.stats.peakMappedBytes).toBe(mappedBytesFor(400_000));
    a.check();
  });

  it(`${name}: realloc(p, 0) of a mapped block unmaps it`, () => {
    const a = make({ largeThreshold: 64 * 1024 });
    const p = a.malloc(300_000);
    expect(a.realloc(p, 0)).toBe(-1);
    expect(a.stats).toMatchObject({ frees: 1, failures: 0, munmaps: 1, mappedBytes: 0, liveBytes: 0 });
    a.check();
  });

  it(`${name}: the sliding threshold rises to the size of a freed mapping, as glibc's does`, () => {
    const a = make({ largeThreshold: 64 * 1024, slidingThreshold: true });
    const p = a.malloc(200_000);
    a.free(p);
    expect((a as unknown as { largeThreshold: number }).largeThreshold).toBe(mappedBytesFor(200_000));
    const q = a.malloc(200_000);
    expect(q).toBeLessThan(ARENA); // now from the heap
    expect(a.stats.mmaps).toBe(1);
    a.check();
  });

  it(`${name}: largeThreshold 0 switches the path off`, () => {
    const a = make({ largeThreshold: 0 });
    const p = a.malloc(300_000);
    expect(p === -1 || p < ARENA).toBe(true);
    expect(a.stats.mmaps).toBe(0);
    expect(heapErrorOf(() => a.free(ARENA + 16)).code).toBe("invalid-free");
  });
});

describe("the large-object path in a race", () => {
  it("slab: with a 2 MiB arena a stream with requests up to 1 MiB has no failures from size", () => {
    const b = new TraceBuilder();
    let id = 0;
    for (let round = 0; round < 200; round++) {
      const size = round % 10 === 0 ? 1024 * 1024 : round % 3 === 0 ? 50_000 : 100 + round;
      b.malloc(id, size);
      if (id >= 3) b.free(id - 3);
      id++;
    }
    const [slab] = race(b.build("big"), { allocators: ["slab"], arenaBytes: ARENA, ticks: 4 }).lanes;
    expect(slab.corrupt).toBeNull();
    expect(slab.failures).toBe(0);
    expect(slab.mmaps).toBeGreaterThan(0);
    expect(slab.munmaps).toBe(slab.mmaps - 1); // of the last three ids, only 198 (50,000 B) is mapped and still live
  });

  it("race: utilization's denominator is the footprint, arena high water plus the most bytes mapped at once", () => {
    const b = new TraceBuilder();
    b.malloc(0, 1000); b.malloc(1, 300_000); b.malloc(2, 300_000); b.free(1); b.free(2); b.malloc(3, 10);
    const [lane] = race(b.build("mapped"), { allocators: ["tlsf"], ticks: 6 }).lanes;
    expect(lane.corrupt).toBeNull();
    expect(lane.peakMappedBytes).toBe(2 * mappedBytesFor(300_000));
    expect(lane.footprint).toBe(lane.highWater + lane.peakMappedBytes);
    expect(lane.utilization).toBeCloseTo(lane.peakLiveBytes / lane.footprint, 12);
    expect(lane).toMatchObject({ mmaps: 2, munmaps: 2 });
    expect(lane.ticks.map((t) => t.mappedBytes)).toContain(2 * mappedBytesFor(300_000));
  });

  it("bump has no large-object path: a request larger than the arena fails", () => {
    const a = createAllocator("bump", { arenaBytes: 64 * 1024 });
    expect(a.malloc(128 * 1024)).toBe(-1);
    expect(() => createAllocator("bump", { largeThreshold: 1024 })).toThrow(/unknown option for bump: "largeThreshold"/);
  });
});
