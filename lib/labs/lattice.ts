// The external-fragmentation lab: fill an arena with small blocks, free k − 1 of every k
// neighbours, then ask for a larger block over and over until one fails. Every allocator gets the
// same three-phase stream, under the race engine's shadow checks and check().
//
//   phase 1  fill   malloc(small) × fillOps      enough for the densest allocator to run out of arena
//   phase 2  free   free k − 1 of every k blocks  id i is kept when i % k == k − 1 (k = 2: every other)
//   phase 3  ask    malloc(large), at most askOps times, until the first failure (later ones would
//                                                fail the same way: a failed malloc changes nothing)
//
// What the phases measure, per allocator:
//   free bytes after phase 2 (F)            how much memory the program gave back
//   served                                  how many large requests the heap could still satisfy
//   unusable bytes = free bytes after phase 3   what was free but could not serve a single large request
//   coalesces in phase 2                    how many freed neighbours merged into bigger holes
// An allocator that packed every free byte into one run could serve floor(F / large) requests,
// less its own per-block overhead; `compactBound` is that number, the yardstick for `served`.
//
// Phases 1 and 2 are raced as prefixes of the stream (two races of one tick each), so the heat map,
// the census and check() are taken exactly at each boundary; phase 3 continues on the allocators the
// second race left (askUntilFailure). Ids follow address order in every allocator on a fresh arena,
// so "every other id" is "every other block in memory".

import { ALLOCATORS, withoutLargePath } from "../allocators/index.js";
import type { Allocator, AllocatorName } from "../allocators/types.js";
import { validateArenaBytes } from "../knobs.js";
import { blockSizeFor } from "../allocators/index.js";
import { mappedBlocksOf, takeSnapshot } from "../arena.js";
import { race, type LaneSpec } from "../race/race.js";
import { ShadowHeap } from "../race/shadow.js";
import { TraceBuilder, tracePrefix, type Trace } from "../trace/types.js";

export const LATTICE_PHASES = ["fill", "free", "ask"] as const;
export type LatticePhaseName = (typeof LATTICE_PHASES)[number];

/** Lab limits: big enough to see the pattern, small enough that all three races take milliseconds. */
export const LATTICE_MAX_ARENA_BYTES = 1024 * 1024;
export const LATTICE_MAX_SMALL_BYTES = 4096;
export const LATTICE_MAX_KEEP_EVERY = 64;

export interface LatticeOptions {
  /** Arena per allocator, a power of two from 64 KiB to 1 MiB (default 64 KiB: one byte per heat-map pixel). */
  arenaBytes?: number;
  /** The small request of phase 1 (default 48). */
  smallBytes?: number;
  /** Phase 2 keeps one block in every `keepEvery` and frees the rest (default 2: every other one). */
  keepEvery?: number;
  /** The larger request of phase 3 (default 256). */
  largeBytes?: number;
  /** The lanes to race (default: every registry allocator with its default knobs). */
  lanes?: readonly LaneSpec[];
}

export interface LatticeSettings {
  arenaBytes: number;
  smallBytes: number;
  keepEvery: number;
  largeBytes: number;
  /** Ops of each phase, in order. */
  fillOps: number;
  freeOps: number;
  askOps: number;
}

export interface LatticePhase {
  phase: LatticePhaseName;
  /** Ops replayed when this snapshot was taken (the end of the phase). */
  op: number;
  /** Mallocs of this phase that returned NULL (0 for the free phase). */
  failures: number;
  /** Free neighbours (or buddies) merged during this phase. */
  coalesces: number;
  /** The probe cost of this phase. */
  probes: number;
  liveBytes: number;
  usedBytes: number;
  headerBytes: number;
  reservedBytes: number;
  freeBytes: number;
  largestFreeRun: number;
  fragmentation: number;
  cells: Uint8Array;
}

export interface LatticeLane {
  allocator: AllocatorName;
  label: string;
  /** One entry per phase that finished; fewer when the lane was stopped. */
  phases: LatticePhase[];
  /** Why the race engine stopped this lane, or null. */
  corrupt: string | null;
  /** Small blocks that fitted in phase 1. */
  placed: number;
  /** Small blocks freed in phase 2 (frees of blocks that never fitted are skipped). */
  freed: number;
  /** Free bytes after phase 2: what the program handed back, plus what was never used. */
  freeBytes: number;
  /** Large requests served in phase 3 before the first failure. */
  served: number;
  /** Large requests a heap with all its free bytes in one run could serve, ignoring per-block overhead. */
  compactBound: number;
  /** Free bytes left when a large request first failed: free, and no use to that request. */
  unusableBytes: number;
  /** unusableBytes / freeBytes (0 when nothing was free). */
  unusableShare: number;
}

export interface LatticeResult {
  settings: LatticeSettings;
  lanes: LatticeLane[];
}

function integerSetting(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`invalid ${name}: ${JSON.stringify(value)} (must be an integer from ${min} to ${max})`);
  }
  return value;
}

/** Validates the options and works out how many ops each phase needs. Errors quote the bad value. */
export function latticeSettings(options: LatticeOptions = {}): LatticeSettings {
  const arenaBytes = validateArenaBytes(options.arenaBytes ?? 64 * 1024);
  if (arenaBytes > LATTICE_MAX_ARENA_BYTES) {
    throw new RangeError(`invalid arenaBytes: ${arenaBytes} (the lab goes up to ${LATTICE_MAX_ARENA_BYTES} bytes)`);
  }
  const smallBytes = integerSetting("smallBytes", options.smallBytes ?? 48, 1, LATTICE_MAX_SMALL_BYTES);
  const keepEvery = integerSetting("keepEvery", options.keepEvery ?? 2, 2, LATTICE_MAX_KEEP_EVERY);
  const largeBytes = integerSetting("largeBytes", options.largeBytes ?? 256, 1, arenaBytes);
  // No allocator here spends less than 16 bytes on a block, so this many small requests fill any arena.
  const fillOps = Math.ceil(arenaBytes / Math.max(16, alignUp16(smallBytes)));
  const freeOps = fillOps - Math.floor(fillOps / keepEvery);
  const askOps = Math.ceil(arenaBytes / Math.max(16, alignUp16(largeBytes))) + 1;
  return { arenaBytes, smallBytes, keepEvery, largeBytes, fillOps, freeOps, askOps };
}

function alignUp16(n: number): number {
  return (n + 15) & -16;
}

/** The lab's stream: ids 0 … fillOps − 1 are the small blocks, the large requests follow. */
export function latticeTrace(settings: LatticeSettings): Trace {
  const { smallBytes, keepEvery, largeBytes, fillOps, askOps } = settings;
  const trace = new TraceBuilder();
  for (let id = 0; id < fillOps; id++) trace.malloc(id, smallBytes);
  for (let id = 0; id < fillOps; id++) if (id % keepEvery !== keepEvery - 1) trace.free(id);
  for (let i = 0; i < askOps; i++) trace.malloc(fillOps + i, largeBytes);
  return trace.build(`lattice ${smallBytes}/${keepEvery}/${largeBytes}`);
}

/** Every registry allocator at its defaults, in registry order. */
export function defaultLatticeLanes(): LaneSpec[] {
  // The lab is about holes in the arena: a request mapped outside it would dodge the question.
  return ALLOCATORS.map((allocator) => ({ allocator, options: withoutLargePath(allocator) }));
}

interface PhaseEnd {
  failures: number;
  corrupt: string | null;
  coalesces: number;
  probes: number;
  tick: ReturnType<typeof race>["lanes"][number]["ticks"][number] | null;
  allocator: Allocator | null;
}

// One race over the first `ops` ops with one tick at its end; keeps each lane's allocator as it was left.
function racePrefix(trace: Trace, ops: number, lanes: readonly LaneSpec[], arenaBytes: number): PhaseEnd[] {
  const allocators: Array<Allocator | null> = lanes.map(() => null);
  const result = race(tracePrefix(trace, ops), {
    lanes: [...lanes], arenaBytes, ticks: 1,
    onFinish: (allocator: Allocator, _label: string, index: number) => { allocators[index] = allocator; },
  });
  return result.lanes.map((lane, i) => {
    const allocator = lane.corrupt === null ? allocators[i] : null;
    return {
      failures: lane.failures, corrupt: lane.corrupt,
      coalesces: allocator?.stats.coalesces ?? 0, probes: allocator?.stats.probes ?? 0,
      tick: lane.ticks.length ? lane.ticks[lane.ticks.length - 1] : null,
      allocator,
    };
  });
}

/**
 * Phase 3 on the allocator phase 2 left: malloc(large) until the first NULL. It runs outside the
 * race engine because a failed request changes nothing, so the race's remaining identical requests
 * would only repeat the same (possibly list-long) search. The engine's checks are kept: a shadow of
 * the live payloads vets every address, and check() runs at the end.
 */
function askUntilFailure(allocator: Allocator, settings: LatticeSettings, before: PhaseEnd): PhaseEnd {
  const shadow = new ShadowHeap(allocator.arenaBytes);
  try {
    allocator.walk((_start, _bytes, payload, requested) => { if (requested > 0) shadow.claim(payload, requested); });
    let failures = 0;
    let asked = 0;
    while (asked < settings.askOps) {
      asked++;
      const addr = allocator.malloc(settings.largeBytes);
      if (addr === -1) { failures = 1; break; }
      const why = shadow.rejectNew(addr, settings.largeBytes);
      if (why !== null) throw new Error(`malloc(${settings.largeBytes}) ${why}`);
      shadow.claim(addr, settings.largeBytes);
    }
    allocator.check();
    const snapshot = takeSnapshot(allocator);
    return {
      failures: before.failures + failures, corrupt: null,
      coalesces: allocator.stats.coalesces, probes: allocator.stats.probes,
      tick: {
        op: before.tick!.op + asked, liveBytes: allocator.stats.liveBytes,
        usedBytes: snapshot.usedBytes, headerBytes: snapshot.headerBytes, reservedBytes: snapshot.reservedBytes,
        freeBytes: snapshot.freeBytes, largestFreeRun: snapshot.largestFreeRun, fragmentation: snapshot.fragmentation,
        highWater: allocator.stats.highWater, mappedBytes: allocator.stats.mappedBytes, failures: before.failures + failures, errors: 0, cells: snapshot.cells,
        mapped: mappedBlocksOf(allocator),
      },
      allocator,
    };
  } catch (error) {
    return { ...before, corrupt: `stopped while asking: ${error instanceof Error ? error.message : String(error)}`, tick: null, allocator: null };
  }
}

export function runLattice(options: LatticeOptions = {}): LatticeResult {
  const settings = latticeSettings(options);
  const lanes = options.lanes ?? defaultLatticeLanes();
  if (lanes.length === 0) throw new RangeError("the lattice lab needs at least one lane");
  const trace = latticeTrace(settings);
  const filled = racePrefix(trace, settings.fillOps, lanes, settings.arenaBytes);
  const freed = racePrefix(trace, settings.fillOps + settings.freeOps, lanes, settings.arenaBytes);
  const asked = freed.map((end) => (end.allocator && end.tick ? askUntilFailure(end.allocator, settings, end) : end));
  const ends = [filled, freed, asked];

  return {
    settings,
    lanes: lanes.map((spec, l) => {
      const phases: LatticePhase[] = [];
      let corrupt: string | null = null;
      for (let p = 0; p < ends.length && corrupt === null; p++) {
        const end = ends[p][l];
        if (end.corrupt !== null || end.tick === null) { corrupt = end.corrupt ?? "no snapshot"; break; }
        const previous = p > 0 ? ends[p - 1][l] : null;
        const tick = end.tick;
        phases.push({
          phase: LATTICE_PHASES[p], op: tick.op,
          failures: end.failures - (previous?.failures ?? 0),
          coalesces: end.coalesces - (previous?.coalesces ?? 0),
          probes: end.probes - (previous?.probes ?? 0),
          liveBytes: tick.liveBytes, usedBytes: tick.usedBytes, headerBytes: tick.headerBytes,
          reservedBytes: tick.reservedBytes, freeBytes: tick.freeBytes, largestFreeRun: tick.largestFreeRun,
          fragmentation: tick.fragmentation, cells: tick.cells,
        });
      }
      return summarizeLane(spec, phases, corrupt, settings);
    }),
  };
}

function summarizeLane(spec: LaneSpec, phases: LatticePhase[], corrupt: string | null, settings: LatticeSettings): LatticeLane {
  const [fill, free, ask] = phases;
  // Counted from live bytes, which the race engine tracks independently of any allocator.
  const placed = fill ? fill.liveBytes / settings.smallBytes : 0;
  const freed = fill && free ? (fill.liveBytes - free.liveBytes) / settings.smallBytes : 0;
  const freeBytes = free ? free.freeBytes : 0;
  // Phase 3 stops at the first NULL, so every large block live at its end was served then.
  const served = ask && free ? (ask.liveBytes - free.liveBytes) / settings.largeBytes : 0;
  const unusableBytes = ask ? ask.freeBytes : 0;
  return {
    allocator: spec.allocator,
    label: spec.label ?? spec.allocator,
    phases, corrupt, placed, freed, freeBytes, served,
    compactBound: Math.floor(freeBytes / settings.largeBytes),
    unusableBytes,
    unusableShare: freeBytes > 0 ? unusableBytes / freeBytes : 0,
  };
}

export interface KeepSweepRow {
  keepEvery: number;
  label: string;
  served: number;
  unusableShare: number;
}

/** The lab again for each `keepEvery`, everything else equal: how the answer changes as runs of freed neighbours grow. */
export function keepEverySweep(options: LatticeOptions, keeps: readonly number[]): KeepSweepRow[] {
  return keeps.flatMap((keepEvery) => runLattice({ ...options, keepEvery }).lanes.map((lane) => ({
    keepEvery, label: lane.label, served: lane.served, unusableShare: lane.unusableShare,
  })));
}

/**
 * How many freed neighbours a boundary-tag allocator (freelist, segfit) must merge into one hole
 * before it holds one large request: both are blocks of blockSizeFor(request) bytes, tags included.
 */
export function coalescedRunNeeded(smallBytes: number, largeBytes: number): number {
  return Math.ceil(blockSizeFor(largeBytes) / blockSizeFor(smallBytes));
}
