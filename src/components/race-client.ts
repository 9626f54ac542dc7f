// The page side of the race worker. A new race supersedes one still running: the busy worker is
// terminated and a fresh one started, so the reader never waits for a race they no longer want.
// Hover look-ups use a worker of their own, so they never queue behind a race.
import type { BlockInfo, RaceSetup, WorkerReply, WorkerRequest } from "./race-protocol.js";
import type { RaceView } from "./race-view.js";

export interface RaceCallbacks {
  onPreview?: (view: RaceView, ms: number) => void;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface RaceOutcome { view: RaceView; ms: number; droppedFrees: number }
export interface BlockOutcome { block: BlockInfo | null; label: string; op: number }

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  callbacks?: RaceCallbacks;
}

function spawn(): Worker {
  return new Worker(import.meta.resolve("./race-worker.js"), { type: "module" });
}

export class RaceClient {
  private raceWorker: Worker | null = null;
  private inspectWorker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private running = 0;

  race(setup: RaceSetup, previewTick: number, callbacks: RaceCallbacks = {}): Promise<RaceOutcome> {
    if (this.running && this.raceWorker) {
      this.raceWorker.terminate();
      this.raceWorker = null;
      this.rejectPending(this.running, "superseded by a newer race");
    }
    this.raceWorker ??= this.connect(spawn());
    const id = this.nextId++;
    this.running = id;
    return this.send<RaceOutcome>(this.raceWorker, { type: "race", id, setup, previewTick }, callbacks);
  }

  inspect(setup: RaceSetup, lane: number, op: number, address: number): Promise<BlockOutcome> {
    this.inspectWorker ??= this.connect(spawn());
    return this.send<BlockOutcome>(this.inspectWorker, { type: "inspect", id: this.nextId++, setup, lane, op, address });
  }

  terminate(): void {
    this.raceWorker?.terminate();
    this.inspectWorker?.terminate();
    this.raceWorker = this.inspectWorker = null;
    for (const id of [...this.pending.keys()]) this.rejectPending(id, "the page moved on");
  }

  private send<T>(worker: Worker, request: WorkerRequest, callbacks?: RaceCallbacks): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request.id, { resolve: resolve as (value: never) => void, reject, callbacks });
      worker.postMessage(request);
    });
  }

  private rejectPending(id: number, why: string): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.reject(Object.assign(new Error(why), { superseded: true }));
  }

  private connect(worker: Worker): Worker {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      for (const id of [...this.pending.keys()]) this.rejectPending(id, `the race worker failed: ${event.message || "unknown error"}`);
      this.raceWorker = this.inspectWorker = null;
    };
    return worker;
  }

  private receive(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    switch (reply.type) {
      case "progress": pending.callbacks?.onProgress?.(reply.phase, reply.done, reply.total); break;
      case "preview": pending.callbacks?.onPreview?.(reply.view, reply.ms); break;
      case "result":
        this.pending.delete(reply.id);
        if (this.running === reply.id) this.running = 0;
        pending.resolve({ view: reply.view, ms: reply.ms, droppedFrees: reply.droppedFrees } as never);
        break;
      case "block":
        this.pending.delete(reply.id);
        pending.resolve({ block: reply.block, label: reply.label, op: reply.op } as never);
        break;
      case "error":
        this.pending.delete(reply.id);
        if (this.running === reply.id) this.running = 0;
        pending.reject(Object.assign(new Error(reply.message), { line: reply.line, text: reply.text }));
        break;
    }
  }
}

/** True for the rejection of a race that a newer one replaced: not an error to show. */
export function isSuperseded(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { superseded?: boolean }).superseded === true;
}
