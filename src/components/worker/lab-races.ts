// The page side of the placement and size-class labs' worker (lab-races-worker.ts). One LabRaces
// runs one job at a time: a new run supersedes the one still going (its worker is terminated and a
// fresh one started), so a knob moved twice never waits for the race it no longer wants. A page
// with two independent jobs (a live race and a background sweep) keeps two of them.
import type { AllocatorName, AllocatorOptions, ClaimCheck, PlacementPoint, ClassSpacing, SizeClassPoint } from "../../lib/index.js";
import type { StreamSource } from "./race-protocol.js";
import type { RaceView } from "../core/race-view.js";
import { SupersedingWorker, isSuperseded } from "./superseding.js";

export type LabRaceRequest =
  | { type: "placement"; id: number; stream: StreamSource; arenaBytes: number | "auto"; ticks: number }
  | { type: "placement-sweep"; id: number; sources: Array<{ stream: StreamSource; arenaBytes: number | "auto" }> }
  | {
      type: "size-classes"; id: number; stream: StreamSource; arenaBytes: number | "auto"; ticks: number;
      backend: AllocatorName; backendOptions: AllocatorOptions; spacings: ClassSpacing[]; sizeLimit: number;
    };

export interface SweepRow {
  source: string;
  kind: "workload" | "trace";
  ops: number;
  arenaBytes: number;
  /** The stream's largest single malloc or realloc. */
  largestRequest: number;
  points: PlacementPoint[];
  checks: ClaimCheck[];
}

export type LabRaceReply =
  | { type: "progress"; id: number; phase: string; done: number; total: number }
  | { type: "placement"; id: number; view: RaceView; points: PlacementPoint[]; ms: number }
  | ({ type: "sweep-row"; id: number } & SweepRow)
  | { type: "done"; id: number; ms: number }
  | { type: "size-classes"; id: number; view: RaceView; points: SizeClassPoint[]; sizeCounts: Int32Array; ms: number }
  | { type: "error"; id: number; message: string };

/** A request without its id (the runner numbers them). */
export type LabRaceJob = LabRaceRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export interface LabRaceCallbacks {
  onProgress?: (phase: string, done: number, total: number) => void;
  onRow?: (row: SweepRow) => void;
}

export type LabRaceResult = Extract<LabRaceReply, { type: "placement" | "size-classes" | "done" }>;

function spawn(): Worker {
  return new Worker(import.meta.resolve("./lab-races-worker.js"), { type: "module" });
}

export class LabRaces {
  private readonly runs = new SupersedingWorker<LabRaceReply>(spawn, "the lab worker");

  run(job: LabRaceJob, callbacks: LabRaceCallbacks = {}): Promise<LabRaceResult> {
    return this.runs.run<LabRaceResult>((id) => ({ ...job, id }) as LabRaceRequest, (reply) => {
      switch (reply.type) {
        case "progress": callbacks.onProgress?.(reply.phase, reply.done, reply.total); return undefined;
        case "sweep-row": {
          const { type: _type, id: _id, ...row } = reply;
          callbacks.onRow?.(row);
          return undefined;
        }
        case "error": return { error: new Error(reply.message) };
        default: return { value: reply };
      }
    });
  }

  terminate(): void {
    this.runs.terminate();
  }
}

/** True for the rejection of a run that a newer one replaced: not an error to show. */
export const isSupersededRun = isSuperseded;
