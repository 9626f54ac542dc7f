// The "a leak or fragmentation?" lab: two streams from one program whose high-water mark keeps
// rising, for two different reasons, and the test that tells them apart — do live bytes rise with
// the high-water mark, or does the gap between them grow?
//
// The program (bufferStream): a server that keeps a working set of I/O buffers and, next to each
// buffer it allocates, a small record (a log entry, a metrics sample) that lives on for a while.
//
//   each step:  malloc a buffer of the current size; free the oldest buffers until the working set
//               is back under `bufferBytes`;  malloc a small record that dies `recordLifetime` steps
//               later;  free the records whose time has come
//
//   leak:           1 buffer in 1000/leakPerMille is dropped from the working set without being
//                   freed (the pointer is lost on an error path). Live bytes climb with every one.
//   fragmentation:  nothing leaks, but buffer sizes creep up (×growth over the stream: a protocol
//                   whose messages get bigger, a cache whose values grow). Live bytes stay flat;
//                   every freed buffer leaves a hole smaller than the next request, walled in by
//                   records that are still alive, so a heap that places by address must keep
//                   going higher.
//
// diagnose() reads the two curves: of the rise in the high-water mark after a warm-up, how much is
// explained by the rise in live bytes? Mostly → a leak; hardly any → fragmentation.

import { randomLcg } from "d3-random";
import { integerKnob } from "../knobs.js";
import type { KnobSpec } from "../knobs.js";
import type { AllocatorName, AllocatorOptions } from "../allocators/types.js";
import { race, type LaneSpec, type RaceResult } from "../race/race.js";
import { TraceBuilder, type Trace } from "../trace/types.js";
import { logUniformInt } from "../workloads/options.js";

export const LEAK_STREAMS = ["leak", "fragmentation"] as const;
export type LeakStreamName = (typeof LEAK_STREAMS)[number];

export const BUFFER_STREAM_KNOBS: readonly KnobSpec[] = [
  { name: "leakPerMille", label: "Leaked buffers (per 1000)", kind: "integer", min: 0, max: 500, default: 0,
    help: "How many buffers in 1000 are dropped without being freed." },
  { name: "growth", label: "Buffer growth over the stream (×)", kind: "integer", min: 1, max: 64, default: 1,
    help: "How much larger the last buffers are than the first; 1: sizes do not drift." },
  { name: "recordLifetime", label: "Record lifetime (steps)", kind: "integer", min: 1, max: 5000, default: 1000,
    help: "How many steps the small record allocated beside each buffer lives." },
  { name: "bufferBytes", label: "Working set of buffers (bytes)", kind: "integer", min: 4096, max: 262144, default: 32768,
    help: "The buffers kept live at once, in requested bytes." },
];

/** The two streams of the lab, as knob presets of one program. */
export const LEAK_STREAM_PRESETS: Readonly<Record<LeakStreamName, Readonly<Record<string, number>>>> = {
  leak: { leakPerMille: 250, growth: 1 },
  fragmentation: { leakPerMille: 0, growth: 20 },
};

/** A buffer starts at 48–96 bytes (times the growth reached so far); a record is 16–48 bytes. */
export const FIRST_BUFFER_MIN = 48;
export const FIRST_BUFFER_MAX = 96;
export const RECORD_MIN = 16;
export const RECORD_MAX = 48;

export interface BufferStreamOptions {
  seed: number;
  ops: number;
  leakPerMille?: number;
  growth?: number;
  recordLifetime?: number;
  bufferBytes?: number;
}

export interface BufferStream {
  trace: Trace;
  /** Buffers dropped without a free, and their requested bytes. */
  leaked: number;
  leakedBytes: number;
}

export function bufferStream(options: BufferStreamOptions): BufferStream {
  const { seed, ops } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`invalid seed: ${String(seed)} (must be an integer from 0 to 4294967295)`);
  if (!Number.isInteger(ops) || ops < 100 || ops > 1_000_000) throw new RangeError(`invalid ops: ${String(ops)} (must be an integer from 100 to 1000000)`);
  const knob = (name: string) => {
    const spec = BUFFER_STREAM_KNOBS.find((k) => k.name === name)!;
    if (spec.kind !== "integer") throw new Error(`knob ${name} is not an integer`);
    return integerKnob(options as unknown as Record<string, unknown>, name, spec.min, spec.max, spec.default);
  };
  const leakPerMille = knob("leakPerMille");
  const growth = knob("growth");
  const recordLifetime = knob("recordLifetime");
  const bufferBytes = knob("bufferBytes");
  const random = randomLcg(seed);

  const trace = new TraceBuilder();
  // The working set of buffers, oldest first, as a ring of ids and sizes.
  const ringIds = new Int32Array(4096);
  const ringSizes = new Int32Array(4096);
  let ringStart = 0, ringLength = 0, workingBytes = 0;
  // Records in allocation order, each freed recordLifetime steps after it was made.
  const recordIds: number[] = [];
  const recordDue: number[] = [];
  let recordsFreed = 0;
  let nextId = 0, leaked = 0, leakedBytes = 0;
  // About four ops a step: a buffer in and out, a record in and out.
  const steps = Math.max(1, Math.floor(ops / 4));

  for (let step = 0; trace.length < ops; step++) {
    const scale = Math.pow(growth, Math.min(1, step / steps));
    const size = Math.max(1, Math.round(logUniformInt(random, FIRST_BUFFER_MIN, FIRST_BUFFER_MAX) * scale));
    const id = nextId++;
    trace.malloc(id, size);
    if (ringLength === ringIds.length) throw new RangeError(`invalid bufferBytes: ${bufferBytes} (more than ${ringIds.length} buffers would be live)`);
    const slot = (ringStart + ringLength++) % ringIds.length;
    ringIds[slot] = id;
    ringSizes[slot] = size;
    workingBytes += size;
    while (workingBytes > bufferBytes && ringLength > 1 && trace.length < ops) {
      const oldest = ringStart;
      ringStart = (ringStart + 1) % ringIds.length;
      ringLength--;
      workingBytes -= ringSizes[oldest];
      if (leakPerMille > 0 && random() * 1000 < leakPerMille) {
        leaked++;
        leakedBytes += ringSizes[oldest];
      } else {
        trace.free(ringIds[oldest]);
      }
    }
    if (trace.length >= ops) break;
    const record = nextId++;
    trace.malloc(record, logUniformInt(random, RECORD_MIN, RECORD_MAX));
    recordIds.push(record);
    recordDue.push(step + recordLifetime);
    while (recordsFreed < recordIds.length && recordDue[recordsFreed] <= step && trace.length < ops) {
      trace.free(recordIds[recordsFreed++]);
    }
  }
  return { trace: trace.build(`buffers-${seed}`), leaked, leakedBytes };
}

/** One of the lab's two streams, with the reader's knobs over its preset. */
export function leakLabStream(name: LeakStreamName, options: BufferStreamOptions): BufferStream {
  if (!(LEAK_STREAMS as readonly string[]).includes(name)) throw new RangeError(`invalid stream: ${JSON.stringify(name)} (must be one of ${LEAK_STREAMS.join(", ")})`);
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return bufferStream({ ...LEAK_STREAM_PRESETS[name], ...given } as BufferStreamOptions);
}

// ---------------------------------------------------------------------------------------------
// The diagnosis

export type Verdict = "leak" | "fragmentation" | "both" | "steady";

export interface Diagnosis {
  verdict: Verdict;
  /** The tick the comparison starts from (after the warm-up) and the last tick. */
  fromTick: number;
  toTick: number;
  liveFrom: number;
  liveTo: number;
  highWaterFrom: number;
  highWaterTo: number;
  /** Rise of the high-water mark, and the share of it that live bytes account for (0 … 1). */
  highWaterRise: number;
  explainedByLive: number;
  /** live / high-water at both ends: falling utilization is the mark of fragmentation. */
  utilizationFrom: number;
  utilizationTo: number;
}

/** Thresholds of the verdict, so that a page can explain them. */
export const DIAGNOSIS_RULES = {
  /** The high-water mark must grow by at least this share after the warm-up to count as rising. */
  minRise: 0.15,
  /** Live bytes explaining at least this share of the rise: a leak. */
  leakShare: 0.5,
  /** Live bytes explaining at most this share: fragmentation. In between: both. */
  fragmentationShare: 0.2,
  /** The warm-up left out of the comparison, as a share of the ticks. */
  warmUp: 0.25,
} as const;

export interface FootprintSample { liveBytes: number; highWater: number }

export function diagnose(ticks: readonly FootprintSample[]): Diagnosis {
  if (ticks.length < 2) throw new RangeError(`diagnose needs at least 2 ticks, got ${ticks.length}`);
  const toTick = ticks.length - 1;
  const fromTick = Math.min(toTick - 1, Math.floor(ticks.length * DIAGNOSIS_RULES.warmUp));
  const from = ticks[fromTick], to = ticks[toTick];
  const rise = to.highWater - from.highWater;
  const liveRise = to.liveBytes - from.liveBytes;
  const explained = rise > 0 ? Math.max(0, Math.min(1, liveRise / rise)) : 0;
  const relativeRise = from.highWater > 0 ? rise / from.highWater : rise > 0 ? Infinity : 0;
  let verdict: Verdict;
  if (relativeRise < DIAGNOSIS_RULES.minRise) verdict = "steady";
  else if (explained >= DIAGNOSIS_RULES.leakShare) verdict = "leak";
  else if (explained <= DIAGNOSIS_RULES.fragmentationShare) verdict = "fragmentation";
  else verdict = "both";
  return {
    verdict, fromTick, toTick,
    liveFrom: from.liveBytes, liveTo: to.liveBytes,
    highWaterFrom: from.highWater, highWaterTo: to.highWater,
    highWaterRise: rise, explainedByLive: explained,
    utilizationFrom: from.highWater > 0 ? from.liveBytes / from.highWater : 0,
    utilizationTo: to.highWater > 0 ? to.liveBytes / to.highWater : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// The lab's races

/** The heaps the lab can watch the streams under: the five allocators, and the free list's placement policies. */
export interface LeakLabHeap { key: string; label: string; allocator: AllocatorName; options: AllocatorOptions }

export const LEAK_LAB_HEAPS: readonly LeakLabHeap[] = [
  { key: "first-lifo", label: "free list: first fit, LIFO", allocator: "freelist", options: {} },
  { key: "first-address", label: "free list: first fit, address order", allocator: "freelist", options: { order: "address" } },
  { key: "best-address", label: "free list: best fit, address order", allocator: "freelist", options: { placement: "best", order: "address" } },
  { key: "next-lifo", label: "free list: next fit, LIFO", allocator: "freelist", options: { placement: "next" } },
  { key: "segfit", label: "segregated fit", allocator: "segfit", options: {} },
  { key: "buddy", label: "buddy", allocator: "buddy", options: {} },
  { key: "slab", label: "slab", allocator: "slab", options: {} },
  { key: "bump", label: "bump", allocator: "bump", options: {} },
];

export function leakLabHeap(key: string): LeakLabHeap {
  const heap = LEAK_LAB_HEAPS.find((h) => h.key === key);
  if (!heap) throw new RangeError(`invalid heap: ${JSON.stringify(key)} (must be one of ${LEAK_LAB_HEAPS.map((h) => h.key).join(", ")})`);
  return heap;
}

function laneOf(heap: LeakLabHeap): LaneSpec {
  return { allocator: heap.allocator, label: heap.label, options: heap.options };
}

export interface LeakLabOptions {
  seed: number;
  ops: number;
  /** The heap the two streams are watched under (a LEAK_LAB_HEAPS key; default first-lifo). */
  heap?: string;
  leakPerMille?: number;
  growth?: number;
  recordLifetime?: number;
  bufferBytes?: number;
  arenaBytes?: number;
  ticks?: number;
}

export interface LeakLabRun {
  name: LeakStreamName;
  leaked: number;
  leakedBytes: number;
  ops: number;
  /** One lane, the chosen heap, with heat-map frames. */
  result: RaceResult;
  diagnosis: Diagnosis;
}

/** The options of one stream: the knobs it does not own keep its preset (the leak stream never grows, the other never leaks). */
function streamOptions(name: LeakStreamName, options: LeakLabOptions): BufferStreamOptions {
  const { seed, ops, recordLifetime, bufferBytes } = options;
  return name === "leak"
    ? { seed, ops, recordLifetime, bufferBytes, leakPerMille: options.leakPerMille }
    : { seed, ops, recordLifetime, bufferBytes, growth: options.growth };
}

export function runLeakStream(name: LeakStreamName, options: LeakLabOptions): LeakLabRun {
  const heap = leakLabHeap(options.heap ?? "first-lifo");
  const stream = leakLabStream(name, streamOptions(name, options));
  const result = race(stream.trace, { lanes: [laneOf(heap)], arenaBytes: options.arenaBytes, ticks: options.ticks ?? 48 });
  return { name, leaked: stream.leaked, leakedBytes: stream.leakedBytes, ops: stream.trace.length, result, diagnosis: diagnose(result.lanes[0].ticks) };
}

export interface SurveyRow { stream: LeakStreamName; heap: string; label: string; diagnosis: Diagnosis; failures: number }

/** Both streams under every heap of LEAK_LAB_HEAPS (no frames): does the rise follow the program or the allocator? */
export function surveyAllocators(options: LeakLabOptions): SurveyRow[] {
  const rows: SurveyRow[] = [];
  for (const name of LEAK_STREAMS) {
    const stream = leakLabStream(name, streamOptions(name, options));
    const result = race(stream.trace, { lanes: LEAK_LAB_HEAPS.map(laneOf), arenaBytes: options.arenaBytes, ticks: options.ticks ?? 48, frames: false });
    result.lanes.forEach((lane, i) => rows.push({ stream: name, heap: LEAK_LAB_HEAPS[i].key, label: lane.label, diagnosis: diagnose(lane.ticks), failures: lane.failures }));
  }
  return rows;
}
