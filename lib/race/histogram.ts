// The log2 histograms live in lib/histogram.ts (trace profiling uses them and must not import the
// race); this path still answers for code written before the move.
export * from "../histogram.js";
