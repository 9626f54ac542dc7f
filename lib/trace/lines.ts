// What the two text parsers share: a cursor that walks a trace line by line over its UTF-8 bytes
// (a million-line file never becomes an array of strings, and the bytes a file or stream delivers
// are read as they are, never decoded: in the page, decoding cost a quarter of the parse), number readers that leave their result in
// a field rather than allocating a token, and the book that turns a program's names for blocks
// (.rep ids, mtrace addresses) into dense trace ids that are born once and may die.

import { MAX_INITIAL_OPS, TraceError, type Trace } from "./types.js";

export const INT32_MAX = 0x7fffffff;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const LOWER_A = 97;
const LOWER_F = 102;
const UPPER_A = 65;
const UPPER_F = 70;
const LOWER_X = 120;
const UPPER_X = 88;

const NO_BYTES = new Uint8Array(0);
/** Decodes the few pieces of a trace that become text; bad bytes read as U+FFFD, as a TextDecoder stream would. */
const utf8 = new TextDecoder("utf-8");

// Past 13 hex digits (52 bits) a double no longer holds every address exactly.
const EXACT_HEX_DIGITS = 13;

export function isBlankCode(code: number): boolean {
  return code === SPACE || code === TAB || code === CR;
}

export function isDigitCode(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

function hexValue(code: number): number {
  if (code >= DIGIT_0 && code <= DIGIT_9) return code - DIGIT_0;
  if (code >= LOWER_A && code <= LOWER_F) return code - LOWER_A + 10;
  if (code >= UPPER_A && code <= UPPER_F) return code - UPPER_A + 10;
  return -1;
}

/**
 * A cursor over the lines of a trace's bytes. `start`/`end` bound the current line without its
 * "\r\n"; positions are byte offsets into `bytes`, so readers work in place and return the position
 * after what they consumed, or -1 when the bytes there are not what they read. Every byte both
 * formats read is ASCII, and no byte of a multi-byte UTF-8 sequence is, so a reader never mistakes
 * part of one (in a caller's path, say) for a token; text is decoded only for error messages.
 */
export class LineCursor {
  bytes: Uint8Array;
  line = 0;
  start = 0;
  end = 0;
  /** The number the last read* call consumed. */
  value = 0;
  /** Significant hex digits of the last readHex, to tell when `value` is inexact. */
  hexDigits = 0;
  private nextStart = 0;

  constructor(bytes: Uint8Array = NO_BYTES) {
    this.bytes = bytes;
  }

  /**
   * Continues with the next piece of a trace that arrives in pieces (stream.ts): the lines of
   * `bytes` follow the lines already read, and line numbers go on counting. A piece must end at a
   * line break unless it is the last one.
   */
  load(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.nextStart = 0;
  }

  /** Moves to the next line; false past the last one (a final "\n" does not open another line). */
  advance(): boolean {
    const bytes = this.bytes;
    if (this.nextStart >= bytes.length) return false;
    const start = this.nextStart;
    // A plain loop: TypedArray indexOf is a call into the runtime, dearer than a line's bytes.
    const length = bytes.length;
    let newline = start;
    while (newline < length && bytes[newline] !== LF) newline++;
    this.nextStart = newline + 1;
    let end = newline;
    if (end > start && bytes[end - 1] === CR) end--;
    this.start = start;
    this.end = end;
    this.line++;
    return true;
  }

  /** The current line as it was written, for error messages. */
  lineText(): string {
    return this.textOf(this.start, this.end);
  }

  /** Bytes [from, to) of the current piece as text (for messages and the rare token kept as text). */
  textOf(from: number, to: number): string {
    return utf8.decode(this.bytes.subarray(from, to));
  }

  fail(message: string): never {
    throw new TraceError(message, this.line, this.lineText());
  }

  skipBlanks(pos: number): number {
    const end = this.end;
    while (pos < end && isBlankCode(this.bytes[pos])) pos++;
    return pos;
  }

  /** True at the end of the line or before a blank: where a token must stop. */
  atTokenEnd(pos: number): boolean {
    return pos >= this.end || isBlankCode(this.bytes[pos]);
  }

  /** Reads unsigned decimal digits; the value may be inexact past 2^53, which callers reject anyway. */
  readDecimal(pos: number): number {
    const end = this.end;
    const bytes = this.bytes;
    let value = 0;
    let at = pos;
    while (at < end) {
      const code = bytes[at];
      if (code < DIGIT_0 || code > DIGIT_9) break;
      value = value * 10 + (code - DIGIT_0);
      at++;
    }
    if (at === pos) return -1;
    this.value = value;
    return at;
  }

  /** Reads what C's `%#lx` and `%p` print: `0x` and hex digits, or a lone `0`. */
  readHex(pos: number): number {
    const bytes = this.bytes;
    const end = this.end;
    if (pos >= end || bytes[pos] !== DIGIT_0) return -1;
    const x = pos + 1 < end ? bytes[pos + 1] : 0;
    if (x !== LOWER_X && x !== UPPER_X) {
      this.value = 0;
      this.hexDigits = 0;
      return pos + 1;
    }
    let at = pos + 2;
    let value = 0;
    let digits = 0;
    while (at < end) {
      const digit = hexValue(bytes[at]);
      if (digit < 0) break;
      value = value * 16 + digit;
      if (value > 0) digits++;
      at++;
    }
    if (at === pos + 2) return -1;
    this.value = value;
    this.hexDigits = digits;
    return at;
  }

  /** Whether the last readHex fits a double exactly; past that an address is keyed by its text. */
  hexIsExact(): boolean {
    return this.hexDigits <= EXACT_HEX_DIGITS;
  }
}

/**
 * Dense trace ids for a program's names of blocks. A name maps to the latest id born under it;
 * the id stays in the book after it dies, so a second free of the same name is recognisably a
 * double free of that id rather than a free of something never seen.
 *
 * Names are numbers (a .rep id, an address below 2^52). The table is open addressing with linear
 * probing over typed arrays, because a Map keyed by doubles boxes every key and was most of the
 * parse time on a million-line mtrace file.
 *
 * With `recycle`, an id is born again once it is dead and no name points at it any more (its name
 * went to a newer block): nothing later in the trace can refer to it then, so the race cannot tell
 * it from a fresh id. The id space, and every per-id table the race keeps, then follows the names
 * in the book (about the blocks a heap holds at once) rather than every malloc of the trace, which
 * is what lets the CLI race a trace of tens of millions of ops in the memory of a small one.
 */
export class BlockBook {
  private names: Float64Array;
  private ids: Int32Array;
  private used = 0;
  private live: Uint8Array;
  /** Ids free to be born again (recycle only), used last in, first out. */
  private spare = new Int32Array(0);
  private spareCount = 0;
  /** The size of the id space: one more than the largest id born so far. */
  count = 0;

  /** `expectedNames`: names to make room for before the first rehash (a guess; see ReaderOptions). */
  constructor(private readonly recycle = false, expectedNames = 0) {
    // Half full at most, as rename keeps it.
    let slots = INITIAL_SLOTS;
    while (slots < 2 * Math.min(expectedNames, MAX_INITIAL_OPS)) slots *= 2;
    this.names = new Float64Array(slots);
    this.ids = new Int32Array(slots).fill(EMPTY);
    this.live = new Uint8Array(slots);
  }

  /** The latest id born under `name`, or -1 if none ever was. */
  lookup(name: number): number {
    const slot = this.find(name);
    return slot < 0 ? -1 : this.ids[slot];
  }

  isLive(id: number): boolean {
    return this.live[id] === 1;
  }

  /** A new live id under `name`; whatever id the name held before keeps its own state. */
  bear(name: number): number {
    const id = this.spareCount > 0 ? this.spare[--this.spareCount] : this.count++;
    if (id === this.live.length) this.live = grownBytes(this.live);
    this.live[id] = 1;
    this.rename(name, id);
    return id;
  }

  kill(id: number): void {
    this.live[id] = 0;
  }

  /** Points `name` at `id` (a new block, or one realloc moved to a new address). */
  rename(name: number, id: number): void {
    const slot = this.find(name);
    if (slot >= 0) {
      this.orphan(this.ids[slot]);
      this.ids[slot] = id;
      return;
    }
    if ((this.used + 1) * 2 > this.ids.length) this.rehash(this.ids.length * 2);
    const mask = this.ids.length - 1;
    let at = slotOf(name, mask);
    while (this.ids[at] !== EMPTY) at = (at + 1) & mask;
    this.names[at] = name;
    this.ids[at] = id;
    this.used++;
  }

  /** Removes `name`, shifting later entries of its probe run back so lookups never stop early. */
  forget(name: number): void {
    let hole = this.find(name);
    if (hole < 0) return;
    this.orphan(this.ids[hole]);
    const mask = this.ids.length - 1;
    for (let at = (hole + 1) & mask; this.ids[at] !== EMPTY; at = (at + 1) & mask) {
      const home = slotOf(this.names[at], mask);
      // The entry may fill the hole unless its home lies cyclically in (hole, at].
      const stays = hole <= at ? home > hole && home <= at : home > hole || home <= at;
      if (stays) continue;
      this.names[hole] = this.names[at];
      this.ids[hole] = this.ids[at];
      hole = at;
    }
    this.ids[hole] = EMPTY;
    this.used--;
  }

  // `id` just lost the only name pointing at it (a name holds one id, and an id moves between
  // names rather than gaining a second). Dead, it can never be referred to again: recycle it.
  // Live, it is a leaked block (a .rep malloc of a live id) and stays live, so it is never reused.
  private orphan(id: number): void {
    if (!this.recycle || this.live[id] === 1) return;
    if (this.spareCount === this.spare.length) {
      const grown = new Int32Array(Math.max(1024, this.spare.length * 2));
      grown.set(this.spare);
      this.spare = grown;
    }
    this.spare[this.spareCount++] = id;
  }

  private find(name: number): number {
    const mask = this.ids.length - 1;
    for (let at = slotOf(name, mask); ; at = (at + 1) & mask) {
      if (this.ids[at] === EMPTY) return -1;
      if (this.names[at] === name) return at;
    }
  }

  private rehash(slots: number): void {
    const names = this.names;
    const ids = this.ids;
    this.names = new Float64Array(slots);
    this.ids = new Int32Array(slots).fill(EMPTY);
    const mask = slots - 1;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === EMPTY) continue;
      let at = slotOf(names[i], mask);
      while (this.ids[at] !== EMPTY) at = (at + 1) & mask;
      this.names[at] = names[i];
      this.ids[at] = ids[i];
    }
  }
}

const INITIAL_SLOTS = 1024;
const EMPTY = -1;

// Mixes both 32-bit halves: addresses share their high bits and are 16-aligned in the low ones.
function slotOf(name: number, mask: number): number {
  const low = name >>> 0;
  const high = Math.floor(name / 4294967296) | 0;
  let h = Math.imul(low ^ Math.imul(high, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

function grownBytes(bytes: Uint8Array): Uint8Array {
  const grown = new Uint8Array(bytes.length * 2);
  grown.set(bytes);
  return grown;
}

/** One more than the largest id a trace uses: the length of a per-id table. */
export function countIds(trace: Trace): number {
  let max = -1;
  for (let i = 0; i < trace.length; i++) if (trace.id[i] > max) max = trace.id[i];
  return max + 1;
}
