// One lane of a parallel race (parallel-race.ts), in a worker thread of its own: the op log arrives
// in shared memory (no copy), the lane is raced exactly as race() races it among others, and its
// LaneResult goes back. A thread per lane also keeps the engine's call sites monomorphic.
import { parentPort, workerData } from "node:worker_threads";
import { race, type LaneSpec, type Trace } from "../lib/index.js";

export interface LaneJob {
  name: string; length: number; droppedFrees: number;
  op: Uint8Array; id: Int32Array; size: Int32Array;
  lane: LaneSpec; arenaBytes: number; ticks: number; clockOverhead: number;
}
export type LaneMessage = { type: "progress"; done: number } | { type: "done"; lane: ReturnType<typeof race>["lanes"][number] };

const { job } = workerData as { job: LaneJob };
const trace: Trace = { name: job.name, length: job.length, droppedFrees: job.droppedFrees, op: job.op, id: job.id, size: job.size };
const post = (message: LaneMessage) => parentPort!.postMessage(message);
const nanoseconds = () => Number(process.hrtime.bigint());
const result = race(trace, {
  lanes: [job.lane], arenaBytes: job.arenaBytes, ticks: job.ticks, clock: nanoseconds, clockOverhead: job.clockOverhead,
  onProgress: (done) => post({ type: "progress", done }),
});
post({ type: "done", lane: result.lanes[0] });
