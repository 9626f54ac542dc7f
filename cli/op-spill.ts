// The streamed race's op log on disk: a trace too large to hold is parsed once, its ops written
// to three files (op bytes, ids, sizes) as the parser hands them over, and each lane then reads
// them back a stretch at a time (lib's OpSource) — memory follows the stretch, not the trace.
// Written while parsing: the op count, the id count and the peak live bytes the race needs before
// its first op (tick positions, per-id tables, the "auto" arena).
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpSource, OpStretch } from "../lib/index.js";

/** What a lane needs to read a spilled op log back (it crosses to the worker threads as is). */
export interface SpilledOps {
  dir: string;
  name: string;
  length: number;
  idCount: number;
  droppedFrees: number;
  peakLiveBytes: number;
}

const FILES = ["op", "id", "size"] as const;

/** Ops per stretch a lane reads: 9 bytes each, so about 2.3 MB per stretch. */
export const SPILL_CHUNK_OPS = 1 << 18;

export class OpSpillWriter {
  readonly dir = mkdtempSync(join(tmpdir(), "heapforge-ops-"));
  private readonly fds = FILES.map((file) => openSync(join(this.dir, file), "w"));
  length = 0;
  private idCount = 0;
  // Live requested bytes, by profileTrace's rules (lib/trace/profile.ts), for the "auto" arena:
  // a malloc adds its size (a live id's old block stays counted, leaked), a free of a live id
  // subtracts it, a realloc of a live id changes it; -1 marks an id not live.
  private liveSize = new Int32Array(1 << 16).fill(-1);
  private liveBytes = 0;
  private peakLiveBytes = 0;

  /** Appends a piece of the op log (TraceTextParser.takeOps). */
  write(ops: { length: number; op: Uint8Array; id: Int32Array; size: Int32Array }): void {
    const n = ops.length;
    if (n === 0) return;
    writeAll(this.fds[0], ops.op.subarray(0, n));
    writeAll(this.fds[1], new Uint8Array(ops.id.buffer, ops.id.byteOffset, 4 * n));
    writeAll(this.fds[2], new Uint8Array(ops.size.buffer, ops.size.byteOffset, 4 * n));
    this.length += n;
    for (let i = 0; i < n; i++) this.account(ops.op[i], ops.id[i], ops.size[i]);
  }

  /** Closes the files; the result names them for the lanes. */
  finish(name: string, droppedFrees: number): SpilledOps {
    for (const fd of this.fds) closeSync(fd);
    return { dir: this.dir, name, length: this.length, idCount: this.idCount, droppedFrees, peakLiveBytes: this.peakLiveBytes };
  }

  /** Removes the files (the CLI calls it however the race ends). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private account(op: number, id: number, size: number): void {
    if (id >= this.idCount) {
      this.idCount = id + 1;
      if (id >= this.liveSize.length) {
        let capacity = this.liveSize.length * 2;
        while (capacity <= id) capacity *= 2;
        const grown = new Int32Array(capacity).fill(-1);
        grown.set(this.liveSize);
        this.liveSize = grown;
      }
    }
    const live = this.liveSize[id];
    if (op === 0) {
      this.liveBytes += size;
      this.liveSize[id] = size;
    } else if (live >= 0) {
      if (op === 1) { this.liveBytes -= live; this.liveSize[id] = -1; }
      else { this.liveBytes += size - live; this.liveSize[id] = size; }
    }
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** A spilled op log read back a stretch at a time, into buffers reused from stretch to stretch. */
export class SpilledOpSource implements OpSource {
  readonly name: string;
  readonly length: number;
  readonly droppedFrees: number;
  readonly idCount: number;
  readonly chunkOps = SPILL_CHUNK_OPS;
  private readonly fds: number[];
  private readonly op = new Uint8Array(SPILL_CHUNK_OPS);
  private readonly id = new Int32Array(SPILL_CHUNK_OPS);
  private readonly size = new Int32Array(SPILL_CHUNK_OPS);

  constructor(spilled: SpilledOps) {
    this.name = spilled.name;
    this.length = spilled.length;
    this.droppedFrees = spilled.droppedFrees;
    this.idCount = spilled.idCount;
    this.fds = FILES.map((file) => openSync(join(spilled.dir, file), "r"));
  }

  read(from: number, to: number): OpStretch {
    const n = to - from;
    if (n > SPILL_CHUNK_OPS) throw new RangeError(`a stretch of ${n} ops is longer than ${SPILL_CHUNK_OPS}`);
    readAll(this.fds[0], this.op.subarray(0, n), from);
    readAll(this.fds[1], new Uint8Array(this.id.buffer, 0, 4 * n), 4 * from);
    readAll(this.fds[2], new Uint8Array(this.size.buffer, 0, 4 * n), 4 * from);
    return { base: from, op: this.op, id: this.id, size: this.size };
  }

  close(): void {
    for (const fd of this.fds) closeSync(fd);
  }
}

function readAll(fd: number, into: Uint8Array, position: number): void {
  for (let at = 0; at < into.length;) {
    const n = readSync(fd, into, at, into.length - at, position + at);
    if (n === 0) throw new Error(`the spilled op log ended early, at byte ${position + at}`);
    at += n;
  }
}
