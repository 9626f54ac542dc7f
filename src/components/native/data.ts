// The native data set (data/native/*.arrow, from the native loader) as rows the native page's
// charts take, and the few computations on them that are not drawing: which lanes to show, the
// Pareto front of speed against footprint, footprint series aligned to one scrubber.
// Pure functions over plain rows, so they are tested under Node.
import { HISTOGRAM_BUCKETS, percentilesOf } from "../../lib/page-api.js";

export type NativeAllocator = "glibc" | "jemalloc" | "mimalloc" | "tcmalloc";
export const NATIVE_ALLOCATORS: readonly NativeAllocator[] = ["glibc", "jemalloc", "mimalloc", "tcmalloc"];
export const DEFAULT_CONFIG = "default";

export interface NativeSummaryRow {
  source: string; allocator: NativeAllocator; config: string; touch: boolean; sourceKind: string; ops: number;
  nsPerOp: number; nsPerOpMin: number; nsPerOpMax: number; rounds: number;
  peakRssBytes: number; peakLiveBytes: number; endRssBytes: number;
  rss100msBytes: number | null; rss1sBytes: number | null; clockOverheadNs: number | null; sampleEvery: number | null;
}
export interface FootprintRow { source: string; allocator: NativeAllocator; config: string; touch: boolean; op: number; rssBytes: number; liveBytes: number }
export interface CounterRow { source: string; allocator: NativeAllocator; config: string; touch: boolean; name: string; value: number }
export interface NativeLatencyRow { source: string; allocator: NativeAllocator; config: string; touch: boolean; op: string; bucket: number; upper: number; count: number }
export interface SimulatedTimingRow { source: string; allocator: string; nsPerOp: number; nsPerOpMin: number; nsPerOpMax: number }
export interface StaircaseRow { allocator: NativeAllocator; requested: number; usable: number; spot: boolean }
export interface OccupancyRow { allocator: NativeAllocator; tick: number; op: number; pages: number; resident: number; run: number; firstPage: number; cells: Uint8Array }
/** The simulated leaderboard row (data/races.arrow) fields the comparison uses. */
export interface SimulatedRaceRow { source: string; allocator: string; highWater: number; failures: number; peakLiveBytes: number }

export interface NativeProvenance {
  origin: "measured" | "recorded"; measuredAt: string; machine: string; packages: Record<string, string>;
  rounds: number; warmup: number; sampleEvery: number; occupancyTicks: number; reason?: string;
  settings: Array<{ allocator: string; config: string; why: string }>;
}

/** One sentence saying what the page shows: this build's measurements, or the committed ones and why. */
export function provenanceLine(p: NativeProvenance): string {
  const when = p.measuredAt.slice(0, 10);
  const packages = Object.entries(p.packages).map(([name, version]) => `${name} ${version}`).join(", ");
  return p.origin === "measured"
    ? `Measured when this site was built (${when}) on ${p.machine}; ${packages}.`
    : `Recorded measurements, not this build's: measured on ${when} on ${p.machine} (${packages}), shown because ${p.reason ?? "this build could not measure"}.`;
}

/** The lane every comparison uses unless it says otherwise: default settings, payload touched. */
export function defaultLanes(rows: readonly NativeSummaryRow[], source: string): NativeSummaryRow[] {
  return NATIVE_ALLOCATORS.flatMap((a) => rows.filter((r) => r.source === source && r.allocator === a && r.config === DEFAULT_CONFIG && r.touch));
}

export interface SpeedFootprintPoint {
  allocator: string; kind: "native" | "simulated"; nsPerOp: number; footprintBytes: number;
  /** Simulated lanes that failed mallocs are not comparable (they served less). */
  failures: number; onFront: boolean;
}

/**
 * One point per allocator on a source: native lanes at (median CPU ns/op, peak RSS above the
 * baseline), simulated lanes at (median ns/op of a bare replay, arena high water). Points whose
 * lane failed mallocs never join the front: they did less work.
 */
// Footprints are drawn on a log scale, so a lane that never raised RSS above its baseline (0) is
// drawn at one page instead of falling off the chart.
export function speedFootprintPoints(source: string, native: readonly NativeSummaryRow[], timings: readonly SimulatedTimingRow[], races: readonly SimulatedRaceRow[]): SpeedFootprintPoint[] {
  const points: SpeedFootprintPoint[] = defaultLanes(native, source).map((r) => ({ allocator: r.allocator, kind: "native", nsPerOp: r.nsPerOp, footprintBytes: Math.max(r.peakRssBytes, 4096), failures: 0, onFront: false }));
  for (const t of timings.filter((t) => t.source === source)) {
    const race = races.find((r) => r.source === source && r.allocator === t.allocator);
    if (!race) continue;
    points.push({ allocator: t.allocator, kind: "simulated", nsPerOp: t.nsPerOp, footprintBytes: Math.max(race.highWater, 4096), failures: race.failures, onFront: false });
  }
  return markParetoFront(points);
}

/** Marks the points no other point beats on both axes (lower ns/op and lower footprint). */
export function markParetoFront<T extends { nsPerOp: number; footprintBytes: number; failures: number; onFront: boolean }>(points: T[]): T[] {
  const eligible = points.filter((p) => p.failures === 0);
  for (const p of eligible) {
    p.onFront = !eligible.some((q) => q !== p && q.nsPerOp <= p.nsPerOp && q.footprintBytes <= p.footprintBytes && (q.nsPerOp < p.nsPerOp || q.footprintBytes < p.footprintBytes));
  }
  return points;
}

/** The footprint series of the chosen lanes, and the ops at which they were sampled (shared by all). */
export function footprintSeries(rows: readonly FootprintRow[], source: string, config = DEFAULT_CONFIG, touch = true): { ops: number[]; rows: FootprintRow[] } {
  const picked = rows.filter((r) => r.source === source && r.config === config && r.touch === touch);
  const ops = [...new Set(picked.map((r) => r.op))].sort((a, b) => a - b);
  return { ops, rows: picked };
}

/** The last sample at or before an op, per allocator: what the scrubber's readout shows. */
export function footprintAt(rows: readonly FootprintRow[], op: number): Map<string, FootprintRow> {
  const at = new Map<string, FootprintRow>();
  for (const r of rows) {
    if (r.op > op) continue;
    const seen = at.get(r.allocator);
    if (!seen || seen.op < r.op) at.set(r.allocator, r);
  }
  return at;
}

/** Internal fragmentation of the staircase at each step: (usable − requested) / usable, worst case per step. */
export function staircaseWaste(rows: readonly StaircaseRow[], maxRequested: number): Array<{ allocator: string; requested: number; waste: number }> {
  const out: Array<{ allocator: string; requested: number; waste: number }> = [];
  for (const a of NATIVE_ALLOCATORS) {
    const steps = rows.filter((r) => r.allocator === a && !r.spot).sort((x, y) => x.requested - y.requested);
    for (let i = 0; i < steps.length && steps[i].requested <= maxRequested; i++) {
      // Within a step the worst request is its first size: it gets the most slack.
      out.push({ allocator: a, requested: steps[i].requested, waste: (steps[i].usable - steps[i].requested) / steps[i].usable });
    }
  }
  return out;
}

export interface OccupancyFrame { allocator: string; tick: number; op: number; pages: number; resident: number; runs: Array<{ firstPage: number; cells: Uint8Array }> }

/** Occupancy rows regrouped as frames, ordered by allocator then tick. */
export function occupancyFrames(rows: readonly OccupancyRow[]): OccupancyFrame[] {
  const frames = new Map<string, OccupancyFrame>();
  for (const r of rows) {
    const key = `${r.allocator}\u0000${r.tick}`;
    let f = frames.get(key);
    if (!f) frames.set(key, (f = { allocator: r.allocator, tick: r.tick, op: r.op, pages: r.pages, resident: r.resident, runs: [] }));
    f.runs[r.run] = { firstPage: r.firstPage, cells: r.cells };
  }
  return [...frames.values()].sort((a, b) => NATIVE_ALLOCATORS.indexOf(a.allocator as NativeAllocator) - NATIVE_ALLOCATORS.indexOf(b.allocator as NativeAllocator) || a.tick - b.tick);
}

/**
 * The race page's native leaderboard rows for a source: each allocator's sampled ns per op over
 * all its operations (default settings, payload touched), p50 and p99 read from the log2 buckets
 * exactly as the simulated lanes' are.
 */
export function nativeLeaderboardRows(latency: readonly NativeLatencyRow[], source: string, origin: "measured" | "recorded") {
  return NATIVE_ALLOCATORS.flatMap((allocator) => {
    const mine = latency.filter((r) => r.source === source && r.allocator === allocator && r.config === DEFAULT_CONFIG && r.touch);
    if (mine.length === 0) return [];
    const histogram = new Float64Array(HISTOGRAM_BUCKETS);
    for (const r of mine) histogram[r.bucket] += r.count;
    const { p50, p99 } = percentilesOf(histogram);
    return [{ allocator, origin, ns: { p50, p99 } }];
  });
}
