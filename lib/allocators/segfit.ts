// segfit: segregated fits. Twelve free lists by block size over the boundary-tag layout of
// boundary-tags.ts, split on allocation, coalesced on free, and one bitmap word of non-empty
// classes so that the next class able to serve a request is found with a single read.
//
//   class:   0      1       2        3        4       5      6      7      8       9        10       11
//   bytes:   32-63  64-127  128-255  256-511  512-1K  1-2K   2-4K   4-8K   8-16K   16-32K   32-64K   64K+
//            class k < 11 holds free blocks of [32·2^k, 32·2^(k+1)) bytes: classOf(size) = 26 - clz32(size)
//
//   heads[k] ─► [size|0][prev][next] ─► [size|0][prev][next: NIL]        LIFO within a class
//   bitmap:  bit k set  ⇔  heads[k] != NIL
//
// malloc(n), need = blockSizeFor(n), k = classOf(need):
//   fast path    the head of class k fits.
//   searchClasses  the next nodes of class k, first fit, until searchLimit nodes of k were examined;
//                then the head of the lowest non-empty class above k (ctz of the bitmap masked above
//                k), where every block fits because the smallest exceeds the largest of class k;
//                when no class above has a block, the rest of class k, so malloc fails only when no
//                free block at all fits. searchLimit 0 skips class k until that last resort: every
//                request is then served from a larger class in O(1), TLSF-style good fit.
//
// Invariants, beyond those of boundary-tags.ts:
//   classOf(size(node)) == k  for every node on list k
//   bit k of bitmap == (heads[k] != NIL);  bitmap >> 12 == 0
//   sum over k of list length == number of free blocks
//
// What C keeps in static globals stays out of the arena: heads (a 12-entry Int32Array) and bitmap.
//
// Probes: 2 for the header and footer free() and realloc() validate, 1 for each neighbour tag read
// when merging or resizing in place, 1 for every list node a fit examines (the head on the fast
// path, each further node of class k, the head taken from a larger class) and 1 for the bitmap word
// when the slow path reads it. Pushing and unlinking nodes (reading their links) is free.

import { integerKnob } from "./base.js";
import { DEFAULT_LARGE_THRESHOLD, largePathKnobs } from "./large.js";
import * as tags from "./boundary-tags.js";
import { BoundaryTagAllocator, nextLink, sizeOf } from "./boundary-tags.js";
import type { KnobSpec } from "./knobs.js";
import type { AllocatorDetail, AllocatorOptions } from "./types.js";

// The layout constants as this module's own consts: V8 folds a module's consts into optimized code,
// but reads an imported binding through its module cell at every use (a load, a hole check, an untag).
const { FIRST_BLOCK, HEADER_BYTES, MIN_BLOCK, NEXT_LINK, NIL, PREV_LINK, TAG_OVERHEAD, USED } = tags;

export const SEGFIT_CLASSES = 12;
const TOP_CLASS = SEGFIT_CLASSES - 1;
const DEFAULT_SEARCH_LIMIT = 8;
const MAX_SEARCH_LIMIT = 1 << 16;

export const SEGFIT_KNOBS: readonly KnobSpec[] = [
  {
    name: "searchLimit", label: "Search limit", kind: "integer", min: 0, max: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT,
    help: "How many blocks of the request's own size class to try (first fit) before taking a block from the next non-empty larger class. 0 always takes a larger class when one has a block.",
  },
  ...largePathKnobs(DEFAULT_LARGE_THRESHOLD),
];
const KNOWN_KNOB_NAMES = SEGFIT_KNOBS.map((knob) => knob.name);

/** The size class of a free block of `blockBytes` (>= MIN_BLOCK). */
export function segfitClassOf(blockBytes: number): number {
  return classOf(blockBytes);
}

// segfitClassOf for this file's hot paths: an exported function is called through its module cell.
function classOf(blockBytes: number): number {
  const k = 26 - Math.clz32(blockBytes);
  return k < TOP_CLASS ? k : TOP_CLASS;
}

/** The smallest block bytes of class k; class k < 11 ends where class k + 1 begins. */
export function segfitClassFloor(k: number): number {
  return MIN_BLOCK << k;
}

export class SegFitAllocator extends BoundaryTagAllocator {
  declare readonly searchLimit: number; // declared only: see ArenaAllocator
  private readonly heads = new Int32Array(SEGFIT_CLASSES).fill(NIL);
  private bitmap = 0;

  constructor(options: AllocatorOptions = {}) {
    super("segfit", options, KNOWN_KNOB_NAMES);
    this.searchLimit = integerKnob(options, "searchLimit", 0, MAX_SEARCH_LIMIT, DEFAULT_SEARCH_LIMIT);
    this.openLargePath(options, DEFAULT_LARGE_THRESHOLD);
    this.insertFree(FIRST_BLOCK, sizeOf(this.words, FIRST_BLOCK));
  }

  /** Bit k set when class k has a free block. */
  get nonEmptyClasses(): number {
    return this.bitmap;
  }

  /** Block offsets (headers) on class k's list, in list order, for tests and step-by-step widgets. */
  classList(k: number): number[] {
    const nodes: number[] = [];
    const limit = this.arenaBytes / MIN_BLOCK;
    for (let n = this.heads[k]; n !== NIL && nodes.length < limit; n = nextLink(this.words, n)) nodes.push(n);
    return nodes;
  }

  detail(): AllocatorDetail {
    const classes = [];
    for (let k = 0; k < SEGFIT_CLASSES; k++) {
      classes.push({ floor: segfitClassFloor(k), ceiling: k < TOP_CLASS ? segfitClassFloor(k + 1) - 1 : Infinity, freeList: this.classList(k) });
    }
    return { kind: "segfit", largeThreshold: this.largeThreshold, classBitmap: this.bitmap, searchLimit: this.searchLimit, classes };
  }

  // Written out in one function, like free(): on the hot path every call the JIT has to inline
  // spends its inlining budget, and this is the function the speed target is about.
  override malloc(size: number): number {
    if (this.large !== null && this.large.wants(size)) return this.mallocLarge(size);
    if (!(size >= 0 && size <= this.arenaBytes && (size | 0) === size)) return this.rejectSize(size);
    let need = (size + TAG_OVERHEAD + 15) & -16; // blockSizeFor
    if (need < MIN_BLOCK) need = MIN_BLOCK;
    let k = 26 - Math.clz32(need); // segfitClassOf
    if (k > TOP_CLASS) k = TOP_CLASS;
    const words = this.words;
    const stats = this.stats;
    let h = this.heads[k];
    if (h !== NIL && this.searchLimit !== 0 && words[h >> 2] >= need) stats.probes++; // fast path: the class head fits
    else h = this.searchClasses(need, k);
    if (h === NIL) return this.failRequest();
    // takeBlock: off its list, then splitFrom when the rest can stand alone (counterpart: free's merges)
    const size0 = words[h >> 2];
    this.removeFree(h, size0);
    let end = h + size0;
    if (size0 - need >= MIN_BLOCK) {
      const rest = size0 - need;
      end = h + need;
      words[end >> 2] = rest;
      words[(end + rest - 4) >> 2] = rest;
      this.insertFree(end, rest);
      stats.splits++;
    }
    const tag = (end - h) | USED;
    words[h >> 2] = tag;
    words[(end - 4) >> 2] = tag;
    words[(h + 4) >> 2] = size;
    // noteAllocated, with walk()'s end of the last block
    if (end === this.heapEnd) end = this.arenaBytes;
    stats.allocs++;
    const live = (stats.liveBytes += size);
    if (live > stats.peakLiveBytes) stats.peakLiveBytes = live;
    if (end > stats.highWater) stats.highWater = end;
    return h + HEADER_BYTES;
  }

  // The same choice as malloc's, for realloc when it has to move.
  protected findFit(need: number): number {
    const k = classOf(need);
    const h = this.heads[k];
    if (h !== NIL && this.searchLimit !== 0 && this.words[h >> 2] >= need) {
      this.stats.probes++;
      return h;
    }
    return this.searchClasses(need, k);
  }

  // The slow path of malloc: the rest of class k up to the limit, a larger class, the rest of class k.
  // Nodes are read directly, not through sizeOf / nextLink: a free block's tag is its size, and a helper
  // call the JIT leaves out of line costs more in this loop than the node it reads.
  private searchClasses(need: number, k: number): number {
    const words = this.words;
    const limit = this.searchLimit;
    let n = this.heads[k];
    let probes = 0; // nodes of class k examined so far, then the bitmap word and the nodes after it
    if (n !== NIL && limit > 0) {
      probes = 1; // the head, which the fast path found too small
      n = words[(n + NEXT_LINK) >> 2];
    }
    for (; n !== NIL && probes < limit; n = words[(n + NEXT_LINK) >> 2]) {
      probes++;
      if (words[n >> 2] >= need) {
        this.stats.probes += probes;
        return n;
      }
    }
    probes++;
    const above = this.bitmap & (-2 << k);
    if (above !== 0) {
      this.stats.probes += probes + 1;
      return this.heads[31 - Math.clz32(above & -above)];
    }
    for (; n !== NIL; n = words[(n + NEXT_LINK) >> 2]) {
      probes++;
      if (words[n >> 2] >= need) break;
    }
    this.stats.probes += probes;
    return n;
  }

  // Counterpart of removeFree: LIFO push onto the block's class. The links are indexed directly
  // rather than through prevLink/setNextLink: every inlined helper spends the JIT's inlining budget,
  // and on this path that budget is worth more than the names.
  protected insertFree(h: number, size: number): void {
    const words = this.words;
    const heads = this.heads;
    const k = classOf(size);
    const first = heads[k];
    words[(h + PREV_LINK) >> 2] = NIL;
    words[(h + NEXT_LINK) >> 2] = first;
    if (first !== NIL) words[(first + PREV_LINK) >> 2] = h;
    else this.bitmap |= 1 << k;
    heads[k] = h;
  }

  // Counterpart of insertFree. Only a class head needs `size`, to find its class.
  protected removeFree(h: number, size: number): void {
    const words = this.words;
    const before = words[(h + PREV_LINK) >> 2];
    const after = words[(h + NEXT_LINK) >> 2];
    if (before === NIL) {
      const k = classOf(size);
      this.heads[k] = after;
      if (after === NIL) this.bitmap &= ~(1 << k);
    } else {
      words[(before + NEXT_LINK) >> 2] = after;
    }
    if (after !== NIL) words[(after + PREV_LINK) >> 2] = before;
  }

  protected checkFreeLists(freeStarts: Set<number>): void {
    const seen = new Set<number>();
    if (this.bitmap >>> SEGFIT_CLASSES !== 0) this.corrupt(0, `bitmap >> ${SEGFIT_CLASSES} == 0, found bitmap 0x${this.bitmap.toString(16)}`);
    for (let k = 0; k < SEGFIT_CLASSES; k++) {
      const head = this.heads[k];
      if (((this.bitmap >>> k) & 1) !== (head !== NIL ? 1 : 0)) {
        this.corrupt(head !== NIL ? head : 0, `bit ${k} of the bitmap == (heads[${k}] != NIL)`);
      }
      this.checkList(head, freeStarts, seen, (n) => {
        if (segfitClassOf(sizeOf(this.words, n)) !== k) this.corrupt(n, `classOf(size(node)) == ${k} for every node on list ${k}`);
      });
    }
    this.checkAllListed(freeStarts, seen);
  }
}
