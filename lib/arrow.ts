// The Arrow side of the public API: race results as Apache Arrow tables (the loaders' output, the
// CLI's --out, the pages' downloads). Apart from lib/index.ts so that a page that never writes
// Arrow does not load apache-arrow just by importing the API.
export { latencyNsTable, latencyTable, raceSummaryTable, ticksTable, toArrowBytes } from "./race/tables.js";
export type { LabelledRace } from "./race/tables.js";
