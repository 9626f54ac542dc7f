// 32-bucket log2 histograms (docs/architecture.md, "Metrics"): bucket i counts values x with
// 2^(i-1) < x ≤ 2^i, bucket 0 counts x ≤ 1, and the last bucket also takes everything larger.
// Percentiles are read from the buckets, so a histogram is 32 numbers whatever the op count.

export const HISTOGRAM_BUCKETS = 32;

export function bucketOf(x: number): number {
  if (x <= 1) return 0;
  // ceil(log2(x)) for integers: 32 - clz32(x - 1); fractional values round up the same way.
  const bucket = x < 0x80000000 ? 32 - Math.clz32(Math.ceil(x) - 1) : HISTOGRAM_BUCKETS - 1;
  return bucket < HISTOGRAM_BUCKETS ? bucket : HISTOGRAM_BUCKETS - 1;
}

/** The largest value a bucket holds: the value a percentile read from that bucket reports. */
export function bucketUpperBound(bucket: number): number {
  return 2 ** bucket;
}

export function newHistogram(): Float64Array {
  return new Float64Array(HISTOGRAM_BUCKETS);
}

export function recordValue(histogram: Float64Array, x: number): void {
  histogram[bucketOf(x)]++;
}

export function histogramCount(histogram: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i];
  return total;
}

/**
 * The upper bound of the bucket holding the q-th quantile (nearest rank), 0 for an empty histogram.
 * Reading the bucket's upper bound means p50 = 8 says "half the ops cost at most 8".
 */
export function percentile(histogram: ArrayLike<number>, q: number): number {
  const total = histogramCount(histogram);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= rank) return bucketUpperBound(i);
  }
  return bucketUpperBound(histogram.length - 1);
}

export interface Percentiles { p50: number; p90: number; p99: number }

export function percentilesOf(histogram: ArrayLike<number>): Percentiles {
  return { p50: percentile(histogram, 0.5), p90: percentile(histogram, 0.9), p99: percentile(histogram, 0.99) };
}

export function addHistograms(into: Float64Array, from: ArrayLike<number>): Float64Array {
  for (let i = 0; i < into.length; i++) into[i] += from[i];
  return into;
}
