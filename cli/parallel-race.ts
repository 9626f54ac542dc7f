// The CLI's race with one worker thread per lane: the lanes of a race are independent (each has
// its own allocator, arena and shadow heap), so they can run side by side on every core and be
// merged in lane order into the RaceResult the sequential race() would have returned — the same
// figures exactly, but for the sampled wall-clock times, which are never the same twice.
// The op log is copied once into SharedArrayBuffers that every worker reads.
// The worker runs from the CLI's bundle (scripts/cli-bundle.mjs), plain JavaScript: through tsx
// each thread would spend about a second of CPU transforming lib/ before racing.
import { Worker } from "node:worker_threads";
import { ensureCliBundle } from "../scripts/cli-bundle.mjs";
import { resolveArenaBytes, DEFAULT_TICKS, type LaneSpec, type RaceResult, type Trace } from "../lib/index.js";
import type { LaneJob, LaneMessage } from "./lane-worker.js";


export interface ParallelRaceOptions {
  lanes: LaneSpec[];
  arenaBytes?: number | "auto";
  ticks?: number;
  clockOverhead: number;
  /** The ops done by the slowest lane so far. */
  onProgress?: (opsDone: number, ops: number) => void;
}

function shared<T extends Uint8Array | Int32Array>(source: T, make: (buffer: SharedArrayBuffer) => T): T {
  const copy = make(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

export async function raceInParallel(trace: Trace, options: ParallelRaceOptions): Promise<RaceResult> {
  const n = trace.length;
  const arenaBytes = resolveArenaBytes(trace, options.arenaBytes);
  const ticks = options.ticks ?? DEFAULT_TICKS;
  const op = shared(trace.op.subarray(0, n), (b) => new Uint8Array(b));
  const id = shared(trace.id.subarray(0, n), (b) => new Int32Array(b));
  const size = shared(trace.size.subarray(0, n), (b) => new Int32Array(b));
  // Run from the bundle or from the TypeScript sources (tests), the worker is the bundled one,
  // rebuilt first if a source changed. execArgv [] keeps a parent's loaders (tsx, when this runs
  // from sources) out of the workers, which need none.
  const workerUrl = (await ensureCliBundle()).laneWorker;
  const done = options.lanes.map(() => 0);
  const report = () => options.onProgress?.(Math.min(...done), n);
  const lanes = await Promise.all(options.lanes.map((lane, index) => new Promise<RaceResult["lanes"][number]>((resolve, reject) => {
    if (lane.create) throw new Error("a lane built by a create() function cannot be sent to a worker");
    const job: LaneJob = { name: trace.name, length: n, droppedFrees: trace.droppedFrees, op, id, size, lane, arenaBytes, ticks, clockOverhead: options.clockOverhead };
    const worker = new Worker(workerUrl, { workerData: { job }, execArgv: [] });
    let result: RaceResult["lanes"][number] | null = null;
    worker.on("message", (message: LaneMessage) => {
      if (message.type === "progress") { done[index] = message.done; report(); }
      else result = message.lane;
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (result) resolve(result);
      else reject(new Error(`the ${lane.label ?? lane.allocator} lane's worker exited with status ${code} before finishing`));
    });
  })));
  return { trace: trace.name, arenaBytes, ops: n, lanes };
}
