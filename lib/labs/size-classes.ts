// The size-class lab: round every request up to a size class before a general allocator sees it,
// and watch what the class spacing does to waste and to the allocator's work.
//
//   request n ──► roundToClass(n) = the smallest class c ≥ n ──► backend.malloc(c)
//
//   spacing        classes                                              worst waste of a class
//   exact          every multiple of 16 (the backend's own alignment)   < 16 bytes
//   linear d       16, d, 2d, 3d, …                                     (d − 1) / d at a request of 1 byte over a class
//   geometric n    16-byte steps up to 16n, then n classes per doubling  about 1 / (n + 1) of the class
//                  [2^k, 2^(k+1)) in steps of 2^k / n                    (n = 4: 20 %, as jemalloc's size classes)
//
// Rounding wastes the bytes between the request and its class (internal fragmentation, shown as
// reserved). What it buys: fewer distinct block sizes, so a freed block fits the next request of
// its class exactly — a best-fit search stops at the first exact fit, a first-fit search finds
// a fit sooner, and freed holes are reused rather than split into slivers.
//
// SizeClassAllocator wraps a registry allocator and is registered under a name of its own,
// "size-classes" (options: backend, spacing, and the backend's knobs), so its lanes are built by the
// registry like any other. Every header, tag and link is the backend's, in the backend's arena; the one thing kept outside is what the program asked for (requestedBySlot), which
// a real size-class allocator would not know and the heat map needs to tell used bytes from rounding.
//
// Invariants (check() verifies each, after the backend's own check()):
//   for every used block: backend requested == roundToClass(requested)      (the class was applied)
//   sum of requested over used blocks == stats.liveBytes

import { createAllocator, registerAllocator, withoutLargePath } from "../allocators/index.js";
import { HeapError, NULL_ADDR, type Allocator, type AllocatorName, type AllocatorOptions, type AllocatorStats } from "../allocators/types.js";
import type { LaneSpec, RaceResult } from "../race/race.js";
import { OP_FREE, type Trace } from "../trace/types.js";

export type ClassSpacing =
  | { readonly kind: "exact" }
  | { readonly kind: "linear"; readonly step: number }
  | { readonly kind: "geometric"; readonly perDoubling: number };

export const GRANULE = 16;
/** Classes are generated up to this size; larger requests pass through rounded to 16 bytes only. */
export const MAX_CLASS_BYTES = 1 << 20;
export const MAX_LINEAR_STEP = 4096;
export const MAX_PER_DOUBLING = 16;

/** Checks a spacing and says what is wrong with it, quoting the value; null when it is valid. */
export function spacingProblem(spacing: ClassSpacing): string | null {
  switch (spacing.kind) {
    case "exact": return null;
    case "linear": {
      const step = spacing.step;
      if (!Number.isInteger(step) || step < GRANULE || step > MAX_LINEAR_STEP || step % GRANULE !== 0) {
        return `invalid linear step: ${JSON.stringify(step)} (must be a multiple of ${GRANULE} from ${GRANULE} to ${MAX_LINEAR_STEP})`;
      }
      return null;
    }
    case "geometric": {
      const n = spacing.perDoubling;
      if (!Number.isInteger(n) || n < 1 || n > MAX_PER_DOUBLING) {
        return `invalid classes per doubling: ${JSON.stringify(n)} (must be an integer from 1 to ${MAX_PER_DOUBLING})`;
      }
      return null;
    }
    default:
      return `invalid spacing: ${JSON.stringify(spacing)} (kind must be exact, linear or geometric)`;
  }
}

export function spacingLabel(spacing: ClassSpacing): string {
  switch (spacing.kind) {
    case "exact": return "exact (16 B)";
    case "linear": return `linear ${spacing.step} B`;
    case "geometric": return spacing.perDoubling === 1 ? "powers of two" : `${spacing.perDoubling} per doubling`;
  }
}

/** The class sizes of a spacing, ascending multiples of 16 up to MAX_CLASS_BYTES. */
export function classTable(spacing: ClassSpacing): Int32Array {
  const problem = spacingProblem(spacing);
  if (problem) throw new RangeError(problem);
  const sizes: number[] = [];
  if (spacing.kind === "exact") {
    for (let c = GRANULE; c <= MAX_CLASS_BYTES; c += GRANULE) sizes.push(c);
  } else if (spacing.kind === "linear") {
    if (spacing.step > GRANULE) sizes.push(GRANULE);
    for (let c = spacing.step; c <= MAX_CLASS_BYTES; c += spacing.step) sizes.push(c);
  } else {
    const n = spacing.perDoubling;
    // Below 16n a doubling's step would be under 16 bytes: there the classes step by 16. Above,
    // each doubling [base, 2 base) gets n classes base + j·base/n, rounded up to the 16-byte granule.
    let c = GRANULE;
    for (; c < GRANULE * n; c += GRANULE) sizes.push(c);
    for (let base = highestPowerOfTwoAtMost(c); base < MAX_CLASS_BYTES; base *= 2) {
      for (let j = 0; j < n; j++) {
        const size = alignUp(base + (j * base) / n);
        if (size >= c) sizes.push(size);
      }
    }
    sizes.push(MAX_CLASS_BYTES);
  }
  return Int32Array.from(new Set(sizes)).sort();
}

function alignUp(n: number): number {
  return Math.ceil(n / GRANULE) * GRANULE;
}

function highestPowerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/** The smallest class ≥ size (binary search); above the table, size rounded up to 16. */
export function roundToClass(table: Int32Array, size: number): number {
  if (size <= 0) return table[0];
  const last = table.length - 1;
  if (size > table[last]) return (size + GRANULE - 1) & -GRANULE;
  let lo = 0, hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (table[mid] >= size) hi = mid;
    else lo = mid + 1;
  }
  return table[lo];
}

/**
 * The largest share of a class a request can waste to rounding, over requests from `fromBytes` to
 * `toBytes`: max over classes c (with predecessor p) of (c − (p + 1)) / c, where p + 1 is the smallest
 * request that lands in c.
 */
export function worstCaseWaste(table: Int32Array, fromBytes = 1, toBytes = MAX_CLASS_BYTES): number {
  let worst = 0;
  for (let i = 0; i < table.length; i++) {
    const smallest = Math.max(i === 0 ? 1 : table[i - 1] + 1, fromBytes);
    if (smallest > toBytes || smallest > table[i]) continue;
    const waste = (table[i] - smallest) / table[i];
    if (waste > worst) worst = waste;
  }
  return worst;
}

/** Waste share (class − n) / class for each request size n in [1, maxBytes], for drawing the saw-tooth. */
export function wasteCurve(table: Int32Array, maxBytes: number): Float64Array {
  const curve = new Float64Array(maxBytes + 1);
  for (let n = 1; n <= maxBytes; n++) {
    const c = roundToClass(table, n);
    curve[n] = (c - n) / c;
  }
  return curve;
}

export const SIZE_CLASS_ALLOCATOR = "size-classes";

export class SizeClassAllocator implements Allocator {
  readonly name = SIZE_CLASS_ALLOCATOR;
  readonly arenaBytes: number;
  readonly bytes: Uint8Array;
  readonly stats: AllocatorStats;
  readonly table: Int32Array;
  private readonly backend: Allocator;
  /** What the program asked for, by payload / 16; instrumentation only (see the top comment). */
  private readonly requestedBySlot: Int32Array;
  private liveBytes = 0;
  private peakLiveBytes = 0;

  constructor(backendName: AllocatorName, spacing: ClassSpacing, options: AllocatorOptions = {}) {
    this.table = classTable(spacing);
    this.backend = createAllocator(backendName, withoutLargePath(backendName, options)); // every payload indexes requestedBySlot
    this.arenaBytes = this.backend.arenaBytes;
    this.bytes = this.backend.bytes;
    this.requestedBySlot = new Int32Array(this.arenaBytes / GRANULE);
    const backend = this.backend;
    const self = this;
    // The backend's counters, except live bytes: the backend sees rounded sizes, the program did not ask for them.
    this.stats = {
      get allocs() { return backend.stats.allocs; },
      get frees() { return backend.stats.frees; },
      get reallocs() { return backend.stats.reallocs; },
      get failures() { return backend.stats.failures; },
      get splits() { return backend.stats.splits; },
      get coalesces() { return backend.stats.coalesces; },
      get probes() { return backend.stats.probes; },
      get highWater() { return backend.stats.highWater; },
      get mappedBytes() { return backend.stats.mappedBytes; },
      get peakMappedBytes() { return backend.stats.peakMappedBytes; },
      get mmaps() { return backend.stats.mmaps; },
      get munmaps() { return backend.stats.munmaps; },
      get liveBytes() { return self.liveBytes; },
      get peakLiveBytes() { return self.peakLiveBytes; },
    };
  }

  malloc(size: number): number {
    const addr = this.backend.malloc(this.classOf(size));
    if (addr !== NULL_ADDR) this.noteLive(addr, size, 0);
    return addr;
  }

  free(addr: number): void {
    const size = this.requestedAt(addr);
    this.backend.free(addr); // throws, changing nothing, on a bad address
    if (addr === NULL_ADDR) return;
    this.liveBytes -= size;
    this.requestedBySlot[addr >> 4] = 0;
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL_ADDR) return this.malloc(size);
    if (size === 0) { this.free(addr); return NULL_ADDR; } // realloc(p, 0) frees p (allocators/types.ts)
    const old = this.requestedAt(addr);
    const moved = this.backend.realloc(addr, this.classOf(size));
    if (moved === NULL_ADDR) return NULL_ADDR;
    this.requestedBySlot[addr >> 4] = 0;
    this.noteLive(moved, size, old);
    return moved;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    this.backend.walk((start, bytes, payload, requested) => {
      visit(start, bytes, payload, this.isLivePayload(payload, requested) ? this.requestedBySlot[payload >> 4] : requested);
    });
  }

  check(): void {
    this.backend.check();
    let sum = 0;
    this.backend.walk((start, _bytes, payload, requested) => {
      if (!this.isLivePayload(payload, requested)) return;
      const asked = this.requestedBySlot[payload >> 4];
      if (requested !== roundToClass(this.table, asked)) {
        throw new HeapError("corrupt", start, `size classes: the backend's requested size should be the class of the request at 0x${payload.toString(16)}: ${requested} != class of ${asked}`);
      }
      sum += asked;
    });
    if (sum !== this.liveBytes) throw new HeapError("corrupt", 0, `size classes: stats.liveBytes == sum of requested bytes, ${this.liveBytes} != ${sum}`);
  }

  // A malformed size goes to the backend as it is, so that it throws the backend's RangeError.
  private classOf(size: number): number {
    return Number.isInteger(size) && size >= 0 ? roundToClass(this.table, size) : size;
  }

  // A used block of a backend that stores rounded sizes has requested ≥ 16 (the smallest class); metadata
  // regions (requested 0, payload at their end) and free blocks (−1) are not payloads.
  private isLivePayload(payload: number, requested: number): boolean {
    return requested > 0 && payload < this.arenaBytes;
  }

  private requestedAt(addr: number): number {
    return (addr | 0) === addr && addr >= 0 && addr < this.arenaBytes ? this.requestedBySlot[addr >> 4] : 0;
  }

  private noteLive(addr: number, size: number, replaced: number): void {
    this.requestedBySlot[addr >> 4] = size;
    this.liveBytes += size - replaced;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }
}

registerAllocator({
  name: SIZE_CLASS_ALLOCATOR,
  label: "Size classes",
  summary: "Every request rounded up to a size class (options: spacing, a ClassSpacing; backend, a registered allocator; then the backend's knobs) before the backend sees it.",
  create: ({ backend = "freelist", spacing = { kind: "exact" }, ...backendOptions }) => {
    if (typeof backend !== "string") throw new RangeError(`invalid backend: ${JSON.stringify(backend)} (must be a registered allocator's name)`);
    if (typeof spacing !== "object" || spacing === null) throw new RangeError(`invalid spacing: ${JSON.stringify(spacing)} (must be a ClassSpacing, e.g. {kind: "geometric", perDoubling: 4})`);
    return new SizeClassAllocator(backend, spacing as ClassSpacing, backendOptions);
  },
});

export interface SizeClassLaneOptions {
  backend: AllocatorName;
  backendOptions?: AllocatorOptions;
}

/** One race lane per spacing, each the same backend behind a different class table. */
export function sizeClassLanes(spacings: readonly ClassSpacing[], { backend, backendOptions = {} }: SizeClassLaneOptions): LaneSpec[] {
  return spacings.map((spacing) => ({
    allocator: SIZE_CLASS_ALLOCATOR,
    label: spacingLabel(spacing),
    options: { ...backendOptions, backend, spacing },
  }));
}

export interface SizeClassPoint {
  label: string;
  failures: number;
  corrupt: string | null;
  opsRun: number;
  /** Mean probes per operation: total probes / ops replayed. */
  probesPerOp: number;
  probesP99: number;
  /** Internal fragmentation: reserved / (used + reserved), averaged over the ticks (docs/architecture.md, "Metrics"). */
  waste: number;
  /** Peak live requested bytes / high-water mark. */
  utilization: number;
  highWater: number;
  peakFragmentation: number;
}

export function sizeClassPoints(result: RaceResult): SizeClassPoint[] {
  return result.lanes.map((lane) => ({
    label: lane.label,
    failures: lane.failures,
    corrupt: lane.corrupt,
    opsRun: lane.opsRun,
    probesPerOp: lane.opsRun > 0 ? lane.totalProbes / lane.opsRun : 0,
    probesP99: lane.probes.p99,
    waste: lane.internalFragmentation,
    utilization: lane.utilization,
    highWater: lane.highWater,
    peakFragmentation: lane.peakFragmentation,
  }));
}

/**
 * How many mallocs and reallocs asked for each size from 0 to `limit` bytes; index limit + 1 counts
 * every larger request. For drawing the stream's sizes under the waste saw-tooth.
 */
export function requestSizeCounts(trace: Trace, limit = 4096): Int32Array {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`invalid limit: ${JSON.stringify(limit)} (must be a positive integer)`);
  const counts = new Int32Array(limit + 2);
  for (let i = 0; i < trace.length; i++) {
    if (trace.op[i] === OP_FREE) continue;
    const size = trace.size[i];
    counts[size <= limit ? size : limit + 1]++;
  }
  return counts;
}

/** Bytes the class table adds to the stream's requests by rounding alone: Σ (class − n) / Σ class over mallocs and reallocs. */
export function roundingWaste(trace: Trace, table: Int32Array): number {
  let asked = 0, rounded = 0;
  for (let i = 0; i < trace.length; i++) {
    if (trace.op[i] === OP_FREE) continue;
    asked += trace.size[i];
    rounded += roundToClass(table, trace.size[i]);
  }
  return rounded > 0 ? (rounded - asked) / rounded : 0;
}

/**
 * The same share as roundingWaste, from requestSizeCounts: Σ count·(class − n) / Σ count·class over
 * the sizes the counts hold exactly (the last slot, "larger", is left out).
 */
export function roundingWasteOfCounts(counts: Int32Array, table: Int32Array): number {
  let asked = 0, rounded = 0;
  for (let n = 0; n < counts.length - 1; n++) {
    if (counts[n] === 0) continue;
    asked += counts[n] * n;
    rounded += counts[n] * roundToClass(table, n);
  }
  return rounded > 0 ? (rounded - asked) / rounded : 0;
}
