// The "Where big requests go" lab: a program that keeps asking for one big buffer, round after
// round, replayed through one heap twice — with a fixed large threshold, and with glibc's sliding
// rule — step by step, recording where each big request went and what the heap holds.
//
//   round k:  big_k = malloc(size_k)        size_k from the pattern: same, growing or shrinking
//             pin_k = malloc(pinBytes)      (when pinning) a small object that lives to the end
//             t_1..t_n = malloc(tempBytes), then freed: the round's short-lived work
//             free(big_k)
//   then:     a little more small work (TAIL_TEMPS temporaries), so the end state can be seen
//
// Fixed threshold (128 KiB): every big request is mapped and unmapped at once, so the heap holds
// only the small objects. Sliding (glibc, malloc.c): freeing a mapped block of s bytes raises the
// threshold to s (up to 32 MiB), so the next request of that size or less comes from the heap.
// A buffer pulled into the heap this way is carved at its top, and the pin allocated right after
// it lands above it: when the buffer is freed, the hole below the pin cannot be given back — the
// pin holds the top of the heap up. That is the cost the sliding rule trades for fewer mappings.
//
// The "top" recorded here is the end of the highest block in use now (what a heap that trims from
// its top, as glibc's does, could shrink back to), not the high-water mark, which never falls.

import { ArenaAllocator, createAllocator } from "../allocators/index.js";
import { NULL_ADDR, type Allocator, type AllocatorName } from "../allocators/types.js";
import { blockKind, type BlockKind } from "../arena.js";
import { OP_FREE, OP_MALLOC, TraceBuilder, type Trace } from "../trace/types.js";

export const BIG_REQUEST_PATTERNS = ["same", "growing", "shrinking"] as const;
export type BigRequestPattern = (typeof BIG_REQUEST_PATTERNS)[number];
export const BIG_REQUEST_HEAPS: readonly AllocatorName[] = ["freelist", "segfit", "tlsf", "buddy"];
export const BIG_FIXED_THRESHOLD = 128 * 1024;
export const BIG_MIN_BYTES = 132 * 1024;
export const BIG_MAX_BYTES = 1024 * 1024;
export const BIG_MAX_ROUNDS = 12;
const ARENA_BYTES = 8 * 1024 * 1024;
const PAGE = 4096;

export interface BigRequestsOptions {
  pattern?: BigRequestPattern;
  /** The first big request, bytes (BIG_MIN_BYTES..BIG_MAX_BYTES). */
  firstBytes?: number;
  /** Rounds (2..BIG_MAX_ROUNDS). */
  rounds?: number;
  /** Keep a small object alive after each big one (default true). */
  pin?: boolean;
  heap?: AllocatorName;
}

export interface BigRequestsStream {
  trace: Trace;
  /** Per op: the big request's size when the op is a big malloc, else 0. */
  bigSize: Int32Array;
  /** Per op: the round it belongs to. */
  roundOf: Int32Array;
  sizes: number[];
}

const PIN_BYTES = 48;
const TEMP_BYTES = 96;
const TEMPS_PER_ROUND = 4;
const TAIL_TEMPS = 3;

function resolve(options: BigRequestsOptions): Required<BigRequestsOptions> {
  const pattern = options.pattern ?? "same";
  if (!BIG_REQUEST_PATTERNS.includes(pattern)) throw new RangeError(`invalid pattern: ${JSON.stringify(pattern)} (must be one of ${BIG_REQUEST_PATTERNS.join(", ")})`);
  const firstBytes = options.firstBytes ?? 192 * 1024;
  if (!Number.isInteger(firstBytes) || firstBytes < BIG_MIN_BYTES || firstBytes > BIG_MAX_BYTES) {
    throw new RangeError(`invalid firstBytes: ${JSON.stringify(firstBytes)} (must be an integer from ${BIG_MIN_BYTES} to ${BIG_MAX_BYTES}: above the fixed 128 KiB threshold)`);
  }
  const rounds = options.rounds ?? 6;
  if (!Number.isInteger(rounds) || rounds < 2 || rounds > BIG_MAX_ROUNDS) throw new RangeError(`invalid rounds: ${JSON.stringify(rounds)} (must be an integer from 2 to ${BIG_MAX_ROUNDS})`);
  const heap = options.heap ?? "freelist";
  if (!BIG_REQUEST_HEAPS.includes(heap)) throw new RangeError(`invalid heap: ${JSON.stringify(heap)} (must be one of ${BIG_REQUEST_HEAPS.join(", ")})`);
  return { pattern, firstBytes, rounds, pin: options.pin ?? true, heap };
}

/** The size of round k's big request: the same each round, or a quarter more or less each time (never under 132 KiB). */
export function bigRequestSize(pattern: BigRequestPattern, firstBytes: number, round: number): number {
  const factor = pattern === "growing" ? 1.25 ** round : pattern === "shrinking" ? 0.8 ** round : 1;
  return Math.max(BIG_MIN_BYTES, Math.round((firstBytes * factor) / 1024) * 1024);
}

export function bigRequestStream(options: BigRequestsOptions = {}): BigRequestsStream {
  const { pattern, firstBytes, rounds, pin } = resolve(options);
  const builder = new TraceBuilder();
  const bigSize: number[] = [];
  const roundOf: number[] = [];
  const sizes: number[] = [];
  let id = 0;
  const op = (round: number, big = 0) => { bigSize.push(big); roundOf.push(round); };
  for (let round = 0; round < rounds; round++) {
    const size = bigRequestSize(pattern, firstBytes, round);
    sizes.push(size);
    const big = id++;
    builder.malloc(big, size); op(round, size);
    if (pin) { builder.malloc(id++, PIN_BYTES); op(round); }
    const temps: number[] = [];
    for (let t = 0; t < TEMPS_PER_ROUND; t++) { temps.push(id); builder.malloc(id++, TEMP_BYTES); op(round); }
    for (const t of temps) { builder.free(t); op(round); }
    builder.free(big); op(round);
  }
  const tail: number[] = [];
  for (let t = 0; t < TAIL_TEMPS; t++) { tail.push(id); builder.malloc(id++, TEMP_BYTES); op(rounds - 1); }
  for (const t of tail) { builder.free(t); op(rounds - 1); }
  return { trace: builder.build(`big-requests-${pattern}`), bigSize: Int32Array.from(bigSize), roundOf: Int32Array.from(roundOf), sizes };
}

/** One block of the heap or the mapped region after an op, for the layout picture. */
export interface LayoutBlock { start: number; bytes: number; kind: BlockKind | "mapped" }

export interface BigRequestStep {
  op: number;
  round: number;
  /** The big request this op made (0: not a big malloc) and where it went. */
  bigSize: number;
  where: "mapped" | "heap" | null;
  /** The threshold after the op: requests of at least this many bytes are mapped. */
  threshold: number;
  mappedBytes: number;
  /** End of the highest block in use in the arena: what a heap trimmed from its top could shrink to. */
  heapTop: number;
  /** Bytes free below heapTop: held by the heap though nothing lives there. */
  heldFree: number;
  /** heapTop + mappedBytes: the memory the program holds now. */
  held: number;
  mmaps: number;
  munmaps: number;
}

export interface BigRequestsLane {
  sliding: boolean;
  label: string;
  steps: BigRequestStep[];
  /** The layout after each op: arena blocks below heapTop's page and the mapped blocks. */
  layouts: LayoutBlock[][];
}

export interface BigRequestsLab {
  stream: BigRequestsStream;
  heap: AllocatorName;
  lanes: [BigRequestsLane, BigRequestsLane];
}

export const BIG_LANE_LABELS = ["fixed threshold (128 KiB)", "sliding threshold (glibc)"] as const;

export function runBigRequestsLab(options: BigRequestsOptions = {}): BigRequestsLab {
  const settings = resolve(options);
  const stream = bigRequestStream(settings);
  const lanes = [false, true].map((sliding, i) => replay(stream, settings.heap, sliding, BIG_LANE_LABELS[i]));
  return { stream, heap: settings.heap, lanes: lanes as [BigRequestsLane, BigRequestsLane] };
}

function replay(stream: BigRequestsStream, heap: AllocatorName, sliding: boolean, label: string): BigRequestsLane {
  const allocator = createAllocator(heap, { arenaBytes: ARENA_BYTES, largeThreshold: BIG_FIXED_THRESHOLD, slidingThreshold: sliding });
  const { trace } = stream;
  const addrOf = new Map<number, number>();
  const steps: BigRequestStep[] = [];
  const layouts: LayoutBlock[][] = [];
  for (let i = 0; i < trace.length; i++) {
    let where: BigRequestStep["where"] = null;
    if (trace.op[i] === OP_MALLOC) {
      const addr = allocator.malloc(trace.size[i]);
      if (addr === NULL_ADDR) throw new Error(`big requests lab: ${heap} could not serve malloc(${trace.size[i]}) at op ${i} in its ${ARENA_BYTES} B arena`);
      addrOf.set(trace.id[i], addr);
      if (stream.bigSize[i] > 0) where = addr >= allocator.arenaBytes ? "mapped" : "heap";
    } else if (trace.op[i] === OP_FREE) {
      allocator.free(addrOf.get(trace.id[i])!);
      addrOf.delete(trace.id[i]);
    }
    allocator.check();
    const { top, heldFree, layout } = layoutOf(allocator);
    const stats = allocator.stats;
    steps.push({
      op: i + 1, round: stream.roundOf[i], bigSize: stream.bigSize[i], where,
      threshold: thresholdOf(allocator), mappedBytes: stats.mappedBytes,
      heapTop: top, heldFree, held: top + stats.mappedBytes, mmaps: stats.mmaps, munmaps: stats.munmaps,
    });
    layouts.push(layout);
  }
  return { sliding, label, steps, layouts };
}

function thresholdOf(allocator: Allocator): number {
  return allocator instanceof ArenaAllocator ? allocator.largeThreshold : 0;
}

// The arena's blocks up to the highest one in use (what lies above is untouched heap), merged
// runs of one kind, plus every mapped block; and how much of it below the top is free.
function layoutOf(allocator: Allocator): { top: number; heldFree: number; layout: LayoutBlock[] } {
  const blocks: LayoutBlock[] = [];
  let top = 0;
  allocator.walk((start, bytes, payload, requested) => {
    const kind = blockKind(start, bytes, payload, requested);
    if (kind !== "free") top = start + bytes;
    const last = blocks[blocks.length - 1];
    if (last && last.kind === kind && kind === "free") last.bytes += bytes;
    else blocks.push({ start, bytes, kind });
  });
  const layout = blocks.filter((b) => b.start < top).map((b) => ({ ...b, bytes: Math.min(b.bytes, top - b.start) }));
  const heldFree = layout.reduce((sum, b) => sum + (b.kind === "free" ? b.bytes : 0), 0);
  allocator.walkMapped?.((start, bytes) => { layout.push({ start, bytes, kind: "mapped" }); });
  return { top: Math.ceil(top / PAGE) * PAGE, heldFree, layout };
}

/** What the caption under the scrubber says at one op of one lane. */
export function bigRequestStepText(lab: BigRequestsLab, lane: number, op: number): string {
  const step = lab.lanes[lane].steps[op - 1];
  if (!step) return "";
  const trace = lab.stream.trace;
  const i = op - 1;
  const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
  const what = trace.op[i] === OP_MALLOC
    ? step.bigSize > 0 ? `malloc(${kib(step.bigSize)}) → ${step.where === "mapped" ? "mapped" : "from the heap"}` : `malloc(${trace.size[i]})`
    : `free(${lab.stream.bigSize[lastMallocOf(trace, trace.id[i])] > 0 ? `the ${kib(trace.size[lastMallocOf(trace, trace.id[i])])} buffer` : "a small object"})`;
  return `op ${op}, round ${step.round + 1}: ${what} · threshold ${kib(step.threshold)}`;
}

function lastMallocOf(trace: Trace, id: number): number {
  for (let i = trace.length - 1; i >= 0; i--) if (trace.id[i] === id && trace.op[i] === OP_MALLOC) return i;
  return -1;
}
