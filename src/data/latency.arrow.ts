// latency.arrow — probes-per-op histograms (32 log2 buckets) by allocator and op kind. Deterministic.
import { latencyTable, toArrowBytes } from "../lib/arrow.js";
import { runBuildRaces, writeArrow } from "./build-races.js";

writeArrow(toArrowBytes(latencyTable(runBuildRaces({ frames: false }))));
