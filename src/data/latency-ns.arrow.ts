// latency-ns.arrow — sampled wall-clock ns per op (1 op in 64, Node's hrtime, less the cost of
// reading the clock) by allocator.
// The one table that differs from build to build: it measures this machine.
import { latencyNsTable, toArrowBytes } from "../lib/arrow.js";
import { calibrateClockOverhead } from "../lib/index.js";
import { runBuildRaces, writeArrow } from "./build-races.js";

const clock = () => Number(process.hrtime.bigint());
const clockOverhead = calibrateClockOverhead(clock);
console.error(`clock overhead: ${clockOverhead} ns per pair of reads, subtracted from every sample`);
writeArrow(toArrowBytes(latencyNsTable(runBuildRaces({ frames: false, clock, clockOverhead, checkAtTicks: false }))));
