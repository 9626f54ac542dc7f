// The one shape every race view on the site draws from, whether the race ran at build time
// (Arrow tables) or just now in the page's worker (a RaceResult). Adapters for both live here so
// components never care where a race came from.
import type { AllocatorName, RaceResult, Percentiles } from "../../lib/index.js";

export interface TickRow {
  op: number; liveBytes: number; usedBytes: number; headerBytes: number; reservedBytes: number;
  freeBytes: number; largestFreeRun: number; fragmentation: number; highWater: number;
  /** Bytes mapped outside the arena by the large-object path at this tick (page-rounded). */
  mappedBytes: number;
  failures: number; errors: number;
}

export interface LaneView {
  allocator: AllocatorName;
  label: string;
  failures: number; errors: number; corrupt: string | null; opsRun: number;
  utilization: number; internalFragmentation: number; peakFragmentation: number; finalFragmentation: number;
  peakLiveBytes: number; highWater: number;
  /** The large-object path: the most bytes mapped at once, mappings made and released, and
   *  the footprint utilization is charged against (arena high water + peakMappedBytes). */
  peakMappedBytes: number; mmaps: number; munmaps: number; footprint: number;
  probes: Percentiles;
  ns: Percentiles | null;
  ticks: TickRow[];
  /** Packed snapshots; frame i was taken at tick frameTicks[i]. A build-time race keeps every second tick. */
  frames: Uint8Array[];
  frameTicks: number[];
  /** Per frame, the blocks mapped outside the arena as (bytes, requested) pairs (lib mappedBlocksOf); [] when unknown. */
  mappedFrames: Int32Array[];
  histograms: { all: Float64Array; malloc: Float64Array; free: Float64Array; realloc: Float64Array; ns: Float64Array | null };
}

export interface RaceView {
  source: string;
  kind: "workload" | "trace";
  /** "build": from the build-time tables; "live": re-run in this page. */
  origin: "build" | "live";
  arenaBytes: number;
  ops: number;
  lanes: LaneView[];
}

/** The frame to show at a tick: the latest one taken at or before it (or the first one). */
export function frameIndexAt(lane: LaneView, tick: number): number {
  const ticks = lane.frameTicks;
  let lo = 0, hi = ticks.length - 1, found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ticks[mid] <= tick) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

export function tickCount(view: RaceView): number {
  return Math.max(0, ...view.lanes.map((lane) => lane.ticks.length));
}

const TICK_FIELDS = ["op", "liveBytes", "usedBytes", "headerBytes", "reservedBytes", "freeBytes", "largestFreeRun", "fragmentation", "highWater", "mappedBytes", "failures", "errors"] as const;

export function tickRowOf(source: Record<string, unknown>): TickRow {
  const row = {} as Record<string, number>;
  for (const field of TICK_FIELDS) row[field] = Number(source[field] ?? 0); // 0: a table from before the field
  return row as unknown as TickRow;
}

export function fromRaceResult(result: RaceResult, { source, kind = "workload" }: { source: string; kind?: "workload" | "trace" }): RaceView {
  return {
    source, kind, origin: "live", arenaBytes: result.arenaBytes, ops: result.ops,
    lanes: result.lanes.map((lane) => ({
      allocator: lane.allocator, label: lane.label,
      failures: lane.failures, errors: lane.errors, corrupt: lane.corrupt, opsRun: lane.opsRun,
      utilization: lane.utilization, internalFragmentation: lane.internalFragmentation,
      peakFragmentation: lane.peakFragmentation, finalFragmentation: lane.finalFragmentation,
      peakLiveBytes: lane.peakLiveBytes, highWater: lane.highWater,
      peakMappedBytes: lane.peakMappedBytes, mmaps: lane.mmaps, munmaps: lane.munmaps, footprint: lane.footprint,
      probes: lane.probes, ns: lane.ns,
      ticks: lane.ticks.map(tickRowOf as (t: unknown) => TickRow),
      frames: lane.ticks.filter((t) => t.cells.length > 0).map((t) => t.cells),
      frameTicks: lane.ticks.flatMap((t, i) => (t.cells.length > 0 ? [i] : [])),
      mappedFrames: lane.ticks.filter((t) => t.cells.length > 0).map((t) => t.mapped),
      histograms: { ...lane.probeHistograms, ns: lane.nsHistogram },
    })),
  };
}

