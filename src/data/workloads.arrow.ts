// workloads.arrow — the shape of every build-time allocation stream, in long form:
// metric "size" and "lifetime" (x = log2 bucket upper bound, value = count), "liveBytes" and
// "liveBlocks" (x = op, value), plus "summary" rows (x = 0) for the headline numbers. Deterministic.
import { Float64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { profileTrace, bucketUpperBound } from "../lib/index.js";
import { toArrowBytes } from "../lib/arrow.js";
import { buildSources, writeArrow } from "./build-races.js";

const source: string[] = [], metric: string[] = [], x: number[] = [], value: number[] = [];
const push = (s: string, m: string, xv: number, v: number) => { source.push(s); metric.push(m); x.push(xv); value.push(v); };

for (const { source: name, trace } of buildSources()) {
  const p = profileTrace(trace(), { samples: 256 });
  p.sizeHistogram.forEach((count, bucket) => count > 0 && push(name, "size", bucketUpperBound(bucket), count));
  p.lifetimeHistogram.forEach((count, bucket) => count > 0 && push(name, "lifetime", bucketUpperBound(bucket), count));
  for (let i = 0; i < p.series.op.length; i++) {
    push(name, "liveBytes", p.series.op[i], p.series.liveBytes[i]);
    push(name, "liveBlocks", p.series.op[i], p.series.liveBlocks[i]);
  }
  for (const key of ["ops", "mallocs", "frees", "reallocs", "errors", "peakLiveBytes", "peakLiveBlocks", "neverFreed"] as const) {
    push(name, key, 0, p[key]);
  }
  console.error(`profiled ${name}`);
}

writeArrow(toArrowBytes(new Table({
  source: vectorFromArray(source, new Utf8()),
  metric: vectorFromArray(metric, new Utf8()),
  x: vectorFromArray(x, new Float64()),
  value: vectorFromArray(value, new Float64()),
})));
