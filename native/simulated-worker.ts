// One simulated allocator timed in a worker thread of its own: a fresh isolate, so the replay
// loop's call sites see one allocator class only (monomorphic), as in a program that links one
// allocator — the same reason bench/time-allocator.ts uses a process per run. Two untimed replays
// first let the JIT compile the loop and then the function (bench/README.md, "Method").
import { parentPort, workerData } from "node:worker_threads";
import { createAllocator, replayBare, type AllocatorName, type Trace } from "../lib/index.js";

export interface SimulatedTimingRequest { allocator: AllocatorName; arenaBytes: number; rounds: number; op: Uint8Array; id: Int32Array; size: Int32Array }

const { request } = workerData as { request: SimulatedTimingRequest };
const trace: Trace = { name: "timed", length: request.op.length, op: request.op, id: request.id, size: request.size, droppedFrees: 0 };
let ids = 0;
for (let i = 0; i < trace.length; i++) if (trace.id[i] >= ids) ids = trace.id[i] + 1;
const addrById = new Int32Array(ids);
const fresh = () => createAllocator(request.allocator, { arenaBytes: request.arenaBytes });

replayBare(fresh(), trace, addrById);
replayBare(fresh(), trace, addrById);
const nsPerOp: number[] = [];
for (let round = 0; round < request.rounds; round++) {
  const allocator = fresh();
  const start = process.hrtime.bigint();
  replayBare(allocator, trace, addrById);
  nsPerOp.push(Number(process.hrtime.bigint() - start) / Math.max(1, trace.length));
}
parentPort!.postMessage(nsPerOp);
