// The public API of lib (DESIGN.md): loaders, pages, the worker, the CLI and tests import from here.

export { ALLOCATORS, ALLOCATOR_INFO, createAllocator, isAllocatorName } from "./allocators/index.js";
export type { AllocatorInfo } from "./allocators/index.js";
export { HeapError, DEFAULT_ARENA_BYTES, MIN_ARENA_BYTES, MAX_ARENA_BYTES, ALIGNMENT } from "./allocators/types.js";
export type { Allocator, AllocatorName, AllocatorOptions, AllocatorStats, HeapErrorCode } from "./allocators/types.js";
export type { KnobSpec } from "./allocators/knobs.js";
export { parseKnobText, describeKnobValues } from "./allocators/knobs.js";

export {
  CELL_FREE, CELL_USED, CELL_HEADER, CELL_RESERVED, CELL_STATE_NAMES, GRID_SIDE, GRID_PIXELS, PACKED_CELL_BYTES,
  takeSnapshot, censusOf, cellAt, unpackCells, pixelBytesOf, fragmentationScore, internalFragmentationOf,
} from "./arena.js";
export type { ArenaCensus, Snapshot, CellState } from "./arena.js";

export { OP_MALLOC, OP_FREE, OP_REALLOC, TraceError, TraceBuilder } from "./trace/types.js";
export type { Trace } from "./trace/types.js";
export { parseTrace } from "./trace/parse.js";
export { TraceTextParser, parseTraceChunks, readableChunks } from "./trace/stream.js";
export { formatRep } from "./trace/rep.js";
export { formatMtrace } from "./trace/mtrace.js";
export { encodeOpFile, decodeOpFile, OPFILE_VERSION } from "./trace/opfile.js";
export { profileTrace, autoArenaBytes } from "./trace/profile.js";

export { WORKLOADS, WORKLOAD_INFO, generateWorkload, isWorkloadName } from "./workloads/index.js";
export type { WorkloadName } from "./workloads/index.js";

export { race, resolveArenaBytes, DEFAULT_TICKS, NS_SAMPLE_EVERY } from "./race/race.js";
export type { RaceOptions, RaceResult, LaneResult, LaneSpec, Tick } from "./race/race.js";
export { HISTOGRAM_BUCKETS, bucketOf, bucketUpperBound, percentile, percentilesOf } from "./race/histogram.js";
export type { Percentiles } from "./race/histogram.js";
