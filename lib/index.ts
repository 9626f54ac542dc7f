// The public API of lib (docs/architecture.md): the CLI, loaders, pages, components and workers
// import from here (Arrow tables from lib/arrow.ts), never from a file inside lib; test/architecture
// checks it. Tests may reach inside to test one file.

export {
  ALLOCATORS, ALLOCATOR_INFO, allocatorInfo, createAllocator, isAllocatorName, isBuiltinAllocatorName, registerAllocator, registeredAllocators,
} from "./allocators/index.js";
export type { AllocatorDefinition, AllocatorInfo } from "./allocators/index.js";
export { HeapError, DEFAULT_ARENA_BYTES, MIN_ARENA_BYTES, MAX_ARENA_BYTES, ALIGNMENT } from "./allocators/types.js";
export type { Allocator, AllocatorDetail, AllocatorName, AllocatorOptions, AllocatorStats, BuiltinAllocatorName, FreeListNodes, HeapErrorCode } from "./allocators/types.js";
export type { KnobSpec } from "./knobs.js";
export { parseKnobText, describeKnobValues } from "./knobs.js";
export { parseByteSize, formatBytes } from "./bytes.js";
// The pure models behind the site's controls (no DOM): the arena sizes a page offers, the race page's URL state.
export { arenaChoices, parseArenaChoice } from "./site/arena-choices.js";
export { DEFAULT_RACE_STATE, flattenKnobs, knobsFor, raceStateSearch, readRaceState } from "./site/race-url.js";
export type { RaceUrlState } from "./site/race-url.js";

export {
  CELL_FREE, CELL_USED, CELL_HEADER, CELL_RESERVED, CELL_STATE_NAMES, GRID_SIDE, GRID_PIXELS, PACKED_CELL_BYTES,
  blockKind, takeSnapshot, censusOf, mappedBlocksOf, cellAt, unpackCells, pixelBytesOf, fragmentationScore, internalFragmentationOf,
} from "./arena.js";
export type { ArenaCensus, Snapshot, CellState, BlockKind } from "./arena.js";

export { OP_MALLOC, OP_FREE, OP_REALLOC, TraceError, TraceBuilder } from "./trace/types.js";
export type { ReaderOptions, Trace } from "./trace/types.js";
export { parseTrace } from "./trace/parse.js";
export { TraceTextParser, parseTraceChunks, readableChunks } from "./trace/stream.js";
export { formatRep } from "./trace/rep.js";
export { formatMtrace } from "./trace/mtrace.js";
export { encodeOpFile, decodeOpFile, OPFILE_VERSION } from "./trace/opfile.js";
export { profileTrace, autoArenaBytes } from "./trace/profile.js";

export { WORKLOADS, WORKLOAD_INFO, generateWorkload, isWorkloadName } from "./workloads/index.js";
export type { WorkloadName } from "./workloads/index.js";

export { race, raceOpSource, resolveArenaBytes, DEFAULT_TICKS, NS_SAMPLE_EVERY } from "./race/race.js";
export type { RaceOptions, RaceResult, LaneResult, LaneSpec, Tick, OpSource, OpStretch } from "./race/race.js";
export { HISTOGRAM_BUCKETS, bucketOf, bucketUpperBound, percentile, percentilesOf } from "./histogram.js";
export type { Percentiles } from "./histogram.js";

export { calibrateClockOverhead } from "./race/clock.js";
export { DEFAULT_CHECK_EVERY } from "./race/race.js";
export { replayBare } from "./race/replay-bare.js";
export type { TraceProfile } from "./trace/profile.js";
export { tracePrefix } from "./trace/types.js";
export { MAX_SEED } from "./workloads/index.js";

// The layout facts and class maps the strategy pages draw (header sizes, size classes, buddy
// orders, TLSF geometry). What an allocator's lists hold right now comes from its detail(), not
// from its class, so the classes themselves are not exported.
export { FOOTER_BYTES, HEADER_BYTES as TAG_HEADER_BYTES, MIN_BLOCK, NEXT_LINK, PREV_LINK, blockSizeFor } from "./allocators/boundary-tags.js";
export { HEADER_BYTES as BUDDY_HEADER_BYTES, MIN_ORDER, buddyOf, orderFor } from "./allocators/buddy.js";
export { SEGFIT_CLASSES, segfitClassFloor, segfitClassOf } from "./allocators/segfit.js";
export { SLAB_BYTES, SLAB_CLASS_PRESETS, parseSlabClasses, slabLayoutOf } from "./allocators/slab.js";
export { TLSF_HEADER_BYTES, TLSF_MIN_BLOCK, blockSizeFor as tlsfBlockSizeFor, tlsfGeometry, tlsfListFloor, tlsfListOf, tlsfSearchListOf } from "./allocators/tlsf.js";
export type { TlsfGeometry } from "./allocators/tlsf.js";

// The labs' models and runs (lib/labs/), for their pages and workers.
export { DEFAULT_SPAN_BYTES, LARGEST_CLASS, LOOKUP_CLASSES, runFreeLookupLab } from "./labs/free-lookup.js";
export type { FreeLookupLabOptions, LookupLaneFigures } from "./labs/free-lookup.js";
export { LATTICE_MAX_SMALL_BYTES, coalescedRunNeeded, keepEverySweep, runLattice } from "./labs/lattice.js";
export type { KeepSweepRow, LatticeLane, LatticeResult } from "./labs/lattice.js";
export { BUFFER_STREAM_KNOBS, DIAGNOSIS_RULES, FIRST_BUFFER_MAX, FIRST_BUFFER_MIN, LEAK_LAB_HEAPS, LEAK_STREAMS, LEAK_STREAM_PRESETS, RECORD_MAX, RECORD_MIN, runLeakStream, surveyAllocators } from "./labs/leak-or-fragmentation.js";
export type { Diagnosis, LeakLabOptions, LeakStreamName, SurveyRow } from "./labs/leak-or-fragmentation.js";
export { DEFAULT_CHUNK_BYTES, LIFETIME_HEAPS, LIFETIME_STREAM_KNOBS, LONG_LIVED_MAX, LONG_LIVED_MIN, REQUEST_OBJECT_MAX, REQUEST_OBJECT_MIN, runLifetimesLab } from "./labs/lifetimes.js";
export type { LifetimesLabOptions } from "./labs/lifetimes.js";
export { CLAIM_TEXT, FRAGMENTATION_TIE, PLACEMENT_POLICIES, checkClassicResults, isComparable, largestRequest, paretoFront, placementFront, placementLanes, placementPoints, tallyClaims } from "./labs/placement.js";
export type { ClaimCheck, ClaimId, ClaimRow, ClaimTally, PlacementPoint } from "./labs/placement.js";
export { classTable, requestSizeCounts, roundToClass, roundingWasteOfCounts, sizeClassLanes, sizeClassPoints, spacingLabel, spacingProblem, worstCaseWaste } from "./labs/size-classes.js";
export type { ClassSpacing, SizeClassPoint } from "./labs/size-classes.js";
export { TLSF_FIT_LANES } from "./labs/tlsf-fit.js";
export { BIG_FIXED_THRESHOLD, BIG_LANE_LABELS, BIG_MAX_BYTES, BIG_MAX_ROUNDS, BIG_MIN_BYTES, BIG_REQUEST_HEAPS, BIG_REQUEST_PATTERNS, bigRequestStepText, runBigRequestsLab } from "./labs/big-requests.js";
export type { BigRequestsLab, BigRequestsLane, BigRequestStep, BigRequestsOptions } from "./labs/big-requests.js";
