// latency-ns.arrow — sampled wall-clock ns per op (1 op in 64, Node's hrtime) by allocator.
// The one table that differs from build to build: it measures this machine.
import { latencyNsTable, toArrowBytes } from "../lib/race/tables.js";
import { runBuildRaces, writeArrow } from "./build-races.js";

const clock = () => Number(process.hrtime.bigint());
writeArrow(toArrowBytes(latencyNsTable(runBuildRaces({ frames: false, clock, checkAtTicks: false }))));
