// CS:APP malloc-lab `.rep` traces: a header of integers, then one op per line.
//
//   <heap size>  suggested heap bytes (ignored)      ─┐ the 4-line header; the 2-line variant
//   <ids>        ids are 0 .. ids-1                   │ has only <ids> and <ops>. Header numbers
//   <ops>        op lines that follow                 │ may share lines: they are simply the
//   <weight>     scoring weight (ignored)            ─┘ integers before the first op.
//   a <id> <size>    blocks[id] = malloc(size)
//   f <id>           free(blocks[id])
//   r <id> <size>    blocks[id] = realloc(blocks[id], size)
//
// Ops follow the lab driver's C semantics, where blocks[] starts out NULL: `f` of an id never
// allocated is free(NULL) and is dropped (counted in droppedFrees); `r` of such an id is
// realloc(NULL) and becomes a malloc. `f`/`r` of an id already freed is the trace's own double free
// and stays in as a free of the dead id. `r <id> 0` is realloc(p, 0), which frees p (as glibc does
// and the allocators' contract says), so it is read as `f <id>`; of an id never allocated it is
// realloc(NULL, 0), a malloc(0). `a` of an id in use starts a new block (the old one leaks, as it
// would under the driver). Blank lines are skipped anywhere.
//
// The header is held to the body: an id ≥ <ids> or more ops than <ops> fail on the op's line,
// fewer ops fail on the header line that promised them, since a short body is almost always a
// truncated file. Declaring more ids than are used is harmless and allowed.

import { INT32_MAX, LineCursor, BlockBook, countIds, isDigitCode } from "./lines.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, TraceBuilder, TraceError, type ReaderOptions, type Trace } from "./types.js";

const CODE_A = 97;
const CODE_F = 102;
const CODE_R = 114;
const CODE_MINUS = 45;

const USAGE_ALLOC = "a <id> <size>";
const USAGE_FREE = "f <id>";
const USAGE_REALLOC = "r <id> <size>";
const HEADER_EXPECTED = "expected a .rep header: 4 numbers (heap size, ids, ops, weight) or 2 (ids, ops)";

interface RepHeader {
  readonly ids: number;
  readonly ops: number;
  readonly opsLine: number;   // where the op count was written, to blame for a short body
  readonly opsText: string;
}

interface RepState {
  readonly book: BlockBook;
  readonly out: TraceBuilder;
  dropped: number;
}

/**
 * Reads `.rep` bytes piece by piece (each piece whole lines, but the last): `read` as many times as
 * there are pieces, then `finish`. The header is the integers before the first op line, so it is
 * gathered line by line and settled when that line arrives (or at the end).
 */
export class RepReader {
  private readonly cursor = new LineCursor();
  private readonly state: RepState;
  private header: RepHeader | null = null;
  private readonly numbers: number[] = [];
  private readonly numberLines: number[] = [];
  private readonly numberTexts: string[] = [];
  private opsRead = 0;

  /** `recycleIds`: reuse the ids of dead blocks nothing can name any more (BlockBook); `expectedOps`: a size to start at. */
  constructor(options: ReaderOptions = {}) {
    this.state = { book: new BlockBook(options.recycleIds === true, (options.expectedOps ?? 0) / 2), out: new TraceBuilder(options.expectedOps), dropped: 0 };
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
      if (pos === cursor.end) continue;
      if (this.header === null) {
        if (isNumberStart(cursor, pos)) { this.readHeaderLine(pos); continue; }
        this.header = this.settleHeader();
      }
      if (++this.opsRead > this.header.ops) cursor.fail(`more ops than the ${this.header.ops} the header declares`);
      readOp(cursor, pos, this.header.ids, this.state);
    }
  }

  /** The ops read since the last call (TraceBuilder.drain); finish() returns only what follows. */
  takeOps(): ReturnType<TraceBuilder["drain"]> {
    return this.state.out.drain();
  }

  get pendingOps(): number {
    return this.state.out.length;
  }

  finish(name: string): Trace {
    const header = this.header ?? this.settleHeader();
    if (this.opsRead < header.ops) {
      throw new TraceError(`the header declares ${header.ops} ops but the file has ${this.opsRead}`, header.opsLine, header.opsText);
    }
    return this.state.out.build(name, this.state.dropped);
  }

  private readHeaderLine(pos: number): void {
    const cursor = this.cursor;
    while (pos < cursor.end) {
      pos = cursor.skipBlanks(readCount(cursor, pos));
      this.numbers.push(cursor.value);
      this.numberLines.push(cursor.line);
      this.numberTexts.push(cursor.lineText());
    }
  }

  // Called on the first op line, or at the end of the text: the line the cursor is on is blamed.
  private settleHeader(): RepHeader {
    const n = this.numbers.length;
    if (n !== 4 && n !== 2) this.cursor.fail(n === 0 ? HEADER_EXPECTED : `${HEADER_EXPECTED}, found ${n}`);
    const opsAt = n === 4 ? 2 : 1;
    return { ids: this.numbers[opsAt - 1], ops: this.numbers[opsAt], opsLine: this.numberLines[opsAt], opsText: this.numberTexts[opsAt] };
  }
}

function readOp(cursor: LineCursor, pos: number, ids: number, state: RepState): void {
  const { book, out } = state;
  const letter = cursor.bytes[pos];
  if (!cursor.atTokenEnd(pos + 1)) cursor.fail(unknownOp(cursor, pos));
  if (letter === CODE_A) {
    const after = readId(cursor, pos + 1, USAGE_ALLOC, ids);
    const repId = cursor.value;
    const size = readFinalSize(cursor, after, USAGE_ALLOC);
    out.malloc(book.bear(repId), size);
  } else if (letter === CODE_F) {
    readFinalId(cursor, pos + 1, USAGE_FREE, ids);
    const id = book.lookup(cursor.value);
    if (id < 0) state.dropped++;
    else { out.free(id); book.kill(id); }
  } else if (letter === CODE_R) {
    const after = readId(cursor, pos + 1, USAGE_REALLOC, ids);
    const repId = cursor.value;
    const size = readFinalSize(cursor, after, USAGE_REALLOC);
    const id = book.lookup(repId);
    // realloc(p, 0) frees p (glibc, and the allocators' contract), so it is written as the free it is
    if (size === 0 && id >= 0) { out.free(id); book.kill(id); return; }
    if (id >= 0 && book.isLive(id)) { out.realloc(id, size); return; }
    if (id >= 0) out.free(id);   // realloc of a freed block: the double free stays in the trace
    out.malloc(book.bear(repId), size);
  } else {
    cursor.fail(unknownOp(cursor, pos));
  }
}

function isNumberStart(cursor: LineCursor, pos: number): boolean {
  const code = cursor.bytes[pos];
  return isDigitCode(code) || (code === CODE_MINUS && !cursor.atTokenEnd(pos + 1));
}

function readCount(cursor: LineCursor, pos: number): number {
  if (cursor.bytes[pos] === CODE_MINUS) {
    const end = cursor.readDecimal(pos + 1);
    if (end >= 0 && cursor.atTokenEnd(end)) cursor.fail(`negative header number -${cursor.value}`);
    cursor.fail(HEADER_EXPECTED);
  }
  const end = cursor.readDecimal(pos);
  if (end < 0 || !cursor.atTokenEnd(end)) cursor.fail(HEADER_EXPECTED);
  if (cursor.value > Number.MAX_SAFE_INTEGER) cursor.fail(`header number ${cursor.textOf(pos, end)} is too large`);
  return end;
}

// The token after an op letter: a non-negative int32, else a message that says which rule broke.
function readField(cursor: LineCursor, pos: number, what: "id" | "size", usage: string): number {
  const start = cursor.skipBlanks(pos);
  if (start < cursor.end && cursor.bytes[start] === CODE_MINUS) {
    const end = cursor.readDecimal(start + 1);
    if (end >= 0 && cursor.atTokenEnd(end)) cursor.fail(`negative ${what} -${cursor.textOf(start + 1, end)}`);
    cursor.fail(`expected "${usage}"`);
  }
  const end = cursor.readDecimal(start);
  if (end < 0 || !cursor.atTokenEnd(end)) cursor.fail(`expected "${usage}"`);
  if (cursor.value > INT32_MAX) cursor.fail(`${what} ${cursor.textOf(start, end)} is over 2^31-1`);
  return end;
}

function readId(cursor: LineCursor, pos: number, usage: string, ids: number): number {
  const end = readField(cursor, pos, "id", usage);
  if (cursor.value >= ids) cursor.fail(`id ${cursor.value} is out of range: the header declares ${ids} ids`);
  return end;
}

function readFinalId(cursor: LineCursor, pos: number, usage: string, ids: number): void {
  const end = readId(cursor, pos, usage, ids);
  if (cursor.skipBlanks(end) !== cursor.end) cursor.fail(`expected "${usage}"`);
}

function readFinalSize(cursor: LineCursor, pos: number, usage: string): number {
  const end = readField(cursor, pos, "size", usage);
  if (cursor.skipBlanks(end) !== cursor.end) cursor.fail(`expected "${usage}"`);
  return cursor.value;
}

function unknownOp(cursor: LineCursor, pos: number): string {
  let end = pos;
  while (!cursor.atTokenEnd(end)) end++;
  return `unknown op "${cursor.textOf(pos, end)}" (expected a, f or r)`;
}

/**
 * Writes a trace as `.rep` text with the 4-line header; parseTrace reads it back as the same trace.
 * The heap-size line carries the peak live requested bytes, the size the lab meant it to suggest.
 * Dropped frees are written first as frees of ids past every real one, which parseTrace again
 * drops and counts, so droppedFrees survives the trip.
 */
export function formatRep(trace: Trace): string {
  const ids = countIds(trace);
  const chunks: string[] = [
    `${peakLiveBytes(trace, ids)}\n${ids + trace.droppedFrees}\n${trace.length + trace.droppedFrees}\n1\n`,
  ];
  let chunk = "";
  for (let k = 0; k < trace.droppedFrees; k++) chunk += `f ${ids + k}\n`;
  for (let i = 0; i < trace.length; i++) {
    const op = trace.op[i];
    if (op === OP_MALLOC) chunk += `a ${trace.id[i]} ${trace.size[i]}\n`;
    else if (op === OP_FREE) chunk += `f ${trace.id[i]}\n`;
    else chunk += `r ${trace.id[i]} ${trace.size[i]}\n`;
    // Bounded chunks keep string concatenation from building one huge rope.
    if (chunk.length > 1 << 16) { chunks.push(chunk); chunk = ""; }
  }
  chunks.push(chunk);
  return chunks.join("");
}

/** The largest sum of requested bytes live at once; a free of a dead id changes nothing. */
export function peakLiveBytes(trace: Trace, ids = countIds(trace)): number {
  const sizeOf = new Float64Array(ids).fill(-1);
  let live = 0;
  let peak = 0;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i];
    const op = trace.op[i];
    if (op === OP_FREE) {
      if (sizeOf[id] >= 0) { live -= sizeOf[id]; sizeOf[id] = -1; }
      continue;
    }
    if (op === OP_REALLOC && sizeOf[id] >= 0) live -= sizeOf[id];
    sizeOf[id] = trace.size[i];
    live += trace.size[i];
    if (live > peak) peak = live;
  }
  return peak;
}
