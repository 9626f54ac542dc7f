// Wall-clock ns per op of the simulated allocators on a stream, measured so that they can sit on
// the same axes as the native rows: each allocator in a worker thread of its own (see
// simulated-worker.ts), one after another so that no two share the CPU. The figure is the fastest
// round: a worker thread has no CPU clock of its own, so it is timed by the wall clock, and on a
// shared machine waiting for the CPU only ever adds time (the native rows use CPU time instead).
import { Worker } from "node:worker_threads";
import type { AllocatorName, Trace } from "../lib/index.js";
import type { SimulatedTimingRequest } from "./simulated-worker.js";

const TS_WORKER = new URL("../scripts/ts-worker.mjs", import.meta.url);
const TIMING_MODULE = new URL("./simulated-worker.ts", import.meta.url).href;

export interface SimulatedTiming { allocator: AllocatorName; nsPerOp: number; roundsNsPerOp: number[] }

function timeOne(request: SimulatedTimingRequest): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(TS_WORKER, { workerData: { module: TIMING_MODULE, request } });
    worker.once("message", (rounds: number[]) => resolve(rounds));
    worker.once("error", reject);
    worker.once("exit", (code) => { if (code !== 0) reject(new Error(`timing worker for ${request.allocator} exited with status ${code}`)); });
  });
}

export async function timeSimulated(trace: Trace, allocators: readonly AllocatorName[], arenaBytes: number, rounds = 5): Promise<SimulatedTiming[]> {
  const out: SimulatedTiming[] = [];
  const n = trace.length;
  for (const allocator of allocators) {
    const roundsNsPerOp = await timeOne({ allocator, arenaBytes, rounds, op: trace.op.slice(0, n), id: trace.id.slice(0, n), size: trace.size.slice(0, n) });
    out.push({ allocator, nsPerOp: Math.min(...roundsNsPerOp), roundsNsPerOp });
  }
  return out;
}
