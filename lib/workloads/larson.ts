// larson — the Larson & Krishnan server benchmark (1998), made single-threaded.
//
// Mix:
//   warm-up: malloc one block into each of 1000 slots (knob)
//   then, forever: free the block in a uniformly random slot and malloc a new one into it,
//   size uniform in [8, 1000] bytes (knobs minSize, maxSize)
//   slots are capped at half the arena / maxSize (and sizes at half the arena), so the live set
//   always fits the budget
// Ops: ≈ 50 % malloc, 50 % free once warm; no realloc. Lifetimes are geometric: slots steps (2 × slots ops) on average.
//
// The original runs one such loop per thread and hands slot arrays between threads, to measure
// how an allocator copes with memory freed far from where it was allocated; single-threaded, what
// is left is the steady churn of random sizes with random lifetimes that a long-running server sees.

import { TraceBuilder, type Trace } from "../trace/types.js";
import { setUpWorkload, type IntegerKnobSpec, type WorkloadOptions } from "./options.js";

export const LARSON_KNOBS: readonly IntegerKnobSpec[] = [
  { name: "slots", label: "Slots", kind: "integer", min: 1, max: 1_000_000, default: 1000,
    help: "Blocks live at once; capped at half the arena / maxSize so the live set always fits." },
  { name: "minSize", label: "Smallest block (bytes)", kind: "integer", min: 1, max: 65536, default: 8,
    help: "Sizes are uniform in [minSize, maxSize]." },
  { name: "maxSize", label: "Largest block (bytes)", kind: "integer", min: 1, max: 65536, default: 1000,
    help: "Sizes are uniform in [minSize, maxSize]; at least minSize, and capped at half the arena." },
];

export function generateLarson(options: WorkloadOptions): Trace {
  const { ops, budget, random, knobs } = setUpWorkload("larson", options, LARSON_KNOBS);
  if (knobs.maxSize < knobs.minSize) {
    throw new RangeError(`invalid maxSize: ${knobs.maxSize} (must be at least minSize, ${knobs.minSize})`);
  }
  // A block larger than the whole budget could never be live; small arenas cap the sizes instead.
  const maxSize = Math.min(knobs.maxSize, budget);
  const minSize = Math.min(knobs.minSize, maxSize);
  const slots = Math.max(1, Math.min(knobs.slots, Math.floor(budget / maxSize)));
  const span = maxSize - minSize + 1;
  const drawSize = (): number => minSize + Math.floor(random() * span);

  const trace = new TraceBuilder();
  const slotId = new Int32Array(slots);
  let nextId = 0;

  for (let slot = 0; slot < slots && trace.length < ops; slot++) {
    slotId[slot] = nextId;
    trace.malloc(nextId++, drawSize());
  }
  while (trace.length < ops) {
    const slot = Math.floor(random() * slots);
    trace.free(slotId[slot]);
    if (trace.length === ops) break;
    slotId[slot] = nextId;
    trace.malloc(nextId++, drawSize());
  }
  return trace.build("larson");
}
