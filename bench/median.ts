// The median every benchmark reports (d3's, the mean of the middle two for an even count), for a
// non-empty list of timings: an empty one is a benchmark that measured nothing, and says so.
import { median as d3Median } from "d3";

export function median(xs: readonly number[]): number {
  const m = d3Median(xs);
  if (m === undefined) throw new RangeError("median of no measurements");
  return m;
}
