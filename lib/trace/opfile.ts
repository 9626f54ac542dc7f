// The compact binary op file the native replayer reads (native/replayer.c): a Trace as bytes.
// Pure: it returns bytes, and the Node side writes them. Little-endian:
//   "HFOP", u32 version 1, u32 count, u32 ids (one more than the largest id),
//   count × u8 op, zero padding to a multiple of 4, count × i32 id, count × i32 size.
// Parallel arrays rather than records, so the replayer's loop reads three dense streams.

import { TraceError, type Trace } from "./types.js";

const MAGIC = [0x48, 0x46, 0x4f, 0x50]; // "HFOP"
export const OPFILE_VERSION = 1;
const HEADER_BYTES = 16;

const padded = (n: number) => (n + 3) & ~3;

export function encodeOpFile(trace: Trace): Uint8Array {
  const n = trace.length;
  let ids = 0;
  for (let i = 0; i < n; i++) if (trace.id[i] + 1 > ids) ids = trace.id[i] + 1;
  const idsAt = HEADER_BYTES + padded(n);
  const out = new Uint8Array(idsAt + 8 * n);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, OPFILE_VERSION, true);
  view.setUint32(8, n, true);
  view.setUint32(12, ids, true);
  out.set(trace.op.subarray(0, n), HEADER_BYTES);
  for (let i = 0; i < n; i++) {
    view.setInt32(idsAt + 4 * i, trace.id[i], true);
    view.setInt32(idsAt + 4 * (n + i), trace.size[i], true);
  }
  return out;
}

/** Reads an op file back into a Trace; a malformed one is a TraceError saying what is wrong. */
export function decodeOpFile(bytes: Uint8Array, name = "ops"): Trace {
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) throw new TraceError("not a HeapForge op file (no HFOP header)", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== OPFILE_VERSION) throw new TraceError(`op file version ${version} is not ${OPFILE_VERSION}`, 0);
  const n = view.getUint32(8, true);
  const ids = view.getUint32(12, true);
  const idsAt = HEADER_BYTES + padded(n);
  if (bytes.length !== idsAt + 8 * n) throw new TraceError(`op file is ${bytes.length} bytes, but ${n} ops need ${idsAt + 8 * n}`, 0);
  const op = bytes.slice(HEADER_BYTES, HEADER_BYTES + n);
  const id = new Int32Array(n), size = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    id[i] = view.getInt32(idsAt + 4 * i, true);
    size[i] = view.getInt32(idsAt + 4 * (n + i), true);
    if (op[i] > 2 || id[i] < 0 || id[i] >= ids || size[i] < 0) {
      throw new TraceError(`op file op ${i} is invalid (op ${op[i]}, id ${id[i]}, size ${size[i]})`, 0);
    }
  }
  return { name, length: n, op, id, size, droppedFrees: 0 };
}
