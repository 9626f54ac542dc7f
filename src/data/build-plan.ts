// What the build-time races are: shared by the data loaders (build-races.ts, beside it) and the
// pages that re-create a build-time race in the worker (to answer hovers), so both agree.
export const BUILD_SEED = 1;
export const BUILD_OPS = 200_000;
/** Ticks per lane in the metric tables; heat-map frames are kept for every FRAME_EVERY-th of them. */
export const BUILD_TICKS = 64;
export const FRAME_EVERY = 2;
/** Workloads race in the default 2 MiB arena; sample traces in an arena sized to them. */
export const BUILD_TRACE_ARENA = "auto" as const;
export const SAMPLE_TRACES = ["gcc-cc1", "perl-hash", "python3-json", "sqlite3-index"] as const;
