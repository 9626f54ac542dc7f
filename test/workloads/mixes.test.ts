// Each workload's stated mix, measured on its trace: shares of op kinds, size and lifetime
// distributions, and the behaviours each one is meant to show (eviction at maxmemory, request
// bursts, growing lists, slot churn). Tolerances are wide enough for any seed, narrow enough
// that a broken mix fails.

import { describe, expect, it } from "vitest";
import { generateWorkload } from "../../lib/workloads/index.js";
import { profileTrace } from "../../lib/trace/profile.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "../../lib/trace/types.js";

const KiB = 1024;
const MiB = 1024 * KiB;

function share(part: number, whole: number): number {
  return part / whole;
}

function mallocSizes(trace: Trace): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < trace.length; i++) if (trace.op[i] === OP_MALLOC) sizes.push(trace.size[i]);
  return sizes.sort((a, b) => a - b);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Lifetime in ops of every block that is freed, by id order. */
function lifetimes(trace: Trace): number[] {
  const bornAt = new Map<number, number>();
  const result: number[] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.op[i] === OP_MALLOC) bornAt.set(trace.id[i], i);
    else if (trace.op[i] === OP_FREE) result.push(i - bornAt.get(trace.id[i])!);
  }
  return result;
}

/** Lengths of the maximal runs of consecutive frees. */
function freeRuns(trace: Trace): number[] {
  const runs: number[] = [];
  let run = 0;
  for (let i = 0; i <= trace.length; i++) {
    if (i < trace.length && trace.op[i] === OP_FREE) run++;
    else if (run > 0) { runs.push(run); run = 0; }
  }
  return runs;
}

describe("redis_cache", () => {
  it("redis_cache: about 20 % of ops are frees while the cache is below maxmemory", () => {
    for (const seed of [1, 2, 3]) {
      const profile = profileTrace(generateWorkload("redis_cache", { seed, ops: 50_000, arenaBytes: 64 * MiB }));
      expect(profile.peakLiveBytes).toBeLessThan(0.4 * 64 * MiB);
      expect(share(profile.frees, profile.ops)).toBeGreaterThan(0.18);
      expect(share(profile.frees, profile.ops)).toBeLessThan(0.22);
    }
  });

  it("redis_cache: at maxmemory, random evictions hold live bytes at the limit and add frees", () => {
    const arenaBytes = 256 * KiB;
    for (const maxmemoryPercent of [10, 30]) {
      const profile = profileTrace(generateWorkload("redis_cache", { seed: 4, ops: 60_000, arenaBytes, maxmemoryPercent }));
      const maxmemory = (arenaBytes * maxmemoryPercent) / 100;
      expect(profile.peakLiveBytes).toBeLessThanOrEqual(maxmemory);
      expect(profile.peakLiveBytes).toBeGreaterThan(0.98 * maxmemory);
      expect(share(profile.frees, profile.ops)).toBeGreaterThan(0.21);
      expect(share(profile.frees, profile.ops)).toBeLessThan(0.32);
    }
  });

  it("redis_cache: overwrites of present keys are reallocs, and most SETs are overwrites once the cache is full", () => {
    const profile = profileTrace(generateWorkload("redis_cache", { seed: 5, ops: 200_000 }));
    expect(share(profile.reallocs, profile.ops)).toBeGreaterThan(0.4);
    expect(share(profile.mallocs, profile.ops)).toBeGreaterThan(0.2);
  });

  it("redis_cache: value sizes are log-normal around the median knob, spread by σ", () => {
    for (const [medianBytes, sigmaPercent] of [[64, 50], [64, 150], [300, 100]]) {
      const sizes = mallocSizes(generateWorkload("redis_cache", { seed: 6, ops: 40_000, medianBytes, sigmaPercent }));
      const median = quantile(sizes, 0.5);
      expect(median / medianBytes).toBeGreaterThan(0.9);
      expect(median / medianBytes).toBeLessThan(1.1);
      // One σ above the median is the 84th percentile of a log-normal.
      const sigma = Math.log(quantile(sizes, 0.8413) / median);
      expect(sigma / (sigmaPercent / 100)).toBeGreaterThan(0.85);
      expect(sigma / (sigmaPercent / 100)).toBeLessThan(1.15);
    }
  });
});

describe("nginx_requests", () => {
  it("nginx_requests: frees come in bursts, as each request frees its whole pool at once", () => {
    const trace = generateWorkload("nginx_requests", { seed: 1, ops: 100_000 });
    const runs = freeRuns(trace);
    const frees = runs.reduce((a, b) => a + b, 0);
    const inLongRuns = runs.filter((run) => run >= 6).reduce((a, b) => a + b, 0);
    expect(frees / runs.length).toBeGreaterThan(10);
    expect(share(inLongRuns, frees)).toBeGreaterThan(0.9);
  });

  it("nginx_requests: allocations come in short bursts interleaved across requests", () => {
    const trace = generateWorkload("nginx_requests", { seed: 2, ops: 100_000 });
    let runs = 0, mallocs = 0;
    for (let i = 0; i < trace.length; i++) {
      if (trace.op[i] !== OP_MALLOC) continue;
      mallocs++;
      if (i === 0 || trace.op[i - 1] !== OP_MALLOC) runs++;
    }
    // Malloc runs are broken only by free bursts, so they are long; requests interleave inside them.
    expect(mallocs / runs).toBeGreaterThan(10);
    expect(profileTrace(trace).reallocs).toBe(0);
  });

  it("nginx_requests: a small share of blocks are long-lived connection objects", () => {
    const spans = lifetimes(generateWorkload("nginx_requests", { seed: 3, ops: 200_000 })).sort((a, b) => a - b);
    const median = quantile(spans, 0.5);
    const longLived = spans.filter((span) => span > 5 * median).length;
    expect(share(longLived, spans.length)).toBeGreaterThan(0.002);
    expect(share(longLived, spans.length)).toBeLessThan(0.05);
  });

  it("nginx_requests: more requests in flight hold more blocks at once", () => {
    const peakBlocks = (concurrency: number) =>
      profileTrace(generateWorkload("nginx_requests", { seed: 4, ops: 50_000, arenaBytes: 16 * MiB, concurrency })).peakLiveBlocks;
    expect(peakBlocks(2)).toBeLessThan(80);
    expect(peakBlocks(32)).toBeGreaterThan(4 * peakBlocks(2));
  });

  it("nginx_requests: headers are small and buffers are whole KiB", () => {
    const sizes = mallocSizes(generateWorkload("nginx_requests", { seed: 5, ops: 50_000 }));
    const small = sizes.filter((size) => size <= 512).length;
    expect(share(small, sizes.length)).toBeGreaterThan(0.6);
    for (const size of sizes) if (size > 512) expect(size % 512).toBe(0);
  });
});

describe("python_repl", () => {
  it("python_repl: 92 % of allocations are 16–96 B", () => {
    for (const seed of [1, 2, 3]) {
      const trace = generateWorkload("python_repl", { seed, ops: 100_000 });
      let small = 0, allocations = 0, smallMallocs = 0, mallocs = 0;
      for (let i = 0; i < trace.length; i++) {
        if (trace.op[i] === OP_FREE) continue;
        const inRange = trace.size[i] >= 16 && trace.size[i] <= 96;
        allocations++;
        if (inRange) small++;
        if (trace.op[i] === OP_MALLOC) { mallocs++; if (inRange) smallMallocs++; }
      }
      expect(share(small, allocations)).toBeGreaterThan(0.905);
      expect(share(small, allocations)).toBeLessThan(0.935);
      expect(share(smallMallocs, mallocs)).toBeGreaterThan(0.91);
      expect(share(smallMallocs, mallocs)).toBeLessThan(0.95);
    }
  });

  it("python_repl: most objects die within a few ops", () => {
    const spans = lifetimes(generateWorkload("python_repl", { seed: 4, ops: 100_000 })).sort((a, b) => a - b);
    expect(quantile(spans, 0.5)).toBeLessThanOrEqual(10);
    expect(quantile(spans, 0.8)).toBeLessThanOrEqual(40);
    expect(quantile(spans, 0.99)).toBeGreaterThan(200);
  });

  it("python_repl: lists and strings grow by realloc, each step larger than the last", () => {
    const trace = generateWorkload("python_repl", { seed: 5, ops: 200_000 });
    const sizeOf = new Map<number, number>();
    let reallocs = 0, largest = 0;
    for (let i = 0; i < trace.length; i++) {
      const id = trace.id[i];
      if (trace.op[i] === OP_MALLOC) sizeOf.set(id, trace.size[i]);
      if (trace.op[i] !== OP_REALLOC) continue;
      expect(trace.size[i]).toBeGreaterThan(sizeOf.get(id)!);
      sizeOf.set(id, trace.size[i]);
      largest = Math.max(largest, trace.size[i]);
      reallocs++;
    }
    expect(share(reallocs, trace.length)).toBeGreaterThan(0.003);
    expect(share(reallocs, trace.length)).toBeLessThan(0.02);
    expect(largest).toBeGreaterThan(4 * KiB);
  });

  it("python_repl: large objects are occasional", () => {
    const sizes = mallocSizes(generateWorkload("python_repl", { seed: 6, ops: 100_000 }));
    const large = sizes.filter((size) => size > KiB).length;
    expect(share(large, sizes.length)).toBeGreaterThan(0.005);
    expect(share(large, sizes.length)).toBeLessThan(0.03);
  });
});

describe("larson", () => {
  it("larson: warm-up fills every slot, then each step frees one block and mallocs one", () => {
    const slots = 200;
    const trace = generateWorkload("larson", { seed: 1, ops: 20_000, slots });
    let outOfPlace = 0;
    for (let i = 0; i < trace.length; i++) {
      const expected = i < slots || (i - slots) % 2 === 1 ? OP_MALLOC : OP_FREE;
      if (trace.op[i] !== expected) outOfPlace++;
    }
    expect(outOfPlace).toBe(0);
    const profile = profileTrace(trace);
    expect(profile.peakLiveBlocks).toBe(slots);
    expect(profile.finalLiveBlocks).toBe(slots);
  });

  it("larson: sizes are uniform in [minSize, maxSize]", () => {
    const sizes = mallocSizes(generateWorkload("larson", { seed: 2, ops: 40_000, minSize: 100, maxSize: 300 }));
    expect(sizes[0]).toBeGreaterThanOrEqual(100);
    expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(300);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(Math.abs(mean - 200)).toBeLessThan(5);
    expect(Math.abs(quantile(sizes, 0.25) - 150)).toBeLessThan(6);
  });

  it("larson: the victim slot is uniform, so lifetimes average two ops per slot", () => {
    const slots = 300;
    const spans = lifetimes(generateWorkload("larson", { seed: 3, ops: 200_000, slots }));
    const mean = spans.reduce((a, b) => a + b, 0) / spans.length;
    expect(mean / (2 * slots)).toBeGreaterThan(0.9);
    expect(mean / (2 * slots)).toBeLessThan(1.1);
  });

  it("larson: small arenas get fewer slots, so the live set still fits", () => {
    const profile = profileTrace(generateWorkload("larson", { seed: 4, ops: 10_000, arenaBytes: 64 * KiB }));
    expect(profile.peakLiveBlocks).toBe(Math.floor(32 * KiB / 1000));
  });
});
