// The shape of one allocation stream and the outcome of racing it, in the forms the workload pages
// draw: a build-time stream comes from workloads.arrow, races.arrow and ticks.arrow, a live one from
// profileTrace() and race() in the page, and both end up as the same StreamShape and LaneOutcome,
// so one set of charts and one ranking rule serve both.
import { ALLOCATORS, bucketUpperBound, type RaceResult, type TraceProfile } from "../../lib/index.js";

/** One log2 bucket: it counts the values x with upper / 2 < x ≤ upper (x ≤ 1 for upper = 1). */
export interface Bucket { upper: number; count: number }

export interface LivePoint { op: number; liveBytes: number; liveBlocks: number }

export interface StreamSummary {
  ops: number; mallocs: number; frees: number; reallocs: number; errors: number;
  peakLiveBytes: number; peakLiveBlocks: number; neverFreed: number;
}

export interface StreamShape {
  source: string;
  summary: StreamSummary;
  /** Requested sizes of every malloc and realloc. */
  size: Bucket[];
  /** Ops from a block's malloc to its free; blocks never freed are not in it. */
  lifetime: Bucket[];
  live: LivePoint[];
}

const SUMMARY_KEYS = ["ops", "mallocs", "frees", "reallocs", "errors", "peakLiveBytes", "peakLiveBlocks", "neverFreed"] as const;

/** A row of workloads.arrow (long form: source, metric, x, value). */
export interface WorkloadRow { source: string; metric: string; x: number; value: number }

export function shapeFromTable(rows: readonly WorkloadRow[], source: string): StreamShape {
  const mine = rows.filter((row) => row.source === source);
  if (mine.length === 0) throw new Error(`workloads.arrow has no stream named ${JSON.stringify(source)}`);
  const summary = {} as Record<(typeof SUMMARY_KEYS)[number], number>;
  for (const key of SUMMARY_KEYS) summary[key] = Number(mine.find((row) => row.metric === key)?.value ?? 0);
  const buckets = (metric: string): Bucket[] => mine
    .filter((row) => row.metric === metric)
    .map((row) => ({ upper: Number(row.x), count: Number(row.value) }))
    .sort((a, b) => a.upper - b.upper);
  const blocksAt = new Map(mine.filter((row) => row.metric === "liveBlocks").map((row) => [Number(row.x), Number(row.value)]));
  const live = mine
    .filter((row) => row.metric === "liveBytes")
    .map((row) => ({ op: Number(row.x), liveBytes: Number(row.value), liveBlocks: blocksAt.get(Number(row.x)) ?? 0 }))
    .sort((a, b) => a.op - b.op);
  return { source, summary, size: buckets("size"), lifetime: buckets("lifetime"), live };
}

export function shapeFromProfile(source: string, profile: TraceProfile): StreamShape {
  const buckets = (histogram: Int32Array): Bucket[] => {
    const out: Bucket[] = [];
    histogram.forEach((count, bucket) => { if (count > 0) out.push({ upper: bucketUpperBound(bucket), count }); });
    return out;
  };
  const { op, liveBytes, liveBlocks } = profile.series;
  const live: LivePoint[] = Array.from(op, (at, i) => ({ op: at, liveBytes: liveBytes[i], liveBlocks: liveBlocks[i] }));
  const summary = {} as Record<(typeof SUMMARY_KEYS)[number], number>;
  for (const key of SUMMARY_KEYS) summary[key] = profile[key];
  return { source, summary, size: buckets(profile.sizeHistogram), lifetime: buckets(profile.lifetimeHistogram), live };
}

/** How many values of a histogram are larger than `bytes` (exact when `bytes` is a bucket bound). */
export function countAbove(buckets: readonly Bucket[], bytes: number): number {
  return buckets.reduce((sum, bucket) => sum + (bucket.upper / 2 >= bytes ? bucket.count : 0), 0);
}

/** The smallest bucket bound that at least `q` of the values sit under (nearest rank). */
export function bucketQuantile(buckets: readonly Bucket[], q: number): number {
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of buckets) {
    seen += bucket.count;
    if (seen >= rank) return bucket.upper;
  }
  return buckets[buckets.length - 1].upper;
}

/** The share of the values in the fullest `n` adjacent buckets, and where that window starts. */
export function densestWindow(buckets: readonly Bucket[], n: number): { from: number; to: number; share: number } {
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  let best = { from: 0, to: 0, share: 0 };
  for (let i = 0; i < buckets.length; i++) {
    let sum = 0;
    // Buckets are only listed when non-empty, so walk by bound rather than by index.
    for (const bucket of buckets) if (bucket.upper >= buckets[i].upper && bucket.upper < buckets[i].upper * 2 ** n) sum += bucket.count;
    const share = total > 0 ? sum / total : 0;
    if (share > best.share) best = { from: buckets[i].upper / 2, to: buckets[i].upper * 2 ** (n - 1), share };
  }
  return best;
}

/** One allocator's race over one stream, from races.arrow or from a live race(). */
export interface LaneOutcome {
  allocator: string;
  label: string;
  ops: number;
  opsRun: number;
  arenaBytes: number;
  failures: number;
  errors: number;
  corrupt: string | null;
  utilization: number;
  internalFragmentation: number;
  peakFragmentation: number;
  finalFragmentation: number;
  peakLiveBytes: number;
  highWater: number;
  probesP50: number;
  probesP90: number;
  probesP99: number;
  totalProbes: number;
}

export interface RankedLane extends LaneOutcome { rank: number }

/** A row of races.arrow, as arrowRows() returns it. */
export type RaceRow = Record<string, unknown>;

export function outcomesFromTable(rows: readonly RaceRow[], source: string): LaneOutcome[] {
  const mine = rows.filter((row) => row.source === source);
  if (mine.length === 0) throw new Error(`races.arrow has no race named ${JSON.stringify(source)}`);
  return mine.map((row) => ({
    allocator: String(row.allocator), label: String(row.label),
    ops: Number(row.ops), opsRun: Number(row.opsRun), arenaBytes: Number(row.arenaBytes),
    failures: Number(row.failures), errors: Number(row.errors), corrupt: row.corrupt == null ? null : String(row.corrupt),
    utilization: Number(row.utilization), internalFragmentation: Number(row.internalFragmentation),
    peakFragmentation: Number(row.peakFragmentation), finalFragmentation: Number(row.finalFragmentation),
    peakLiveBytes: Number(row.peakLiveBytes), highWater: Number(row.highWater),
    probesP50: Number(row.probesP50), probesP90: Number(row.probesP90), probesP99: Number(row.probesP99),
    totalProbes: Number(row.totalProbes),
  }));
}

export function outcomesFromRace(result: RaceResult): LaneOutcome[] {
  return result.lanes.map((lane) => ({
    allocator: lane.allocator, label: lane.label,
    ops: result.ops, opsRun: lane.opsRun, arenaBytes: result.arenaBytes,
    failures: lane.failures, errors: lane.errors, corrupt: lane.corrupt,
    utilization: lane.utilization, internalFragmentation: lane.internalFragmentation,
    peakFragmentation: lane.peakFragmentation, finalFragmentation: lane.finalFragmentation,
    peakLiveBytes: lane.peakLiveBytes, highWater: lane.highWater,
    probesP50: lane.probes.p50, probesP90: lane.probes.p90, probesP99: lane.probes.p99,
    totalProbes: lane.totalProbes,
  }));
}

/**
 * The ranking rule, criterion by criterion: a lane that was stopped ranks last; then fewest failures
 * (the program felt those); then highest utilization (it charges headers, rounding and holes alike
 * against the memory the allocator reached); then lowest peak fragmentation; then lowest p99 probes
 * and fewest probes in all (the cost of getting there). Remaining ties keep ALLOCATORS order.
 */
export const RANKING_CRITERIA: readonly { key: string; label: string; better: "lower" | "higher"; of: (lane: LaneOutcome) => number }[] = [
  { key: "stopped", label: "finished the race", better: "lower", of: (lane) => (lane.corrupt === null ? 0 : 1) },
  { key: "failures", label: "failures", better: "lower", of: (lane) => lane.failures },
  { key: "utilization", label: "utilization", better: "higher", of: (lane) => lane.utilization },
  { key: "peakFragmentation", label: "peak fragmentation", better: "lower", of: (lane) => lane.peakFragmentation },
  { key: "probesP99", label: "p99 probes per op", better: "lower", of: (lane) => lane.probesP99 },
  { key: "totalProbes", label: "total probes", better: "lower", of: (lane) => lane.totalProbes },
];

/** The first criterion on which `a` and `b` differ, or null when they tie on all of them. */
export function decidingCriterion(a: LaneOutcome, b: LaneOutcome): (typeof RANKING_CRITERIA)[number] | null {
  for (const criterion of RANKING_CRITERIA) {
    if (criterion.of(a) !== criterion.of(b)) return criterion;
  }
  return null;
}

export function rankLanes(lanes: readonly LaneOutcome[]): RankedLane[] {
  const order = (lane: LaneOutcome) => {
    const i = (ALLOCATORS as readonly string[]).indexOf(lane.allocator);
    return i < 0 ? ALLOCATORS.length : i;
  };
  return [...lanes]
    .sort((a, b) => {
      for (const criterion of RANKING_CRITERIA) {
        const x = criterion.of(a), y = criterion.of(b);
        if (x !== y) return criterion.better === "lower" ? x - y : y - x;
      }
      return order(a) - order(b);
    })
    .map((lane, i) => ({ ...lane, rank: i + 1 }));
}

/** A row of ticks.arrow: one allocator at one tick of one race. */
export interface LaneTick {
  source: string; allocator: string; label: string; tick: number; op: number;
  liveBytes: number; usedBytes: number; headerBytes: number; reservedBytes: number; freeBytes: number;
  largestFreeRun: number; fragmentation: number; highWater: number; failures: number; errors: number;
}

const TICK_NUMBERS = ["tick", "op", "liveBytes", "usedBytes", "headerBytes", "reservedBytes", "freeBytes", "largestFreeRun", "fragmentation", "highWater", "failures", "errors"] as const;

/** The ticks of one race, allocator by allocator in ALLOCATORS order, each in tick order. */
export function ticksOf(rows: readonly Record<string, unknown>[], source: string): LaneTick[] {
  const rank = (name: unknown) => (ALLOCATORS as readonly unknown[]).indexOf(name);
  return rows
    .filter((row) => row.source === source)
    .map((row) => {
      const tick = { source, allocator: String(row.allocator), label: String(row.label) } as LaneTick;
      for (const key of TICK_NUMBERS) (tick as unknown as Record<string, number>)[key] = Number(row[key]);
      return tick;
    })
    .sort((a, b) => rank(a.allocator) - rank(b.allocator) || a.tick - b.tick);
}

/** The last tick of one allocator, or null when it has none. */
export function lastTickOf(ticks: readonly LaneTick[], allocator: string): LaneTick | null {
  let last: LaneTick | null = null;
  for (const tick of ticks) if (tick.allocator === allocator && (last === null || tick.tick > last.tick)) last = tick;
  return last;
}

/** The first tick at which an allocator had failed at least once, or null. */
export function firstFailureTick(ticks: readonly LaneTick[], allocator: string): LaneTick | null {
  for (const tick of ticks) if (tick.allocator === allocator && tick.failures > 0) return tick;
  return null;
}

/** The first op at which live bytes reach `fraction` of their peak (the end of the ramp). */
export function firstOpReaching(live: readonly LivePoint[], fraction: number): number {
  const peak = Math.max(0, ...live.map((point) => point.liveBytes));
  return live.find((point) => point.liveBytes >= fraction * peak)?.op ?? 0;
}

/** The lowest and highest live bytes from op `from` on (the band a plateau or churn stays in). */
export function liveBandAfter(live: readonly LivePoint[], from: number): { low: number; high: number } {
  const after = live.filter((point) => point.op >= from);
  if (after.length === 0) return { low: 0, high: 0 };
  return { low: Math.min(...after.map((p) => p.liveBytes)), high: Math.max(...after.map((p) => p.liveBytes)) };
}

/** How many values of a histogram are at most `bytes` (exact when `bytes` is a bucket bound). */
export function countAtMost(buckets: readonly Bucket[], bytes: number): number {
  return buckets.reduce((sum, bucket) => sum + (bucket.upper <= bytes ? bucket.count : 0), 0);
}

/** One allocator's outcome, by name (pages quote single figures from it). */
export function laneOf<T extends LaneOutcome>(lanes: readonly T[], allocator: string): T {
  const lane = lanes.find((l) => l.allocator === allocator);
  if (!lane) throw new Error(`no lane for allocator ${JSON.stringify(allocator)}`);
  return lane;
}
