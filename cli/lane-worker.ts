// Lanes of a parallel race (parallel-race.ts) in a worker thread. The worker starts before its
// jobs are known (the CLI starts the workers while it is still parsing), then gets one lane at a
// time: the op log in shared memory (no copy), or the files of a spilled op log (op-spill.ts) it
// reads a stretch at a time. Each lane is raced exactly as race() races it among others, and its
// LaneResult goes back; then the next lane comes, or the worker is told to stop. With a worker
// per lane (as many cores as lanes) the engine's call sites stay monomorphic.
import { parentPort } from "node:worker_threads";
import { race, raceOpSource, type LaneResult, type LaneSpec, type RaceOptions, type Trace } from "../lib/index.js";
import { SpilledOpSource, type SpilledOps } from "./op-spill.js";

export type LaneOps =
  | { kind: "memory"; name: string; length: number; droppedFrees: number; op: Uint8Array; id: Int32Array; size: Int32Array }
  | ({ kind: "spilled" } & SpilledOps);

export interface LaneJob {
  ops: LaneOps;
  lane: LaneSpec; arenaBytes: number; ticks: number; clockOverhead: number;
}
export type LaneMessage = { type: "progress"; done: number } | { type: "done"; lane: LaneResult };

const post = (message: LaneMessage) => parentPort!.postMessage(message);
const nanoseconds = () => Number(process.hrtime.bigint());

parentPort!.on("message", (job: LaneJob) => {
  const options: RaceOptions & { arenaBytes: number } = {
    lanes: [job.lane], arenaBytes: job.arenaBytes, ticks: job.ticks, clock: nanoseconds, clockOverhead: job.clockOverhead,
    onProgress: (done) => post({ type: "progress", done }),
  };
  const { ops } = job;
  let result;
  if (ops.kind === "memory") {
    const trace: Trace = { name: ops.name, length: ops.length, droppedFrees: ops.droppedFrees, op: ops.op, id: ops.id, size: ops.size };
    result = race(trace, options);
  } else {
    const source = new SpilledOpSource(ops);
    try {
      result = raceOpSource(source, options);
    } finally {
      source.close();
    }
  }
  post({ type: "done", lane: result.lanes[0] });
});
