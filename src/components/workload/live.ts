// The live section of a workload page: regenerate the stream with the reader's seed and knobs, profile
// it and race it through every allocator, right here in the page. A bad knob value comes back as the
// generator's own RangeError (it quotes the value), which the page shows instead of charts.
import { generateWorkload, profileTrace, race, type WorkloadName } from "../../lib/index.js";
import { outcomesFromRace, rankLanes, shapeFromProfile, ticksOf, type LaneTick, type RankedLane, type StreamShape } from "./data.js";

export interface LiveRun { shape: StreamShape; ranked: RankedLane[]; ticks: LaneTick[]; arenaBytes: number; ms: number }

export interface LiveOptions {
  seed: number;
  ops: number;
  /** Knob values by name, exactly as the inputs hold them; the generator validates them. */
  knobs?: Record<string, unknown>;
  /** Ticks per lane: enough for the lane chart, few enough that check() costs little. */
  ticks?: number;
}

/** Runs the stream, or returns the error that stopped it (never throws). */
export function runLive(name: WorkloadName, { seed, ops, knobs = {}, ticks = 32 }: LiveOptions): LiveRun | Error {
  const started = performance.now();
  try {
    const trace = generateWorkload(name, { ...knobs, seed, ops });
    const shape = shapeFromProfile(name, profileTrace(trace));
    const result = race(trace, { ticks, frames: false });
    const rows = result.lanes.flatMap((lane) => lane.ticks.map((tick, i) => ({ ...tick, source: name, allocator: lane.allocator, label: lane.label, tick: i })));
    return {
      shape, ranked: rankLanes(outcomesFromRace(result)), ticks: ticksOf(rows, name),
      arenaBytes: result.arenaBytes, ms: performance.now() - started,
    };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The message shown in place of the live charts when the inputs cannot make a stream. */
export function problem(error: Error): HTMLElement {
  const p = document.createElement("p");
  p.className = "workload-problem";
  p.setAttribute("role", "alert");
  p.style.cssText = "color:var(--theme-red);font-weight:500;overflow-wrap:anywhere";
  p.textContent = `${error instanceof RangeError ? "These inputs cannot make a stream" : "The run failed"}: ${error.message}`;
  return p;
}
