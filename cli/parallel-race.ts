// The CLI's race with worker threads: the lanes of a race are independent (each has
// its own allocator, arena and shadow heap), so they can run side by side on every core and be
// merged in lane order into the RaceResult the sequential race() would have returned — the same
// figures exactly, but for the sampled wall-clock times, which are never the same twice.
// The op log is copied once into SharedArrayBuffers that every worker reads, or, spilled to files
// (op-spill.ts), read by each worker a stretch at a time.
// The worker runs from the CLI's bundle (scripts/cli-bundle.mjs), plain JavaScript: through tsx
// each thread would spend about a second of CPU transforming lib/ before racing. Starting a
// thread still costs tens of ms of CPU, and each compiles the race anew, so there are no more
// workers than cores (workerCount): on 2 cores, six lanes go to two workers, three each, one after
// another, which beats six threads time-sharing two cores. The CLI starts them while it parses
// (LaneWorkers.start) and races small traces in one thread (cli/race.ts).
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { autoArenaBytes, resolveArenaBytes, DEFAULT_TICKS, type LaneResult, type LaneSpec, type RaceResult, type Trace } from "../lib/index.js";
import { ensureCliBundle } from "../scripts/cli-bundle.mjs";
import type { LaneJob, LaneMessage, LaneOps } from "./lane-worker.js";
import type { SpilledOps } from "./op-spill.js";

export interface ParallelRaceOptions {
  lanes: LaneSpec[];
  arenaBytes?: number | "auto";
  ticks?: number;
  clockOverhead: number;
  /** The ops done by the slowest lane so far. */
  onProgress?: (opsDone: number, ops: number) => void;
}

/** How many workers race `lanes` lanes: one per lane, but no more than the cores. */
export function workerCount(lanes: number): number {
  return Math.max(1, Math.min(lanes, availableParallelism()));
}

/** Lane worker threads started ahead of their jobs. */
export class LaneWorkers {
  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number): Promise<LaneWorkers> {
    // Run from the bundle or from the TypeScript sources (tests), the worker is the bundled one,
    // rebuilt first if a source changed. execArgv [] keeps a parent's loaders (tsx, when this runs
    // from sources) out of the workers, which need none.
    const url = (await ensureCliBundle()).laneWorker;
    return new LaneWorkers(Array.from({ length: count }, () => new Worker(url, { execArgv: [] })));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Stops workers that will get no job (the trace turned out small enough for one thread). */
  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /**
   * Runs the jobs, each worker taking the next waiting one when it is done (lanes differ in cost);
   * resolves with the lanes in job order, whichever worker raced them.
   */
  run(jobs: LaneJob[], onProgress: (index: number, done: number) => void): Promise<LaneResult[]> {
    const results: LaneResult[] = new Array(jobs.length);
    let next = 0;
    return new Promise<LaneResult[]>((resolve, reject) => {
      let finished = 0;
      const feed = (worker: Worker): void => {
        if (next >= jobs.length) return;
        const index = next++;
        worker.removeAllListeners("message");
        worker.on("message", (message: LaneMessage) => {
          if (message.type === "progress") { onProgress(index, message.done); return; }
          results[index] = message.lane;
          if (++finished === jobs.length) resolve(results);
          else feed(worker);
        });
        worker.postMessage(jobs[index]);
      };
      for (const worker of this.workers) {
        worker.once("error", reject);
        worker.once("exit", (code) => {
          if (finished < jobs.length) reject(new Error(`a lane worker exited with status ${code} before its lanes were done`));
        });
        feed(worker);
      }
    });
  }
}

function shared<T extends Uint8Array | Int32Array>(source: T, make: (buffer: SharedArrayBuffer) => T): T {
  const copy = make(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

/**
 * Races every lane in a worker of its own (started here unless `workers` were started ahead), over
 * a trace in memory or a spilled op log; the RaceResult race() gives, lanes in order.
 */
export async function raceInParallel(input: Trace | SpilledOps, options: ParallelRaceOptions, workers?: LaneWorkers): Promise<RaceResult> {
  for (const lane of options.lanes) {
    if (lane.create) throw new Error("a lane built by a create() function cannot be sent to a worker");
  }
  const ticks = options.ticks ?? DEFAULT_TICKS;
  let ops: LaneOps, arenaBytes: number;
  if ("dir" in input) {
    ops = { kind: "spilled", ...input };
    // "auto" from the peak the spill writer measured; a size (or the default) needs no trace.
    arenaBytes = options.arenaBytes === "auto" ? autoArenaBytes(input.peakLiveBytes) : resolveArenaBytes(NO_OPS, options.arenaBytes);
  } else {
    const n = input.length;
    arenaBytes = resolveArenaBytes(input, options.arenaBytes);
    ops = {
      kind: "memory", name: input.name, length: n, droppedFrees: input.droppedFrees,
      op: shared(input.op.subarray(0, n), (b) => new Uint8Array(b)),
      id: shared(input.id.subarray(0, n), (b) => new Int32Array(b)),
      size: shared(input.size.subarray(0, n), (b) => new Int32Array(b)),
    };
  }
  const pool = workers ?? await LaneWorkers.start(workerCount(options.lanes.length));
  const done = options.lanes.map(() => 0);
  const jobs = options.lanes.map((lane): LaneJob => ({ ops, lane, arenaBytes, ticks, clockOverhead: options.clockOverhead }));
  try {
    const lanes = await pool.run(jobs, (index, opsDone) => {
      // Lanes wait their turn when there are fewer workers than lanes, so the bar shows the
      // ops of all lanes together (as one lane's share), not the slowest lane, which may not
      // have started.
      done[index] = opsDone;
      options.onProgress?.(Math.floor(done.reduce((a, b) => a + b, 0) / done.length), ops.length);
    });
    return { trace: ops.name, arenaBytes, ops: ops.length, lanes };
  } finally {
    await pool.terminate();
  }
}

const NO_OPS: Trace = { name: "", length: 0, droppedFrees: 0, op: new Uint8Array(0), id: new Int32Array(0), size: new Int32Array(0) };
