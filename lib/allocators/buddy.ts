// Binary buddy allocator (Knowlton 1965; the scheme of the Linux page allocator, here in bytes).
//
// Every block is 2^order bytes, MIN_ORDER (64 B) <= order <= topOrder (the whole arena), and
// starts at a multiple of its own size. So the buddy of a block — the other half of the block it
// was split from — is one flipped address bit away: buddyOf(addr, order) = addr ^ (1 << order).
// malloc rounds the request plus its header up to a power of two and halves a bigger free block
// until it fits; free merges the block with its buddy for as long as the buddy is free and whole.
//
//   h = block start, h % 2^order == 0
//   +---------+---------+-----------+---------+---------------------------------------------+
//   | tag     | check   | requested | 0       | payload ............ | reserved (rounding) |  used
//   +---------+---------+-----------+---------+---------------------------------------------+
//   | tag     | check   | next      | prev    | free ...                                    |  free
//   +---------+---------+-----------+---------+---------------------------------------------+
//   h         h+4       h+8         h+12      h+16 = payload, 16-aligned                    h+2^order
//
//   tag   = TAG_MAGIC | FREE_BIT if free | order     bits 9..31 magic, bit 8 free, bits 0..7 order
//   check = h ^ CHECK_SALT                           a header only verifies at its own address
//   next, prev: the neighbouring blocks on the list of the same order, -1 at either end
//
// Invariants (check() verifies each; the message names the one that broke and where):
//   sum of block bytes == arenaBytes            (headers read from address 0 tile the arena)
//   start % 2^order == 0 and MIN_ORDER <= order <= topOrder, for every block
//   check == start ^ CHECK_SALT, for every block
//   free(b) and free(buddyOf(b, order)) of the same order never both hold (they merge at once)
//   every free block is on exactly one list, the one of its order; nothing else is on a list
//   next.prev == node for every list link, heads[k].prev == -1
//   bit k of nonEmpty == (heads[k] != -1)
//   0 <= requested <= 2^order - HEADER_BYTES, for every used block
//   stats.liveBytes == sum of requested over used blocks
//   stats.highWater >= end of every used block
//
// Outside the arena, as the C version keeps them in static globals (its free_area[] array):
// the list heads per order (a 32-entry Int32Array), the bitmap word of non-empty orders and
// topOrder. Everything per block lives in the block's own 16-byte header.
//
// Why the header check is safe against garbage: a header with a valid tag and check word exists
// only at a real block start. When two buddies merge, the upper one's header becomes free space,
// so it is wiped. free() of a payload address therefore verifies a 23-bit magic tag, a plausible
// order and an address-dependent check word (about a 2^-55 chance for random payload bytes to pass)
// before it changes anything.
//
// Probe model (stats.probes, deterministic): +1 for the bitmap word malloc reads, +1 for every
// header or list node an operation reads or relinks — the freed or reallocated block's header,
// each buddy header merge looks at, each neighbour whose link changes, each header a split
// writes — the memory lines a C implementation would touch.
//
// realloc keeps the block when the new size still fits its order; when it fits a smaller order
// the upper halves are split off and freed in place (shrinkInPlace). A larger order moves.

import { DEFAULT_LARGE_THRESHOLD, largePathKnobs } from "./large.js";
import { ArenaAllocator, hex, validateSize } from "./base.js";
import type { KnobSpec } from "./knobs.js";
import { NULL_ADDR, type AllocatorDetail, type AllocatorOptions } from "./types.js";

/**
 * The header size and the smallest order, as a const enum: the TypeScript transform writes each use in
 * this file as a literal. They are exported below for the pages, but this file's own code uses Layout:
 * V8 reads an exported (or imported) const through its module cell at every use, even in optimized code.
 */
const enum Layout {
  HEADER_BYTES = 16,
  MIN_ORDER = 6,
}
export const HEADER_BYTES: number = Layout.HEADER_BYTES;
export const MIN_ORDER: number = Layout.MIN_ORDER;
const MIN_BLOCK = 1 << Layout.MIN_ORDER;
/** NULL_ADDR as this module's own constant, for the same reason. */
const NULL = NULL_ADDR;

const TAG_MAGIC = 0x5b0d0000;
const TAG_MAGIC_MASK = ~0x1ff;
const FREE_BIT = 0x100;
const ORDER_MASK = 0xff;
// Has bit 30 set, so `start ^ CHECK_SALT` is never 0 for an arena address and a wiped check word never verifies.
const CHECK_SALT = 0x6a09e667;

// Word offsets inside a header.
const TAG = 0;
const CHECK = 1;
const REQUESTED = 2;
const NEXT = 2;
const PREV = 3;
const PAD = 3; // a used block's last header word, kept zero

/** The buddy allocator's only knobs are the large-object path's: block sizes are powers of two by definition. */
export const BUDDY_KNOBS: readonly KnobSpec[] = largePathKnobs(DEFAULT_LARGE_THRESHOLD);
const KNOWN_KNOB_NAMES: readonly string[] = BUDDY_KNOBS.map((knob) => knob.name);

/** The other half of the order+1 block that `addr` (a block of 2^order bytes) was split from. */
export function buddyOf(addr: number, order: number): number {
  return addr ^ (1 << order);
}

/** The smallest order whose block holds `size` payload bytes plus the header. `size` must fit a 1 GiB arena. */
export function orderFor(size: number): number {
  const need = size + Layout.HEADER_BYTES;
  return need <= MIN_BLOCK ? Layout.MIN_ORDER : 32 - Math.clz32(need - 1);
}

export class BuddyAllocator extends ArenaAllocator {
  // Assigned by the constructor, so only declared: see ArenaAllocator.
  private declare readonly topOrder: number;
  private declare readonly maxRequest: number;
  private readonly heads = new Int32Array(32).fill(NULL);
  private nonEmpty = 0;

  constructor(options: AllocatorOptions = {}) {
    super("buddy", options, KNOWN_KNOB_NAMES);
    this.topOrder = 31 - Math.clz32(this.arenaBytes);
    this.maxRequest = this.arenaBytes - Layout.HEADER_BYTES;
    this.insertFree(0, this.topOrder);
    this.openLargePath(options, DEFAULT_LARGE_THRESHOLD);
  }

  detail(): AllocatorDetail {
    const orders = [];
    const limit = this.arenaBytes >> Layout.MIN_ORDER;
    for (let order = Layout.MIN_ORDER; order <= this.topOrder; order++) {
      const freeList: number[] = [];
      for (let n = this.heads[order]; n !== NULL && freeList.length < limit; n = this.words[(n >> 2) + NEXT]) freeList.push(n);
      orders.push({ order, freeList });
    }
    return { kind: "buddy", largeThreshold: this.largeThreshold, minOrder: Layout.MIN_ORDER, topOrder: this.topOrder, orderBitmap: this.nonEmpty, orders };
  }

  // Fast path: a whole-number size that fits, then allocateBlock. Slow path: rejectSize, for a size
  // that is not a uint32 (malformed, or larger than any arena) or above maxRequest.
  malloc(size: number): number {
    if (this.large !== null && this.large.wants(size)) return this.mallocLarge(size);
    if ((size >>> 0) !== size || size > this.maxRequest) return this.rejectSize(size);
    const need = size + Layout.HEADER_BYTES; // orderFor, written out: an exported function is called through its module cell
    const order = need <= MIN_BLOCK ? Layout.MIN_ORDER : 32 - Math.clz32(need - 1);
    const block = this.allocateBlock(order, size);
    if (block === NULL) return this.failRequest();
    this.noteAllocated(size, block + (1 << order));
    return block + Layout.HEADER_BYTES;
  }

  free(addr: number): void {
    if (addr === NULL) return;
    if (addr >= this.arenaBytes && this.large !== null) return this.freeLarge(addr);
    const block = this.blockOf(addr);
    const words = this.words;
    this.noteFreed(words[(block >> 2) + REQUESTED]);
    this.releaseBlock(block, words[block >> 2] & ORDER_MASK);
  }

  protected override arenaRequestedOf(addr: number): number {
    return this.words[(this.blockOf(addr) >> 2) + REQUESTED];
  }

  realloc(addr: number, size: number): number {
    validateSize(size);
    if (addr === NULL) return this.malloc(size);
    if (size === 0) return this.freeForRealloc(addr);
    if (this.crossesLargePath(addr, size)) return this.reallocAcross(addr, size);
    const block = this.blockOf(addr);
    const words = this.words;
    const i = block >> 2;
    const oldOrder = words[i + TAG] & ORDER_MASK;
    const oldRequested = words[i + REQUESTED];
    if (size > this.maxRequest) return this.failRequest();
    const order = orderFor(size);
    if (order > oldOrder) return this.moveBlock(block, oldOrder, oldRequested, order, size);
    if (order < oldOrder) this.shrinkInPlace(block, oldOrder, order);
    words[i + TAG] = TAG_MAGIC | order;
    words[i + REQUESTED] = size;
    this.noteReallocated(oldRequested, size, block + (1 << order));
    return addr;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    const words = this.words;
    const arenaBytes = this.arenaBytes;
    for (let start = 0; start < arenaBytes; ) {
      const order = this.verifiedOrderAt(start);
      const bytes = 1 << order;
      const tag = words[start >> 2];
      visit(start, bytes, start + Layout.HEADER_BYTES, (tag & FREE_BIT) !== 0 ? -1 : words[(start >> 2) + REQUESTED]);
      start += bytes;
    }
  }

  check(): void {
    const words = this.words;
    const arenaBytes = this.arenaBytes;
    // Per 64-byte slot: 1 = a free block starts here and no list has reached it yet, 2 = listed.
    const listing = new Uint8Array(arenaBytes >>> Layout.MIN_ORDER);
    let liveBytes = 0;
    let prevStart = NULL;
    let prevTag = 0;
    let start = 0;
    while (start < arenaBytes) {
      const order = this.verifiedOrderAt(start);
      const bytes = 1 << order;
      const tag = words[start >> 2];
      if ((tag & FREE_BIT) !== 0) {
        if (tag === prevTag && buddyOf(prevStart, order) === start) {
          this.corrupt(prevStart, `free buddies of order ${order} should have merged (with ${hex(start)})`);
        }
        listing[start >>> Layout.MIN_ORDER] = 1;
      } else {
        const requested = words[(start >> 2) + REQUESTED];
        if (requested < 0 || requested > bytes - Layout.HEADER_BYTES) {
          this.corrupt(start, `requested size ${requested} should fit in its ${bytes}-byte block`);
        }
        if (start + bytes > this.stats.highWater) this.corrupt(start, `stats.highWater ${hex(this.stats.highWater)} should cover every used block`);
        liveBytes += requested;
      }
      prevStart = start;
      prevTag = tag;
      start += bytes;
    }
    if (start !== arenaBytes) this.corrupt(start, "sum of block bytes should equal arenaBytes");
    liveBytes += this.checkLargePath();
    if (liveBytes !== this.stats.liveBytes) {
      this.corrupt(0, `stats.liveBytes ${this.stats.liveBytes} should equal the sum of requested sizes ${liveBytes} (arena and mapped)`);
    }
    for (let order = 0; order < 32; order++) this.checkList(order, listing);
    for (let slot = 0; slot < listing.length; slot++) {
      if (listing[slot] === 1) this.corrupt(slot << Layout.MIN_ORDER, "every free block should be on the list of its order");
    }
  }

  // ---- allocation: the fast path pops an exact fit, the slow path splits a bigger block ----

  /** Takes a block of `order` off the lists and marks it used, without touching the public counters. */
  private allocateBlock(order: number, size: number): number {
    this.stats.probes++; // the bitmap word of non-empty orders
    const usable = this.nonEmpty & (-1 << order);
    if (usable === 0) return NULL;
    const block = (usable & (1 << order)) !== 0
      ? this.popFree(order) // fast path: a block of exactly this order is waiting
      : this.splitFrom(31 - Math.clz32(usable & -usable), order);
    const i = block >> 2;
    const words = this.words;
    words[i + TAG] = TAG_MAGIC | order;
    words[i + REQUESTED] = size;
    words[i + PAD] = 0;
    return block;
  }

  /** Halves a block of the smallest non-empty order `from` down to `order`, listing each upper half. Counterpart: mergeBuddies. */
  private splitFrom(from: number, order: number): number {
    const block = this.popFree(from);
    // Every order between `from` and `order` is empty (`from` is the smallest non-empty one), so each upper half starts its list.
    for (let k = from - 1; k >= order; k--) this.insertFree(block + (1 << k), k);
    const splits = from - order;
    this.stats.splits += splits;
    this.stats.probes += splits;
    return block;
  }

  /** Returns the upper halves of a block that now fits `order`; the realloc counterpart of splitFrom. */
  private shrinkInPlace(block: number, oldOrder: number, order: number): void {
    // Each upper half's buddy is the lower half, which still holds the block, so none of them can merge.
    for (let k = oldOrder - 1; k >= order; k--) this.insertFree(block + (1 << k), k);
    const splits = oldOrder - order;
    this.stats.splits += splits;
    this.stats.probes += splits;
  }

  /** realloc's slow path: a bigger order needs a new block. The old one is released only once the new one exists. */
  private moveBlock(block: number, oldOrder: number, oldRequested: number, order: number, size: number): number {
    const fresh = this.allocateBlock(order, size);
    if (fresh === NULL) return this.failRequest();
    const from = block + Layout.HEADER_BYTES;
    const to = fresh + Layout.HEADER_BYTES;
    this.bytes.copyWithin(to, from, from + Math.min(oldRequested, size));
    this.releaseBlock(block, oldOrder);
    this.noteReallocated(oldRequested, size, fresh + (1 << order));
    return to;
  }

  // The cold half of malloc's size test: a malformed size throws, one that cannot fit fails.
  private rejectSize(size: number): number {
    validateSize(size);
    return this.failRequest();
  }

  private failRequest(): number {
    this.stats.failures++;
    return NULL;
  }

  // ---- release: mergeBuddies → insertFree (which writes the free header) ----

  private releaseBlock(block: number, order: number): void {
    const merged = this.mergeBuddies(block, order);
    // The merged block is aligned to its size and contains the freed one, so its start is the block rounded down.
    this.insertFree(block & -(1 << merged), merged);
  }

  /** Absorbs the buddy while it is free and of the same order; returns the order reached. Counterpart: splitFrom. */
  private mergeBuddies(block: number, order: number): number {
    const words = this.words;
    const top = this.topOrder;
    let start = block;
    let probes = 0;
    let coalesces = 0;
    while (order < top) {
      const buddy = start ^ (1 << order);
      probes++; // the buddy's header: a buddy address is always a block start, never payload
      if (words[buddy >> 2] !== (TAG_MAGIC | FREE_BIT | order)) break;
      probes += this.unlinkFree(buddy, order);
      this.wipeHeader(start | buddy);
      start &= buddy;
      order++;
      coalesces++;
    }
    this.stats.probes += probes;
    this.stats.coalesces += coalesces;
    return order;
  }

  // The upper buddy's header is now the middle of a free block: wipe it so free() can never verify it again.
  private wipeHeader(block: number): void {
    const i = block >> 2;
    this.words[i + TAG] = 0;
    this.words[i + CHECK] = 0;
  }

  // ---- the per-order free lists, doubly linked through the free blocks' headers ----

  /** Writes a free header and pushes the block on its order's list. Counterpart of popFree / unlinkFree. */
  private insertFree(block: number, order: number): void {
    const words = this.words;
    const i = block >> 2;
    const head = this.heads[order];
    words[i + TAG] = TAG_MAGIC | FREE_BIT | order;
    words[i + CHECK] = block ^ CHECK_SALT;
    words[i + NEXT] = head;
    words[i + PREV] = NULL;
    if (head === NULL) {
      this.nonEmpty |= 1 << order;
    } else {
      words[(head >> 2) + PREV] = block;
      this.stats.probes++;
    }
    this.heads[order] = block;
  }

  /** Takes the first block off a list the bitmap says is non-empty. */
  private popFree(order: number): number {
    const words = this.words;
    const block = this.heads[order];
    const next = words[(block >> 2) + NEXT];
    this.heads[order] = next;
    if (next === NULL) {
      this.nonEmpty &= ~(1 << order);
      this.stats.probes++;
    } else {
      words[(next >> 2) + PREV] = NULL;
      this.stats.probes += 2;
    }
    return block;
  }

  /**
   * Removes a block from the middle of its list in O(1): the reason the lists are doubly linked.
   * Returns its probes (the neighbours it relinked), which mergeBuddies counts with its own.
   */
  private unlinkFree(block: number, order: number): number {
    const words = this.words;
    const i = block >> 2;
    const next = words[i + NEXT];
    const prev = words[i + PREV];
    let probes = 0;
    if (prev === NULL) {
      this.heads[order] = next;
      if (next === NULL) this.nonEmpty &= ~(1 << order);
    } else {
      words[(prev >> 2) + NEXT] = next;
      probes++;
    }
    if (next !== NULL) {
      words[(next >> 2) + PREV] = prev;
      probes++;
    }
    return probes;
  }

  // ---- validation ----

  /**
   * The block whose payload is `addr`; throws invalid-free or double-free before anything changes.
   * Fast path: a 64-aligned block start inside the arena whose header is a used one of a plausible
   * order, verified at its own address — the tests in one expression, with no side effect until all
   * passed. Anything else goes to diagnoseFree (its counterpart), which runs them one by one and throws.
   */
  private blockOf(addr: number): number {
    const block = addr - Layout.HEADER_BYTES;
    if ((addr | 0) === addr && (block & (MIN_BLOCK - 1)) === 0 && block >= 0 && addr < this.arenaBytes) {
      const words = this.words;
      const i = block >> 2;
      const tag = words[i + TAG];
      const order = tag & ORDER_MASK;
      if ((tag & (TAG_MAGIC_MASK | FREE_BIT)) === TAG_MAGIC && words[i + CHECK] === (block ^ CHECK_SALT)
        && order >= Layout.MIN_ORDER && order <= this.topOrder && (block & ((1 << order) - 1)) === 0) {
        this.stats.probes++;
        return block;
      }
    }
    return this.diagnoseFree(addr);
  }

  /** The cold half of blockOf: its tests in order, each failure with its own error. */
  private diagnoseFree(addr: number): number {
    if (!this.isPlausiblePayload(addr)) this.invalidFree(addr, "not a 16-byte-aligned address inside the arena");
    const block = addr - Layout.HEADER_BYTES;
    if (block < 0 || (block & (MIN_BLOCK - 1)) !== 0) {
      this.invalidFree(addr, `not a payload: blocks start on ${MIN_BLOCK}-byte boundaries, payloads ${HEADER_BYTES} bytes after`);
    }
    const words = this.words;
    const i = block >> 2;
    const tag = words[i + TAG];
    if ((tag & TAG_MAGIC_MASK) !== TAG_MAGIC || words[i + CHECK] !== (block ^ CHECK_SALT)) {
      this.invalidFree(addr, "no block header precedes it (never allocated, or freed and merged into its buddy)");
    }
    const order = tag & ORDER_MASK;
    if (order < Layout.MIN_ORDER || order > this.topOrder || (block & ((1 << order) - 1)) !== 0) {
      this.invalidFree(addr, `its header names order ${order}, which cannot start at ${hex(block)}`);
    }
    if ((tag & FREE_BIT) !== 0) this.doubleFree(addr);
    this.stats.probes++;
    return block;
  }

  /** The order of the block at `start`, after verifying its header; walk() and check() share it. */
  private verifiedOrderAt(start: number): number {
    const words = this.words;
    const tag = words[start >> 2];
    const order = tag & ORDER_MASK;
    if ((tag & TAG_MAGIC_MASK) !== TAG_MAGIC) {
      this.corrupt(start, `every block should start with a header tag (found ${hex(tag >>> 0)})`);
    }
    if (order < Layout.MIN_ORDER || order > this.topOrder) {
      this.corrupt(start, `block order ${order} should lie in ${MIN_ORDER}..${this.topOrder}`);
    }
    if ((start & ((1 << order) - 1)) !== 0) this.corrupt(start, `a block of order ${order} should start at a multiple of ${1 << order}`);
    if (words[(start >> 2) + CHECK] !== (start ^ CHECK_SALT)) this.corrupt(start, "check word should equal start ^ CHECK_SALT");
    return order;
  }

  private checkList(order: number, listing: Uint8Array): void {
    const words = this.words;
    const arenaBytes = this.arenaBytes;
    let node = this.heads[order];
    if ((node !== NULL) !== (((this.nonEmpty >>> order) & 1) === 1)) {
      this.corrupt(node === NULL ? 0 : node, `bit ${order} of the non-empty bitmap should equal (heads[${order}] != -1)`);
    }
    let prev = NULL;
    while (node !== NULL) {
      if (order < Layout.MIN_ORDER || order > this.topOrder) this.corrupt(node, `list ${order} should be empty: no block has that order`);
      if (node < 0 || node >= arenaBytes || (node & (MIN_BLOCK - 1)) !== 0 || listing[node >>> Layout.MIN_ORDER] !== 1) {
        this.corrupt(node, `every node on list ${order} should be a free block, listed once`);
      }
      if (words[node >> 2] !== (TAG_MAGIC | FREE_BIT | order)) this.corrupt(node, `every node on list ${order} should be a free block of order ${order}`);
      if (words[(node >> 2) + PREV] !== prev) this.corrupt(node, `next.prev should equal the node on list ${order}`);
      listing[node >>> Layout.MIN_ORDER] = 2;
      prev = node;
      node = words[(node >> 2) + NEXT];
    }
  }
}
