// glibc mtrace output, as malloc/mtrace-impl.c (mtrace.c before 2.34) writes it:
//
//   = Start                                  when mtrace() opens the file
//   @ CALLER + 0xADDR 0xSIZE                 malloc, calloc, memalign, realloc(NULL, n)
//   @ CALLER + (nil) 0xSIZE                  an allocation that failed
//   @ CALLER - 0xADDR                        free (never printed for free(NULL)), realloc(p, 0)
//   @ CALLER < 0xOLD                         realloc that succeeded: always these two lines,
//   @ CALLER > 0xNEW 0xSIZE                    written together under the stream lock
//   @ CALLER ! 0xOLD 0xSIZE                  realloc that failed; the old block is untouched
//   = End                                    muntrace(); absent when the program never calls it
//
// CALLER is optional (absent when glibc has no return address) and comes in three shapes:
// `FILE:[0xOFFSET]`, `FILE:(SYMBOL+OFF)[0xOFFSET]` (OFF has a 0x prefix before glibc 2.34), or
// `[0xADDR]` when dladdr knows nothing. FILE is often an absolute path and may hold anything, but
// the caller always ends with `] ` and the operands never contain one, so the op follows the
// line's last `] `.
// Sizes are `%#lx`, so a zero size is a bare `0`; addresses are `%p`, so NULL is `(nil)`.
//
// Addresses become dense ids (lines.ts BlockBook). The rules, beyond the obvious:
// - `-` or `<` of an address never seen allocated is memory from before tracing began: the free is
//   dropped and counted in droppedFrees (a realloc of such a block becomes a plain malloc).
// - `-` or `<` of an address whose block is already dead is the program's own double free: it stays
//   in the trace as a free of the dead id (a realloc's new block then becomes a malloc).
// - `+` or `>` of an address that is still live means the allocator got that block back without a
//   traced free (another thread's realloc printed after our malloc): the old id is freed first,
//   so live bytes never exceed what the real heap held.
// - A block moved by realloc loses its old address; a later free of the old address counts as
//   dropped, since there is no dead id left to blame for it.
// - Failed allocations and failed reallocs (`(nil)`, `!`) change nothing and are skipped.
// - A realloc to size 0 is never a realloc op in the trace (the contract frees p there): glibc logs
//   it as `-`; a `<`/`>` pair of size 0 from a libc that kept a block is a free and a malloc(0).

import { BlockBook, INT32_MAX, LineCursor, countIds } from "./lines.js";
import { OP_FREE, OP_MALLOC, TraceBuilder, TraceError, type ReaderOptions, type Trace } from "./types.js";

const CODE_AT = 64;
const CODE_SPACE = 32;
const CODE_PLUS = 43;
const CODE_MINUS = 45;
const CODE_LESS = 60;
const CODE_GREATER = 62;
const CODE_BANG = 33;
const CODE_EQUALS = 61;
const CODE_OPEN_PAREN = 40;
const CODE_CLOSE_BRACKET = 93;

const USAGE_MALLOC = "+ <address> <size>";
const USAGE_FREE = "- <address>";
const USAGE_OLD = "< <address>";
const USAGE_NEW = "> <address> <size>";
const USAGE_FAILED = "! <address> <size>";

/**
 * Reads mtrace bytes piece by piece (each piece whole lines, but the last): `read` as many times as
 * there are pieces, then `finish`. The "<" of a realloc and its ">" may fall in different pieces,
 * so a "<" is held until the next line arrives. (parseTrace, parse.ts, reads text.)
 */
export class MtraceReader {
  private readonly cursor = new LineCursor();
  private readonly book: BlockBook;
  /** Addresses too wide for a double (tagged pointers) get negative keys, which no real address has. */
  private readonly wideKeys = new Map<string, number>();
  private readonly out: TraceBuilder;
  private dropped = 0;
  /** The address the last readAddress consumed, as a book key, and whether it was NULL. */
  private address = 0;
  private nil = false;
  /** A "<" line waiting for its ">": its address, and where it was written for an error message. */
  private lessPending = false;
  private lessNil = false;
  private lessAddress = 0;
  private lessLine = 0;
  /** Where the "<" line lies in its piece; its text is kept only when the piece ends before the ">" (the piece may be reused). */
  private lessStart = 0;
  private lessEnd = 0;
  private lessText = "";

  /** `recycleIds`: reuse the ids of dead blocks nothing can name any more (BlockBook); `expectedOps`: a size to start at. */
  constructor(options: ReaderOptions = {}) {
    // About half the ops are mallocs, and each names at most one new address.
    this.book = new BlockBook(options.recycleIds === true, (options.expectedOps ?? 0) / 2);
    this.out = new TraceBuilder(options.expectedOps);
  }

  /** Lines read so far, across every piece. */
  get linesRead(): number {
    return this.cursor.line;
  }

  read(bytes: Uint8Array): void {
    const cursor = this.cursor;
    cursor.load(bytes);
    while (cursor.advance()) {
      const pos = cursor.skipBlanks(cursor.start);
      if (this.lessPending) this.readGreater(pos);
      else if (pos !== cursor.end) this.readLine(this.findOp(pos));
    }
    if (this.lessPending) this.lessText = cursor.textOf(this.lessStart, this.lessEnd);
  }

  /** The ops read since the last call (TraceBuilder.drain); finish() returns only what follows. */
  takeOps(): ReturnType<TraceBuilder["drain"]> {
    return this.out.drain();
  }

  get pendingOps(): number {
    return this.out.length;
  }

  finish(name: string): Trace {
    if (this.lessPending) this.failLess();
    return this.out.build(name, this.dropped);
  }

  private readLine(at: number): void {
    const op = this.cursor.bytes[at];
    if (op === CODE_PLUS) this.readMalloc(at + 1);
    else if (op === CODE_MINUS) this.readFree(at + 1);
    else if (op === CODE_LESS) this.readRealloc(at + 1);
    else if (op === CODE_GREATER) this.cursor.fail(`">" without a preceding "<"`);
    else if (op === CODE_BANG) this.readFailedRealloc(at + 1);
    else if (op === CODE_EQUALS) this.readMarker(at + 1);
    else this.failUnknownOp(at);
  }

  /** Skips the `@ CALLER ` prefix if there is one; the op char must then stand alone. */
  private findOp(pos: number): number {
    const cursor = this.cursor;
    const hasCaller = cursor.bytes[pos] === CODE_AT && cursor.atTokenEnd(pos + 1);
    const at = hasCaller ? this.skipCaller(pos + 1) : pos;
    if (!cursor.atTokenEnd(at + 1)) this.failUnknownOp(at);
    return at;
  }

  // The operands never contain "] ", so the caller ends at the line's last one, whatever its path
  // holds. Searching back from the line's end stops within the line unless the line has no "] ",
  // and that line is an error, so the search stays linear in the file.
  private skipCaller(pos: number): number {
    const cursor = this.cursor;
    const bytes = cursor.bytes;
    let close = cursor.end - 2;
    while (close >= pos && (bytes[close] !== CODE_CLOSE_BRACKET || bytes[close + 1] !== CODE_SPACE)) close--;
    if (close < pos) cursor.fail(`expected "@ <caller>[0x…] " before the op`);
    return close + 2;
  }

  private failUnknownOp(at: number): never {
    const cursor = this.cursor;
    let end = at;
    while (!cursor.atTokenEnd(end)) end++;
    if (end === at) cursor.fail(`expected an op (+, -, <, >, ! or =) after the caller`);
    return cursor.fail(`unknown op "${cursor.textOf(at, end)}" (expected +, -, <, >, ! or =)`);
  }

  private readMalloc(pos: number): void {
    const after = this.readAddress(pos, USAGE_MALLOC);
    const nil = this.nil;
    const address = this.address;
    const size = this.readFinalSize(after, USAGE_MALLOC, !nil);
    if (!nil) this.place(address, size);
  }

  private readFree(pos: number): void {
    this.requireEnd(this.readAddress(pos, USAGE_FREE), USAGE_FREE);
    if (this.nil) return;
    const id = this.book.lookup(this.address);
    if (id < 0) { this.dropped++; return; }
    this.out.free(id);
    this.book.kill(id);
  }

  // glibc writes a successful realloc as a "<" line and a ">" line under one lock, so they are
  // adjacent: the "<" is remembered and the very next line must be its ">".
  private readRealloc(pos: number): void {
    const cursor = this.cursor;
    this.requireEnd(this.readAddress(pos, USAGE_OLD), USAGE_OLD);
    this.lessPending = true;
    this.lessNil = this.nil;
    this.lessAddress = this.address;
    this.lessLine = cursor.line;
    this.lessStart = cursor.start;
    this.lessEnd = cursor.end;
    this.lessText = "";
  }

  private readGreater(first: number): void {
    const cursor = this.cursor;
    const at = first !== cursor.end ? this.findOp(first) : -1;
    if (at < 0 || cursor.bytes[at] !== CODE_GREATER) this.failLess();
    this.lessPending = false;
    const after = this.readAddress(at + 1, USAGE_NEW);
    if (this.nil) cursor.fail(`expected "${USAGE_NEW}" with a non-null address`);
    const newAddress = this.address;
    const size = this.readFinalSize(after, USAGE_NEW, true);
    this.move(this.lessNil ? -1 : this.book.lookup(this.lessAddress), this.lessNil, this.lessAddress, newAddress, size);
  }

  private failLess(): never {
    throw new TraceError(`"<" is not followed by a ">" line`, this.lessLine, this.lessText || this.cursor.textOf(this.lessStart, this.lessEnd));
  }

  private readFailedRealloc(pos: number): void {
    this.readFinalSize(this.readAddress(pos, USAGE_FAILED), USAGE_FAILED, false);
  }

  private readMarker(pos: number): void {
    const cursor = this.cursor;
    const start = cursor.skipBlanks(pos);
    let end = cursor.end;
    while (end > start && cursor.atTokenEnd(end - 1)) end--;
    const word = cursor.textOf(start, end);
    if (word !== "Start" && word !== "End") cursor.fail(`unknown marker "= ${word}" (expected "= Start" or "= End")`);
  }

  /** A new block at `address`; a live block still recorded there was released untraced. */
  private place(address: number, size: number): void {
    this.evict(address);
    this.out.malloc(this.book.bear(address), size);
  }

  private move(id: number, oldNil: boolean, oldAddress: number, newAddress: number, size: number): void {
    const book = this.book;
    // glibc logs realloc(p, 0) as "- p"; a "<"/">" pair of size 0 (another libc that kept a block)
    // is written the same way the contract reads realloc(p, 0): free the old id, then malloc(0).
    if (size === 0 && id >= 0 && book.isLive(id)) {
      this.out.free(id);
      book.kill(id);
      this.place(newAddress, 0);
      return;
    }
    if (id < 0 || !book.isLive(id)) {
      if (id >= 0) this.out.free(id);
      else if (!oldNil) this.dropped++;
      this.place(newAddress, size);
      return;
    }
    if (newAddress !== oldAddress) {
      this.evict(newAddress);
      book.forget(oldAddress);
      book.rename(newAddress, id);
    }
    this.out.realloc(id, size);
  }

  private evict(address: number): void {
    const id = this.book.lookup(address);
    if (id >= 0 && this.book.isLive(id)) {
      this.out.free(id);
      this.book.kill(id);
    }
  }

  private readAddress(pos: number, usage: string): number {
    const cursor = this.cursor;
    const start = cursor.skipBlanks(pos);
    if (start === pos) cursor.fail(`expected "${usage}"`);
    if (cursor.bytes[start] === CODE_OPEN_PAREN && isNil(cursor.bytes, start)) {
      const end = start + 5;
      if (end > cursor.end || !cursor.atTokenEnd(end)) cursor.fail(`expected "${usage}"`);
      this.nil = true;
      this.address = 0;
      return end;
    }
    const end = cursor.readHex(start);
    if (end < 0 || !cursor.atTokenEnd(end)) cursor.fail(`expected "${usage}"`);
    this.nil = cursor.value === 0;
    this.address = cursor.hexIsExact() ? cursor.value : this.wideKey(addressDigits(cursor, start, end));
    return end;
  }

  private wideKey(digits: string): number {
    let key = this.wideKeys.get(digits);
    if (key === undefined) {
      key = -1 - this.wideKeys.size;
      this.wideKeys.set(digits, key);
    }
    return key;
  }

  // A size over 2^31-1 cannot be replayed; it only matters for requests that took effect.
  private readFinalSize(pos: number, usage: string, replayed: boolean): number {
    const cursor = this.cursor;
    const start = cursor.skipBlanks(pos);
    if (start === pos) cursor.fail(`expected "${usage}"`);
    const end = cursor.readHex(start);
    if (end < 0 || !cursor.atTokenEnd(end)) cursor.fail(`expected "${usage}"`);
    if (replayed && cursor.value > INT32_MAX) cursor.fail(`size ${cursor.textOf(start, end)} is over 2^31-1`);
    this.requireEnd(end, usage);
    return cursor.value;
  }

  private requireEnd(pos: number, usage: string): void {
    if (this.cursor.skipBlanks(pos) !== this.cursor.end) this.cursor.fail(`expected "${usage}"`);
  }
}

// Leading zeros would give one address two keys; glibc never prints them, but hand-written files might.
function addressDigits(cursor: LineCursor, start: number, end: number): string {
  let at = start + 2;
  while (at < end - 1 && cursor.bytes[at] === 48) at++;
  return cursor.textOf(at, end).toLowerCase();
}

const NIL = [40, 110, 105, 108, 41]; // "(nil)"

function isNil(bytes: Uint8Array, at: number): boolean {
  if (at + NIL.length > bytes.length) return false;
  for (let k = 0; k < NIL.length; k++) if (bytes[at + k] !== NIL[k]) return false;
  return true;
}

export interface FormatMtraceOptions {
  /** Written before every op as `@ CALLER `, e.g. `./bench:[0x401136]`; none by default. */
  readonly caller?: string;
}

// Made-up but plausible user-space addresses, far enough apart that the three ranges never meet.
const BLOCK_BASE = 0x55d0_0000_0000;
const MOVED_BASE = 0x7f00_0000_0000;
const DROPPED_BASE = 0x7e00_0000_0000;
const ADDRESS_STEP = 32;

/**
 * Writes a trace as glibc mtrace text that parseTrace reads back as the same trace. Every id gets
 * its own address, never reused; a realloc that grows moves the block, one that shrinks stays put,
 * so both paths appear. Dropped frees are written as frees of addresses never allocated.
 */
export function formatMtrace(trace: Trace, options: FormatMtraceOptions = {}): string {
  const prefix = options.caller === undefined ? "" : `@ ${options.caller} `;
  const addressOf = new Float64Array(countIds(trace));
  const sizeOf = new Float64Array(addressOf.length);
  const chunks: string[] = ["= Start\n"];
  let chunk = "";
  let moves = 0;
  for (let k = 0; k < trace.droppedFrees; k++) chunk += `${prefix}- ${hex(DROPPED_BASE + k * ADDRESS_STEP)}\n`;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i];
    const op = trace.op[i];
    if (op === OP_MALLOC) {
      addressOf[id] = BLOCK_BASE + id * ADDRESS_STEP;
      sizeOf[id] = trace.size[i];
      chunk += `${prefix}+ ${hex(addressOf[id])} ${hex(trace.size[i])}\n`;
    } else if (op === OP_FREE) {
      chunk += `${prefix}- ${hex(addressOf[id])}\n`;
    } else if (trace.size[i] === 0) {
      chunk += `${prefix}- ${hex(addressOf[id])}\n`; // realloc(p, 0): glibc frees p and logs the free
    } else {
      chunk += `${prefix}< ${hex(addressOf[id])}\n`;
      if (trace.size[i] > sizeOf[id]) addressOf[id] = MOVED_BASE + moves++ * ADDRESS_STEP;
      sizeOf[id] = trace.size[i];
      chunk += `${prefix}> ${hex(addressOf[id])} ${hex(trace.size[i])}\n`;
    }
    // Bounded chunks keep string concatenation from building one huge rope.
    if (chunk.length > 1 << 16) { chunks.push(chunk); chunk = ""; }
  }
  chunks.push(chunk, "= End\n");
  return chunks.join("");
}

// As `%#lx` prints: zero has no 0x prefix.
function hex(value: number): string {
  return value === 0 ? "0" : `0x${value.toString(16)}`;
}
