// The Trace: one allocation stream as three parallel typed arrays, so a million-op trace is three
// buffers rather than a million objects. Ids name blocks the way a program's pointers would.

export const OP_MALLOC = 0;
export const OP_FREE = 1;
export const OP_REALLOC = 2;
export type OpCode = typeof OP_MALLOC | typeof OP_FREE | typeof OP_REALLOC;

export interface Trace {
  readonly name: string;
  readonly length: number;
  readonly op: Uint8Array;     // OP_MALLOC, OP_FREE or OP_REALLOC
  readonly id: Int32Array;     // the block the op is about
  readonly size: Int32Array;   // requested bytes for malloc and realloc; 0 for free
  readonly droppedFrees: number; // frees of addresses never seen allocated (from before tracing began)
}

/** How a trace reader (mtrace.ts, rep.ts) numbers blocks. */
export interface ReaderOptions {
  /**
   * Give a new block the id of a dead one that nothing in the trace can name any more, instead
   * of a fresh id (lines.ts, BlockBook): the same race, with per-id tables the size of the heap
   * rather than of the whole trace. Off by default, so that a trace's ids stay one per block.
   */
  recycleIds?: boolean;
  /**
   * About how many ops the trace holds (from a file's size, say): the op log and the book of
   * names start that large instead of doubling their way there. Only a size; a wrong guess costs
   * memory or a few doublings, never a different trace.
   */
  expectedOps?: number;
}

/** A malformed trace: `line` is 1-based, `text` the offending line as it was. */
export class TraceError extends Error {
  readonly line: number;
  readonly text: string;
  constructor(message: string, line: number, text = "") {
    super(line > 0 ? `line ${line}: ${message}${text ? ` (${JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text)})` : ""}` : message);
    this.name = "TraceError";
    this.line = line;
    this.text = text;
  }
}

/** A guessed size is trusted this far (36 MB of op log); past it the arrays grow as they fill. */
export const MAX_INITIAL_OPS = 1 << 22;

/** Appends ops into growable typed arrays; `build()` trims them into a Trace. */
export class TraceBuilder {
  private op: Uint8Array;
  private id: Int32Array;
  private size: Int32Array;
  length = 0;

  /** `capacity`: ops to make room for before the first doubling. */
  constructor(capacity = 1024) {
    const n = Math.max(1024, Math.min(Math.ceil(capacity), MAX_INITIAL_OPS));
    this.op = new Uint8Array(n);
    this.id = new Int32Array(n);
    this.size = new Int32Array(n);
  }

  malloc(id: number, size: number): void { this.push(OP_MALLOC, id, size); }
  free(id: number): void { this.push(OP_FREE, id, 0); }
  realloc(id: number, size: number): void { this.push(OP_REALLOC, id, size); }

  private push(op: number, id: number, size: number): void {
    if (this.length === this.op.length) this.grow();
    const i = this.length++;
    this.op[i] = op;
    this.id[i] = id;
    this.size[i] = size;
  }

  private grow(): void {
    const capacity = this.op.length * 2;
    const op = new Uint8Array(capacity); op.set(this.op); this.op = op;
    const id = new Int32Array(capacity); id.set(this.id); this.id = id;
    const size = new Int32Array(capacity); size.set(this.size); this.size = size;
  }

  /**
   * Hands over the ops appended since the last drain and starts over empty (ids go on as they
   * were): a streamed parse passes its op log on in pieces instead of holding it. The arrays are
   * views of the builder's own buffers, valid until the next append.
   */
  drain(): { length: number; op: Uint8Array; id: Int32Array; size: Int32Array } {
    const n = this.length;
    this.length = 0;
    return { length: n, op: this.op.subarray(0, n), id: this.id.subarray(0, n), size: this.size.subarray(0, n) };
  }

  build(name: string, droppedFrees = 0): Trace {
    const n = this.length;
    return {
      name, length: n, droppedFrees,
      op: this.op.slice(0, n), id: this.id.slice(0, n), size: this.size.slice(0, n),
    };
  }
}

/** The first `ops` operations of a trace (the whole trace when it is shorter). */
export function tracePrefix(trace: Trace, ops: number): Trace {
  if (ops >= trace.length) return trace;
  return {
    name: trace.name, length: ops, droppedFrees: trace.droppedFrees,
    op: trace.op.subarray(0, ops), id: trace.id.subarray(0, ops), size: trace.size.subarray(0, ops),
  };
}
