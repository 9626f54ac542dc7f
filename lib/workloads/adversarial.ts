// adversarial — a fragmentation lattice in rounds, after Robson's worst-case construction.
//
// Round k of an epoch, with lattice size s = minSize × 2^k (+ up to 25 % jitter) and lattice
// bytes L = 40 % of the live budget (knob):
//   1. malloc s-byte blocks until they add up to L                      (≈ L / s ops)
//   2. free every other one, in shuffled order: L / 2 bytes of s-byte holes, each walled in
//   3. malloc blocks larger than any hole, at growing sizes 2s + 16, 2s + 16 + d, … (d = 0.25–0.75 s)
//      until they add up to the bytes just freed
//   4. free the other lattice blocks (shuffled), then the previous round's big blocks;
//      this round's big blocks stay live, pinning memory into the next round
// An epoch runs while the lattice has about 64 blocks or more (s ≤ L / 64), then starts again at
// minSize (or larger, when the trace is too short for minSize lattices).
// Peak live bytes ≤ 1.5 L + s. Measured over 200k ops in 2 MiB: ≈ 55 % malloc, 45 % free.
//
// Why it works: every request in step 3 and every later lattice of the epoch is larger than the
// holes of step 2. An allocator that merges free neighbours turns each freed lattice back into
// one run at step 4, and needs about 1.5 L (plus headers) at any time. One that cannot coalesce
// keeps each lattice as s-byte pieces no later request of the epoch fits, so every round needs
// fresh memory — about L (plus headers) per round — until the arena runs out.

import { TraceBuilder, type Trace } from "../trace/types.js";
import { setUpWorkload, type IntegerKnobSpec, type WorkloadOptions } from "./options.js";

export const ADVERSARIAL_KNOBS: readonly IntegerKnobSpec[] = [
  { name: "minSize", label: "First lattice size (bytes)", kind: "integer", min: 8, max: 4096, default: 16,
    help: "The block size of an epoch's first lattice; each round doubles it." },
  { name: "latticePercent", label: "Lattice (% of live budget)", kind: "integer", min: 10, max: 60, default: 40,
    help: "How many bytes each lattice takes, as a share of half the arena; peak live bytes are about 1.5 × this." },
];

const MIN_LATTICE_BLOCKS = 64;

export function generateAdversarial(options: WorkloadOptions): Trace {
  const { ops, budget, random, knobs } = setUpWorkload("adversarial", options, ADVERSARIAL_KNOBS);
  const latticeBytes = Math.floor((budget * knobs.latticePercent) / 100);
  const largestLatticeSize = Math.floor(latticeBytes / MIN_LATTICE_BLOCKS);
  // A lattice of minSize blocks can take more ops than a short trace has; then the epoch starts
  // at a larger size, so that its first lattice takes at most an eighth of the ops.
  const firstSize = Math.min(Math.max(knobs.minSize, Math.ceil((8 * latticeBytes) / ops)), largestLatticeSize);

  const trace = new TraceBuilder();
  const lattice = new Int32Array(Math.floor(latticeBytes / firstSize) + 1);
  const order = new Int32Array(lattice.length);
  let pinned = new Int32Array(64);
  let pinnedCount = 0;
  let bigs = new Int32Array(64);
  let bigCount = 0;
  let nextId = 0;

  const full = (): boolean => trace.length >= ops;

  /** Step 1: one lattice of `count` blocks of `size` bytes, in address order for a fresh region. */
  const buildLattice = (size: number, count: number): void => {
    for (let i = 0; i < count && !full(); i++) {
      lattice[i] = nextId;
      trace.malloc(nextId++, size);
    }
  };

  /** Steps 2 and 4: frees lattice blocks first, first + 2, … in a shuffled order. */
  const freeAlternate = (count: number, first: number): void => {
    let n = 0;
    for (let i = first; i < count; i += 2) order[n++] = lattice[i];
    shuffle(order, n, random);
    for (let i = 0; i < n && !full(); i++) trace.free(order[i]);
  };

  /** Step 3: requests that no hole fits, growing, until they use up `bytes`. */
  const allocateBigs = (size: number, bytes: number): void => {
    const step = Math.max(1, Math.floor(size * (0.25 + 0.5 * random())));
    let request = 2 * size + 16;
    let used = 0;
    bigCount = 0;
    while (used + request <= bytes && !full()) {
      if (bigCount === bigs.length) bigs = grown(bigs);
      bigs[bigCount++] = nextId;
      trace.malloc(nextId++, request);
      used += request;
      request += step;
    }
  };

  const releasePinned = (): void => {
    for (let i = 0; i < pinnedCount && !full(); i++) trace.free(pinned[i]);
    pinnedCount = 0;
  };

  // The big blocks of this round become the pinned ones of the next; the arrays swap roles.
  const pinBigs = (): void => {
    const spare = pinned;
    pinned = bigs;
    pinnedCount = bigCount;
    bigs = spare;
    bigCount = 0;
  };

  let base = firstSize;
  while (!full()) {
    const size = base + Math.floor((random() * base) / 4);
    const count = Math.floor(latticeBytes / size);
    buildLattice(size, count);
    freeAlternate(count, 0);
    allocateBigs(size, Math.ceil(count / 2) * size);
    freeAlternate(count, 1);
    releasePinned();
    pinBigs();
    base = 2 * base <= largestLatticeSize ? 2 * base : firstSize;
  }
  return trace.build("adversarial");
}

function shuffle(values: Int32Array, n: number, random: () => number): void {
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
}

function grown(values: Int32Array): Int32Array<ArrayBuffer> {
  const next = new Int32Array(values.length * 2);
  next.set(values);
  return next;
}
