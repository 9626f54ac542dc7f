// freelist: one explicit, doubly linked free list threaded through the free blocks themselves, over
// the boundary-tag layout of boundary-tags.ts (header and footer: size | used). Blocks are split on
// allocation and coalesced with both neighbours on free.
//
//   head ─► [size|0][prev: NIL][next ─┐ ......][size|0]      [size|0][prev ◄┘][next: NIL]...[size|0]
//           a free block: the links live in what would be its payload
//
//   placement "first": the first node that fits; "next": the first that fits, starting just past the
//   block the previous search took (the rover) and wrapping once; "best": the smallest that fits
//   (stopping early at an exact fit).
//   order "lifo": a freed block goes to the front, O(1); "address": it goes where its address sorts,
//   which costs a list walk but makes first fit prefer low addresses, which usually fragments less.
//
// A split remainder and a coalesced block are filed like any freed block (front, or address slot).
//
// Invariants, beyond those of boundary-tags.ts:
//   number of list nodes == number of free blocks
//   order "address":  node < next(node)  for every node on the list
//   rover == NIL or rover is on the list;  hint == NIL or hint is on the list
//
// What C keeps in static globals stays in JS fields: the list head, the next-fit rover and the
// address-order insertion hint (the list predecessor of the node removed last: a free that merges
// with a neighbour finds its slot there without a walk).
//
// Probes: 2 for the header and footer free() and realloc() validate, 1 for each neighbour tag read
// when merging or resizing in place, 1 for every list node a fit search examines, and 1 for every
// node an address-ordered insertion steps past. Relinking a node (reading its two links) is free.

import { DEFAULT_LARGE_THRESHOLD, largePathKnobs } from "./large.js";
import { choiceKnob } from "./base.js";
import * as tags from "./boundary-tags.js";
import { BoundaryTagAllocator, nextLink, sizeOf } from "./boundary-tags.js";
import type { KnobSpec } from "./knobs.js";
import type { AllocatorDetail, AllocatorOptions } from "./types.js";

// The layout constants as this module's own consts: V8 folds a module's consts into optimized code,
// but reads an imported binding through its module cell at every use (a load, a hole check, an untag).
// The list code below also reads a node's size and links straight from `words` rather than through
// sizeOf / nextLink: those are imported too, and the fit loops run them once per node examined.
const { FIRST_BLOCK, MIN_BLOCK, NEXT_LINK, NIL, PREV_LINK } = tags;

const PLACEMENTS = ["first", "next", "best"] as const;
const ORDERS = ["lifo", "address"] as const;
export type FreeListPlacement = (typeof PLACEMENTS)[number];
export type FreeListOrder = (typeof ORDERS)[number];

export const FREELIST_KNOBS: readonly KnobSpec[] = [
  {
    name: "placement", label: "Placement", kind: "choice", choices: PLACEMENTS, default: "first",
    help: "Which free block serves a request: the first that fits, the first that fits after the previous search (next fit), or the smallest that fits (best fit).",
  },
  {
    name: "order", label: "List order", kind: "choice", choices: ORDERS, default: "lifo",
    help: "Where a freed block goes on the list: at the front (LIFO, constant time) or at its address (a list walk, usually less fragmentation).",
  },
  ...largePathKnobs(DEFAULT_LARGE_THRESHOLD),
];
const KNOWN_KNOB_NAMES = FREELIST_KNOBS.map((knob) => knob.name);

// Small integers, so the hot paths compare numbers rather than strings.
const FIRST_FIT = 0;
const NEXT_FIT = 1;
const BEST_FIT = 2;

export class FreeListAllocator extends BoundaryTagAllocator {
  // Assigned by the constructor, so only declared: see ArenaAllocator.
  declare readonly placement: FreeListPlacement;
  declare readonly order: FreeListOrder;
  private declare readonly fit: number;
  private declare readonly addressOrdered: boolean;
  private head = NIL;
  private rover = NIL;
  private hint = NIL;

  constructor(options: AllocatorOptions = {}) {
    super("freelist", options, KNOWN_KNOB_NAMES);
    this.placement = choiceKnob(options, "placement", PLACEMENTS, "first");
    this.order = choiceKnob(options, "order", ORDERS, "lifo");
    this.fit = this.placement === "first" ? FIRST_FIT : this.placement === "next" ? NEXT_FIT : BEST_FIT;
    this.addressOrdered = this.order === "address";
    this.openLargePath(options, DEFAULT_LARGE_THRESHOLD);
    this.insertFree(FIRST_BLOCK, sizeOf(this.words, FIRST_BLOCK));
  }

  /** Block offsets (headers) in list order, for tests and step-by-step widgets. */
  freeList(): number[] {
    const nodes: number[] = [];
    const limit = this.arenaBytes / MIN_BLOCK;
    for (let n = this.head; n !== NIL && nodes.length < limit; n = nextLink(this.words, n)) nodes.push(n);
    return nodes;
  }

  detail(): AllocatorDetail {
    return { kind: "freelist", largeThreshold: this.largeThreshold, placement: this.placement, order: this.order, freeList: this.freeList() };
  }

  protected findFit(need: number): number {
    if (this.fit === FIRST_FIT) return this.findFirstFit(need);
    if (this.fit === NEXT_FIT) return this.findNextFit(need);
    return this.findBestFit(need);
  }

  // A free block's tag word is its size (its flags are 0), so a node's size is words[n >> 2].
  private findFirstFit(need: number): number {
    const words = this.words;
    let probes = 0;
    let n = this.head;
    while (n !== NIL) {
      probes++;
      if (words[n >> 2] >= need) break;
      n = words[(n + NEXT_LINK) >> 2];
    }
    this.stats.probes += probes;
    return n;
  }

  // Resumes at the rover; taking a block moves the rover past it (removeFree).
  private findNextFit(need: number): number {
    const words = this.words;
    const first = this.rover !== NIL ? this.rover : this.head;
    if (first === NIL) return NIL;
    let probes = 0;
    let n = first;
    do {
      probes++;
      if (words[n >> 2] >= need) {
        this.stats.probes += probes;
        this.rover = n;
        return n;
      }
      n = words[(n + NEXT_LINK) >> 2];
      if (n === NIL) n = this.head;
    } while (n !== first);
    this.stats.probes += probes;
    return NIL;
  }

  private findBestFit(need: number): number {
    const words = this.words;
    let probes = 0;
    let best = NIL;
    let bestSize = 0x7fffffff;
    for (let n = this.head; n !== NIL; n = words[(n + NEXT_LINK) >> 2]) {
      probes++;
      const size = words[n >> 2];
      if (size >= need && size < bestSize) {
        best = n;
        bestSize = size;
        if (size === need) break;
      }
    }
    this.stats.probes += probes;
    return best;
  }

  // Counterpart of removeFree.
  protected insertFree(h: number, _size: number): void {
    if (this.addressOrdered) this.insertByAddress(h);
    else this.pushFront(h);
  }

  private pushFront(h: number): void {
    const words = this.words;
    const first = this.head;
    words[(h + PREV_LINK) >> 2] = NIL;
    words[(h + NEXT_LINK) >> 2] = first;
    if (first !== NIL) words[(first + PREV_LINK) >> 2] = h;
    this.head = h;
  }

  // Walks from the hint when it sorts before h, else from the head, to the last node below h.
  private insertByAddress(h: number): void {
    const words = this.words;
    let before = this.hint;
    if (before === NIL || before > h) {
      const first = this.head;
      if (first === NIL || first > h) {
        this.pushFront(h);
        return;
      }
      before = first;
    }
    let probes = 0;
    let after = words[(before + NEXT_LINK) >> 2];
    while (after !== NIL && after < h) {
      probes++;
      before = after;
      after = words[(after + NEXT_LINK) >> 2];
    }
    this.stats.probes += probes;
    words[(h + PREV_LINK) >> 2] = before;
    words[(h + NEXT_LINK) >> 2] = after;
    words[(before + NEXT_LINK) >> 2] = h;
    if (after !== NIL) words[(after + PREV_LINK) >> 2] = h;
  }

  // Counterpart of insertFree. Keeps the rover and the hint on the list.
  protected removeFree(h: number, _size: number): void {
    const words = this.words;
    const before = words[(h + PREV_LINK) >> 2];
    const after = words[(h + NEXT_LINK) >> 2];
    if (before === NIL) this.head = after;
    else words[(before + NEXT_LINK) >> 2] = after;
    if (after !== NIL) words[(after + PREV_LINK) >> 2] = before;
    if (this.rover === h) this.rover = after;
    this.hint = before;
  }

  protected checkFreeLists(freeStarts: Set<number>): void {
    const seen = new Set<number>();
    let last = NIL;
    this.checkList(this.head, freeStarts, seen, (n) => {
      if (this.addressOrdered && n <= last) this.corrupt(n, "order address: node < next(node)");
      last = n;
    });
    this.checkAllListed(freeStarts, seen);
    if (this.rover !== NIL && !seen.has(this.rover)) this.corrupt(this.rover, "the next-fit rover should be on the list");
    if (this.hint !== NIL && !seen.has(this.hint)) this.corrupt(this.hint, "the insertion hint should be on the list");
  }
}
