// The race: one Trace replayed through several allocators ("lanes"), each in its own arena.
// Lanes advance together one tick-interval at a time, so every tick (snapshot) of every lane
// is taken after exactly the same prefix of the trace.
//
// Per op and lane, the engine (not the allocator) decides what the op means:
//   malloc id      → allocator.malloc(size); -1 is a failure and leaves id not live in this lane
//   free id        → skipped if id's malloc failed in this lane; an error if id is not live
//   realloc id     → likewise; a failed realloc is a failure that leaves the old block live
//   realloc id 0   → a free of id, as glibc's realloc(p, 0) (the parsers already write it as one)
// The shadow heap (shadow.ts) vets every address an allocator returns; a lane that hands out bad
// memory, throws, or fails its own check() at a tick is stopped and reported as corrupt.

import { ALLOCATORS, createAllocator, isAllocatorName, unknownAllocatorError } from "../allocators/index.js";
import { DEFAULT_ARENA_BYTES, type Allocator, type AllocatorName, type AllocatorOptions } from "../allocators/types.js";
import { validateArenaBytes } from "../knobs.js";
import { censusOf, mappedBlocksOf, takeSnapshot, type ArenaCensus, type Snapshot } from "../arena.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "../trace/types.js";
import { autoArenaBytes, profileTrace } from "../trace/profile.js";
import { addHistograms, newHistogram, percentilesOf, recordValue, type Percentiles } from "../histogram.js";
import { ShadowHeap } from "./shadow.js";
import { recycleArenaBuffer } from "../allocators/arena-pool.js";

/** One lane's state every tickEvery ops: the arena census (lib/arena.ts) without its internal fragmentation, which the summary reports once, and the lane's counters. */
export interface Tick extends Omit<ArenaCensus, "internalFragmentation"> {
  op: number;            // ops replayed when the tick was taken
  liveBytes: number;     // requested bytes live
  highWater: number;
  /** Bytes mapped outside the arena by the large-object path (allocators/large.ts), page-rounded. */
  mappedBytes: number;
  failures: number;
  errors: number;
  cells: Uint8Array;     // 16,384 packed bytes (lib/arena.ts); empty when the race ran with frames: false
  /** The mapped blocks, (bytes, requested) pairs in address order (arena.ts, mappedBlocksOf); empty when nothing is mapped or frames: false. */
  mapped: Int32Array;
}

export interface LaneSpec {
  /** A registered allocator (allocators/index.ts): a built-in one or one a lab registered under its own name. */
  allocator: AllocatorName;
  /** Shown instead of the allocator name, e.g. "freelist best/address" in a lab. */
  label?: string;
  options?: AllocatorOptions;
  /** Builds the lane's allocator instead of the registry (tests inject a deliberately broken one). */
  create?: (options: AllocatorOptions & { arenaBytes: number }) => Allocator;
}

export interface RaceOptions {
  allocators?: AllocatorName[];
  /** Several lanes of one allocator with different knobs; overrides `allocators`. */
  lanes?: LaneSpec[];
  /** Knobs per allocator, used with `allocators`. */
  allocatorOptions?: Partial<Record<AllocatorName, AllocatorOptions>>;
  arenaBytes?: number | "auto";
  /** How many evenly spaced ticks each lane records (default 64); the last one is at the end. */
  ticks?: number;
  onTick?: (allocator: AllocatorName, tick: Tick, lane: number) => void;
  /** Called between tick intervals with the ops done so far; for progress bars. */
  onProgress?: (opsDone: number, ops: number) => void;
  /** A nanosecond clock (Node only: a browser clock is too coarse). When given, 1 op in 64 is timed. */
  clock?: () => number;
  /** What reading the clock twice costs (calibrateClockOverhead), subtracted from every sample. */
  clockOverhead?: number;
  /** Paint the 256×256 snapshot at every tick (default true); false leaves `cells` empty and is much cheaper. */
  frames?: boolean;
  /** Run each allocator's check() at ticks (default true); false never checks. */
  checkAtTicks?: boolean;
  /**
   * Check at every n-th tick and always at the last (default 8). check() walks the whole heap and
   * every list, so checking all 64 ticks would cost more than the race; the shadow heap still
   * vets every single op.
   */
  checkEvery?: number;
  /** Called once per lane after the race with the allocator in its final state (for heap dumps). */
  onFinish?: (allocator: Allocator, label: string, lane: number) => void;
}

export interface LaneResult {
  allocator: AllocatorName;
  label: string;
  failures: number;
  errors: number;
  corrupt: string | null;
  /** ops replayed before the lane finished or was stopped */
  opsRun: number;
  utilization: number;
  internalFragmentation: number;
  peakFragmentation: number;
  finalFragmentation: number;
  peakLiveBytes: number;
  highWater: number;
  /** The large-object path: the most bytes mapped at once, and the mappings made and released. */
  peakMappedBytes: number;
  mmaps: number;
  munmaps: number;
  /** utilization's denominator: arena high water + peakMappedBytes (docs: methodology, "utilization"). */
  footprint: number;
  probes: Percentiles;
  totalProbes: number;
  /** 32 log2 buckets of probes per op, by op kind and for all ops. */
  probeHistograms: { all: Float64Array; malloc: Float64Array; free: Float64Array; realloc: Float64Array };
  /** Sampled wall-clock ns per op (1 in 64), only when a clock was given; not deterministic. */
  nsHistogram: Float64Array | null;
  ns: Percentiles | null;
  ticks: Tick[];
}

export interface RaceResult {
  readonly trace: string;
  readonly arenaBytes: number;
  readonly ops: number;
  readonly lanes: LaneResult[];
}

export const DEFAULT_TICKS = 64;
export const DEFAULT_CHECK_EVERY = 8;
export const NS_SAMPLE_EVERY = 64;
const NOT_LIVE = -1;  // an id's address: the id has no block in this lane
const FAILED = -2;    // an id's address: the id's malloc failed in this lane, so its free is skipped

export function resolveArenaBytes(trace: Trace, arenaBytes: number | "auto" | undefined): number {
  if (arenaBytes === undefined) return DEFAULT_ARENA_BYTES;
  if (arenaBytes === "auto") return autoArenaBytes(profileTrace(trace, { samples: 2 }).peakLiveBytes);
  return validateArenaBytes(arenaBytes);
}

function resolveLanes(options: RaceOptions): LaneSpec[] {
  if (options.lanes) {
    if (options.lanes.length === 0) throw new RangeError("a race needs at least one lane");
    for (const lane of options.lanes) {
      if (!isAllocatorName(lane.allocator)) throw unknownAllocatorError(lane.allocator);
    }
    return options.lanes;
  }
  const names = options.allocators ?? ALLOCATORS;
  if (names.length === 0) throw new RangeError("a race needs at least one allocator");
  return names.map((allocator) => {
    if (!isAllocatorName(allocator)) throw unknownAllocatorError(allocator);
    return { allocator, options: options.allocatorOptions?.[allocator] };
  });
}

/** The per-lane replay state: the allocator plus everything the engine knows independently of it. */
class Lane {
  readonly allocator: Allocator;
  readonly shadow: ShadowHeap;
  /**
   * Per id, its block's address at 2·id and its requested size at 2·id + 1: side by side, so the
   * op that frees an old id (ids are scattered over a table larger than the cache) misses once.
   */
  readonly blockById: Int32Array;
  readonly probeMalloc = newHistogram();
  readonly probeFree = newHistogram();
  readonly probeRealloc = newHistogram();
  readonly nsHistogram: Float64Array | null;
  readonly ticks: Tick[] = [];
  failures = 0;
  errors = 0;
  corrupt: string | null = null;
  opsRun = 0;

  constructor(readonly spec: LaneSpec, arenaBytes: number, idCount: number, timed: boolean) {
    const options = { ...spec.options, arenaBytes };
    this.allocator = spec.create ? spec.create(options) : createAllocator(spec.allocator, options);
    this.shadow = new ShadowHeap(arenaBytes);
    this.blockById = new Int32Array(2 * idCount).fill(NOT_LIVE);
    this.nsHistogram = timed ? newHistogram() : null;
  }

  stop(op: number, reason: string): void {
    this.corrupt = `stopped at op ${op}: ${reason}`;
  }
}

/**
 * An op log read in stretches rather than held whole: a trace too large for memory, spilled to a
 * file as it was parsed (the CLI's streamed race). `read(from, to)` returns arrays holding ops
 * from..to-1 at indexes 0..to-from-1; the race asks for stretches of at most `chunkOps` ops, in
 * order, and is done with each before asking for the next.
 */
export interface OpSource {
  readonly name: string;
  readonly length: number;
  readonly droppedFrees: number;
  /** One more than the largest id (the size of the per-id tables). */
  readonly idCount: number;
  readonly chunkOps: number;
  read(from: number, to: number): OpStretch;
}

/** Ops `base`.. of a trace: op i is at index i − base. */
export interface OpStretch {
  readonly base: number;
  readonly op: Uint8Array;
  readonly id: Int32Array;
  readonly size: Int32Array;
}

export function race(trace: Trace, options: RaceOptions = {}): RaceResult {
  const arenaBytes = resolveArenaBytes(trace, options.arenaBytes);
  const whole: OpStretch = { base: 0, op: trace.op, id: trace.id, size: trace.size };
  return raceStretches(trace.name, trace.length, maxId(trace) + 1, arenaBytes, (from, to) => [{ from, to, ops: whole }], options);
}

/**
 * race() over an op log read in stretches: the same lanes, ticks and figures as race() of the
 * whole trace, exactly. The arena must be given in bytes ("auto" needs the whole trace's peak,
 * which the source's producer knows: resolve it there with autoArenaBytes).
 */
export function raceOpSource(source: OpSource, options: RaceOptions & { arenaBytes: number }): RaceResult {
  const arenaBytes = validateArenaBytes(options.arenaBytes);
  const chunk = source.chunkOps;
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`invalid chunkOps: ${String(chunk)} (must be a positive integer)`);
  return raceStretches(source.name, source.length, source.idCount, arenaBytes, function* (from, to) {
    for (let at = from; at < to; at += chunk) {
      const end = Math.min(to, at + chunk);
      yield { from: at, to: end, ops: source.read(at, end) };
    }
  }, options);
}

/** Ops from..to-1 split into the stretches that hold them. */
type Stretches = (from: number, to: number) => Iterable<{ from: number; to: number; ops: OpStretch }>;

function raceStretches(name: string, n: number, idCount: number, arenaBytes: number, stretches: Stretches, options: RaceOptions): RaceResult {
  const tickCount = options.ticks ?? DEFAULT_TICKS;
  if (!Number.isInteger(tickCount) || tickCount < 1 || tickCount > 4096) {
    throw new RangeError(`invalid ticks: ${String(tickCount)} (must be an integer from 1 to 4096)`);
  }
  const clock = options.clock;
  const lanes = resolveLanes(options).map((spec) => new Lane(spec, arenaBytes, idCount, clock !== undefined));
  const checkAtTicks = options.checkAtTicks ?? true;
  const checkEvery = options.checkEvery ?? DEFAULT_CHECK_EVERY;
  if (!Number.isInteger(checkEvery) || checkEvery < 1) throw new RangeError(`invalid checkEvery: ${String(checkEvery)} (must be a positive integer)`);
  const frames = options.frames ?? true;
  const ticks = Math.min(tickCount, Math.max(n, 1));

  let done = 0;
  for (let k = 1; k <= ticks; k++) {
    const end = Math.round((k * n) / ticks);
    // Every lane replays the interval stretch by stretch (each stretch is read once for all
    // lanes), then each takes its tick, in lane order, as if it had replayed the interval alone.
    for (const { from, to, ops } of stretches(done, end)) {
      for (const lane of lanes) {
        if (lane.corrupt !== null) continue;
        if (clock) replayTimed(lane, ops, from, to, clock, options.clockOverhead ?? 0); else replay(lane, ops, from, to);
      }
    }
    for (let l = 0; l < lanes.length; l++) {
      const lane = lanes[l];
      if (lane.corrupt !== null) continue;
      const tick = takeTick(lane, end, checkAtTicks && (k % checkEvery === 0 || k === ticks), frames);
      if (tick) {
        lane.ticks.push(tick);
        options.onTick?.(lane.spec.allocator, tick, l);
      }
    }
    done = end;
    options.onProgress?.(done, n);
  }

  if (options.onFinish) lanes.forEach((lane, l) => options.onFinish!(lane.allocator, lane.spec.label ?? lane.spec.allocator, l));
  const result = { trace: name, arenaBytes, ops: n, lanes: lanes.map(summarize) };
  if (!options.onFinish) recycleArenas(lanes);
  return result;
}

// The arenas go back to the pool for the next race (arena-pool.ts), but only those of allocators
// nobody else can hold: not when onFinish was handed every one, nor one a spec's own `create` made.
function recycleArenas(lanes: Lane[]): void {
  for (const lane of lanes) if (!lane.spec.create) recycleArenaBuffer(lane.allocator.bytes.buffer as ArrayBuffer);
}

function maxId(trace: Trace): number {
  let max = -1;
  const ids = trace.id;
  for (let i = 0; i < trace.length; i++) if (ids[i] > max) max = ids[i];
  return max;
}

function replay(lane: Lane, ops: OpStretch, from: number, to: number): void {
  if (runOps(lane, ops, from, to)) lane.opsRun = to;
}

// The same ops with 1 in NS_SAMPLE_EVERY timed: the sampled op runs alone between two clock reads,
// the ops between samples run as one untimed stretch, so both paths share runOps.
function replayTimed(lane: Lane, ops: OpStretch, from: number, to: number, clock: () => number, overhead: number): void {
  const ns = lane.nsHistogram!;
  let i = from;
  while (i < to) {
    if ((i & (NS_SAMPLE_EVERY - 1)) === 0) {
      const t0 = clock();
      const ok = runOps(lane, ops, i, i + 1);
      const elapsed = clock() - t0 - overhead;
      recordValue(ns, elapsed > 0 ? elapsed : 0);
      if (!ok) return;
      i++;
    }
    const next = Math.min(to, (i + NS_SAMPLE_EVERY) & ~(NS_SAMPLE_EVERY - 1));
    if (next > i && !runOps(lane, ops, i, next)) return;
    i = next;
  }
  lane.opsRun = to;
}

// The probes histogram's bucket for a per-op probe count: bucketOf (lib/histogram.ts) for the
// non-negative int32 counts an op has, without a branch — 0 and 1 probes both land in bucket 0, and
// which of them an op takes is as unpredictable as the op. A count ≤ 1 is masked to 0, whose clz32
// is 32; any other count c gives 32 − clz32(c − 1) ≤ 31, the last of the HISTOGRAM_BUCKETS (32).
// Exported for the test that holds it to bucketOf.
export function probeBucket(probes: number): number {
  const below = probes - 1;
  return 32 - Math.clz32(below & ~(below >> 31));
}

/**
 * Replays ops from..to-1 in one lane; false when the lane had to be stopped. The hot loop of the
 * race: every field it needs is read once into a local (the allocator's calls could, as far as the
 * compiler knows, change any of them), the failure and error counts live in locals until the end,
 * each op records its probes once (into its kind's histogram; summarize adds them up), and one
 * `try` covers the whole stretch. The allocator's `stats` object is read once: the contract makes
 * it a readonly field, updated in place.
 */
function runOps(lane: Lane, stretch: OpStretch, from: number, to: number): boolean {
  const allocator = lane.allocator;
  const stats = allocator.stats;
  const shadow = lane.shadow;
  const blockById = lane.blockById;
  const probeMalloc = lane.probeMalloc, probeFree = lane.probeFree, probeRealloc = lane.probeRealloc;
  const ops = stretch.op, ids = stretch.id, sizes = stretch.size;
  const base = stretch.base;
  let failures = lane.failures, errors = lane.errors;
  // j indexes the stretch's arrays; op j is the trace's op j + base.
  let j = from - base;
  const stop = to - base;
  let stopped: string | null = null;
  try {
    for (; j < stop; j++) {
      const at = 2 * ids[j];  // the id's address; its size is at at + 1
      const op = ops[j];
      const probesBefore = stats.probes;
      if (op === OP_MALLOC) {
        const size = sizes[j];
        const addr = allocator.malloc(size);
        if (addr === -1) {
          failures++;
          blockById[at] = FAILED;
        } else {
          const why = shadow.claimNew(addr, size);
          if (why !== null) { stopped = `malloc(${size}) ${why}`; break; }
          // A malloc of an id that is still live loses the old pointer: a leak, as in C.
          blockById[at] = addr;
          blockById[at + 1] = size;
        }
        probeMalloc[probeBucket(stats.probes - probesBefore)]++;
      } else if (op === OP_FREE) {
        const addr = blockById[at];
        if (addr < 0) {
          if (addr === FAILED) blockById[at] = NOT_LIVE; else errors++;
          continue;
        }
        allocator.free(addr);
        shadow.release(addr, blockById[at + 1]);
        blockById[at] = NOT_LIVE;
        probeFree[probeBucket(stats.probes - probesBefore)]++;
      } else if (op === OP_REALLOC) {
        const addr = blockById[at];
        const size = sizes[j];
        if (addr < 0) {
          if (addr === FAILED) { if (size === 0) blockById[at] = NOT_LIVE; } else errors++;
          continue;
        }
        const oldSize = blockById[at + 1];
        const moved = allocator.realloc(addr, size);
        if (size === 0) {
          // realloc(p, 0) freed p (allocators/types.ts): -1 here is not a failure
          if (moved !== -1) { stopped = `realloc(0x${addr.toString(16)}, 0) should free the block and return -1, returned 0x${moved.toString(16)}`; break; }
          shadow.release(addr, oldSize);
          blockById[at] = NOT_LIVE;
        } else if (moved === -1) {
          failures++;
        } else {
          shadow.release(addr, oldSize);
          const why = shadow.claimNew(moved, size);
          if (why !== null) { stopped = `realloc(0x${addr.toString(16)}, ${size}) ${why}`; break; }
          blockById[at] = moved;
          blockById[at + 1] = size;
        }
        probeRealloc[probeBucket(stats.probes - probesBefore)]++;
      } else {
        stopped = `unknown op code ${op}`;
        break;
      }
    }
  } catch (error) {
    stopped = error instanceof Error ? error.message : String(error);
  }
  lane.failures = failures;
  lane.errors = errors;
  if (stopped !== null) { lane.stop(j + base, stopped); return false; }
  return true;
}

const NO_CELLS = new Uint8Array(0);
const NO_MAPPED = new Int32Array(0);

function takeTick(lane: Lane, op: number, check: boolean, frames: boolean): Tick | null {
  const allocator = lane.allocator;
  let snapshot: Snapshot;
  try {
    if (check) allocator.check();
    snapshot = frames ? takeSnapshot(allocator) : { ...censusOf(allocator), cells: NO_CELLS };
  } catch (error) {
    lane.stop(op, error instanceof Error ? error.message : String(error));
    return null;
  }
  return {
    op,
    liveBytes: allocator.stats.liveBytes,
    usedBytes: snapshot.usedBytes,
    headerBytes: snapshot.headerBytes,
    reservedBytes: snapshot.reservedBytes,
    freeBytes: snapshot.freeBytes,
    largestFreeRun: snapshot.largestFreeRun,
    fragmentation: snapshot.fragmentation,
    highWater: allocator.stats.highWater,
    mappedBytes: allocator.stats.mappedBytes ?? 0,
    failures: lane.failures,
    errors: lane.errors,
    cells: snapshot.cells,
    mapped: frames ? mappedBlocksOf(allocator) : NO_MAPPED,
  };
}

function summarize(lane: Lane): LaneResult {
  const stats = lane.allocator.stats;
  // Every op lands in exactly one kind's histogram, so all ops is their sum (one record per op).
  const probeAll = addHistograms(addHistograms(addHistograms(newHistogram(), lane.probeMalloc), lane.probeFree), lane.probeRealloc);
  const ticks = lane.ticks;
  let peakFragmentation = 0, internalSum = 0, internalTicks = 0;
  for (const tick of ticks) {
    if (tick.fragmentation > peakFragmentation) peakFragmentation = tick.fragmentation;
    const allocated = tick.usedBytes + tick.reservedBytes;
    if (allocated > 0) { internalSum += tick.reservedBytes / allocated; internalTicks++; }
  }
  const last = ticks.length ? ticks[ticks.length - 1] : null;
  const peakMappedBytes = stats.peakMappedBytes ?? 0;
  // The footprint: what the lane took from the system, arena high water plus the most it mapped.
  const footprint = stats.highWater + peakMappedBytes;
  return {
    allocator: lane.spec.allocator,
    label: lane.spec.label ?? lane.spec.allocator,
    failures: lane.failures,
    errors: lane.errors,
    corrupt: lane.corrupt,
    opsRun: lane.opsRun,
    utilization: footprint > 0 ? stats.peakLiveBytes / footprint : 0,
    internalFragmentation: internalTicks ? internalSum / internalTicks : 0,
    peakFragmentation,
    finalFragmentation: last ? last.fragmentation : 0,
    peakLiveBytes: stats.peakLiveBytes,
    highWater: stats.highWater,
    peakMappedBytes,
    mmaps: stats.mmaps ?? 0,
    munmaps: stats.munmaps ?? 0,
    footprint,
    probes: percentilesOf(probeAll),
    totalProbes: stats.probes,
    probeHistograms: { all: probeAll, malloc: lane.probeMalloc, free: lane.probeFree, realloc: lane.probeRealloc },
    nsHistogram: lane.nsHistogram,
    ns: lane.nsHistogram ? percentilesOf(lane.nsHistogram) : null,
    ticks,
  };
}
