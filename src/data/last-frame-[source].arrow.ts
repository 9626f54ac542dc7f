// last-frame-<source>.arrow — the last tick of one build-time race, every allocator: the figures of
// ticks.arrow plus the heat map (FixedSizeBinary(16384)). What the race page shows first, at about a
// thirtieth of the bytes of frames-<source>.arrow, which it fetches only when the reader scrubs.
// Deterministic.
import { parseArgs } from "node:util";
import { ticksTable, toArrowBytes } from "../lib/arrow.js";
import { runBuildRaces, writeArrow } from "./build-races.js";
import { BUILD_TICKS } from "./build-plan.js";

const { values } = parseArgs({ options: { source: { type: "string" } } });
if (!values.source) throw new Error("last-frame loader needs --source");
writeArrow(toArrowBytes(ticksTable(runBuildRaces({}, values.source), { frames: true, keep: (index) => index === BUILD_TICKS - 1 })));
