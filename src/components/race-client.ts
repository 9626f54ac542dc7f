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
  /** The worker doing it, so a crash fails only that worker's requests. */
  worker: WorkerLike;
}

function spawnRaceWorker(): Worker {
  return new Worker(import.meta.resolve("./race-worker.js"), { type: "module" });
}

/** What the client needs of a worker (a real Worker, or a stand-in in tests). */
export type WorkerLike = Pick<Worker, "postMessage" | "terminate"> & {
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
};

export class RaceClient {
  private raceWorker: WorkerLike | null = null;
  private inspectWorker: WorkerLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private running = 0;

  /** `spawn` starts a worker; the page uses the real race worker, tests pass one that crashes. */
  constructor(private readonly spawn: () => WorkerLike = spawnRaceWorker) {}

  race(setup: RaceSetup, previewTick: number, callbacks: RaceCallbacks = {}): Promise<RaceOutcome> {
    if (this.running && this.raceWorker) {
      this.raceWorker.terminate();
      this.raceWorker = null;
      this.rejectPending(this.running, "superseded by a newer race", true);
    }
    this.raceWorker ??= this.connect(this.spawn());
    const id = this.nextId++;
    this.running = id;
    return this.send<RaceOutcome>(this.raceWorker, { type: "race", id, setup, previewTick }, callbacks);
  }

  inspect(setup: RaceSetup, lane: number, op: number, address: number): Promise<BlockOutcome> {
    this.inspectWorker ??= this.connect(this.spawn());
    return this.send<BlockOutcome>(this.inspectWorker, { type: "inspect", id: this.nextId++, setup, lane, op, address });
  }

  terminate(): void {
    this.raceWorker?.terminate();
    this.inspectWorker?.terminate();
    this.raceWorker = this.inspectWorker = null;
    for (const id of [...this.pending.keys()]) this.rejectPending(id, "the page moved on", true);
  }

  private send<T>(worker: WorkerLike, request: WorkerRequest, callbacks?: RaceCallbacks): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request.id, { resolve: resolve as (value: never) => void, reject, callbacks, worker });
      worker.postMessage(request);
    });
  }

  /** Only a race the reader replaced (or left) is superseded; a crash is an error to show. */
  private rejectPending(id: number, why: string, superseded: boolean): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.reject(Object.assign(new Error(why), { superseded }));
  }

  private connect(worker: WorkerLike): WorkerLike {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      // The crashed worker is dropped with everything it was doing; the next request starts a
      // fresh one, so the page recovers as soon as the reader changes a setting.
      worker.terminate();
      if (this.raceWorker === worker) { this.raceWorker = null; this.running = 0; }
      if (this.inspectWorker === worker) this.inspectWorker = null;
      const why = `the race worker crashed (${event.message || "unknown error"}); change a setting to race again`;
      for (const id of [...this.workOf(worker)]) this.rejectPending(id, why, false);
    };
    return worker;
  }

  /** The ids of the requests a worker was given and has not answered. */
  private workOf(worker: WorkerLike): number[] {
    return [...this.pending].filter(([, pending]) => pending.worker === worker).map(([id]) => id);
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
