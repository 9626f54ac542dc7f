// One pass over a trace that says what it asks of an allocator before any allocator sees it: the op
// counts, the errors the race engine will count, how much is live at the peak and at the end, the
// size and lifetime distributions, and live bytes over time. Everything is indexed by id in typed
// arrays, so a million-op trace costs a few megabytes and one loop.

import { HISTOGRAM_BUCKETS, bucketOf } from "../histogram.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "./types.js";

export const DEFAULT_PROFILE_SAMPLES = 256;
const MIN_AUTO_ARENA_BYTES = 2 * 1024 * 1024;
const MAX_AUTO_ARENA_BYTES = 1024 * 1024 * 1024;

export interface LiveSeries {
  /** Ops applied when the point was taken: strictly increasing, the last one is the trace length. */
  readonly op: Int32Array;
  readonly liveBytes: Float64Array;
  readonly liveBlocks: Int32Array;
}

export interface TraceProfile {
  readonly ops: number;
  /** Ops by kind, erroneous ones included: mallocs + frees + reallocs == ops. */
  readonly mallocs: number;
  readonly frees: number;
  readonly reallocs: number;
  /** Frees and reallocs of an id that is not live (already freed, or never allocated). */
  readonly errors: number;
  /** Requested bytes; a realloc replaces its id's old size with the new one. */
  readonly peakLiveBytes: number;
  readonly peakLiveBlocks: number;
  readonly finalLiveBytes: number;
  readonly finalLiveBlocks: number;
  /** Bucket i counts sizes 2^(i-1) < x ≤ 2^i (bucket 0: x ≤ 1), over every malloc and realloc (race/histogram.ts). */
  readonly sizeHistogram: Int32Array;
  /** The same buckets over lifetimes: ops from an id's malloc to its free. */
  readonly lifetimeHistogram: Int32Array;
  /** Ids still live at the end: their lifetime is unknown, so they are not in the histogram. */
  readonly neverFreed: number;
  readonly series: LiveSeries;
}

export function profileTrace(trace: Trace, options: { samples?: number } = {}): TraceProfile {
  const samples = validateSamples(options.samples);
  const n = trace.length;
  const { op, id, size } = trace;
  const idCount = maxIdOf(trace) + 1;
  const liveSize = new Float64Array(idCount).fill(-1); // -1: not live
  const bornAt = new Int32Array(idCount);
  const sizeHistogram = new Int32Array(HISTOGRAM_BUCKETS);
  const lifetimeHistogram = new Int32Array(HISTOGRAM_BUCKETS);

  const points = Math.min(samples, n);
  const series: LiveSeries = { op: new Int32Array(points), liveBytes: new Float64Array(points), liveBlocks: new Int32Array(points) };
  let nextPoint = 0;
  let nextPointAt = points > 0 ? pointPosition(0, points, n) : Infinity;

  let mallocs = 0, frees = 0, reallocs = 0, errors = 0;
  let liveBytes = 0, liveBlocks = 0, peakLiveBytes = 0, peakLiveBlocks = 0;

  for (let i = 0; i < n; i++) {
    const block = id[i];
    const known = block >= 0 && block < idCount;
    const live = known && liveSize[block] >= 0;
    switch (op[i]) {
      case OP_MALLOC:
        mallocs++;
        sizeHistogram[bucketOf(size[i])]++;
        if (known) {
          // A malloc of an id that is still live loses the old pointer, as in C: the old block
          // stays allocated for good (it counts as live and never freed), the id names the new one.
          liveBlocks++;
          liveBytes += size[i];
          liveSize[block] = size[i];
          bornAt[block] = i;
        }
        break;
      case OP_FREE:
        frees++;
        if (!live) { errors++; break; }
        liveBytes -= liveSize[block];
        liveBlocks--;
        liveSize[block] = -1;
        lifetimeHistogram[bucketOf(i - bornAt[block])]++;
        break;
      case OP_REALLOC:
        reallocs++;
        sizeHistogram[bucketOf(size[i])]++;
        if (!live) { errors++; break; }
        liveBytes += size[i] - liveSize[block];
        liveSize[block] = size[i];
        break;
      default:
        throw new RangeError(`invalid op at ${i}: ${op[i]} (must be 0 malloc, 1 free or 2 realloc)`);
    }
    if (liveBytes > peakLiveBytes) peakLiveBytes = liveBytes;
    if (liveBlocks > peakLiveBlocks) peakLiveBlocks = liveBlocks;
    if (i + 1 === nextPointAt) {
      series.op[nextPoint] = i + 1;
      series.liveBytes[nextPoint] = liveBytes;
      series.liveBlocks[nextPoint] = liveBlocks;
      nextPoint++;
      nextPointAt = nextPoint < points ? pointPosition(nextPoint, points, n) : Infinity;
    }
  }

  return {
    ops: n, mallocs, frees, reallocs, errors,
    peakLiveBytes, peakLiveBlocks, finalLiveBytes: liveBytes, finalLiveBlocks: liveBlocks,
    sizeHistogram, lifetimeHistogram, neverFreed: liveBlocks, series,
  };
}

/**
 * The arena "auto" picks for a trace: the smallest power of two ≥ 2 × its peak live bytes, so a
 * good allocator has as much room again for headers and fragmentation; clamped to [2 MiB, 1 GiB].
 */
export function autoArenaBytes(peakLiveBytes: number): number {
  if (typeof peakLiveBytes !== "number" || !(peakLiveBytes >= 0) || !Number.isFinite(peakLiveBytes)) {
    throw new RangeError(`invalid peakLiveBytes: ${String(peakLiveBytes)} (must be a non-negative number)`);
  }
  let arenaBytes = MIN_AUTO_ARENA_BYTES;
  while (arenaBytes < 2 * peakLiveBytes && arenaBytes < MAX_AUTO_ARENA_BYTES) arenaBytes *= 2;
  return arenaBytes;
}

/** Point j of `points` over n ops: evenly spaced, strictly increasing when points ≤ n, the last at n. */
function pointPosition(j: number, points: number, n: number): number {
  return Math.ceil(((j + 1) * n) / points);
}

function validateSamples(samples: unknown): number {
  if (samples === undefined) return DEFAULT_PROFILE_SAMPLES;
  if (typeof samples !== "number" || !Number.isInteger(samples) || samples < 1 || samples > 1_000_000) {
    throw new RangeError(`invalid samples: ${String(samples)} (must be an integer from 1 to 1000000)`);
  }
  return samples;
}

/** Ids are meant to be dense from 0; a negative one can never be live, so it only counts as an error. */
function maxIdOf(trace: Trace): number {
  let max = -1;
  const id = trace.id;
  for (let i = 0; i < trace.length; i++) if (id[i] > max) max = id[i];
  return max;
}
