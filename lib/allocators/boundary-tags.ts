// Boundary tags: the block layout that freelist and segfit share (Knuth's boundary-tag method,
// laid out as in CS:APP's explicit free list). Both allocators keep the same blocks in the arena and
// differ only in how they file free blocks on lists and pick one for a request (their own files).
//
//   arena:  0    4    8                                                  N-8  N-4   N
//           [    |pro][ block ][ block ][ block ] ....... [ block ][ block ][epi |    ]
//                 ^ words[1]: prologue footer, used|0        epilogue header: used|0 ^
//
//   used block at h (h ≡ 8 mod 16, so the payload h+8 is 16-aligned):
//           h         h+4          h+8                                   h+size-4   h+size
//           [ size|1 ][ requested ][ payload .............. | reserved ][ size|1  ]
//
//   free block:
//           [ size|0 ][ prev link ][ next link ][ ........ unused ...... ][ size|0  ]
//
// A tag word is size | flags: size is a multiple of 16, the low nibble holds flags, and only bit 0
// (used) is ever set. The two sentinels look like used blocks of size 0, so mergePrev and mergeNext
// stop at the ends of the heap without a bounds check. Links are block offsets, NIL (-1) ends a list.
//
// Invariants (check() verifies each one and names it when it fails):
//   FIRST_BLOCK + sum of block bytes == heapEnd == arenaBytes - 8   (blocks tile the heap)
//   size % 16 == 0,  size >= MIN_BLOCK,  flags ∈ {0, 1}
//   header(h) == footer(h)
//   used block:  0 <= requested <= size - TAG_OVERHEAD
//   no two physically adjacent free blocks
//   every free block is on exactly one list, and every list node is a free block
//   prev(next(node)) == node
//   stats.liveBytes == sum of requested over used blocks
//   stats.highWater >= end of every used block
//
// Why free() can trust an address: it accepts a block only when header == footer, the flag nibble is
// exactly 1 and the requested word fits the size. Garbage matches the 32-bit footer with odds about
// 2^-32. Every path that retires a used block rewrites its header (markFree, a resize, a split), so
// no stale used header/footer pair is ever left behind inside another block; a stale *free* pair
// only ever yields a "double-free" error, which changes nothing.
//
// walk() folds the 8 prologue bytes into the first block (as header) and the 8 epilogue bytes into
// the last block (as reserved or free), so an empty heap is exactly one free block of arenaBytes.
// highWater uses the same ends, so it never disagrees with walk().
//
// Shared behaviour:
//   malloc   the subclass's findFit picks a free block; allocateFrom cuts `need` bytes off its front
//            and files the rest as a new free block when it is at least MIN_BLOCK (else the block is
//            handed out whole and the extra shows as reserved).
//   free     markFree → mergePrev → mergeNext → insertFree (immediate coalescing, both sides).
//   realloc  in place when the block already holds the request (the tail is split off, or given to
//            a free next block), or when absorbing a free next block makes it hold it; otherwise
//            allocate + copy min(old, new) requested bytes + free. realloc(-1, n) is malloc(n) and
//            counts as an alloc; realloc(p, 0) frees p and returns NIL, as glibc does (types.ts).
//   counters splits: a block cut in two (on malloc, or a shrinking/absorbing realloc); coalesces: two
//            free ranges joined (on free, or a shrinking realloc whose tail meets a free block).

import { ArenaAllocator, validateSize } from "./base.js";
import type { AllocatorName, AllocatorOptions } from "./types.js";

/**
 * The layout's numbers, as a const enum: the TypeScript transform writes each use in this file as a
 * literal. They are exported one by one below for the pages and the two allocators, but this file's
 * own code uses Tag: V8 reads an exported (or imported) const through its module cell at every use,
 * even in optimized code — a load, a hole check and an untag — and free() alone read nine of them.
 */
const enum Tag {
  NIL = -1,
  USED = 1,
  HEADER_BYTES = 8,
  FOOTER_BYTES = 4,
  TAG_OVERHEAD = HEADER_BYTES + FOOTER_BYTES,
  MIN_BLOCK = 32,
  PREV_LINK = 4,
  NEXT_LINK = 8,
  FIRST_BLOCK = 8,
}

export const NIL: number = Tag.NIL;
export const USED: number = Tag.USED;
/** Header: the tag word and the requested-size word (or the prev link of a free block). */
export const HEADER_BYTES: number = Tag.HEADER_BYTES;
export const FOOTER_BYTES: number = Tag.FOOTER_BYTES;
/** Header plus footer: the bytes of a block that a payload can never use. */
export const TAG_OVERHEAD: number = Tag.TAG_OVERHEAD;
/**
 * The smallest block. 16 bytes would hold a free block's four words, but such a sliver could only
 * serve requests of 4 bytes or less; 32 keeps every free block able to serve a 16-byte request and
 * gives "no split when the remainder is below the minimum block" a real case (a 16-byte remainder).
 */
export const MIN_BLOCK: number = Tag.MIN_BLOCK;
/** Byte offsets of a free block's links from its header; hot paths index words[(h + NEXT_LINK) >> 2] directly. */
export const PREV_LINK: number = Tag.PREV_LINK;
export const NEXT_LINK: number = Tag.NEXT_LINK;
/** The first block header; words[1] just before it is the prologue footer. */
export const FIRST_BLOCK: number = Tag.FIRST_BLOCK;
/** The epilogue: a header word that reads used|0, and 4 bytes of padding up to the arena's end. */
const EPILOGUE_BYTES = 8;
const FLAG_BITS = 15;
const SIZE_MASK = -16;

/** Block bytes for a request: header + payload + footer, rounded to 16, at least MIN_BLOCK. */
export function blockSizeFor(requested: number): number {
  const size = (requested + Tag.TAG_OVERHEAD + 15) & SIZE_MASK;
  return size > Tag.MIN_BLOCK ? size : Tag.MIN_BLOCK;
}

export function sizeOf(words: Int32Array, h: number): number {
  return words[h >> 2] & SIZE_MASK;
}

/** Writes the same tag into the header and the footer of the block [h, h + size). */
export function writeTags(words: Int32Array, h: number, size: number, flags: number): void {
  const tag = size | flags;
  words[h >> 2] = tag;
  words[(h + size - 4) >> 2] = tag;
}

export function requestedOf(words: Int32Array, h: number): number {
  return words[(h + 4) >> 2];
}

export function prevLink(words: Int32Array, h: number): number {
  return words[(h + Tag.PREV_LINK) >> 2];
}

export function nextLink(words: Int32Array, h: number): number {
  return words[(h + Tag.NEXT_LINK) >> 2];
}

export function setPrevLink(words: Int32Array, h: number, link: number): void {
  words[(h + Tag.PREV_LINK) >> 2] = link;
}

export function setNextLink(words: Int32Array, h: number, link: number): void {
  words[(h + Tag.NEXT_LINK) >> 2] = link;
}

/**
 * Everything freelist and segfit share: the heap's shape, free() and realloc() (which touch the lists
 * only through insertFree / removeFree), walk() and the arena half of check(). A subclass supplies
 * its lists and its fit policy (and may give malloc a faster path), and files the first free block
 * in its constructor: its own fields are not initialised yet while this constructor runs.
 */
export abstract class BoundaryTagAllocator extends ArenaAllocator {
  /** One past the last block: the epilogue header. */
  protected declare readonly heapEnd: number; // declared only: see ArenaAllocator

  constructor(name: AllocatorName, options: AllocatorOptions, knownKnobs: readonly string[]) {
    super(name, options, knownKnobs);
    this.heapEnd = this.arenaBytes - EPILOGUE_BYTES;
    this.formatHeap();
  }

  /** Files the free block [h, h + size) on the lists; its tags are written. Counterpart of removeFree. */
  protected abstract insertFree(h: number, size: number): void;
  /** Takes the free block [h, h + size) off the lists, before its tags change. Counterpart of insertFree. */
  protected abstract removeFree(h: number, size: number): void;
  /** The free block the policy picks for `need` block bytes, or NIL; counts its probes. */
  protected abstract findFit(need: number): number;
  /** The list half of check(): `freeStarts` holds every free block the arena walk found. */
  protected abstract checkFreeLists(freeStarts: Set<number>): void;

  malloc(size: number): number {
    if (this.large !== null && this.large.wants(size)) return this.mallocLarge(size);
    if (!this.isServable(size)) return this.rejectSize(size);
    const need = blockSizeFor(size);
    const h = this.findFit(need);
    if (h === Tag.NIL) return this.failRequest();
    this.noteAllocated(size, this.allocateFrom(h, need, size));
    return h + Tag.HEADER_BYTES;
  }

  /**
   * liveHeaderOf → markFree → mergePrev → mergeNext → insertFree. The checks and releaseBlock's body
   * are written out here rather than called: with them inlined as calls, the JIT's inlining budget
   * no longer covered removeFree / insertFree, and segfit's benchmark ran about 6% slower.
   */
  free(addr: number): void {
    if (addr === Tag.NIL) return;
    if (addr >= this.arenaBytes && this.large !== null) return this.freeLarge(addr);
    const words = this.words;
    const h = addr - Tag.HEADER_BYTES;
    // liveHeaderOf: the same two tests; rejectFree (cold) says which one failed and throws
    if (!((addr | 0) === addr && (addr & 15) === 0 && h >= Tag.FIRST_BLOCK && h <= this.heapEnd - Tag.MIN_BLOCK)) this.rejectFree(addr);
    const tag = words[h >> 2];
    const size = tag ^ Tag.USED;
    if (!((size & FLAG_BITS) === 0 && size >= Tag.MIN_BLOCK && h + size <= this.heapEnd && words[(h + size - 4) >> 2] === tag
      && words[(h + 4) >> 2] >>> 0 <= size - Tag.TAG_OVERHEAD)) this.rejectFree(addr);
    const stats = this.stats;
    stats.frees++;
    stats.liveBytes -= words[(h + 4) >> 2];
    // markFree: at once, so the header left inside a merged block never reads as live
    words[h >> 2] = size;
    let start = h;
    let end = h + size;
    // mergePrev: the footer just before h
    const prevTag = words[(h - 4) >> 2];
    if ((prevTag & Tag.USED) === 0) {
      start = h - prevTag;
      this.removeFree(start, prevTag);
      stats.coalesces++;
    }
    // mergeNext: the header just past the block
    const nextTag = words[end >> 2];
    if ((nextTag & Tag.USED) === 0) {
      this.removeFree(end, nextTag);
      end += nextTag;
      stats.coalesces++;
    }
    stats.probes += 4; // header, footer, and the two neighbours' tags
    // insertFree
    const merged = end - start;
    words[start >> 2] = merged;
    words[(end - 4) >> 2] = merged;
    this.insertFree(start, merged);
  }

  realloc(addr: number, size: number): number {
    if (addr === Tag.NIL) return this.malloc(size);
    if (size === 0) return this.freeForRealloc(addr);
    if (this.crossesLargePath(addr, size)) return this.reallocAcross(addr, size);
    const h = this.liveHeaderOf(addr);
    if (!this.isServable(size)) return this.rejectSize(size);
    const words = this.words;
    const oldRequested = requestedOf(words, h);
    const need = blockSizeFor(size);
    const size0 = sizeOf(words, h);
    if (need <= size0) this.shrinkInPlace(h, size0, need);
    else if (!this.growInPlace(h, size0, need)) return this.moveBlock(h, oldRequested, size, need);
    words[(h + 4) >> 2] = size;
    this.noteReallocated(oldRequested, size, this.blockEndOf(h));
    return addr;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    const words = this.words;
    const heapEnd = this.heapEnd;
    let h = Tag.FIRST_BLOCK;
    while (h < heapEnd) {
      const tag = words[h >> 2];
      const size = tag & SIZE_MASK;
      if (size < Tag.MIN_BLOCK || h + size > heapEnd) this.corrupt(h, "blocks should tile the heap (walk found a bad size)");
      const start = h === Tag.FIRST_BLOCK ? 0 : h;
      const end = h + size === heapEnd ? this.arenaBytes : h + size;
      visit(start, end - start, h + Tag.HEADER_BYTES, (tag & Tag.USED) !== 0 ? requestedOf(words, h) : -1);
      h += size;
    }
  }

  check(): void {
    const words = this.words;
    const heapEnd = this.heapEnd;
    const stats = this.stats;
    if (words[(Tag.FIRST_BLOCK - 4) >> 2] !== Tag.USED) this.corrupt(Tag.FIRST_BLOCK - 4, "the prologue footer should read used|0");
    if (words[heapEnd >> 2] !== Tag.USED) this.corrupt(heapEnd, "the epilogue header should read used|0");
    const freeStarts = new Set<number>();
    let liveBytes = 0;
    let previousFree = false;
    let h = Tag.FIRST_BLOCK;
    while (h < heapEnd) {
      const tag = words[h >> 2];
      const size = tag & SIZE_MASK;
      const flags = tag & FLAG_BITS;
      if (flags > Tag.USED) this.corrupt(h, `flags should be 0 (free) or 1 (used), found ${flags}`);
      if (size < Tag.MIN_BLOCK) this.corrupt(h, `block size should be a multiple of 16 and >= ${MIN_BLOCK}, found ${size}`);
      if (h + size > heapEnd) this.corrupt(h, "blocks should tile the heap: FIRST_BLOCK + sum of block bytes == heapEnd");
      if (words[(h + size - 4) >> 2] !== tag) this.corrupt(h, "header == footer");
      if (flags === Tag.USED) {
        const requested = requestedOf(words, h);
        if (requested < 0 || requested > size - Tag.TAG_OVERHEAD) this.corrupt(h, `0 <= requested <= size - ${TAG_OVERHEAD}, found requested ${requested} in ${size} bytes`);
        if (this.blockEndOf(h) > stats.highWater) this.corrupt(h, "stats.highWater >= end of every used block");
        liveBytes += requested;
        previousFree = false;
      } else {
        if (previousFree) this.corrupt(h, "blocks should have coalesced: no two adjacent free blocks");
        freeStarts.add(h);
        previousFree = true;
      }
      h += size;
    }
    const mappedLive = this.checkLargePath();
    if (liveBytes + mappedLive !== stats.liveBytes) this.corrupt(0, `stats.liveBytes == sum of requested bytes (arena and mapped), ${stats.liveBytes} != ${liveBytes + mappedLive}`);
    if (stats.peakLiveBytes < stats.liveBytes) this.corrupt(0, "stats.peakLiveBytes >= stats.liveBytes");
    this.checkFreeLists(freeStarts);
  }

  protected override arenaRequestedOf(addr: number): number {
    return requestedOf(this.words, this.liveHeaderOf(addr));
  }

  // One free block covering the heap, between two sentinels that read as used blocks of size 0.
  private formatHeap(): void {
    const words = this.words;
    words[(Tag.FIRST_BLOCK - 4) >> 2] = Tag.USED;
    words[this.heapEnd >> 2] = Tag.USED;
    writeTags(words, Tag.FIRST_BLOCK, this.heapEnd - Tag.FIRST_BLOCK, 0);
  }

  protected failRequest(): number {
    this.stats.failures++;
    return Tag.NIL;
  }

  /** Where walk() says the block at h ends: the last block also covers the epilogue. */
  protected blockEndOf(h: number): number {
    const end = h + sizeOf(this.words, h);
    return end === this.heapEnd ? this.arenaBytes : end;
  }

  /** A size malloc can try: an integer from 0 to arenaBytes (larger ones cannot fit, smaller are not sizes). */
  protected isServable(size: number): boolean {
    return size >= 0 && size <= this.arenaBytes && (size | 0) === size;
  }

  // The cold half of isServable: a malformed size throws RangeError, one larger than the arena fails.
  protected rejectSize(size: number): number {
    validateSize(size);
    return this.failRequest();
  }

  /**
   * The header of the live block whose payload is `addr`, else a HeapError. Reads the header and the
   * footer (2 probes) and modifies nothing before deciding. free() carries a written-out copy of
   * these two tests; rejectFree, off the hot path, works out which one failed.
   */
  protected liveHeaderOf(addr: number): number {
    const words = this.words;
    const h = addr - Tag.HEADER_BYTES;
    if ((addr | 0) === addr && (addr & 15) === 0 && h >= Tag.FIRST_BLOCK && h <= this.heapEnd - Tag.MIN_BLOCK) {
      const tag = words[h >> 2];
      const size = tag ^ Tag.USED; // a used tag with no other flag bit leaves a multiple of 16
      if ((size & FLAG_BITS) === 0 && size >= Tag.MIN_BLOCK && h + size <= this.heapEnd && words[(h + size - 4) >> 2] === tag
        && words[(h + 4) >> 2] >>> 0 <= size - Tag.TAG_OVERHEAD) {
        this.stats.probes += 2;
        return h;
      }
    }
    return this.rejectFree(addr);
  }

  // The cold half of liveHeaderOf: names the first test `addr` fails, and throws.
  private rejectFree(addr: number): never {
    if (!this.isPlausiblePayload(addr) || addr < Tag.FIRST_BLOCK + Tag.HEADER_BYTES || addr > this.heapEnd - Tag.MIN_BLOCK + Tag.HEADER_BYTES) {
      this.invalidFree(addr, "not a payload address of this heap");
    }
    const words = this.words;
    const h = addr - Tag.HEADER_BYTES;
    const tag = words[h >> 2];
    const size = tag & SIZE_MASK;
    this.stats.probes += 2;
    if ((tag & FLAG_BITS) > Tag.USED || size < Tag.MIN_BLOCK || h + size > this.heapEnd) this.invalidFree(addr, "no block header precedes it");
    if (words[(h + size - 4) >> 2] !== tag) this.invalidFree(addr, "its header and footer disagree");
    if ((tag & Tag.USED) === 0) this.doubleFree(addr);
    this.invalidFree(addr, "its requested-size word does not fit the block");
  }

  /**
   * Turns the free block h into a used block of `need` bytes, splitting the rest off as a free
   * block when it is at least MIN_BLOCK. Returns where walk() ends the used block. Counterpart of releaseBlock.
   */
  protected allocateFrom(h: number, need: number, requested: number): number {
    const words = this.words;
    const size = words[h >> 2]; // a free block's tag is its size
    this.removeFree(h, size);
    let end = h + size;
    if (size - need >= Tag.MIN_BLOCK) end = this.splitOff(h + need, end);
    writeTags(words, h, end - h, Tag.USED);
    words[(h + 4) >> 2] = requested;
    return end === this.heapEnd ? this.arenaBytes : end;
  }

  /** free()'s steps from markFree on, for realloc's old block, which is not counted as a free. Counterpart of allocateFrom. */
  protected releaseBlock(h: number): void {
    const words = this.words;
    const stats = this.stats;
    const size = words[h >> 2] ^ Tag.USED;
    words[h >> 2] = size;
    let start = h;
    let end = h + size;
    const prevTag = words[(h - 4) >> 2];
    if ((prevTag & Tag.USED) === 0) {
      start = h - prevTag;
      this.removeFree(start, prevTag);
      stats.coalesces++;
    }
    const nextTag = words[end >> 2];
    if ((nextTag & Tag.USED) === 0) {
      this.removeFree(end, nextTag);
      end += nextTag;
      stats.coalesces++;
    }
    stats.probes += 2;
    writeTags(words, start, end - start, 0);
    this.insertFree(start, end - start);
  }

  // A new free block [r, end) cut from the block before it; r is where that block now ends.
  private splitOff(r: number, end: number): number {
    writeTags(this.words, r, end - r, 0);
    this.insertFree(r, end - r);
    this.stats.splits++;
    return r;
  }

  // The tail past `need` becomes free: merged into a free next block, or split off when big enough.
  private shrinkInPlace(h: number, size: number, need: number): void {
    const rest = size - need;
    if (rest === 0) return;
    const words = this.words;
    const end = h + size;
    const nextTag = words[end >> 2];
    this.stats.probes++;
    if ((nextTag & Tag.USED) === 0) {
      this.removeFree(end, nextTag);
      writeTags(words, h, need, Tag.USED);
      this.splitOff(h + need, end + nextTag);
      this.stats.coalesces++;
    } else if (rest >= Tag.MIN_BLOCK) {
      writeTags(words, h, need, Tag.USED);
      this.splitOff(h + need, end);
    }
  }

  // Absorbs a free next block when the two together hold `need`; false leaves everything unchanged.
  private growInPlace(h: number, size: number, need: number): boolean {
    const words = this.words;
    const end = h + size;
    const nextTag = words[end >> 2];
    this.stats.probes++;
    if ((nextTag & Tag.USED) !== 0 || size + nextTag < need) return false;
    this.removeFree(end, nextTag);
    const total = size + nextTag;
    if (total - need >= Tag.MIN_BLOCK) {
      writeTags(words, h, need, Tag.USED);
      this.splitOff(h + need, h + total);
    } else {
      writeTags(words, h, total, Tag.USED);
    }
    return true;
  }

  // allocate + copy + free; on failure the old block is untouched.
  private moveBlock(h: number, oldRequested: number, size: number, need: number): number {
    const target = this.findFit(need);
    if (target === Tag.NIL) return this.failRequest();
    const end = this.allocateFrom(target, need, size);
    const from = h + Tag.HEADER_BYTES;
    const kept = oldRequested < size ? oldRequested : size;
    this.bytes.copyWithin(target + Tag.HEADER_BYTES, from, from + kept);
    this.releaseBlock(h);
    this.noteReallocated(oldRequested, size, end);
    return target + Tag.HEADER_BYTES;
  }

  /**
   * Walks one list for check(): every node a free block, seen on no other list, with matching back
   * links. `visitNode` adds the policy's own invariant (class, address order).
   */
  protected checkList(head: number, freeStarts: Set<number>, seen: Set<number>, visitNode: (h: number) => void): void {
    const words = this.words;
    let previous = Tag.NIL;
    let n = head;
    while (n !== Tag.NIL) {
      if (!freeStarts.has(n)) this.corrupt(n, "every list node should be a free block");
      if (seen.has(n)) this.corrupt(n, "every free block should be on exactly one list (found twice)");
      seen.add(n);
      if (prevLink(words, n) !== previous) this.corrupt(n, "prev(next(node)) == node");
      visitNode(n);
      previous = n;
      n = nextLink(words, n);
    }
  }

  /** After every list was walked: no free block may be missing from all of them. */
  protected checkAllListed(freeStarts: Set<number>, seen: Set<number>): void {
    if (seen.size === freeStarts.size) return;
    for (const h of freeStarts) {
      if (!seen.has(h)) this.corrupt(h, "every free block should be on a list");
    }
  }
}

