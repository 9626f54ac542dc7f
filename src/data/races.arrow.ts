// races.arrow — one leaderboard row per build-time race and allocator (deterministic).
import { raceSummaryTable, toArrowBytes } from "../lib/arrow.js";
import { runBuildRaces, writeArrow } from "./build-races.js";

writeArrow(toArrowBytes(raceSummaryTable(runBuildRaces({ frames: false }))));
