// The page side of the placement and size-class labs' worker (lab-races-worker.ts). One LabRaces
// runs one job at a time: a new run supersedes the one still going (its worker is terminated and a
// fresh one started), so a knob moved twice never waits for the race it no longer wants. A page
// with two independent jobs (a live race and a background sweep) keeps two of them.
import type { AllocatorName, AllocatorOptions, ClaimCheck, PlacementPoint, ClassSpacing, SizeClassPoint } from "../lib/index.js";
import type { StreamSource } from "./race-protocol.js";
import type { RaceView } from "./race-view.js";

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
  private worker: Worker | null = null;
  private nextId = 1;
  private current: { id: number; resolve: (reply: LabRaceResult) => void; reject: (error: Error) => void; callbacks: LabRaceCallbacks } | null = null;

  run(job: LabRaceJob, callbacks: LabRaceCallbacks = {}): Promise<LabRaceResult> {
    if (this.current) {
      this.worker?.terminate();
      this.worker = null;
      this.current.reject(superseded("superseded by a newer run"));
      this.current = null;
    }
    const worker = (this.worker ??= this.connect(spawn()));
    const id = this.nextId++;
    return new Promise<LabRaceResult>((resolve, reject) => {
      this.current = { id, resolve, reject, callbacks };
      worker.postMessage({ ...job, id } as LabRaceRequest);
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.current?.reject(superseded("the page moved on"));
    this.current = null;
  }

  private connect(worker: Worker): Worker {
    worker.onmessage = (event: MessageEvent<LabRaceReply>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.current?.reject(new Error(`the lab worker failed: ${event.message || "unknown error"}`));
      this.current = null;
      this.worker = null;
    };
    return worker;
  }

  private receive(reply: LabRaceReply): void {
    const current = this.current;
    if (!current || current.id !== reply.id) return;
    switch (reply.type) {
      case "progress": current.callbacks.onProgress?.(reply.phase, reply.done, reply.total); return;
      case "sweep-row": {
        const { type: _type, id: _id, ...row } = reply;
        current.callbacks.onRow?.(row);
        return;
      }
      case "error":
        this.current = null;
        current.reject(new Error(reply.message));
        return;
      default:
        this.current = null;
        current.resolve(reply);
    }
  }
}

function superseded(message: string): Error {
  return Object.assign(new Error(message), { superseded: true });
}

/** True for the rejection of a run that a newer one replaced: not an error to show. */
export function isSupersededRun(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { superseded?: boolean }).superseded === true;
}
