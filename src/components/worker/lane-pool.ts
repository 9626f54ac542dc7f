// The lane workers of the page's races. A race is split over them (lane-merge.ts), each worker
// races its lanes and reports as it goes; the pool hands every reply of the current race to the
// caller and settles when all lanes are in. Like SupersedingWorker: a newer race terminates the
// workers still busy with the old one (which is rejected as superseded), and a worker that crashes
// fails its race with a message, the next race starting a fresh worker in its place. Idle workers
// are kept, each for the same lanes, so a re-run starts warm and its call sites stay monomorphic.
import { assignLanes, laneWorkerCount } from "./lane-merge.js";
import { opLogTransferables, type OpLog } from "./op-log.js";
import type { LaneAssignment, LaneJob, LaneReply, LaneRequest } from "./lane-protocol.js";
import type { WorkloadSource } from "./race-protocol.js";
import { isSuperseded, type WorkerLike } from "./superseding.js";

export { isSuperseded };

export interface PoolJob {
  /**
   * A workload's recipe, which each worker generates for itself; or a trace's op log, one copy per
   * lane worker (workersFor), each transferred to its worker, or one shared log, which every worker
   * reads. With fewer plain copies than workers, the last copy is posted as a copy to the workers
   * beyond it and transferred to the last.
   */
  stream: WorkloadSource | { kind: "logs"; logs: OpLog[] };
  lanes: ReadonlyArray<LaneAssignment["spec"]>;
  arenaBytes: number | "auto";
  ticks: number;
  previewTick: number;
}

interface Slot { worker: WorkerLike; busyWith: number | null }

interface Current {
  id: number;
  remaining: number;
  onReply: (reply: LaneReply) => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

function superseded(message: string): Error {
  return Object.assign(new Error(message), { superseded: true });
}

export class LanePool {
  private readonly slots: Array<Slot | null> = [];
  private current: Current | null = null;
  private nextId = 1;

  constructor(private readonly spawn: () => WorkerLike, private readonly cores: () => number | undefined = () => globalThis.navigator?.hardwareConcurrency) {}

  /** Races `job` over the lane workers; `onReply` sees every reply of this race, in arrival order. */
  run(job: PoolJob, onReply: (reply: LaneReply) => void): Promise<void> {
    this.abandon(superseded("superseded by a newer run"));
    const id = this.nextId++;
    const { stream } = job;
    if (stream.kind === "logs" && stream.logs.length === 0) return Promise.reject(new Error("a race needs its op log"));
    const groups = assignLanes(job.lanes, this.workersFor(job.lanes.length));
    return new Promise<void>((resolve, reject) => {
      this.current = { id, remaining: job.lanes.length, onReply, resolve, reject };
      groups.forEach((lanes, g) => {
        const slot = this.slotFor(g);
        slot.busyWith = id;
        const own = stream.kind === "logs" ? { kind: "log" as const, log: stream.logs[Math.min(g, stream.logs.length - 1)] } : stream;
        const laneJob: LaneJob = {
          stream: own, arenaBytes: job.arenaBytes, ticks: job.ticks, previewTick: job.previewTick,
          lanes: lanes.map((index) => ({ index, spec: job.lanes[index] })),
        };
        // A copy is transferred by the last worker that reads it (shared memory has nothing to
        // transfer; a workload's recipe is a few numbers).
        const lastReader = stream.kind === "logs" && (g < stream.logs.length - 1 || g === groups.length - 1);
        slot.worker.postMessage({ type: "lanes", id, job: laneJob } satisfies LaneRequest, own.kind === "log" && lastReader ? opLogTransferables(own.log) : []);
      });
    });
  }

  /** How many lane workers a race of `lanes` lanes is split over: one op log copy for each. */
  workersFor(lanes: number): number {
    return laneWorkerCount(lanes, this.cores());
  }

  /**
   * Starts the workers a race of `lanes` lanes will use, so that loading their code overlaps the
   * parse of the stream instead of following it.
   */
  start(lanes: number): void {
    for (let g = 0; g < this.workersFor(lanes); g++) this.slotFor(g);
  }

  /**
   * Starts the workers a race of `lanes` will use and has each race its share of them over a small
   * generated stream (warm-up.ts), so their code is compiled and optimized before the first race,
   * which queues behind the warm-up. Only workers it starts warm up (as SupersedingWorker.warm): a
   * worker already running, or started later after a supersede or a crash, stays as it is.
   */
  warm(lanes: ReadonlyArray<LaneAssignment["spec"]>, ticks: number): void {
    assignLanes(lanes, this.workersFor(lanes.length)).forEach((group, g) => {
      if (this.slots[g]) return;
      this.slotFor(g).worker.postMessage({ type: "warm", lanes: group.map((index) => lanes[index]), ticks } satisfies LaneRequest);
    });
  }

  /** Stops the race in progress, if any (rejected as superseded); idle workers stay warm. */
  supersede(): void {
    this.abandon(superseded("superseded by a newer run"));
  }

  /** Stops everything: the page moved on. */
  terminate(): void {
    this.abandon(superseded("the page moved on"));
    for (let g = 0; g < this.slots.length; g++) this.drop(g);
  }

  private slotFor(g: number): Slot {
    let slot = this.slots[g];
    if (!slot) {
      slot = { worker: this.spawn(), busyWith: null };
      this.slots[g] = slot;
      this.connect(slot, g);
    }
    return slot;
  }

  private connect(slot: Slot, g: number): void {
    slot.worker.onmessage = (event: MessageEvent<LaneReply>) => {
      const reply = event.data;
      const current = this.current;
      if (this.slots[g] !== slot || !current || reply.id !== current.id) return;
      if (reply.type === "error") { this.fail(new Error(reply.message)); return; }
      current.onReply(reply);
      if (reply.type === "lane" && --current.remaining === 0) {
        this.current = null;
        for (const s of this.slots) if (s?.busyWith === current.id) s.busyWith = null;
        current.resolve();
      }
    };
    slot.worker.onerror = (event) => {
      event.preventDefault();
      if (this.slots[g] !== slot) return;
      const wasBusy = slot.busyWith !== null && slot.busyWith === this.current?.id;
      this.drop(g);
      if (wasBusy) this.fail(new Error(`a lane worker crashed (${event.message || "unknown error"}); change a setting to run it again`));
    };
  }

  /** Ends the current race with an error: its other busy workers are stopped. */
  private fail(error: Error): void {
    this.abandon(error);
  }

  private abandon(error: Error): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    this.slots.forEach((slot, g) => { if (slot?.busyWith === current.id) this.drop(g); });
    current.reject(error);
  }

  private drop(g: number): void {
    this.slots[g]?.worker.terminate();
    this.slots[g] = null;
  }
}
