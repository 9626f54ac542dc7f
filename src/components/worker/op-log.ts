// The op log a race reads (a Trace's three typed arrays), packed once to travel to the lane
// workers. Where the page is cross-origin isolated the arrays live in SharedArrayBuffers and every
// lane worker reads the same bytes; elsewhere (any static host without COOP/COEP headers) they are
// plain arrays, one copy per lane worker, each transferred. Either way the text is parsed only once.
import type { Trace } from "../../lib/index.js";

/** A Trace as plain data: exactly `length` entries per array, nothing past them. */
export interface OpLog {
  name: string;
  length: number;
  droppedFrees: number;
  op: Uint8Array;
  id: Int32Array;
  size: Int32Array;
  /** True when the arrays are views of SharedArrayBuffers. */
  shared: boolean;
}

/** True where SharedArrayBuffer can be made and posted (a cross-origin isolated page or worker). */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

function copyInto<T extends Uint8Array | Int32Array>(source: T, shared: boolean, make: (buffer: ArrayBuffer | SharedArrayBuffer) => T): T {
  const copy = make(shared ? new SharedArrayBuffer(source.byteLength) : new ArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

/**
 * Packs a trace's ops into an op log of their own (a parser's arrays are grown geometrically, so
 * they are cut to length here). `shared` asks for SharedArrayBuffers; it needs canShareMemory().
 */
export function opLogOf(trace: Trace, { shared = false } = {}): OpLog {
  if (shared && !canShareMemory()) throw new Error("shared memory needs a cross-origin isolated page");
  const n = trace.length;
  return {
    name: trace.name, length: n, droppedFrees: trace.droppedFrees, shared,
    op: copyInto(trace.op.subarray(0, n), shared, (b) => new Uint8Array(b)),
    id: copyInto(trace.id.subarray(0, n), shared, (b) => new Int32Array(b)),
    size: copyInto(trace.size.subarray(0, n), shared, (b) => new Int32Array(b)),
  };
}

/** The op log as the Trace race() reads: no copy. */
export function traceOfOpLog(log: OpLog): Trace {
  if (log.op.length !== log.length || log.id.length !== log.length || log.size.length !== log.length) {
    throw new RangeError(`op log ${JSON.stringify(log.name)} is damaged: ${log.length} ops but arrays of ${log.op.length}, ${log.id.length}, ${log.size.length}`);
  }
  return { name: log.name, length: log.length, droppedFrees: log.droppedFrees, op: log.op, id: log.id, size: log.size };
}

/** What to transfer when posting the log (nothing when it is shared: every receiver sees the same memory). */
export function opLogTransferables(log: OpLog): Transferable[] {
  return log.shared ? [] : [log.op.buffer as ArrayBuffer, log.id.buffer as ArrayBuffer, log.size.buffer as ArrayBuffer];
}
