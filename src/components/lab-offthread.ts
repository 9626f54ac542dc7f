// The page side of the lab worker. A new run supersedes one still going: the busy worker is
// terminated and a fresh one started, so a reader dragging a knob never waits for stale results.
import type { LabJobs, LabName, LabReply } from "./lab-offthread-protocol.js";

export interface LabOutcome<L extends LabName> { payload: LabJobs[L]["payload"]; ms: number }

function spawn(): Worker {
  return new Worker(import.meta.resolve("./lab-offthread-worker.js"), { type: "module" });
}

export class LabRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending: { id: number; resolve: (value: never) => void; reject: (error: Error) => void } | null = null;

  run<L extends LabName>(lab: L, options: LabJobs[L]["options"]): Promise<LabOutcome<L>> {
    if (this.pending) {
      this.worker?.terminate();
      this.worker = null;
      this.settle(null, Object.assign(new Error("superseded by a newer run"), { superseded: true }));
    }
    const worker = (this.worker ??= this.connect(spawn()));
    const id = this.nextId++;
    return new Promise<LabOutcome<L>>((resolve, reject) => {
      this.pending = { id, resolve: resolve as (value: never) => void, reject };
      worker.postMessage({ id, lab, options });
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.settle(null, Object.assign(new Error("the page moved on"), { superseded: true }));
  }

  private connect(worker: Worker): Worker {
    worker.onmessage = (event: MessageEvent<LabReply>) => {
      const reply = event.data;
      if (!this.pending || reply.id !== this.pending.id) return;
      if (reply.type === "result") this.settle({ payload: reply.payload, ms: reply.ms }, null);
      else this.settle(null, new Error(reply.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.worker = null;
      this.settle(null, new Error(`the lab worker failed: ${event.message || "unknown error"}`));
    };
    return worker;
  }

  private settle(value: unknown, error: Error | null): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    if (error) pending.reject(error);
    else pending.resolve(value as never);
  }
}

/** True for the rejection of a run that a newer one replaced: not an error to show. */
export function isSupersededRun(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { superseded?: boolean }).superseded === true;
}
