// Bump allocator: a cursor that only moves forward. free() marks an object dead and reclaims
// nothing, until the last live object dies: then the whole arena is empty and the cursor returns
// to the start — the arena reset of request-scoped ("region") allocation.
//
// Block layout. Every block starts 8 bytes before a 16-aligned payload, so blocks begin at
// addresses ≡ 8 (mod 16) and their sizes are multiples of 16:
//
//    start = payload - 8            payload (16-aligned)
//    +-------------+-------------+------------------------------------+
//    |   check     |   state     |  requested bytes … | reserved      |
//    | MAGIC^payld | DEAD|reqstd |                    | (rounding)    |
//    +-------------+-------------+------------------------------------+
//    |<-------- 8-byte header -->|<--- blockBytesFor(requested) - 8 ->|
//
//    state  = requested | DEAD_BIT   (bit 31: the object was freed)
//    check  = BUMP_MAGIC ^ payload   (a stray or forged address is rejected unless 32 random
//                                     bits happen to match: ~2^-32)
//    blockBytesFor(requested) = roundUp16(requested + 8), at least 16
//
//  Arena:
//    0        8                                             cursor                 arenaBytes
//    +--------+-------+-------+-------+---- … ---+-------+------+----- untouched ----+
//    |  pad   | block | block | block |          | block |      |        free        |
//    +--------+-------+-------+-------+---- … ---+-------+------+--------------------+
//
//  The 8 bytes before the first header are what keeps every payload 16-aligned; walk() reports
//  them as part of the first block's header, and an arena with no blocks as one free block, so
//  "free everything" (with resetWhenEmpty) leaves exactly one free block covering the arena.
//
// Invariants (check() verifies each):
//    FIRST_BLOCK <= cursor <= arenaBytes,  cursor ≡ 8 (mod 16)
//    headers chained by blockBytesFor(requested) from FIRST_BLOCK end exactly at cursor
//    check word of every header == BUMP_MAGIC ^ payload
//    number of headers without DEAD_BIT == liveObjects
//    sum of requested over live headers == stats.liveBytes
//    resetWhenEmpty and liveObjects == 0  =>  cursor == FIRST_BLOCK
//    cursor > FIRST_BLOCK  =>  stats.highWater >= cursor
//
// What a C bump allocator keeps in static globals lives in JS fields here: the cursor and the
// count of live objects. Everything per object is in the header, inside the arena.
//
// Cost model (stats.probes): malloc reads nothing (the cursor is a global); free and realloc read
// the 8-byte header once. A realloc that moves adds nothing more: the new block is bump-allocated.
//
// realloc is in place when the block is the last one before the cursor (the cursor moves to grow
// or shrink it); otherwise it allocates at the cursor, copies and marks the old object dead.

import { ArenaAllocator, booleanKnob, hex, validateSize } from "./base.js";
import type { KnobSpec } from "./knobs.js";
import { NULL_ADDR, type AllocatorDetail, type AllocatorOptions } from "./types.js";

const KNOWN_KNOB_NAMES = ["resetWhenEmpty"] as const;

export const BUMP_KNOBS: readonly KnobSpec[] = [
  {
    name: "resetWhenEmpty", label: "Reset when empty", kind: "boolean", default: true,
    help: "When the last live object is freed, move the cursor back to the start of the arena. Without it the arena only ever fills up.",
  },
];

const HEADER_BYTES = 8;
/** The first header sits here so that its payload lands on 16. */
const FIRST_BLOCK = 8;
const FIRST_PAYLOAD = FIRST_BLOCK + HEADER_BYTES;
const DEAD_BIT = 0x80000000 | 0;
const REQUESTED_MASK = 0x7fffffff;
const BUMP_MAGIC = 0x6b0b5eed;
/** NULL_ADDR as this module's own constant: optimized code folds a module's consts into the instructions, but reads an import through its module cell at every use. */
const NULL = NULL_ADDR;

/** Header bytes plus payload, rounded so the next payload is 16-aligned again. */
function blockBytesFor(requested: number): number {
  return (requested + HEADER_BYTES + 15) & ~15;
}

export class BumpAllocator extends ArenaAllocator {
  // Assigned by the constructor, so only declared: see ArenaAllocator.
  declare readonly resetWhenEmpty: boolean;
  /** Start of the next block: one past the end of the last block ever handed out since the last reset. */
  private cursor = FIRST_BLOCK;
  private liveObjects = 0;

  constructor(options: AllocatorOptions = {}) {
    super("bump", options, KNOWN_KNOB_NAMES);
    this.resetWhenEmpty = booleanKnob(options, "resetWhenEmpty", true);
  }

  detail(): AllocatorDetail {
    return { kind: "bump", largeThreshold: 0, cursor: this.cursor, emptyCursor: FIRST_BLOCK, liveObjects: this.liveObjects, resetWhenEmpty: this.resetWhenEmpty };
  }

  // The whole of malloc is the fast path: bumpBlock and noteAllocated written out, because the
  // inlined calls spend the JIT's inlining budget on the benchmark's hot loop; its slow paths are
  // rejectSize (not a uint32, or larger than the arena) and failRequest (the arena is full).
  malloc(size: number): number {
    // (size >>> 0) === size: an integer in [0, 2^32), so the size arithmetic below stays exact
    if ((size >>> 0) !== size || size > this.arenaBytes) return this.rejectSize(size);
    const start = this.cursor;
    const end = start + ((size + HEADER_BYTES + 15) & ~15); // blockBytesFor
    if (end > this.arenaBytes) return this.failRequest();
    const payload = start + HEADER_BYTES;
    const words = this.words;
    words[start >> 2] = BUMP_MAGIC ^ payload;
    words[(start >> 2) + 1] = size;
    this.cursor = end;
    this.liveObjects++;
    const stats = this.stats;
    stats.allocs++;
    const live = (stats.liveBytes += size);
    if (live > stats.peakLiveBytes) stats.peakLiveBytes = live;
    if (end > stats.highWater) stats.highWater = end;
    return payload;
  }

  // readLiveState → markDead → noteFreed, written out like malloc. The fast test is readLiveState's
  // tests without side effects; when it fails, readLiveState (cold) repeats them in order, counts its
  // probe and throws naming the one that failed.
  free(addr: number): void {
    if (addr === NULL) return;
    const words = this.words;
    const i = addr >> 2;
    const stats = this.stats;
    let state: number;
    if ((addr | 0) === addr && (addr & 15) === 0 && addr >= FIRST_PAYLOAD && addr < this.cursor
      && words[i - 2] === (BUMP_MAGIC ^ addr) && words[i - 1] >= 0) {
      state = words[i - 1];
      stats.probes++;
    } else {
      state = this.readLiveState(addr);
    }
    words[i - 1] = state | DEAD_BIT; // markDead
    if (--this.liveObjects === 0 && this.resetWhenEmpty) this.cursor = FIRST_BLOCK;
    stats.frees++;
    stats.liveBytes -= state;
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL) return this.malloc(size);
    validateSize(size);
    if (size === 0) return this.freeForRealloc(addr);
    const oldRequested = this.readLiveState(addr);
    if (addr + blockBytesFor(oldRequested) - HEADER_BYTES === this.cursor) return this.resizeLast(addr, oldRequested, size);
    const moved = this.bumpBlock(size);
    if (moved === NULL) return this.failRequest();
    this.bytes.copyWithin(moved, addr, addr + (oldRequested < size ? oldRequested : size));
    this.markDead(addr, oldRequested);
    this.noteReallocated(oldRequested, size, this.cursor);
    return moved;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    const words = this.words;
    const cursor = this.cursor;
    if (cursor === FIRST_BLOCK) {
      visit(0, this.arenaBytes, 0, -1);
      return;
    }
    let start = 0; // the first block absorbs the alignment pad before its header
    for (let block = FIRST_BLOCK; block < cursor;) {
      const state = words[(block >> 2) + 1];
      const end = block + blockBytesFor(state & REQUESTED_MASK);
      if (state < 0) visit(start, end - start, start, 0);
      else visit(start, end - start, block + HEADER_BYTES, state);
      start = block = end;
    }
    if (cursor < this.arenaBytes) visit(cursor, this.arenaBytes - cursor, cursor, -1);
  }

  check(): void {
    const words = this.words;
    const cursor = this.cursor;
    if (cursor < FIRST_BLOCK || cursor > this.arenaBytes || (cursor & 15) !== FIRST_BLOCK) {
      this.corrupt(cursor, "cursor should lie in [8, arenaBytes] and be 8 mod 16");
    }
    let live = 0;
    let liveBytes = 0;
    let block = FIRST_BLOCK;
    while (block < cursor) {
      const payload = block + HEADER_BYTES;
      if (words[block >> 2] !== (BUMP_MAGIC ^ payload)) this.corrupt(block, "header check word should equal BUMP_MAGIC ^ payload");
      const state = words[(block >> 2) + 1];
      const requested = state & REQUESTED_MASK;
      if (requested > this.arenaBytes) this.corrupt(block, `requested size ${requested} should fit in the arena`);
      if (state >= 0) {
        live++;
        liveBytes += requested;
      }
      block += blockBytesFor(requested);
    }
    if (block !== cursor) this.corrupt(block, `blocks should end exactly at the cursor ${hex(cursor)}`);
    if (live !== this.liveObjects) this.corrupt(cursor, `${live} live headers should equal liveObjects ${this.liveObjects}`);
    if (liveBytes !== this.stats.liveBytes) this.corrupt(cursor, `live requested bytes ${liveBytes} should equal stats.liveBytes ${this.stats.liveBytes}`);
    if (this.resetWhenEmpty && live === 0 && cursor !== FIRST_BLOCK) this.corrupt(cursor, "an arena with no live object should have been reset");
    if (cursor > FIRST_BLOCK && this.stats.highWater < cursor) this.corrupt(cursor, `highWater ${hex(this.stats.highWater)} should reach the cursor`);
  }

  // Hands out the block at the cursor (counterpart: markDead, which never gives it back by itself).
  private bumpBlock(size: number): number {
    const start = this.cursor;
    if (size > this.arenaBytes) return NULL;
    const end = start + blockBytesFor(size);
    if (end > this.arenaBytes) return NULL;
    const payload = start + HEADER_BYTES;
    const words = this.words;
    words[start >> 2] = BUMP_MAGIC ^ payload;
    words[(start >> 2) + 1] = size;
    this.cursor = end;
    this.liveObjects++;
    return payload;
  }

  // Sets the dead bit; the arena resets when this was the last live object (counterpart: bumpBlock).
  private markDead(payload: number, requested: number): void {
    this.words[(payload >> 2) - 1] = requested | DEAD_BIT;
    if (--this.liveObjects === 0 && this.resetWhenEmpty) this.cursor = FIRST_BLOCK;
  }

  // In-place realloc of the block just below the cursor: the cursor itself moves.
  private resizeLast(payload: number, oldRequested: number, size: number): number {
    if (size > this.arenaBytes) return this.failRequest();
    const end = payload - HEADER_BYTES + blockBytesFor(size);
    if (end > this.arenaBytes) return this.failRequest();
    this.words[(payload >> 2) - 1] = size;
    this.cursor = end;
    this.noteReallocated(oldRequested, size, end);
    return payload;
  }

  /** The requested size of the live object at `addr`; throws before touching anything if there is none. */
  private readLiveState(addr: number): number {
    if (!this.isPlausiblePayload(addr)) this.invalidFree(addr, "not a 16-aligned address inside the arena");
    if (addr < FIRST_PAYLOAD) this.invalidFree(addr, "no payload starts before the first header");
    if (addr >= this.cursor) this.invalidFree(addr, `beyond the cursor ${hex(this.cursor)}: nothing is allocated there`);
    this.stats.probes++;
    const words = this.words;
    if (words[(addr >> 2) - 2] !== (BUMP_MAGIC ^ addr)) this.invalidFree(addr, "no object header precedes it");
    const state = words[(addr >> 2) - 1];
    if (state < 0) this.doubleFree(addr);
    return state;
  }

  // The cold half of malloc's size test: a malformed size throws, one larger than the arena fails.
  private rejectSize(size: number): number {
    validateSize(size);
    return this.failRequest();
  }

  private failRequest(): number {
    this.stats.failures++;
    return NULL;
  }
}
