// frames-<source>.arrow — the heat-map frames of one build-time race: every FRAME_EVERY-th tick of
// every allocator, cells as FixedSizeBinary(16384). Deterministic.
import { parseArgs } from "node:util";
import { ticksTable, toArrowBytes } from "../lib/arrow.js";
import { FRAME_EVERY, runBuildRaces, writeArrow } from "./build-races.js";

const { values } = parseArgs({ options: { source: { type: "string" } } });
if (!values.source) throw new Error("frames loader needs --source");
// Every FRAME_EVERY-th tick, ending with the last one; rows keep their tick index in the full race.
const keep = (index: number) => (index + 1) % FRAME_EVERY === 0;
writeArrow(toArrowBytes(ticksTable(runBuildRaces({}, values.source), { frames: true, keep })));
