// One lane of a parallel race (parallel-race.ts), in a worker thread of its own. The worker starts
// before its job is known (the CLI starts the workers while it is still parsing), then gets one
// job: the op log in shared memory (no copy), or the files of a spilled op log (op-spill.ts) it
// reads a stretch at a time. The lane is raced exactly as race() races it among others, and its
// LaneResult goes back. A thread per lane also keeps the engine's call sites monomorphic.
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

parentPort!.once("message", (job: LaneJob) => {
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
  parentPort!.close();
});
