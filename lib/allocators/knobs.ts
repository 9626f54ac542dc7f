// The knob vocabulary lives in lib/knobs.ts; this path is kept for allocator files that import it.
export * from "../knobs.js";
