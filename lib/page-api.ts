// The part of lib's public API (index.ts) a page needs before its first paint, in a module of its
// own: Framework serves every module as a file of its own, and index.ts would bring in all of lib
// (the race engine, the parsers, the labs), which the page's main thread does not use — the races
// run in workers. The race page preloads 58 modules through it, against 80 through index.ts. Every
// name here is re-exported from index.ts too, as the same binding (test/architecture/imports.test.ts
// checks both).
export { ALLOCATORS, ALLOCATOR_INFO } from "./allocators/index.js";
export { WORKLOADS, WORKLOAD_INFO } from "./workloads/index.js";
export { formatBytes } from "./bytes.js";
export { HISTOGRAM_BUCKETS, bucketUpperBound, percentilesOf } from "./histogram.js";
export { CELL_STATE_NAMES, GRID_SIDE, PACKED_CELL_BYTES, cellAt, pixelBytesOf } from "./arena.js";
export { arenaChoices, parseArenaChoice } from "./site/arena-choices.js";
export { flattenKnobs, knobsFor, raceStateSearch, readRaceState } from "./site/race-url.js";
