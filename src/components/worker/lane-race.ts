// What one lane worker does, kept free of the worker API so Node tests can run it: race the lanes
// it was given (in lockstep, as race() does), report each tick as it is taken and each lane's
// result when it is done. A lane raced alone gives exactly the figures it has among others — every
// lane owns its allocator, arena and shadow heap — which is what lets the client merge the
// workers' lanes back into the sequential race.
import { race, resolveArenaBytes, tracePrefix, type LaneResult, type LaneSpec, type Trace } from "../../lib/index.js";
import { traceOfOpLog } from "./op-log.js";
import { generateStream } from "./workload-stream.js";
import type { LaneJob, LaneReply, LaneStream } from "./lane-protocol.js";

/** Longer prefixes skip the preview frame: replaying them twice would delay the whole race. */
export const PREVIEW_MAX_OPS = 60_000;
/**
 * A lane's heat map travels with a tick at most this often, and so do its figures after a preview:
 * the reader's frame is then on screen already and the lane's result brings every tick, so they
 * only move its progress bar (every tick of a 6 × 20k live re-run was ~400 messages for the page).
 * Without a preview every tick's figures travel, for the partial views.
 */
export const FRAME_INTERVAL_MS = 100;

/** The op count after which tick `tick` of `ticks` is taken (race.ts spaces ticks this way). */
export function opAtTick(length: number, ticks: number, tick: number): number {
  const n = Math.min(ticks, Math.max(length, 1));
  return Math.round(((Math.min(tick, n - 1) + 1) * length) / n);
}

type Post = (reply: LaneReply, transfer?: Transferable[]) => void;

function cellsOf(lane: LaneResult): Transferable[] {
  return lane.ticks.filter((tick) => tick.cells.length > 0).map((tick) => tick.cells.buffer as ArrayBuffer);
}

function traceOf(stream: LaneStream): Trace {
  return stream.kind === "log" ? traceOfOpLog(stream.log) : generateStream(stream);
}

export interface RaceLanesOptions {
  /** The clock that spaces the heat maps sent with ticks (and, after a preview, the ticks). */
  now?: () => number;
  /**
   * Given the rest of the race once the preview is posted, runs it, now or later (lane-handler.ts
   * holds it until the page has painted the preview). Without it the rest follows at once.
   */
  hold?: (rest: () => void) => void;
}

export function raceLanes(id: number, job: LaneJob, post: Post, { now = () => performance.now(), hold = (rest) => rest() }: RaceLanesOptions = {}): void {
  const trace = traceOf(job.stream);
  const arenaBytes = resolveArenaBytes(trace, job.arenaBytes);
  post({ type: "stream", id, name: trace.name, ops: trace.length, droppedFrees: trace.droppedFrees, arenaBytes });
  const specs = job.lanes.map((lane) => lane.spec);

  // First the frame the reader is looking at, when that prefix is short enough to replay twice.
  const prefix = tracePrefix(trace, opAtTick(trace.length, job.ticks, job.previewTick));
  const previewed = prefix.length <= PREVIEW_MAX_OPS;
  if (previewed) {
    const preview = race(prefix, { lanes: specs, arenaBytes, ticks: 1, checkAtTicks: false });
    preview.lanes.forEach((lane, l) => post({ type: "preview", id, index: job.lanes[l].index, lane }, cellsOf(lane)));
  }

  // Then the whole race; after a preview, when `hold` lets it go.
  const rest = (): void => raceAll(id, job, specs, post, now, trace, arenaBytes, previewed);
  if (previewed) hold(rest); else rest();
}

// The whole race: its ticks' figures (every one, or after a preview one per FRAME_INTERVAL_MS) and,
// without a preview, a heat map now and then so the page can show how far each lane is.
function raceAll(id: number, job: LaneJob, specs: LaneSpec[], post: Post, now: () => number, trace: Trace, arenaBytes: number, previewed: boolean): void {
  const taken = job.lanes.map(() => 0);
  const lastSent = job.lanes.map(() => -Infinity);
  const result = race(trace, {
    lanes: specs, arenaBytes, ticks: job.ticks,
    onTick: (_allocator, tick, l) => {
      const index = taken[l]++;
      const t = now();
      const due = index === 0 || t - lastSent[l] >= FRAME_INTERVAL_MS;
      if (previewed && !due) return;
      const { cells, ...figures } = tick;
      const withFrame = !previewed && due && cells.length > 0;
      if (previewed || withFrame) lastSent[l] = t;
      // Posting copies the cells; the tick keeps its own for the result.
      post({ type: "tick", id, index: job.lanes[l].index, tick: index, figures, cells: withFrame ? cells : null });
    },
  });
  result.lanes.forEach((lane, l) => post({ type: "lane", id, index: job.lanes[l].index, lane }, cellsOf(lane)));
}
