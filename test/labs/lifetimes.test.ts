// The mixing-lifetimes lab: the stream's shape and hints, the request-region heap and the
// segregated heap against the shared allocator harness, and the lab's headline result.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { randomLcg } from "d3-random";
import {
  CHUNK_HEADER_BYTES, LONG_LIVED_MAX, LONG_LIVED_MIN, RegionHeap, SegregatedHeap, lifetimeStream, runLifetimesLab,
} from "../../lib/labs/lifetimes.js";
import { HeapError } from "../../lib/allocators/types.js";
import { censusOf } from "../../lib/arena.js";
import { OP_FREE, OP_MALLOC } from "../../lib/trace/types.js";
import { replaySteps, stepArbitrary } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

/** Region hints for the harness: a few regions, so that regions empty out and give chunks back. */
function hints(count: number, regions: number, seed: number): Int32Array {
  const random = randomLcg(seed);
  return Int32Array.from({ length: count }, () => Math.floor(random() * regions));
}

describe("lifetimes: the stream", () => {
  it("lifetimes: the same seed and knobs give the same trace and hints", () => {
    const a = lifetimeStream({ seed: 7, requests: 200 });
    const b = lifetimeStream({ seed: 7, requests: 200 });
    expect(a.trace.op).toEqual(b.trace.op);
    expect(a.trace.size).toEqual(b.trace.size);
    expect(a.regionOfMalloc).toEqual(b.regionOfMalloc);
    expect(a.longLivedOfMalloc).toEqual(b.longLivedOfMalloc);
    expect(lifetimeStream({ seed: 8, requests: 200 }).trace.size).not.toEqual(a.trace.size);
  });

  it("lifetimes: every request's objects are freed when it ends; one request in pinEvery keeps one object for pinLifetime requests", () => {
    const stream = lifetimeStream({ seed: 3, requests: 300, pinEvery: 10, pinLifetime: 50, concurrency: 3 });
    const { trace, regionOfMalloc, longLivedOfMalloc } = stream;
    const mallocs = trace.op.filter((op) => op === OP_MALLOC).length;
    expect(regionOfMalloc.length).toBe(mallocs);
    expect(stream.longLived).toBe(30);
    expect(longLivedOfMalloc.reduce((a, b) => a + b, 0)).toBe(30);
    // Replay: which ids are freed, and each request's ids.
    const freed = new Set<number>();
    const meta = new Map<number, { region: number; longLived: boolean; size: number }>();
    let n = 0;
    for (let i = 0; i < trace.length; i++) {
      if (trace.op[i] === OP_MALLOC) meta.set(trace.id[i], { region: regionOfMalloc[n], longLived: longLivedOfMalloc[n++] === 1, size: trace.size[i] });
      else if (trace.op[i] === OP_FREE) freed.add(trace.id[i]);
    }
    for (const [id, m] of meta) {
      if (!m.longLived) expect(freed.has(id)).toBe(true);
      else {
        expect(m.size).toBeGreaterThanOrEqual(LONG_LIVED_MIN);
        expect(m.size).toBeLessThanOrEqual(LONG_LIVED_MAX);
      }
    }
    const pinsFreed = [...meta].filter(([id, m]) => m.longLived && freed.has(id)).length;
    expect(pinsFreed).toBe(30 - stream.longLivedAtEnd);
    expect(stream.longLivedAtEnd).toBeGreaterThan(0); // the last 50 requests' pins outlive the stream
  });

  it("lifetimes: pinLifetime 0 never frees a long-lived object, and pinEvery 0 makes none", () => {
    const forever = lifetimeStream({ seed: 1, requests: 100, pinEvery: 5, pinLifetime: 0 });
    expect(forever.longLivedAtEnd).toBe(forever.longLived);
    expect(lifetimeStream({ seed: 1, requests: 100, pinEvery: 0 }).longLived).toBe(0);
  });

  it("lifetimes: bad knobs are rejected, quoting the value", () => {
    expect(() => lifetimeStream({ seed: 1, requests: 5 })).toThrow(/invalid requests: 5/);
    expect(() => lifetimeStream({ seed: 1, concurrency: 0 })).toThrow(/invalid concurrency: 0/);
    expect(() => lifetimeStream({ seed: -1 })).toThrow(/invalid seed: -1/);
  });
});

describe("lifetimes: the region heap", () => {
  it("region heap: random operation sequences keep every invariant, payload and counter", () => {
    const regionOf = hints(4000, 6, 11);
    fc.assert(
      fc.property(fc.array(stepArbitrary(ARENA, 1024), { minLength: 1, maxLength: 150 }), (steps) => {
        replaySteps(() => new RegionHeap({ arenaBytes: ARENA, chunkBytes: 4096, regionOf }), steps);
      }),
      { numRuns: 80 },
    );
  });

  it("region heap: a region gives all its chunks back when its last object dies, and a live object pins them all", () => {
    const heap = new RegionHeap({ arenaBytes: ARENA, chunkBytes: 4096 });
    const objects: number[] = [];
    for (let i = 0; i < 10; i++) objects.push(heap.mallocIn(1, 1000)); // 10 × 1008 B: three 4 KiB chunks
    const pin = heap.mallocIn(1, 40);
    expect(heap.chunksInUse).toBe(3);
    for (const addr of objects) heap.free(addr);
    heap.check();
    expect(heap.chunksInUse).toBe(3); // one 40-byte object keeps 12 KiB
    expect(heap.liveRegions).toBe(1);
    expect(censusOf(heap).reservedBytes).toBeGreaterThan(10_000);
    heap.free(pin);
    heap.check();
    expect(heap.chunksInUse).toBe(0);
    expect(heap.liveRegions).toBe(0);
    expect(censusOf(heap).freeBytes).toBe(ARENA);
  });

  it("region heap: chunks are taken lowest address first, so the high-water mark counts chunks ever held", () => {
    const heap = new RegionHeap({ arenaBytes: ARENA, chunkBytes: 4096 });
    const a = heap.mallocIn(0, 100);
    const b = heap.mallocIn(1, 100);
    expect(a).toBe(CHUNK_HEADER_BYTES + 8);
    expect(b).toBe(4096 + CHUNK_HEADER_BYTES + 8);
    heap.free(a);
    expect(heap.mallocIn(2, 100)).toBe(a); // region 0's chunk went back and is the lowest free one
    expect(heap.stats.highWater).toBe(8192);
  });

  it("region heap: an object larger than a chunk fails, and bad frees throw without changing anything", () => {
    const heap = new RegionHeap({ arenaBytes: ARENA, chunkBytes: 4096 });
    expect(heap.mallocIn(0, 5000)).toBe(-1);
    expect(heap.stats.failures).toBe(1);
    const a = heap.mallocIn(0, 64);
    expect(() => heap.free(a + 16)).toThrow(HeapError);
    expect(() => heap.free(8192)).toThrow(/belongs to no region/);
    heap.free(heap.mallocIn(0, 10));
    heap.free(a);
    expect(() => heap.free(a)).toThrow(HeapError);
    heap.check();
  });

  it("region heap: malloc() follows the hints and says so when they run out", () => {
    const heap = new RegionHeap({ arenaBytes: ARENA, chunkBytes: 4096, regionOf: Int32Array.of(0, 1) });
    heap.malloc(10);
    heap.malloc(10);
    expect(heap.liveRegions).toBe(2);
    expect(() => heap.malloc(10)).toThrow(/no region hint for malloc #2/);
  });

  it("region heap: bad chunk sizes are rejected, quoting the value", () => {
    expect(() => new RegionHeap({ arenaBytes: ARENA, chunkBytes: 5000 })).toThrow(/invalid chunkBytes: 5000/);
    expect(() => new RegionHeap({ arenaBytes: ARENA, chunkBytes: 32768 })).toThrow(/invalid chunkBytes: 32768/);
  });
});

describe("lifetimes: the segregated heap", () => {
  it("segregated heap: long-lived objects go to the general heap above, short-lived ones to regions below", () => {
    const regionOf = Int32Array.of(0, 0, 1, 1);
    const longLivedOf = Uint8Array.of(0, 1, 0, 0);
    const heap = new SegregatedHeap({ arenaBytes: 2 * ARENA, chunkBytes: 4096, regionOf, longLivedOf });
    const a = heap.malloc(100), pin = heap.malloc(100), b = heap.malloc(50), c = heap.malloc(60);
    expect(a).toBeLessThan(ARENA);
    expect(pin).toBeGreaterThanOrEqual(ARENA);
    expect(b).toBeLessThan(ARENA);
    heap.free(a);
    heap.free(b);
    heap.free(c);
    heap.check();
    expect(heap.regions.chunksInUse).toBe(0); // the pin did not keep region 0
    expect(heap.stats.liveBytes).toBe(100);
    expect(heap.stats.highWater).toBe(heap.regions.stats.highWater + heap.heap.stats.highWater);
    let covered = 0;
    heap.walk((start, bytes) => { expect(start).toBe(covered); covered += bytes; });
    expect(covered).toBe(2 * ARENA);
    heap.free(pin);
    expect(heap.stats.liveBytes).toBe(0);
    expect(() => heap.free(pin)).toThrow(HeapError);
  });

  it("segregated heap: needs its hints and at least 128 KiB", () => {
    expect(() => new SegregatedHeap({ arenaBytes: ARENA, regionOf: new Int32Array(1), longLivedOf: new Uint8Array(1) })).toThrow(/at least 128 KiB/);
    expect(() => new SegregatedHeap({ arenaBytes: 2 * ARENA })).toThrow(/needs regionOf/);
  });
});

describe("lifetimes: the lab", () => {
  it("lifetimes lab: objects that never die pin request arenas and the high-water mark climbs; a separate heap for them stops it", () => {
    const lab = runLifetimesLab({ seed: 1, requests: 600, pinEvery: 20, pinLifetime: 0, ticks: 16 });
    const [general, regions, segregated] = lab.result.lanes;
    for (const lane of lab.result.lanes) {
      expect(lane.corrupt).toBeNull();
      expect(lane.failures).toBe(0);
    }
    const half = regions.ticks[7].highWater;
    expect(regions.highWater).toBeGreaterThan(1.5 * half);
    expect(regions.highWater).toBeGreaterThan(4 * segregated.highWater);
    expect(lab.regionsAlive[1][15]).toBeGreaterThanOrEqual(lab.stream.longLivedAtEnd);
    expect(lab.regionsAlive[2][15]).toBeLessThanOrEqual(4);
    expect(general.peakLiveBytes).toBe(regions.peakLiveBytes);
  });

  it("lifetimes lab: without long-lived objects the regions never pin anything", () => {
    const lab = runLifetimesLab({ seed: 2, requests: 300, pinEvery: 0, ticks: 8 });
    expect(lab.regionsAlive[1].every((n) => n <= 4)).toBe(true);
    expect(lab.result.lanes[1].highWater).toBe(lab.result.lanes[2].highWater); // nothing went to the long-lived heap
    expect(lab.result.lanes[1].highWater).toBeLessThanOrEqual(5 * 8192);
  });

  it("lifetimes lab: bad knobs are rejected, quoting the value", () => {
    expect(() => runLifetimesLab({ seed: 1, heap: "bump" })).toThrow(/invalid heap: "bump"/);
    expect(() => runLifetimesLab({ seed: 1, chunkBytes: 3000 })).toThrow(/invalid chunkBytes: 3000/);
    expect(() => runLifetimesLab({ seed: 1, chunkBytes: 65536, arenaBytes: 256 * 1024 })).toThrow(/invalid chunkBytes: 65536 \(the segregated lane splits/);
  });
});
