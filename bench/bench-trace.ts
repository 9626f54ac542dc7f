// The benchmark's allocation stream: sizes 16–4096 B, log-normal-ish around ~256 B, about half
// the ops frees, and a live set held near a target (1.5 MiB in a 4 MiB arena) so every allocator
// runs near steady state rather than filling up. Seeded, so every run replays the same ops.
import { randomInt, randomLcg, randomLogNormal, randomUniform } from "d3-random";
import { TraceBuilder, type Trace } from "../lib/trace/types.js";

export interface BenchTraceOptions { ops: number; seed: number; liveTarget: number }

export function benchTrace({ ops, seed, liveTarget }: BenchTraceOptions): Trace {
  const source = randomLcg(seed);
  const size = randomLogNormal.source(source)(Math.log(256), 1.0);
  const coin = randomUniform.source(source)(0, 1);
  const builder = new TraceBuilder();
  const liveIds = new Int32Array(ops);
  const liveSizes = new Int32Array(ops);
  let liveCount = 0, liveBytes = 0, nextId = 0;
  for (let i = 0; i < ops; i++) {
    const mustFree = liveBytes > liveTarget;
    if (liveCount > 0 && (mustFree || coin() < 0.5)) {
      const slot = randomInt.source(source)(0, liveCount)();
      builder.free(liveIds[slot]);
      liveBytes -= liveSizes[slot];
      liveCount--;
      liveIds[slot] = liveIds[liveCount];
      liveSizes[slot] = liveSizes[liveCount];
    } else {
      const bytes = Math.min(4096, Math.max(16, Math.round(size())));
      builder.malloc(nextId, bytes);
      liveIds[liveCount] = nextId++;
      liveSizes[liveCount++] = bytes;
      liveBytes += bytes;
    }
  }
  return builder.build(`bench-${ops}`);
}

/** The binary layout bench/native/replay.c reads. */
export function encodeForNative(trace: Trace): Uint8Array {
  let ids = 0;
  for (let i = 0; i < trace.length; i++) if (trace.id[i] + 1 > ids) ids = trace.id[i] + 1;
  const n = trace.length;
  const out = new Uint8Array(8 + n + 8 * n);
  const view = new DataView(out.buffer);
  view.setInt32(0, n, true);
  view.setInt32(4, ids, true);
  out.set(trace.op, 8);
  for (let i = 0; i < n; i++) {
    view.setInt32(8 + n + 4 * i, trace.id[i], true);
    view.setInt32(8 + 5 * n + 4 * i, trace.size[i], true);
  }
  return out;
}

/** Reads back what encodeForNative wrote. */
export function decodeFromNative(bytes: Uint8Array, name = "bench"): Trace {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getInt32(0, true);
  const id = new Int32Array(n), size = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    id[i] = view.getInt32(8 + n + 4 * i, true);
    size[i] = view.getInt32(8 + 5 * n + 4 * i, true);
  }
  return { name, length: n, op: bytes.slice(8, 8 + n), id, size, droppedFrees: 0 };
}
