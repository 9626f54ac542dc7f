// The lanes of one race, raced by several lane workers, put back together on the page's side: which
// worker races which lanes, the partial view the page paints while they run, and the merged
// RaceResult — lanes in the race's order, so it is the sequential race() exactly.
import { HISTOGRAM_BUCKETS } from "../../lib/page-api.js";
import type { LaneResult, RaceResult } from "../../lib/index.js";
import { fromRaceResult, tickRowOf, type LaneView, type RaceView } from "../core/race-view.js";
import type { LaneAssignment, LaneReply, TickFigures } from "./lane-protocol.js";

/**
 * One lane worker per core, each racing its share of the lanes in turn. Three per core (every lane
 * at once, the system balancing them) was tried and measured slower on 2 cores (npm run
 * bench:browser): a 600k-op trace 3.5 s against 3.2, because six workers time-sliced on two cores
 * all finish near the end, and each compiles lib and the race engine for itself.
 */
export const LANES_PER_CORE = 1;

/** How many lane workers a race of `lanes` lanes gets on a machine with `hardwareConcurrency` threads. */
export function laneWorkerCount(lanes: number, hardwareConcurrency: number | undefined): number {
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency! > 0 ? hardwareConcurrency! : 2;
  return Math.max(1, Math.min(lanes, cores * LANES_PER_CORE));
}

/**
 * What a lane of each built-in allocator costs, relative to the others, in a race with frames and
 * checks as the page runs it: each allocator's `default` time in `npm run bench:race` divided by the
 * mean of the six on the same workload, averaged over redis_cache, larson and python_repl
 * (2026-12-07). Freelist walks its one list and costs the most; bump fails fast and costs the least.
 * Only the split of lanes between workers uses it; any other allocator counts as 1.
 */
export const LANE_COSTS: Readonly<Record<string, number>> = { bump: 0.84, freelist: 1.33, segfit: 1.01, buddy: 0.92, slab: 0.89, tlsf: 1.0 };

/**
 * Lane indices per worker, so that the workers finish together: a race ends with its slowest
 * worker. Dealt round-robin, six lanes on two workers put freelist, buddy and tlsf together, and on
 * a 600k-op redis-like trace that worker finished ~160 ms after the other. So the lanes go out
 * longest first, each to the worker with the least cost so far (ties to the lower worker); each
 * worker's lanes, and the workers by their first lane, are listed in race order. With equal costs
 * this is round-robin; with enough workers, one lane each. The same lanes always give the same
 * split, so a re-run finds every lane in the worker that raced it last, warm.
 */
export function assignLanes(lanes: ReadonlyArray<{ allocator: string }>, workers: number): number[][] {
  const groups: number[][] = Array.from({ length: Math.max(1, Math.min(workers, lanes.length)) }, () => []);
  const totals = groups.map(() => 0);
  const cost = (lane: number) => LANE_COSTS[lanes[lane].allocator] ?? 1;
  const longestFirst = lanes.map((_, lane) => lane).sort((a, b) => cost(b) - cost(a) || a - b);
  for (const lane of longestFirst) {
    let least = 0;
    for (let g = 1; g < groups.length; g++) if (totals[g] < totals[least]) least = g;
    groups[least].push(lane);
    totals[least] += cost(lane);
  }
  for (const group of groups) group.sort((a, b) => a - b);
  return groups.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
}

/** The lanes' results in race order, as one RaceResult: what race() over the whole op log returns. */
export function mergeLaneResults(trace: string, arenaBytes: number, ops: number, lanes: ReadonlyArray<LaneResult | undefined>): RaceResult {
  const missing = lanes.findIndex((lane) => lane === undefined);
  if (missing !== -1) throw new Error(`lane ${missing} has not finished`);
  return { trace, arenaBytes, ops, lanes: lanes as LaneResult[] };
}

export interface LaneProgress { label: string; done: number; total: number; finished: boolean }

export interface AssemblyMeta { name: string; arenaBytes: number; ops: number; previewTick: number; source: string; kind: "workload" | "trace" }

/** Collects one race's replies from every lane worker. */
export class RaceAssembly {
  private readonly previews: Array<LaneResult | undefined>;
  private readonly rows: TickFigures[][];
  private readonly frames: Array<{ tick: number; cells: Uint8Array }[]>;
  private readonly results: Array<LaneResult | undefined>;

  constructor(private readonly lanes: ReadonlyArray<LaneAssignment["spec"]>, private readonly meta: AssemblyMeta) {
    this.previews = lanes.map(() => undefined);
    this.rows = lanes.map(() => []);
    this.frames = lanes.map(() => []);
    this.results = lanes.map(() => undefined);
  }

  accept(reply: LaneReply): void {
    if (reply.type === "error" || reply.type === "stream") return;
    if (!(reply.index >= 0 && reply.index < this.lanes.length)) throw new RangeError(`a lane worker answered for lane ${reply.index} of ${this.lanes.length}`);
    if (reply.type === "preview") this.previews[reply.index] = reply.lane;
    else if (reply.type === "lane") this.results[reply.index] = reply.lane;
    else {
      this.rows[reply.index][reply.tick] = reply.figures;
      if (reply.cells) this.frames[reply.index].push({ tick: reply.tick, cells: reply.cells });
    }
  }

  /** True once every lane's preview frame (the reader's tick, replayed quickly) is in. */
  previewReady(): boolean {
    return this.previews.every((lane) => lane !== undefined);
  }

  /** True once every lane has a heat map from its full race (or has finished). */
  framesReady(): boolean {
    return this.lanes.every((_, i) => this.results[i] !== undefined || this.frames[i].length > 0);
  }

  done(): boolean {
    return this.results.every((lane) => lane !== undefined);
  }

  progress(): LaneProgress[] {
    return this.lanes.map((spec, i) => {
      const rows = this.rows[i];
      const finished = this.results[i] !== undefined;
      return { label: spec.label ?? spec.allocator, done: finished ? this.meta.ops : rows.length ? rows[rows.length - 1].op : 0, total: this.meta.ops, finished };
    });
  }

  /** What the page can paint before the race ends: the preview, else every lane's latest frame so far. */
  partialView(): RaceView | null {
    if (this.previewReady()) {
      const view = this.viewOf(this.previews as LaneResult[]);
      for (const lane of view.lanes) lane.frameTicks = lane.frameTicks.map(() => this.meta.previewTick);
      return view;
    }
    if (!this.framesReady()) return null;
    const finished = this.viewOf(this.results.filter((lane): lane is LaneResult => lane !== undefined));
    let next = 0;
    return {
      ...finished,
      lanes: this.lanes.map((spec, i) => this.results[i] !== undefined ? finished.lanes[next++] : this.runningLane(spec, i)),
    };
  }

  /** The whole race, lanes in order: equal to the sequential race(). */
  result(): RaceResult {
    return mergeLaneResults(this.meta.name, this.meta.arenaBytes, this.meta.ops, this.results);
  }

  private viewOf(lanes: LaneResult[]): RaceView {
    const result = { trace: this.meta.name, arenaBytes: this.meta.arenaBytes, ops: this.meta.ops, lanes };
    return fromRaceResult(result, { source: this.meta.source, kind: this.meta.kind });
  }

  /** A lane still racing: its ticks so far, the frames it sent, and no summary figures yet. */
  private runningLane(spec: LaneAssignment["spec"], i: number): LaneView {
    const rows = this.rows[i].filter(Boolean);
    const last = rows[rows.length - 1];
    const empty = () => new Float64Array(HISTOGRAM_BUCKETS);
    return {
      allocator: spec.allocator, label: spec.label ?? spec.allocator,
      failures: last?.failures ?? 0, errors: last?.errors ?? 0, corrupt: null, opsRun: last?.op ?? 0,
      utilization: 0, internalFragmentation: 0, peakFragmentation: 0, finalFragmentation: last?.fragmentation ?? 0,
      peakLiveBytes: 0, highWater: last?.highWater ?? 0,
      peakMappedBytes: 0, mmaps: 0, munmaps: 0, footprint: 0,
      probes: { p50: 0, p90: 0, p99: 0 }, ns: null,
      ticks: rows.map((row) => tickRowOf(row as unknown as Record<string, unknown>)),
      frames: this.frames[i].map((frame) => frame.cells),
      frameTicks: this.frames[i].map((frame) => frame.tick),
      mappedFrames: this.frames[i].map((frame) => this.rows[i][frame.tick]?.mapped ?? new Int32Array(0)),
      histograms: { all: empty(), malloc: empty(), free: empty(), realloc: empty(), ns: null },
    };
  }
}
