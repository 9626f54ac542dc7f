// Trace text that arrives in pieces — a file read in chunks by the CLI, `File.stream()` in the
// page's worker — parsed as it arrives, so memory follows the op log and the blocks, never the
// text: a 2 GB mtrace file is read through a window of one chunk plus one partial line.
//
// Each chunk is cut after its last line break; the complete lines go to the format's reader and
// the partial line waits for the next chunk. Line numbers therefore count across chunks, and the
// final line, with or without a line break, is read like any other (a truncated one fails with
// its number). The format is decided, as parseTrace decides it, from the first SNIFF_CHARS of text.
// `parseTrace(text)` is this with a single chunk, so the two cannot disagree.

import { MtraceReader } from "./mtrace.js";
import { detectTraceFormat, SNIFF_CHARS } from "./parse.js";
import { RepReader } from "./rep.js";
import { TraceError, type ReaderOptions, type Trace } from "./types.js";

const BOM = 0xfeff;
/** No line of either format comes near this; a longer one is not a trace (and would be held whole). */
export const MAX_LINE_CHARS = 1 << 20;

export class TraceTextParser {
  private readonly name: string;
  private readonly options: ReaderOptions;
  private reader: MtraceReader | RepReader | null = null;
  /** Text held before the format is known. */
  private head = "";
  /** The partial last line of what has arrived. */
  private rest = "";

  constructor(name = "trace", options: ReaderOptions = {}) {
    this.name = name;
    this.options = options;
  }

  /** Parses what it can of the next piece of text. Throws TraceError as soon as a line is bad. */
  push(chunk: string): void {
    if (this.reader === null) {
      this.head += chunk;
      if (this.head.length < SNIFF_CHARS || !/\S/.test(this.head)) return;
      chunk = this.start();
    }
    const pending = this.rest.length ? this.rest + chunk : chunk;
    const cut = pending.lastIndexOf("\n");
    if (cut < 0) {
      if (pending.length > MAX_LINE_CHARS) throw new TraceError(`a line longer than ${MAX_LINE_CHARS} characters: this is not a trace`, this.linesRead() + 1);
      this.rest = pending;
      return;
    }
    this.rest = pending.slice(cut + 1);
    if (this.rest.length > MAX_LINE_CHARS) throw new TraceError(`a line longer than ${MAX_LINE_CHARS} characters: this is not a trace`, this.linesRead() + 1);
    this.reader!.read(pending.slice(0, cut + 1));
  }

  /** Reads the last line (if the text did not end with a line break) and returns the trace. */
  finish(): Trace {
    if (this.reader === null) {
      const text = this.start();
      this.push(text);
    }
    if (this.rest.length) {
      this.reader!.read(this.rest);
      this.rest = "";
    }
    return this.reader!.finish(this.name);
  }

  /** Ops parsed and not yet taken (takeOps) — what the parser holds in memory. */
  get pendingOps(): number {
    return this.reader?.pendingOps ?? 0;
  }

  /**
   * Hands over the ops parsed so far and forgets them; finish() then returns only the ops after
   * the last take (its droppedFrees still counts the whole text). For traces too large to hold:
   * the CLI writes each piece to a file. The arrays are valid until the next push.
   */
  takeOps(): { length: number; op: Uint8Array; id: Int32Array; size: Int32Array } {
    return this.reader?.takeOps() ?? { length: 0, op: new Uint8Array(0), id: new Int32Array(0), size: new Int32Array(0) };
  }

  /** Lines read so far, counted by the reader's own cursor (no second pass over the text). */
  private linesRead(): number {
    return this.reader?.linesRead ?? 0;
  }

  private start(): string {
    const text = this.head.charCodeAt(0) === BOM ? this.head.slice(1) : this.head;
    this.head = "";
    this.reader = detectTraceFormat(text) === "rep" ? new RepReader(this.options) : new MtraceReader(this.options);
    return text;
  }
}

/**
 * Parses a trace from pieces of bytes (UTF-8, decoded across chunk boundaries) or of text, e.g.
 * a Node read stream or the chunks of `File.stream()`. `onProgress` gets the bytes (or chars)
 * consumed so far after each chunk.
 */
export async function parseTraceChunks(chunks: AsyncIterable<Uint8Array | string>, name = "trace", onProgress?: (consumed: number) => void): Promise<Trace> {
  const parser = new TraceTextParser(name);
  const decoder = new TextDecoder("utf-8");
  let consumed = 0;
  for await (const chunk of chunks) {
    parser.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    consumed += chunk.length;
    onProgress?.(consumed);
  }
  parser.push(decoder.decode());
  return parser.finish();
}

/** The chunks of a web ReadableStream (`File.stream()`, `Response.body`) as an async iterable. */
export async function* readableChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
