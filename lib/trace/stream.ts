// A trace that arrives in pieces — a file read in chunks by the CLI, `File.stream()` in the
// page's worker — parsed as it arrives, so memory follows the op log and the blocks, never the
// text: a 2 GB mtrace file is read through a window of one chunk plus one partial line.
//
// The pieces are bytes, read as they come (lines.ts): nothing is decoded but the first
// SNIFF_CHARS, to decide the format as parseTrace decides it, and the lines an error quotes. Each
// piece is cut after its last line break; the complete lines go to the format's reader and the
// partial line waits for the next piece, so a line or a UTF-8 sequence split between pieces is
// read whole, and line numbers count across pieces. The final line, with or without a line
// break, is read like any other (a truncated one fails with its number). Text pieces (parseTrace,
// a string stream) are encoded to UTF-8 first, so `parseTrace(text)` is this with text, and the
// two cannot disagree.

import { MtraceReader } from "./mtrace.js";
import { detectTraceFormat, SNIFF_CHARS } from "./parse.js";
import { RepReader } from "./rep.js";
import { TraceError, type ReaderOptions, type Trace } from "./types.js";

const LF = 10;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** No line of either format comes near this; a longer one is not a trace (and would be held whole). */
export const MAX_LINE_BYTES = 1 << 20;
/** Text is encoded in pieces of about this many chars, each cut after a line break. */
const TEXT_PIECE_CHARS = 1 << 20;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

export class TraceTextParser {
  private readonly name: string;
  private readonly options: ReaderOptions;
  private reader: MtraceReader | RepReader | null = null;
  /** Bytes held before the format is known. */
  private head: Uint8Array = EMPTY;
  /** The partial last line of what has arrived (a copy: the piece it came from may be reused). */
  private rest: Uint8Array = EMPTY;
  /**
   * A high surrogate that ended the last text piece: its low half starts the next one, and
   * encoded apart each would become U+FFFD.
   */
  private heldSurrogate = "";

  constructor(name = "trace", options: ReaderOptions = {}) {
    this.name = name;
    this.options = options;
  }

  /**
   * Parses what it can of the next piece: UTF-8 bytes, or text. Throws TraceError as soon as a
   * line is bad. Bytes are read before push returns and not kept, so the caller may reuse them.
   */
  push(chunk: Uint8Array | string): void {
    if (typeof chunk === "string") {
      let text = this.heldSurrogate + chunk;
      this.heldSurrogate = "";
      if (isHighSurrogate(text.charCodeAt(text.length - 1))) {
        this.heldSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      for (const piece of textPieces(text)) this.pushBytes(encoder.encode(piece));
      return;
    }
    this.releaseSurrogate();
    // One kind of array for the readers (a Node Buffer is a subclass), so their loads stay monomorphic.
    this.pushBytes(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /** Reads the last line (if the text did not end with a line break) and returns the trace. */
  finish(): Trace {
    this.releaseSurrogate();
    if (this.reader === null) this.pushBytes(this.start());
    if (this.rest.length) {
      this.reader!.read(this.rest);
      this.rest = EMPTY;
    }
    return this.reader!.finish(this.name);
  }

  /** A held high surrogate with no low half after it: encoded alone, as parseTrace would (U+FFFD). */
  private releaseSurrogate(): void {
    if (!this.heldSurrogate) return;
    this.pushBytes(encoder.encode(this.heldSurrogate));
    this.heldSurrogate = "";
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

  private pushBytes(chunk: Uint8Array): void {
    if (this.reader === null) {
      this.head = joined(this.head, chunk);
      if (this.head.length < SNIFF_CHARS || !hasNonBlank(this.head)) return;
      chunk = this.start();
    }
    let from = 0;
    if (this.rest.length) {
      // The line held from the last piece ends in this one: it alone is joined (copying whole
      // pieces onto it cost more than the parse itself in Chromium).
      const first = chunk.indexOf(LF);
      if (first < 0) {
        this.rest = joined(this.rest, chunk);
        if (this.rest.length > MAX_LINE_BYTES) throw this.tooLong();
        return;
      }
      this.reader!.read(joined(this.rest, chunk.subarray(0, first + 1)));
      this.rest = EMPTY;
      from = first + 1;
    }
    const cut = chunk.lastIndexOf(LF);
    if (cut >= from) this.reader!.read(chunk.subarray(from, cut + 1));
    const tail = Math.max(cut + 1, from);
    if (chunk.length - tail > MAX_LINE_BYTES) throw this.tooLong();
    this.rest = chunk.slice(tail);
  }

  private tooLong(): TraceError {
    return new TraceError(`a line longer than ${MAX_LINE_BYTES} bytes: this is not a trace`, (this.reader?.linesRead ?? 0) + 1);
  }

  /** Settles the format from the bytes held so far; returns them, without a byte-order mark. */
  private start(): Uint8Array {
    const head = UTF8_BOM.every((byte, k) => this.head[k] === byte) ? this.head.subarray(UTF8_BOM.length) : this.head;
    this.head = EMPTY;
    // A multi-byte sequence cut off at the end of the sniffed bytes decodes to one U+FFFD: too few
    // to make text look binary.
    const format = detectTraceFormat(decoder.decode(head.subarray(0, SNIFF_CHARS)));
    this.reader = format === "rep" ? new RepReader(this.options) : new MtraceReader(this.options);
    return head;
  }
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const both = new Uint8Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  return both;
}

// Any byte but space, tab, CR and LF: the head then holds the start of the trace.
function hasNonBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 32 && byte !== 9 && byte !== 10 && byte !== 13) return true;
  }
  return false;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

// Cut after a line break, a piece never splits a surrogate pair (which would encode as U+FFFD).
function* textPieces(text: string): Generator<string> {
  let at = 0;
  while (text.length - at > TEXT_PIECE_CHARS) {
    const cut = text.lastIndexOf("\n", at + TEXT_PIECE_CHARS) + 1;
    if (cut <= at) break; // one line past the piece size: encoded whole below (and refused as too long)
    yield text.slice(at, cut);
    at = cut;
  }
  yield at === 0 ? text : text.slice(at);
}

/**
 * Parses a trace from pieces of bytes (UTF-8) or of text, e.g. a Node read stream or the chunks of
 * `File.stream()`. `onProgress` gets the bytes (or chars) consumed so far after each chunk;
 * `options` go to the format's reader.
 */
export async function parseTraceChunks(chunks: AsyncIterable<Uint8Array | string>, name = "trace", onProgress?: (consumed: number) => void, options: ReaderOptions = {}): Promise<Trace> {
  const parser = new TraceTextParser(name, options);
  let consumed = 0;
  for await (const chunk of chunks) {
    parser.push(chunk);
    consumed += chunk.length;
    onProgress?.(consumed);
  }
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
