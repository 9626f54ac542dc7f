// Messages between the race client and a lane worker (lane-worker.ts). Plain data only.
import type { LaneResult, LaneSpec, Tick } from "../../lib/index.js";
import type { OpLog } from "./op-log.js";
import type { WorkloadSource } from "./race-protocol.js";

/** One lane of the race, by its place in the race's lane order. */
export interface LaneAssignment { index: number; spec: Pick<LaneSpec, "allocator" | "label" | "options"> }

/**
 * What a lane worker races: a trace's op log, parsed by the race worker, or a workload's recipe,
 * which the lane worker generates itself (20k ops in ~0.5 ms, against ~8 ms for a round trip
 * through the race worker, and the first frame of a live re-run waits for it).
 */
export type LaneStream = { kind: "log"; log: OpLog } | WorkloadSource;

export interface LaneJob {
  stream: LaneStream;
  /** The lanes this worker races, in lockstep (usually one). */
  lanes: LaneAssignment[];
  /** "auto" only for a generated stream (a trace's op log comes with its arena resolved). */
  arenaBytes: number | "auto";
  ticks: number;
  /** The tick the reader is looking at: its frame comes first when that prefix is short. */
  previewTick: number;
}

export type LaneRequest =
  | { type: "lanes"; id: number; job: LaneJob }
  /** Race these lanes over a small generated stream, answering nothing: they are then warm (warm-up.ts). */
  | { type: "warm"; lanes: Array<LaneAssignment["spec"]>; ticks: number }
  /** Race `id`'s preview is on screen (or no longer wanted): race the rest of it now (lane-handler.ts). */
  | { type: "resume"; id: number };

/** A tick's figures without its cells (TickRow-shaped, plus mapped bytes). */
export type TickFigures = Omit<Tick, "cells">;

export type LaneReply =
  /** First of every job: the stream raced, as the worker made it (every worker of a race says the same). */
  | { type: "stream"; id: number; name: string; ops: number; droppedFrees: number; arenaBytes: number }
  /** The lane replayed up to the preview tick only: the frame the reader is looking at, quickly. */
  | { type: "preview"; id: number; index: number; lane: LaneResult }
  /** Tick `tick` of the full race; `cells` only every so often (and always for the first tick). */
  | { type: "tick"; id: number; index: number; tick: number; figures: TickFigures; cells: Uint8Array | null }
  /** The lane's whole result, exactly what a sequential race() gives for it. */
  | { type: "lane"; id: number; index: number; lane: LaneResult }
  | { type: "error"; id: number; message: string };
