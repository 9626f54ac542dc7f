import { describe, expect, it } from "vitest";
import { bucketOf, bucketUpperBound, newHistogram, percentile, percentilesOf, recordValue } from "../../lib/histogram.js";
import { probeBucket } from "../../lib/race/race.js";

describe("log2 histograms", () => {
  it("bucket i holds 2^(i-1) < x ≤ 2^i, bucket 0 holds x ≤ 1", () => {
    expect([0, 1, 2, 3, 4, 5, 8, 9, 1024, 1025].map(bucketOf)).toEqual([0, 0, 1, 2, 2, 3, 3, 4, 10, 11]);
    for (let i = 1; i < 31; i++) {
      expect(bucketOf(2 ** i)).toBe(i);
      expect(bucketOf(2 ** i + 1)).toBe(i + 1);
    }
  });

  it("values beyond 2^31 land in the last bucket", () => {
    expect(bucketOf(2 ** 40)).toBe(31);
  });

  it("fractional values round up to the bucket of their ceiling", () => {
    expect(bucketOf(2.5)).toBe(2);
  });

  it("percentiles read the upper bound of the bucket holding the nearest rank", () => {
    const h = newHistogram();
    for (let i = 0; i < 90; i++) recordValue(h, 3);   // bucket 2 (≤ 4)
    for (let i = 0; i < 9; i++) recordValue(h, 100);  // bucket 7 (≤ 128)
    recordValue(h, 5000);                              // bucket 13 (≤ 8192)
    expect(percentilesOf(h)).toEqual({ p50: 4, p90: 4, p99: 128 });
    expect(percentile(h, 1)).toBe(bucketUpperBound(13));
  });

  it("an empty histogram reads 0 at every percentile", () => {
    expect(percentilesOf(newHistogram())).toEqual({ p50: 0, p90: 0, p99: 0 });
  });
});

describe("the race's probe bucket", () => {
  it("is bucketOf for every count an op can have, 0 and 1 included, up to the largest int32", () => {
    const counts = Array.from({ length: 5000 }, (_, i) => i);
    for (let i = 12; i <= 31; i++) counts.push(2 ** i - 1, 2 ** i, 2 ** i + 1);
    for (const count of counts.filter((c) => c <= 0x7fffffff)) expect(probeBucket(count)).toBe(bucketOf(count));
  });
});
