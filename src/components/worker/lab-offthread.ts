// The page side of the lab worker, on a SupersedingWorker: a new run replaces one still going, so a
// reader dragging a knob never waits for stale results; a crash is a message, then a fresh worker.
import type { LabJobs, LabName, LabReply } from "./lab-offthread-protocol.js";
import { SupersedingWorker, isSuperseded } from "./superseding.js";

export interface LabOutcome<L extends LabName> { payload: LabJobs[L]["payload"]; ms: number }

function spawn(): Worker {
  return new Worker(import.meta.resolve("./lab-offthread-worker.js"), { type: "module" });
}

export class LabRunner {
  private readonly runs = new SupersedingWorker<LabReply>(spawn, "the lab worker");

  run<L extends LabName>(lab: L, options: LabJobs[L]["options"]): Promise<LabOutcome<L>> {
    return this.runs.run<LabOutcome<L>>((id) => ({ id, lab, options }), (reply) =>
      reply.type === "result" ? { value: { payload: reply.payload as LabJobs[L]["payload"], ms: reply.ms } } : { error: new Error(reply.message) });
  }

  terminate(): void {
    this.runs.terminate();
  }
}

/** True for the rejection of a run that a newer one replaced: not an error to show. */
export const isSupersededRun = isSuperseded;
