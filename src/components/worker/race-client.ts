// The page side of the race worker. Races run on a SupersedingWorker: a new race replaces one still
// running, and a crashed worker is an error the page shows, followed by a fresh worker. Hover
// look-ups use a worker of their own that answers them in turn, so they never queue behind a race
// and a hover never cancels another.
import type { BlockInfo, RaceSetup, WorkerReply, WorkerRequest } from "./race-protocol.js";
import type { RaceView } from "../core/race-view.js";
import { SupersedingWorker, isSuperseded, type WorkerLike } from "./superseding.js";

export { isSuperseded, type WorkerLike };

export interface RaceCallbacks {
  onPreview?: (view: RaceView, ms: number) => void;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface RaceOutcome { view: RaceView; ms: number; droppedFrees: number }
export interface BlockOutcome { block: BlockInfo | null; label: string; op: number }

function spawnRaceWorker(): Worker {
  return new Worker(import.meta.resolve("./race-worker.js"), { type: "module" });
}

export class RaceClient {
  private readonly races: SupersedingWorker<WorkerReply>;
  private inspectWorker: WorkerLike | null = null;
  private nextInspectId = 1;
  private readonly lookups = new Map<number, { resolve: (outcome: BlockOutcome) => void; reject: (error: Error) => void }>();

  /** `spawn` starts a worker; the page uses the real race worker, tests pass one that crashes. */
  constructor(private readonly spawn: () => WorkerLike = spawnRaceWorker) {
    this.races = new SupersedingWorker<WorkerReply>(spawn, "the race worker");
  }

  race(setup: RaceSetup, previewTick: number, callbacks: RaceCallbacks = {}): Promise<RaceOutcome> {
    return this.races.run<RaceOutcome>((id): WorkerRequest => ({ type: "race", id, setup, previewTick }), (reply) => {
      switch (reply.type) {
        case "progress": callbacks.onProgress?.(reply.phase, reply.done, reply.total); return undefined;
        case "preview": callbacks.onPreview?.(reply.view, reply.ms); return undefined;
        case "result": return { value: { view: reply.view, ms: reply.ms, droppedFrees: reply.droppedFrees } };
        case "error": return { error: Object.assign(new Error(reply.message), { line: reply.line, text: reply.text }) };
        default: return undefined;
      }
    });
  }

  inspect(setup: RaceSetup, lane: number, op: number, address: number): Promise<BlockOutcome> {
    const worker = (this.inspectWorker ??= this.connectInspector(this.spawn()));
    const id = this.nextInspectId++;
    return new Promise<BlockOutcome>((resolve, reject) => {
      this.lookups.set(id, { resolve, reject });
      worker.postMessage({ type: "inspect", id, setup, lane, op, address } satisfies WorkerRequest);
    });
  }

  terminate(): void {
    this.races.terminate();
    this.inspectWorker?.terminate();
    this.inspectWorker = null;
    this.failLookups(Object.assign(new Error("the page moved on"), { superseded: true }));
  }

  private connectInspector(worker: WorkerLike): WorkerLike {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const lookup = this.lookups.get(reply.id);
      if (!lookup) return;
      this.lookups.delete(reply.id);
      if (reply.type === "block") lookup.resolve({ block: reply.block, label: reply.label, op: reply.op });
      else if (reply.type === "error") lookup.reject(new Error(reply.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      if (this.inspectWorker === worker) this.inspectWorker = null;
      this.failLookups(new Error(`the hover worker crashed (${event.message || "unknown error"})`));
    };
    return worker;
  }

  private failLookups(error: Error): void {
    for (const lookup of this.lookups.values()) lookup.reject(error);
    this.lookups.clear();
  }
}
