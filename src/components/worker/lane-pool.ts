// The lane workers of the page's races. A race is split over them (lane-merge.ts), each worker
// races its lanes and reports as it goes; the pool hands every reply of the current race to the
// caller and settles when all lanes are in. Like SupersedingWorker, the newest race wins and the
// old one is rejected as superseded; a worker that crashes fails its race with a message, the next
// race starting a fresh worker in its place. A worker races in one task and can be stopped only by
// terminating it, and a fresh one must load its code and warm its JIT first, so a short live
// re-run that is replaced by another, or fails, finishes in its workers, which then take the next
// one warm (only the latest waits); a worker that reports an error is done and stays; any other
// race's busy workers are terminated. Idle workers are kept, each for the same lanes, so a re-run
// starts warm and its call sites stay monomorphic. After a preview a worker holds the rest of its
// race until `resume` (the page has painted the preview) or a short while (lane-handler.ts); a
// race replaced in the meantime is resumed at once.
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

/**
 * A replaced race of a workload of at most this many ops, followed by another workload, finishes in
 * its workers instead of having them terminated: a dragged slider's last race took ~420 ms on fresh
 * workers (bench/README, "Issue 11, sixth pass"), and what is left of a race this short takes less.
 */
export const FINISH_REPLACED_OPS = 60_000;
/** A worker still on a replaced race after this long is terminated after all (it may be stuck). */
export const FINISH_REPLACED_GRACE_MS = 2_000;

interface Posting { request: LaneRequest; transfer: Transferable[] }

interface Slot {
  worker: WorkerLike;
  /** The race whose lanes it holds, or null when idle. */
  busyWith: number | null;
  /** Lanes of that race it has not reported yet. */
  lanesLeft: number;
  /** A replaced race it is still finishing (its replies go nowhere) and the watchdog on it. */
  finishing: { id: number; lanesLeft: number; watchdog: ReturnType<typeof setTimeout> } | null;
  /** The lanes of the race it holds, posted once it has finished the replaced one. */
  queued: Posting | null;
}

interface Current {
  id: number;
  remaining: number;
  /** A workload short enough to finish if a newer workload race replaces it. */
  finishable: boolean;
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
    const { stream } = job;
    // A workload's lanes can wait for a short replaced race to finish; a trace's come after its parse.
    this.end(superseded("superseded by a newer run"), stream.kind === "workload");
    const id = this.nextId++;
    if (stream.kind === "logs" && stream.logs.length === 0) return Promise.reject(new Error("a race needs its op log"));
    const groups = assignLanes(job.lanes, this.workersFor(job.lanes.length));
    return new Promise<void>((resolve, reject) => {
      const finishable = stream.kind === "workload" && stream.ops <= FINISH_REPLACED_OPS;
      this.current = { id, remaining: job.lanes.length, finishable, onReply, resolve, reject };
      groups.forEach((lanes, g) => {
        const slot = this.slotFor(g);
        slot.busyWith = id;
        slot.lanesLeft = lanes.length;
        const own = stream.kind === "logs" ? { kind: "log" as const, log: stream.logs[Math.min(g, stream.logs.length - 1)] } : stream;
        const laneJob: LaneJob = {
          stream: own, arenaBytes: job.arenaBytes, ticks: job.ticks, previewTick: job.previewTick,
          lanes: lanes.map((index) => ({ index, spec: job.lanes[index] })),
        };
        // A copy is transferred by the last worker that reads it (shared memory has nothing to
        // transfer; a workload's recipe is a few numbers).
        const lastReader = stream.kind === "logs" && (g < stream.logs.length - 1 || g === groups.length - 1);
        const posting = { request: { type: "lanes", id, job: laneJob } satisfies LaneRequest, transfer: own.kind === "log" && lastReader ? opLogTransferables(own.log) : [] };
        if (slot.finishing) slot.queued = posting;
        else slot.worker.postMessage(posting.request, posting.transfer);
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

  /**
   * Stops the race in progress, if any (rejected as superseded), terminating its busy workers;
   * idle workers stay warm. (For a trace, whose lanes come only after its parse.)
   */
  supersede(): void {
    this.end(superseded("superseded by a newer run"), false);
  }

  /**
   * Race `id`'s preview is on screen: its workers race the rest of it now, instead of at the end of
   * their hold (lane-handler.ts). A race no longer current is ignored: when it was replaced, its
   * workers were resumed then (end).
   */
  resume(id: number): void {
    for (const slot of this.slots) if (slot?.busyWith === id) slot.worker.postMessage({ type: "resume", id } satisfies LaneRequest);
  }

  /** Stops everything: the page moved on. */
  terminate(): void {
    this.end(superseded("the page moved on"), false);
    for (let g = 0; g < this.slots.length; g++) this.drop(g);
  }

  private slotFor(g: number): Slot {
    let slot = this.slots[g];
    if (!slot) {
      slot = { worker: this.spawn(), busyWith: null, lanesLeft: 0, finishing: null, queued: null };
      this.slots[g] = slot;
      this.connect(slot, g);
    }
    return slot;
  }

  private connect(slot: Slot, g: number): void {
    slot.worker.onmessage = (event: MessageEvent<LaneReply>) => {
      const reply = event.data;
      if (this.slots[g] !== slot) return;
      const finishing = slot.finishing;
      if (finishing && reply.id === finishing.id) {
        if (reply.type === "error" || (reply.type === "lane" && --finishing.lanesLeft === 0)) this.finished(slot);
        return;
      }
      const current = this.current;
      if (!current || reply.id !== current.id) return;
      if (reply.type === "error") {
        // The worker caught it (a knob the workload rejects, say) and is done with this race: it
        // stays, warm, for the next one.
        slot.lanesLeft = 0;
        this.fail(new Error(reply.message));
        return;
      }
      if (reply.type === "lane") slot.lanesLeft--;
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

  /** Ends the current race with an error; its workers still racing it finish in place if it is short. */
  private fail(error: Error): void {
    this.end(error, true);
  }

  /**
   * Ends the race in progress, rejected with `error`. A worker done with its lanes of it is idle.
   * One still racing them finishes in place when `mayFinish` and the race is a short workload: its
   * replies go nowhere, and it then takes the next race's lanes (a newer live re-run replacing this
   * one, say). Otherwise it can only be stopped.
   */
  private end(error: Error, mayFinish: boolean): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    const finishInPlace = mayFinish && current.finishable;
    this.slots.forEach((slot, g) => {
      if (!slot || slot.busyWith !== current.id) return;
      slot.busyWith = null;
      // Lanes still queued were never posted: the worker goes on finishing the race before.
      if (slot.queued) slot.queued = null;
      else if (slot.lanesLeft > 0 && finishInPlace) {
        slot.finishing = { id: current.id, lanesLeft: slot.lanesLeft, watchdog: setTimeout(() => this.unstick(g, slot), FINISH_REPLACED_GRACE_MS) };
        // Nobody will paint its preview now: a worker holding the rest after it goes on at once.
        slot.worker.postMessage({ type: "resume", id: current.id } satisfies LaneRequest);
      } else if (slot.lanesLeft > 0) this.drop(g);
    });
    current.reject(error);
  }

  /** The replaced race is done in this worker: it takes the lanes waiting for it, if any. */
  private finished(slot: Slot): void {
    clearTimeout(slot.finishing!.watchdog);
    slot.finishing = null;
    const queued = slot.queued;
    slot.queued = null;
    if (queued) slot.worker.postMessage(queued.request, queued.transfer);
  }

  /** A worker that did not finish a replaced race in time is stopped; a fresh one takes its lanes. */
  private unstick(g: number, slot: Slot): void {
    if (this.slots[g] !== slot || !slot.finishing) return;
    const { queued, busyWith, lanesLeft } = slot;
    this.drop(g);
    if (!queued || busyWith === null || busyWith !== this.current?.id) return;
    const fresh = this.slotFor(g);
    fresh.busyWith = busyWith;
    fresh.lanesLeft = lanesLeft;
    fresh.worker.postMessage(queued.request, queued.transfer);
  }

  private drop(g: number): void {
    const slot = this.slots[g];
    if (slot?.finishing) clearTimeout(slot.finishing.watchdog);
    slot?.worker.terminate();
    this.slots[g] = null;
  }
}
