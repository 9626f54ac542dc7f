// Messages between the race client and a lane worker (lane-worker.ts). Plain data only.
import type { LaneResult, LaneSpec, Tick } from "../../lib/index.js";
import type { OpLog } from "./op-log.js";

/** One lane of the race, by its place in the race's lane order. */
export interface LaneAssignment { index: number; spec: Pick<LaneSpec, "allocator" | "label" | "options"> }

export interface LaneJob {
  log: OpLog;
  /** The lanes this worker races, in lockstep (usually one). */
  lanes: LaneAssignment[];
  arenaBytes: number;
  ticks: number;
  /** The tick the reader is looking at: its frame comes first when that prefix is short. */
  previewTick: number;
}

export type LaneRequest =
  | { type: "lanes"; id: number; job: LaneJob }
  /** Race these lanes over a small generated stream, answering nothing: they are then warm (warm-up.ts). */
  | { type: "warm"; lanes: Array<LaneAssignment["spec"]>; ticks: number };

/** A tick's figures without its cells (TickRow-shaped, plus mapped bytes). */
export type TickFigures = Omit<Tick, "cells">;

export type LaneReply =
  /** The lane replayed up to the preview tick only: the frame the reader is looking at, quickly. */
  | { type: "preview"; id: number; index: number; lane: LaneResult }
  /** Tick `tick` of the full race; `cells` only every so often (and always for the first tick). */
  | { type: "tick"; id: number; index: number; tick: number; figures: TickFigures; cells: Uint8Array | null }
  /** The lane's whole result, exactly what a sequential race() gives for it. */
  | { type: "lane"; id: number; index: number; lane: LaneResult }
  | { type: "error"; id: number; message: string };
