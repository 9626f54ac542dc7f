// TLSF, Two-Level Segregated Fit (Masmano, Ripoll, Crespo, Real; ECRTS 2004), laid out as in the
// widely used reference implementation (Matt Conte's tlsf.c): O(1) malloc and free with good fit,
// for real-time and embedded systems where a list walk of unknown length is not allowed.
//
// Free blocks are filed on FL × SL segregated lists: the first level is the power of two of the
// block size, the second level cuts each power of two into SL equal ranges (SL = secondLevel knob,
// 8, 16 or 32; 32 in the reference). Blocks below SMALL = SL · 8 bytes go into linear lists of
// 8-byte spacing instead. Two bitmaps say which lists have a block — one first-level word, one
// second-level word per first level — so find-first-set finds the next non-empty list at once.
//
//   arena:  0                        FIRST                                       N-8    N-4   N
//           [ control               ][ block ][ block ][ block ] ...... [ block ][ sentinel ][pad]
//             flBitmap               FIRST ≡ 8 (mod 16), so every payload h + 8 is 16-aligned
//             slBitmap[FL]           sentinel: a used block of size 0 (its PREV_FREE bit is live)
//             heads[FL][SL]
//
//   used block at h:   h           h+4          h+8                                     h+size
//                      [size|bits ][requested  ][ payload ....................| reserved ]
//   free block at h:   [size|bits ][next free  ][prev free ][ ..... unused .....][ h ]
//                                                                                  ^ h+size-4: the next block's
//                      prev-physical pointer, kept in the last word of this block, valid only while it is free
//
//   bits: FREE (1) this block is free; PREV_FREE (2) the block physically before it is free.
//   A used block carries one 8 B header (size word and requested bytes); it has no footer, because
//   free() only needs the previous block's start when that block is free, and then it is there.
//
// The index math (mappingInsert), with SL_LOG2 = log2(SL) and size = block bytes:
//   size < SMALL:   fl = 0,                                 sl = size / 8
//   otherwise:      f = floor(log2 size),  fl = f - log2(SMALL) + 1,  sl = (size >> (f - SL_LOG2)) - SL
// so list (fl ≥ 1, sl) holds sizes [2^f + sl·2^(f-SL_LOG2), 2^f + (sl+1)·2^(f-SL_LOG2)).
// A search (mappingSearch) first rounds the request up to the next list boundary,
//   size + 2^(f - SL_LOG2) - 1,
// so that every block on the first non-empty list at or above it fits: good fit with no list walk.
//
// Worked example, malloc(1000): the block needs 8 + 1000 bytes, rounded to 16: 1008 B; f = 9.
//   SL = 32 (SMALL 256): a free block of 1008 B is stored in list fl 9-8+1 = 2, sl (1008 >> 4) - 32 = 31,
//     which holds [1008, 1024). The search rounds 1008 + 15 = 1023 → the same list (2, 31): all its
//     blocks are ≥ 1008. The bitmaps then find (2, 31) or the next non-empty list above it.
//   SL = 8 (SMALL 64): 1008 B is stored in fl 9-6+1 = 4, sl (1008 >> 6) - 8 = 7, holding [960, 1024).
//     The search rounds 1008 + 63 = 1071 → fl 5, sl 0 ([1024, 1152)): it skips list (4, 7), whose
//     960-B blocks would not fit. A 1008-B block there is passed over — fewer lists, coarser fit.
// The search knob's "own-list-first" is HeapForge's variant, not the reference's: before rounding
// up, it looks at the head of the request's own list (mappingInsert of the block size) and takes it
// when it is big enough. The round-up passes over a block of exactly the requested size unless that
// size is its list's floor, so a program that frees and asks again for the same sizes never gets
// its own holes back and cuts fresh blocks instead; the one extra probe wins them back, and the
// bound stays (the own list's head is one block, never a walk).
// Every block size is a multiple of 16 (the payload alignment), so in the linear lists only every
// other list of 8-byte spacing is ever used; the reference's 8-byte alignment fills all of them.
//
// Invariants (check() verifies each one and names it when it fails):
//   FIRST + sum of block bytes == heapEnd == arenaBytes - 8     (blocks tile the heap)
//   size % 16 == 0, size >= MIN_BLOCK, no bits but FREE and PREV_FREE
//   PREV_FREE(next(b)) == FREE(b);  FREE(b) ⇒ prevPhys(next(b)) == b
//   no two physically adjacent free blocks
//   every free block is on exactly the list mappingInsert(size) names, and every node is a free block
//   prev(next(node)) == node
//   bit sl of slBitmap[fl] == (heads[fl][sl] != NIL);  bit fl of flBitmap == (slBitmap[fl] != 0)
//   used block: 0 <= requested <= size - 8;  stats.liveBytes == sum of requested
//   bit (h >> 4) of the used-start map is set exactly for the used blocks' headers h
//
// The used-start map is HeapForge's, not TLSF's: the reference trusts the header free() finds
// (it only asserts), so a double free there corrupts the heap. The header alone cannot prove a
// block live here either: a freed header merged into a neighbour stays in memory, and a program
// that later writes a few payload bytes over it can make its low byte read "used" with the stale
// size above it intact. One bit per 16-byte granule, kept outside the arena (no arena bytes, so
// utilization is TLSF's own), makes every double and invalid free a HeapError.
//
// free(): markFree → mergePrev → mergeNext → insertFree (immediate coalescing with both neighbours).
// malloc(): mappingSearch → findSuitable (two find-first-sets) → removeHead → splitFrom (only when
// the rest is a whole MIN_BLOCK). realloc: in place when the block holds the request (the tail is
// split off or given to a free next block) or when absorbing a free next block makes it hold it;
// else malloc + copy + free, as the reference does. realloc(p, 0) frees p (types.ts).
//
// Probes (stats.probes): +1 for each bitmap word malloc reads, +1 for the list head it takes, +1
// for the next block's header it updates; free and realloc read the block's header and the next
// block's header (2), +1 for the previous block when PREV_FREE says it is free. So every op costs a
// small constant: malloc at most 5 (6 with own-list-first, whose look at its own list's head can
// miss), free at most 3 (plus a realloc's move).

import { DEFAULT_LARGE_THRESHOLD, largePathKnobs } from "./large.js";
import { ArenaAllocator, alignUp, choiceKnob, hex, popcount, validateSize } from "./base.js";
import type { KnobSpec } from "./knobs.js";
import { NULL_ADDR, type AllocatorDetail, type AllocatorOptions } from "./types.js";

const enum T {
  NIL = -1,
  FREE = 1,
  PREV_FREE = 2,
  BITS = 15,
  HEADER_BYTES = 8,
  MIN_BLOCK = 16,
  NEXT_FREE = 4,
  PREV_FREE_LINK = 8,
  ALIGN_LOG2 = 3,
  SENTINEL_BYTES = 8,
}

/** Used-block overhead: the size word and the requested-bytes word. */
export const TLSF_HEADER_BYTES: number = T.HEADER_BYTES;
/** The smallest block: a free block's size word, two links and the prev-physical word. */
export const TLSF_MIN_BLOCK: number = T.MIN_BLOCK;
export const TLSF_SECOND_LEVELS = ["8", "16", "32"] as const;
export type TlsfSecondLevel = (typeof TLSF_SECOND_LEVELS)[number];
export const TLSF_SEARCHES = ["round-up", "own-list-first"] as const;
export type TlsfSearch = (typeof TLSF_SEARCHES)[number];

export const TLSF_KNOBS: readonly KnobSpec[] = [
  {
    name: "secondLevel", label: "Second-level lists", kind: "choice", choices: TLSF_SECOND_LEVELS, default: "32",
    help: "How many lists each power of two is cut into (the reference uses 32). Fewer lists round a request up further, so blocks fit more loosely.",
  },
  {
    name: "search", label: "Search", kind: "choice", choices: TLSF_SEARCHES, default: "round-up",
    help: "round-up is the reference's good fit: the request is rounded up to the next list boundary, so the first block found fits. own-list-first (HeapForge's variant) first takes the head of the request's own list when it is big enough: one more probe, exact holes reused.",
  },
  ...largePathKnobs(DEFAULT_LARGE_THRESHOLD),
];
const KNOWN_KNOB_NAMES = TLSF_KNOBS.map((knob) => knob.name);

// The knob is a menu of three (a choice, for the pages' inputs), but a count: 16 and "16" both do.
function secondLevelKnob(options: AllocatorOptions): number {
  const value = options.secondLevel;
  if (value === undefined) return 32;
  if ((typeof value === "number" || typeof value === "string") && (TLSF_SECOND_LEVELS as readonly string[]).includes(String(value))) return Number(value);
  throw new RangeError(`invalid secondLevel: ${JSON.stringify(value)} (must be one of ${TLSF_SECOND_LEVELS.join(", ")})`);
}

/** The geometry the secondLevel knob implies; exported for the strategy page and tests. */
export interface TlsfGeometry {
  readonly slLog2: number;
  readonly slCount: number;
  /** Block sizes below this go into linear lists of 8-byte spacing (fl 0). */
  readonly smallBlock: number;
  readonly flCount: number;
}

export function tlsfGeometry(secondLevel: number, arenaBytes: number): TlsfGeometry {
  const slLog2 = 31 - Math.clz32(secondLevel);
  const flShift = slLog2 + T.ALIGN_LOG2;
  // the largest block is below arenaBytes: floor(log2) <= log2(arenaBytes) - 1
  const flCount = 31 - Math.clz32(arenaBytes) - flShift + 1;
  return { slLog2, slCount: 1 << slLog2, smallBlock: 1 << flShift, flCount };
}

/** mappingInsert: the list (fl, sl) a free block of `size` bytes is stored on. */
export function tlsfListOf(geometry: TlsfGeometry, size: number): { fl: number; sl: number } {
  if (size < geometry.smallBlock) return { fl: 0, sl: size >> T.ALIGN_LOG2 };
  const f = 31 - Math.clz32(size);
  return { fl: f - (geometry.slLog2 + T.ALIGN_LOG2) + 1, sl: (size >>> (f - geometry.slLog2)) ^ geometry.slCount };
}

/** mappingSearch: the first list whose every block holds `size` bytes (the request rounded up to a list boundary). */
export function tlsfSearchListOf(geometry: TlsfGeometry, size: number): { fl: number; sl: number } {
  if (size < geometry.smallBlock) return tlsfListOf(geometry, size);
  const f = 31 - Math.clz32(size);
  return tlsfListOf(geometry, size + (1 << (f - geometry.slLog2)) - 1);
}

/** The smallest block size list (fl, sl) holds. */
export function tlsfListFloor(geometry: TlsfGeometry, fl: number, sl: number): number {
  if (fl === 0) return sl << T.ALIGN_LOG2;
  const f = fl + geometry.slLog2 + T.ALIGN_LOG2 - 1;
  return (1 << f) + sl * (1 << (f - geometry.slLog2));
}

export class TlsfAllocator extends ArenaAllocator {
  declare readonly secondLevel: number;
  declare readonly search: TlsfSearch;
  declare readonly geometry: TlsfGeometry;
  // Control block offsets (words): flBitmap, then slBitmap[flCount], then heads[flCount * slCount].
  private declare readonly slBitmapWord: number;
  private declare readonly headsWord: number;
  private declare readonly slLog2: number;
  private declare readonly slCount: number;
  private declare readonly smallBlock: number;
  private declare readonly flCount: number;
  /** The first block header. */
  declare readonly firstBlock: number;
  /** The sentinel's header: one past the last block. */
  declare readonly heapEnd: number;
  // Bit h >> 4 set while a used block's header is at h (every h ≡ 8 mod 16); see the header comment.
  private declare readonly usedStarts: Uint32Array;
  private declare readonly ownListFirst: boolean;

  constructor(options: AllocatorOptions = {}) {
    super("tlsf", options, KNOWN_KNOB_NAMES);
    this.secondLevel = secondLevelKnob(options);
    this.search = choiceKnob(options, "search", TLSF_SEARCHES, "round-up");
    this.ownListFirst = this.search === "own-list-first";
    const geometry = tlsfGeometry(this.secondLevel, this.arenaBytes);
    this.geometry = geometry;
    this.slLog2 = geometry.slLog2;
    this.slCount = geometry.slCount;
    this.smallBlock = geometry.smallBlock;
    this.flCount = geometry.flCount;
    this.slBitmapWord = 1;
    this.headsWord = 1 + geometry.flCount;
    const controlBytes = (this.headsWord + geometry.flCount * geometry.slCount) * 4;
    this.firstBlock = alignUp(controlBytes + T.HEADER_BYTES) - T.HEADER_BYTES;
    this.heapEnd = this.arenaBytes - T.SENTINEL_BYTES;
    this.usedStarts = new Uint32Array((this.arenaBytes >> 9) + 1);
    this.formatPool();
    this.openLargePath(options, DEFAULT_LARGE_THRESHOLD);
  }

  /** Bytes of the control block at the start of the arena (bitmaps and list heads, padded). */
  get controlBytes(): number {
    return this.firstBlock;
  }

  /** The first-level bitmap: bit fl set when some list of first level fl has a block. */
  get firstLevelBitmap(): number {
    return this.words[0];
  }

  secondLevelBitmap(fl: number): number {
    return this.words[this.slBitmapWord + fl];
  }

  /** Block offsets (headers) on list (fl, sl), in list order, for tests and the step-by-step widget. */
  freeList(fl: number, sl: number): number[] {
    const nodes: number[] = [];
    const limit = this.arenaBytes / T.MIN_BLOCK;
    for (let n = this.words[this.headsWord + fl * this.slCount + sl]; n !== T.NIL && nodes.length < limit; n = this.words[(n + T.NEXT_FREE) >> 2]) nodes.push(n);
    return nodes;
  }

  detail(): AllocatorDetail {
    const g = this.geometry;
    const lists = [];
    const slBitmaps: number[] = [];
    for (let fl = 0; fl < g.flCount; fl++) {
      slBitmaps.push(this.secondLevelBitmap(fl));
      for (let sl = 0; sl < g.slCount; sl++) {
        const freeList = this.freeList(fl, sl);
        if (freeList.length === 0) continue;
        const next = sl + 1 < g.slCount ? tlsfListFloor(g, fl, sl + 1) : tlsfListFloor(g, fl + 1, 0);
        lists.push({ fl, sl, floor: tlsfListFloor(g, fl, sl), ceiling: next - 1, freeList });
      }
    }
    return {
      kind: "tlsf", largeThreshold: this.largeThreshold, flCount: g.flCount, slCount: g.slCount, smallBlock: g.smallBlock,
      controlBytes: this.controlBytes, sentinelBytes: T.SENTINEL_BYTES, flBitmap: this.firstLevelBitmap, slBitmaps, lists,
    };
  }

  malloc(size: number): number {
    if (this.large !== null && this.large.wants(size)) return this.mallocLarge(size);
    if (!(size >= 0 && size <= this.arenaBytes && (size | 0) === size)) return this.rejectSize(size);
    const need = blockSizeFor(size);
    const list = this.findSuitable(need);
    if (list === T.NIL) return this.failRequest();
    const h = this.words[this.headsWord + list];
    const end = this.takeBlock(h, list, need, size);
    this.noteAllocated(size, end === this.heapEnd ? this.arenaBytes : end);
    return h + T.HEADER_BYTES;
  }

  free(addr: number): void {
    if (addr === NULL_ADDR) return;
    if (addr >= this.arenaBytes && this.large !== null) return this.freeLarge(addr);
    const h = this.liveHeaderOf(addr);
    this.noteFreed(this.words[(h + 4) >> 2]);
    this.releaseBlock(h);
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL_ADDR) return this.malloc(size);
    validateSize(size);
    if (size === 0) return this.freeForRealloc(addr);
    if (this.crossesLargePath(addr, size)) return this.reallocAcross(addr, size);
    const h = this.liveHeaderOf(addr);
    const words = this.words;
    const oldRequested = words[(h + 4) >> 2];
    if (size > this.arenaBytes) return this.failRequest();
    const need = blockSizeFor(size);
    const current = words[h >> 2] & ~T.BITS;
    if (need <= current) this.shrinkInPlace(h, current, need);
    else if (!this.growInPlace(h, current, need)) return this.moveBlock(h, oldRequested, size, need);
    words[(h + 4) >> 2] = size;
    const end = h + (words[h >> 2] & ~T.BITS);
    this.noteReallocated(oldRequested, size, end === this.heapEnd ? this.arenaBytes : end);
    return addr;
  }

  protected override arenaRequestedOf(addr: number): number {
    return this.words[(this.liveHeaderOf(addr) + 4) >> 2];
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    const words = this.words;
    const heapEnd = this.heapEnd;
    visit(0, this.firstBlock, this.firstBlock, 0); // the control block: metadata only
    for (let h = this.firstBlock; h < heapEnd;) {
      const tag = words[h >> 2];
      const size = tag & ~T.BITS;
      if (size < T.MIN_BLOCK || h + size > heapEnd) this.corrupt(h, "blocks should tile the heap (walk found a bad size)");
      const end = h + size === heapEnd ? this.arenaBytes : h + size;
      visit(h, end - h, h + T.HEADER_BYTES, (tag & T.FREE) !== 0 ? -1 : words[(h + 4) >> 2]);
      h += size;
    }
  }

  check(): void {
    const words = this.words;
    const heapEnd = this.heapEnd;
    const stats = this.stats;
    const freeStarts = new Set<number>();
    let liveBytes = 0;
    let previousFree = false;
    let usedBlocks = 0;
    let h = this.firstBlock;
    while (h < heapEnd) {
      const tag = words[h >> 2];
      const size = tag & ~T.BITS;
      if ((tag & T.BITS & ~(T.FREE | T.PREV_FREE)) !== 0) this.corrupt(h, `only the FREE and PREV_FREE bits may be set, found ${tag & T.BITS}`);
      if (size < T.MIN_BLOCK) this.corrupt(h, `block size should be a multiple of 16 and >= ${T.MIN_BLOCK}, found ${size}`);
      if (h + size > heapEnd) this.corrupt(h, "blocks should tile the heap: FIRST + sum of block bytes == heapEnd");
      if (((tag & T.PREV_FREE) !== 0) !== previousFree) this.corrupt(h, "PREV_FREE(next(b)) == FREE(b)");
      if ((tag & T.FREE) !== 0) {
        if (previousFree) this.corrupt(h, "blocks should have coalesced: no two adjacent free blocks");
        if (words[(h + size - 4) >> 2] !== h) this.corrupt(h, "prevPhys(next(b)) == b for a free block b");
        freeStarts.add(h);
        previousFree = true;
      } else {
        if (!this.isUsedStart(h)) this.corrupt(h, "the used-start map has the bit of every used block");
        usedBlocks++;
        const requested = words[(h + 4) >> 2];
        if (requested < 0 || requested > size - T.HEADER_BYTES) this.corrupt(h, `0 <= requested <= size - 8, found requested ${requested} in ${size} bytes`);
        const end = h + size === heapEnd ? this.arenaBytes : h + size;
        if (end > stats.highWater) this.corrupt(h, "stats.highWater >= end of every used block");
        liveBytes += requested;
        previousFree = false;
      }
      h += size;
    }
    const sentinel = words[heapEnd >> 2];
    if ((sentinel & ~T.PREV_FREE) !== 0) this.corrupt(heapEnd, "the sentinel should be a used block of size 0");
    if (((sentinel & T.PREV_FREE) !== 0) !== previousFree) this.corrupt(heapEnd, "PREV_FREE(sentinel) == FREE(last block)");
    let usedStartBits = 0;
    for (const word of this.usedStarts) usedStartBits += popcount(word);
    if (usedStartBits !== usedBlocks) this.corrupt(0, `the used-start map has a bit for used blocks only (${usedStartBits} bits, ${usedBlocks} used blocks)`);
    liveBytes += this.checkLargePath();
    if (liveBytes !== stats.liveBytes) this.corrupt(0, `stats.liveBytes == sum of requested bytes (arena and mapped), ${stats.liveBytes} != ${liveBytes}`);
    if (stats.peakLiveBytes < stats.liveBytes) this.corrupt(0, "stats.peakLiveBytes >= stats.liveBytes");
    this.checkLists(freeStarts);
  }

  // ---- the lists and bitmaps ----

  // The list head word of (fl, sl).
  private headWord(fl: number, sl: number): number {
    return this.headsWord + fl * this.slCount + sl;
  }

  /** mappingInsert, inlined for the hot paths: fl · slCount + sl. */
  private listIndexOf(size: number): number {
    if (size < this.smallBlock) return size >> T.ALIGN_LOG2;
    const f = 31 - Math.clz32(size);
    const fl = f - (this.slLog2 + T.ALIGN_LOG2) + 1;
    return fl * this.slCount + ((size >>> (f - this.slLog2)) ^ this.slCount);
  }

  // Counterpart of removeFree: LIFO push onto the list mappingInsert names, setting both bitmap bits.
  private insertFree(h: number, size: number): void {
    const words = this.words;
    const index = this.listIndexOf(size);
    const fl = index >> this.slLog2;
    const headWord = this.headsWord + index;
    const first = words[headWord];
    words[(h + T.NEXT_FREE) >> 2] = first;
    words[(h + T.PREV_FREE_LINK) >> 2] = T.NIL;
    if (first !== T.NIL) words[(first + T.PREV_FREE_LINK) >> 2] = h;
    words[headWord] = h;
    words[this.slBitmapWord + fl] |= 1 << (index & (this.slCount - 1));
    words[0] |= 1 << fl;
  }

  // Counterpart of insertFree; clears the bitmap bits when the list (and then the first level) empties.
  private removeFree(h: number, size: number): void {
    const words = this.words;
    const before = words[(h + T.PREV_FREE_LINK) >> 2];
    const after = words[(h + T.NEXT_FREE) >> 2];
    if (after !== T.NIL) words[(after + T.PREV_FREE_LINK) >> 2] = before;
    if (before !== T.NIL) {
      words[(before + T.NEXT_FREE) >> 2] = after;
      return;
    }
    const index = this.listIndexOf(size);
    words[this.headsWord + index] = after;
    if (after !== T.NIL) return;
    const fl = index >> this.slLog2;
    const slWord = this.slBitmapWord + fl;
    words[slWord] &= ~(1 << (index & (this.slCount - 1)));
    if (words[slWord] === 0) words[0] &= ~(1 << fl);
  }

  // removeFree for a list head whose list is known: no index math, no previous node.
  private removeHead(h: number, list: number): void {
    const words = this.words;
    const after = words[(h + T.NEXT_FREE) >> 2];
    words[this.headsWord + list] = after;
    if (after !== T.NIL) {
      words[(after + T.PREV_FREE_LINK) >> 2] = T.NIL;
      return;
    }
    const fl = list >> this.slLog2;
    const slWord = this.slBitmapWord + fl;
    words[slWord] &= ~(1 << (list & (this.slCount - 1)));
    if (words[slWord] === 0) words[0] &= ~(1 << fl);
  }

  /**
   * mappingSearch + findSuitable: the first non-empty list at or above the request rounded up to a
   * list boundary (fl · slCount + sl), found with at most two find-first-sets; NIL when there is
   * none. Its head is the block to take. With own-list-first, the request's own list comes first
   * when its head is big enough.
   */
  private findSuitable(need: number): number {
    const words = this.words;
    const stats = this.stats;
    let fl: number, sl: number;
    if (need < this.smallBlock) {
      fl = 0;
      sl = need >> T.ALIGN_LOG2;
    } else {
      if (this.ownListFirst) {
        const ownList = this.listIndexOf(need);
        const own = words[this.headsWord + ownList];
        if (own !== T.NIL && (words[own >> 2] & ~T.BITS) >= need) { stats.probes += 2; return ownList; }
        stats.probes++;
      }
      const f = 31 - Math.clz32(need);
      const rounded = need + (1 << (f - this.slLog2)) - 1;
      const g = 31 - Math.clz32(rounded);
      fl = g - (this.slLog2 + T.ALIGN_LOG2) + 1;
      sl = (rounded >>> (g - this.slLog2)) ^ this.slCount;
      if (fl >= this.flCount) { stats.probes++; return T.NIL; } // rounded past the largest list
    }
    let slMap = words[this.slBitmapWord + fl] & (-1 << sl);
    let probes = 1;
    if (slMap === 0) {
      const flMap = words[0] & (-2 << fl);
      probes++;
      if (flMap === 0) { stats.probes += probes; return T.NIL; }
      fl = 31 - Math.clz32(flMap & -flMap);
      slMap = words[this.slBitmapWord + fl];
      probes++;
    }
    sl = 31 - Math.clz32(slMap & -slMap);
    stats.probes += probes + 1; // and the list head
    return fl * this.slCount + sl;
  }

  // ---- blocks ----

  // One free block covering the heap, then the sentinel: a used block of size 0 whose PREV_FREE is set.
  private formatPool(): void {
    const words = this.words;
    for (let w = 0; w < this.firstBlock >> 2; w++) words[w] = 0;
    for (let i = 0; i < this.flCount * this.slCount; i++) words[this.headsWord + i] = T.NIL;
    const size = this.heapEnd - this.firstBlock;
    words[this.firstBlock >> 2] = size | T.FREE;
    words[(this.heapEnd - 4) >> 2] = this.firstBlock;
    words[this.heapEnd >> 2] = T.PREV_FREE;
    this.insertFree(this.firstBlock, size);
    this.stats.highWater = this.firstBlock; // the control block is metadata, never free
  }

  /**
   * The free block h, the head of `list`, becomes a used block of `need` bytes holding `requested`:
   * off its list, and splitFrom when the rest is at least MIN_BLOCK (else the whole block is handed
   * out). Returns the used block's end. Counterpart of releaseBlock.
   */
  private takeBlock(h: number, list: number, need: number, requested: number): number {
    const words = this.words;
    const size = words[h >> 2] & ~T.BITS; // a free block's PREV_FREE bit is always clear
    this.removeHead(h, list);
    let end = h + size;
    this.stats.probes++; // the next block's header
    if (size - need >= T.MIN_BLOCK) {
      end = h + need;
      this.fileFreeBlock(end, size - need);
      this.stats.splits++;
    } else {
      words[end >> 2] &= ~T.PREV_FREE;
    }
    words[h >> 2] = end - h;
    words[(h + 4) >> 2] = requested;
    this.usedStarts[h >> 9] |= 1 << ((h >> 4) & 31); // the bit isUsedStart reads
    return end;
  }

  /**
   * [h, h + size) becomes one free block after a used block: its header, the prev-physical word,
   * the next block's PREV_FREE bit, and its list.
   */
  private fileFreeBlock(h: number, size: number): void {
    const words = this.words;
    words[h >> 2] = size | T.FREE;
    words[(h + size - 4) >> 2] = h;
    words[(h + size) >> 2] |= T.PREV_FREE;
    this.insertFree(h, size);
  }

  /** markFree → mergePrev → mergeNext → insertFree. Also realloc's release of a moved block. Counterpart of takeBlock. */
  private releaseBlock(h: number): void {
    const words = this.words;
    const stats = this.stats;
    const tag = words[h >> 2];
    let start = h;
    let end = h + (tag & ~T.BITS);
    words[h >> 2] = tag | T.FREE; // markFree
    this.usedStarts[h >> 9] &= ~(1 << ((h >> 4) & 31));
    if ((tag & T.PREV_FREE) !== 0) { // mergePrev: the previous block's start is in our word before h
      start = words[(h - 4) >> 2];
      this.removeFree(start, words[start >> 2] & ~T.BITS);
      stats.coalesces++;
      stats.probes++;
    }
    const nextTag = words[end >> 2];
    if ((nextTag & T.FREE) !== 0) { // mergeNext
      this.removeFree(end, nextTag & ~T.BITS);
      end += nextTag & ~T.BITS;
      stats.coalesces++;
    }
    this.fileFreeBlock(start, end - start);
  }

  // The tail past `need` becomes free: merged into a free next block, or split off when big enough.
  private shrinkInPlace(h: number, size: number, need: number): void {
    const rest = size - need;
    if (rest === 0) return;
    const words = this.words;
    const end = h + size;
    const nextTag = words[end >> 2];
    if ((nextTag & T.FREE) !== 0) {
      this.removeFree(end, nextTag & ~T.BITS);
      words[h >> 2] = need | (words[h >> 2] & T.PREV_FREE);
      this.fileFreeBlock(h + need, rest + (nextTag & ~T.BITS));
      this.stats.coalesces++;
      this.stats.splits++;
    } else if (rest >= T.MIN_BLOCK) {
      words[h >> 2] = need | (words[h >> 2] & T.PREV_FREE);
      this.fileFreeBlock(h + need, rest);
      this.stats.splits++;
    }
  }

  // Absorbs a free next block when the two together hold `need`; false leaves everything unchanged.
  private growInPlace(h: number, size: number, need: number): boolean {
    const words = this.words;
    const end = h + size;
    const nextTag = words[end >> 2];
    const nextSize = nextTag & ~T.BITS;
    if ((nextTag & T.FREE) === 0 || size + nextSize < need) return false;
    this.removeFree(end, nextSize);
    const total = size + nextSize;
    const prevBit = words[h >> 2] & T.PREV_FREE;
    if (total - need >= T.MIN_BLOCK) {
      words[h >> 2] = need | prevBit;
      this.fileFreeBlock(h + need, total - need);
      this.stats.splits++;
    } else {
      words[h >> 2] = total | prevBit;
      words[(h + total) >> 2] &= ~T.PREV_FREE;
    }
    return true;
  }

  // malloc + copy + free, as the reference's tlsf_realloc; on failure the old block is untouched.
  private moveBlock(h: number, oldRequested: number, size: number, need: number): number {
    const list = this.findSuitable(need);
    if (list === T.NIL) return this.failRequest();
    const target = this.words[this.headsWord + list];
    const end = this.takeBlock(target, list, need, size);
    const from = h + T.HEADER_BYTES;
    this.bytes.copyWithin(target + T.HEADER_BYTES, from, from + (oldRequested < size ? oldRequested : size));
    this.releaseBlock(h);
    this.noteReallocated(oldRequested, size, end === this.heapEnd ? this.arenaBytes : end);
    return target + T.HEADER_BYTES;
  }

  /**
   * The header of the live block whose payload is `addr`, else a HeapError, before anything changes.
   * The used-start map is the proof (see the header comment); a header there that says FREE means
   * the block was freed and not merged away since — a double free — and anything else was never a
   * block start or has been swallowed by a merge.
   */
  private liveHeaderOf(addr: number): number {
    const h = addr - T.HEADER_BYTES;
    if (!((addr | 0) === addr && (addr & 15) === 0 && h >= this.firstBlock && h <= this.heapEnd - T.MIN_BLOCK)) {
      this.invalidFree(addr, `not a payload address of this heap (16-aligned, from ${hex(this.firstBlock + T.HEADER_BYTES)} to ${hex(this.heapEnd - T.MIN_BLOCK + T.HEADER_BYTES)})`);
    }
    this.stats.probes += 2; // the block's header and the next one's, as free and realloc read them
    if (!this.isUsedStart(h)) {
      if ((this.words[h >> 2] & T.FREE) !== 0) this.doubleFree(addr);
      this.invalidFree(addr, "no used block starts there (never allocated, or freed and merged into a neighbour)");
    }
    return h;
  }

  private isUsedStart(h: number): boolean {
    return ((this.usedStarts[h >> 9] >>> ((h >> 4) & 31)) & 1) !== 0;
  }

  private failRequest(): number {
    this.stats.failures++;
    return NULL_ADDR;
  }

  // The cold half of malloc's size test: a malformed size throws RangeError, one larger than the arena fails.
  private rejectSize(size: number): number {
    validateSize(size);
    return this.failRequest();
  }

  private checkLists(freeStarts: Set<number>): void {
    const words = this.words;
    const seen = new Set<number>();
    const flBitmap = words[0];
    if (this.flCount < 32 && flBitmap >>> this.flCount !== 0) this.corrupt(0, `flBitmap >> ${this.flCount} == 0, found 0x${(flBitmap >>> 0).toString(16)}`);
    for (let fl = 0; fl < this.flCount; fl++) {
      const slBitmap = words[this.slBitmapWord + fl];
      if (this.slCount < 32 && slBitmap >>> this.slCount !== 0) this.corrupt(0, `slBitmap[${fl}] >> ${this.slCount} == 0`);
      if (((flBitmap >>> fl) & 1) !== (slBitmap !== 0 ? 1 : 0)) this.corrupt(0, `bit ${fl} of flBitmap == (slBitmap[${fl}] != 0)`);
      for (let sl = 0; sl < this.slCount; sl++) {
        const head = words[this.headWord(fl, sl)];
        if (((slBitmap >>> sl) & 1) !== (head !== T.NIL ? 1 : 0)) this.corrupt(head !== T.NIL ? head : 0, `bit ${sl} of slBitmap[${fl}] == (heads[${fl}][${sl}] != NIL)`);
        let previous: number = T.NIL;
        for (let n = head; n !== T.NIL; n = words[(n + T.NEXT_FREE) >> 2]) {
          if (!freeStarts.has(n)) this.corrupt(n, `every node of list (${fl}, ${sl}) should be a free block`);
          if (seen.has(n)) this.corrupt(n, "every free block should be on exactly one list (found twice)");
          seen.add(n);
          if (words[(n + T.PREV_FREE_LINK) >> 2] !== previous) this.corrupt(n, "prev(next(node)) == node");
          const index = this.listIndexOf(words[n >> 2] & ~T.BITS);
          if (index !== fl * this.slCount + sl) this.corrupt(n, `a block of ${words[n >> 2] & ~T.BITS} B belongs on list (${index >> this.slLog2}, ${index & (this.slCount - 1)}), found on (${fl}, ${sl})`);
          previous = n;
        }
      }
    }
    if (seen.size !== freeStarts.size) {
      for (const h of freeStarts) if (!seen.has(h)) this.corrupt(h, "every free block should be on a list");
    }
  }
}

/** Block bytes for a request: the 8 B header plus the payload, rounded to 16, at least MIN_BLOCK. */
export function blockSizeFor(requested: number): number {
  const size = (requested + T.HEADER_BYTES + 15) & -16;
  return size > T.MIN_BLOCK ? size : T.MIN_BLOCK;
}
