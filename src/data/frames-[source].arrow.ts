// frames-<source>.arrow — the heat-map frames of one build-time race: every FRAME_EVERY-th tick of
// every allocator, cells as FixedSizeBinary(16384). Deterministic.
import { parseArgs } from "node:util";
import { ticksTable, toArrowBytes } from "../lib/race/tables.js";
import { FRAME_EVERY, runBuildRaces, writeArrow } from "./build-races.js";

const { values } = parseArgs({ options: { source: { type: "string" } } });
if (!values.source) throw new Error("frames loader needs --source");
const races = runBuildRaces({}, values.source).map((race) => ({
  ...race,
  result: {
    ...race.result,
    lanes: race.result.lanes.map((lane) => ({ ...lane, ticks: lane.ticks.filter((_, i) => (i + 1) % FRAME_EVERY === 0) })),
  },
}));
writeArrow(toArrowBytes(ticksTable(races, { frames: true })));
