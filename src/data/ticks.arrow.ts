// ticks.arrow — per-tick metrics of every build-time race (no heat-map frames; those are in
// frames-<source>.arrow so a page loads only the race it shows). Deterministic.
import { ticksTable, toArrowBytes } from "../lib/arrow.js";
import { runBuildRaces, writeArrow } from "./build-races.js";

writeArrow(toArrowBytes(ticksTable(runBuildRaces({ frames: false }), { frames: false })));
