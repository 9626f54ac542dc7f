// Slab allocator: a handful of fixed object sizes ("classes"), each served from 16 KiB slabs
// that hold objects of that one size. A slab is carved from the arena when its class first needs
// room, and goes back to a pool of free slabs — reusable by any class — when its last object is
// freed. Requests larger than the largest class (2048 B by default) go to the large-object path
// (large.ts), mapped outside the arena as Bonwick's kmem cache hands big buffers to the page
// allocator; with largeThreshold 0 they are not served at all and count as failures.
//
// Slabs are 16 KiB aligned, so `addr & ~16383` finds the header of the slab an address lies in;
// that is how free() learns an object's size class without any per-object header.
//
//  One slab (SLAB_BYTES = 16 KiB, at a multiple of 16 KiB):
//
//    slab                                 slab + dataOffset                           slab + 16 KiB
//    +--------------------+------+-------+-------+-------+-------+-- … --+-------+----------+
//    | fixed header (48B) |bitmap|reqsize| obj 0 | obj 1 | obj 2 |       |obj n-1| tail     |
//    +--------------------+------+-------+-------+-------+-------+-- … --+-------+----------+
//     magic ^ slab         1 bit  u16 per  each objectBytes long;          unusable: less
//     class (-1 = pooled)  per    object:  a free object's first word      than one object
//     live  (allocated)    object the      holds the index of the next
//     freeHead (index|-1)         size the  free object of the slab (or -1)
//     carved (objects handed out  program
//             at least once)      asked for
//     capacity (n; a pooled slab keeps its last class's n: that much bitmap is known zero)
//     next, prev (slab links: the class's partial list, or the pool)
//     objectBytes, data (address of obj 0), table (u16 index of reqsize[0]), reciprocal
//       — copies of the class layout, so free() reads one cache line and no JS table
//
//  Arena:   [slab][slab][slab] … [slab] [ never carved … ]
//                                       ^ carveCursor (the slab allocator's brk)
//
//  walk(): a slab's header and tail are metadata; each carved object is a block of objectBytes with
//  payload = start (live: requested bytes then reserved; free: requested -1); the never-used objects
//  of a slab are one free block; runs of pooled slabs and the never-carved rest are one free block.
//
//  Objects [0, carved) are each either allocated (bitmap bit set) or on the slab's free list;
//  objects [carved, capacity) have never been handed out and are taken in address order when the
//  free list is empty (lazy carving: a fresh slab needs no free-list threading).
//
// Invariants (check() verifies each):
//    carveCursor % SLAB_BYTES == 0,  carveCursor <= arenaBytes
//    every slab below carveCursor: header magic == SLAB_MAGIC ^ slab
//    classed slab: capacity, objectBytes, data, table, reciprocal == those of layout(class)
//    classed slab: 1 <= live <= capacity,  live <= carved <= capacity
//    popcount(bitmap) == live,  no bitmap bit at index >= carved
//    free-list length == carved - live;  every free object is on its slab's free list exactly once
//    classes[k-1] < requested <= classes[k] for every allocated object of class k (0 for k = 0 allowed)
//    partial list k == exactly the slabs of class k with live < capacity, each once, prev links agree
//    pool == exactly the slabs whose class is POOLED (all their objects free), each once
//    pooled slab: bitmap words [0, ceil(capacity / 32)) == 0
//    sum of requested over allocated objects == stats.liveBytes
//    sum of walk() block bytes == arenaBytes
//
// What a C slab allocator keeps in static globals lives in JS fields here: the carve cursor, the
// pool head, the per-class partial-list heads and the (constant) class layout tables. Everything
// per slab and per object is inside the arena.
//
// Cost model (stats.probes): +1 per slab header read, +1 per free-list link followed, +1 per
// bitmap word read (the allocated bit is set with a read-modify-write).
//
// Free lists hold object indexes rather than addresses, so malloc finds an address with one
// multiply; free finds the index with an integer multiply by the class's reciprocal, never a
// division: offset/16 < 2^10 and objectBytes/16 <= 2^8, so with m = floor(2^20 / (objectBytes/16)) + 1,
// (offset/16 * m) >> 20 == floor(offset / objectBytes) exactly, and the product stays below 2^30.
//
// realloc is in place when the new size falls in the same class; otherwise it allocates from the
// new class, copies and frees the old object.

import { largePathKnobs } from "./large.js";
import { ArenaAllocator, alignUp, hex, validateSize } from "./base.js";
import type { KnobSpec } from "./knobs.js";
import { NULL_ADDR, type AllocatorDetail, type AllocatorOptions } from "./types.js";

const KNOWN_KNOB_NAMES = ["classes", "largeThreshold", "slidingThreshold"] as const;

/** Class lists a page or the CLI can name; `classes` also accepts an explicit array. */
export const SLAB_CLASS_PRESETS = Object.freeze({
  pow2: Object.freeze([16, 32, 64, 128, 256, 512, 1024, 2048]),
  fine: Object.freeze([16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048]),
  coarse: Object.freeze([16, 64, 256, 1024, 2048]),
});
export type SlabClassPreset = keyof typeof SLAB_CLASS_PRESETS;
const PRESET_NAMES = Object.keys(SLAB_CLASS_PRESETS) as SlabClassPreset[];

export const SLAB_KNOBS: readonly KnobSpec[] = [
  {
    name: "classes", label: "Size classes", kind: "choice", choices: PRESET_NAMES, default: "pow2",
    help: "pow2: 16 B to 2 KiB in powers of two; fine: 1.5× spacing (14 classes); coarse: 16, 64, 256, 1024, 2048. " +
      "An ascending array of 1 to 16 multiples of 16 (16 .. 4096) is also accepted. Larger requests go to the large-object path.",
  },
  ...largePathKnobs(2049, "one byte above the largest class, 2049 B for pow2"),
];

export const SLAB_BYTES = 16 * 1024;
const SLAB_MASK = -SLAB_BYTES;
export const MAX_CLASS_BYTES = 4096;
const MAX_CLASSES = 16;

// Header fields, as word offsets from the slab's first word.
const H_MAGIC = 0;
const H_CLASS = 1;
const H_LIVE = 2;
const H_FREE = 3;
const H_CARVED = 4;
const H_CAPACITY = 5;
const H_NEXT = 6;
const H_PREV = 7;
const H_OBJECT_BYTES = 8;
const H_DATA = 9;
const H_TABLE = 10;
const H_RECIPROCAL = 11;
const H_BITMAP = 12;
const FIXED_HEADER_BYTES = H_BITMAP * 4;

const RECIPROCAL_SHIFT = 20;
const SLAB_MAGIC = 0x51ab0000 | 0x5eed;
const POOLED = -1;
const NO_SLAB = -1;
const NO_OBJECT = -1;
/** NULL_ADDR as this module's own constant: optimized code folds a module's consts into the instructions, but reads an import through its module cell at every use. */
const NULL = NULL_ADDR;

/** Reads the `classes` knob: a preset name or an explicit list; quotes the bad value otherwise. */
export function parseSlabClasses(value: unknown): readonly number[] {
  if (value === undefined) return SLAB_CLASS_PRESETS.pow2;
  if (typeof value === "string" && (PRESET_NAMES as string[]).includes(value)) return SLAB_CLASS_PRESETS[value as SlabClassPreset];
  if (Array.isArray(value) && isClassList(value)) return Object.freeze(value.slice());
  const quoted = JSON.stringify(value) ?? String(value);
  throw new RangeError(`invalid classes: ${quoted} (must be one of ${PRESET_NAMES.join(", ")}, or an ascending array of 1 to ${MAX_CLASSES} multiples of 16 from 16 to ${MAX_CLASS_BYTES})`);
}

function isClassList(list: unknown[]): boolean {
  if (list.length < 1 || list.length > MAX_CLASSES) return false;
  let previous = 0;
  for (const size of list) {
    if (typeof size !== "number" || !Number.isInteger(size) || size % 16 !== 0) return false;
    if (size <= previous || size > MAX_CLASS_BYTES) return false;
    previous = size;
  }
  return true;
}

/** Where things sit inside a slab of one class: the most objects that fit beside their own header. */
export interface SlabLayout {
  readonly objectBytes: number;
  readonly capacity: number;
  /** Header bytes: the fixed fields, the allocated bitmap and the requested-size table, rounded to 16. */
  readonly dataOffset: number;
  /** Byte offset of the u16 requested-size table. */
  readonly tableOffset: number;
  /** Unusable bytes after the last object. */
  readonly tailBytes: number;
}

export function slabLayoutOf(objectBytes: number): SlabLayout {
  for (let capacity = Math.floor(SLAB_BYTES / objectBytes); capacity > 0; capacity--) {
    const tableOffset = FIXED_HEADER_BYTES + 4 * Math.ceil(capacity / 32);
    const dataOffset = alignUp(tableOffset + 2 * capacity);
    const tailBytes = SLAB_BYTES - dataOffset - capacity * objectBytes;
    if (tailBytes >= 0) return { objectBytes, capacity, dataOffset, tableOffset, tailBytes };
  }
  throw new RangeError(`invalid object size: ${objectBytes} (no object of that size fits in a slab)`);
}

export class SlabAllocator extends ArenaAllocator {
  /** The object sizes, ascending. */
  // Assigned by the constructor, so only declared: see ArenaAllocator.
  declare readonly classes: readonly number[];
  declare readonly layouts: readonly SlabLayout[];
  private declare readonly largestClass: number;
  // Per-class layout tables: what formatSlab copies into each slab header (free() reads the copy),
  // and what walk() and check() measure slabs against.
  private declare readonly objectBytes: Int32Array;
  private declare readonly capacity: Int32Array;
  private declare readonly dataOffset: Int32Array;
  private declare readonly tableOffset: Int32Array;
  /** m = floor(2^20 / (objectBytes / 16)) + 1: an object's index is ((offset >> 4) * m) >>> 20. */
  private declare readonly reciprocal: Int32Array;
  /** How far a freshly formatted slab of the class counts as covered by non-free blocks (header, and the tail if any). */
  private declare readonly coveredBytes: Int32Array;
  /** The class of every 16-byte size step: classBySize[(size + 15) >> 4]. */
  private declare readonly classBySize: Uint8Array;
  /** Head of each class's list of slabs with at least one object not allocated. */
  private declare readonly partialHead: Int32Array;
  private poolHead = NO_SLAB;
  private carveCursor = 0;
  /** u16 view for the requested-size tables. */
  private declare readonly halves: Uint16Array;

  constructor(options: AllocatorOptions = {}) {
    super("slab", options, KNOWN_KNOB_NAMES);
    this.classes = parseSlabClasses(options.classes);
    this.layouts = Object.freeze(this.classes.map(slabLayoutOf));
    const count = this.classes.length;
    this.largestClass = this.classes[count - 1];
    this.objectBytes = Int32Array.from(this.layouts, (layout) => layout.objectBytes);
    this.capacity = Int32Array.from(this.layouts, (layout) => layout.capacity);
    this.dataOffset = Int32Array.from(this.layouts, (layout) => layout.dataOffset);
    this.tableOffset = Int32Array.from(this.layouts, (layout) => layout.tableOffset);
    this.reciprocal = Int32Array.from(this.layouts, (layout) => Math.floor(2 ** RECIPROCAL_SHIFT / (layout.objectBytes >> 4)) + 1);
    this.coveredBytes = Int32Array.from(this.layouts, (layout) => (layout.tailBytes > 0 ? SLAB_BYTES : layout.dataOffset));
    this.classBySize = new Uint8Array(MAX_CLASS_BYTES / 16 + 1);
    for (let step = 0, k = 0; step < this.classBySize.length; step++) {
      while (k < count - 1 && this.classes[k] < step * 16) k++;
      this.classBySize[step] = k;
    }
    this.partialHead = new Int32Array(count).fill(NO_SLAB);
    this.halves = new Uint16Array(this.bytes.buffer);
    this.openLargePath(options, this.largestClass + 1); // above the largest class: slab fails on no size
  }

  // Fast path in takeObject; a size that is not a whole number, or above every class, goes to rejectSize.
  malloc(size: number): number {
    if (this.large !== null && this.large.wants(size)) return this.mallocLarge(size);
    if ((size >>> 0) !== size || size > this.largestClass) return this.rejectSize(size);
    const k = this.classBySize[(size + 15) >> 4];
    const addr = this.takeObject(k, size);
    if (addr === NULL) return this.failRequest();
    this.noteAllocated(size, addr + this.objectBytes[k]);
    return addr;
  }

  free(addr: number): void {
    if (addr === NULL) return;
    if (addr >= this.arenaBytes && this.large !== null) return this.freeLarge(addr);
    const index = this.locateLive(addr);
    this.noteFreed(this.releaseObject(addr, index));
  }

  protected override arenaRequestedOf(addr: number): number {
    const index = this.locateLive(addr);
    return this.halves[this.words[((addr & SLAB_MASK) >> 2) + H_TABLE] + index];
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL) return this.malloc(size);
    validateSize(size);
    if (size === 0) return this.freeForRealloc(addr);
    if (this.crossesLargePath(addr, size)) return this.reallocAcross(addr, size);
    const index = this.locateLive(addr);
    const h = (addr & SLAB_MASK) >> 2;
    const k = this.words[h + H_CLASS];
    const entry = this.words[h + H_TABLE] + index;
    const oldRequested = this.halves[entry];
    if (size > this.largestClass) return this.failRequest();
    const newClass = this.classBySize[(size + 15) >> 4];
    if (newClass === k) {
      this.halves[entry] = size;
      this.noteReallocated(oldRequested, size, addr + this.objectBytes[k]);
      return addr;
    }
    const moved = this.takeObject(newClass, size);
    if (moved === NULL) return this.failRequest();
    this.bytes.copyWithin(moved, addr, addr + (oldRequested < size ? oldRequested : size));
    this.releaseObject(addr, index);
    this.noteReallocated(oldRequested, size, moved + this.objectBytes[newClass]);
    return moved;
  }

  // Pooled slabs and the never-carved region next to each other are reported as one free block,
  // so an arena whose every object was freed walks as a single free block, like the others.
  detail(): AllocatorDetail {
    return {
      kind: "slab", largeThreshold: this.largeThreshold, slabBytes: SLAB_BYTES,
      classes: this.layouts.map((layout) => ({ objectBytes: layout.objectBytes, capacity: layout.capacity })),
    };
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    const words = this.words;
    const halves = this.halves;
    let freeRun = -1; // start of the pending run of whole free slabs, or -1
    for (let slab = 0; slab < this.carveCursor; slab += SLAB_BYTES) {
      const h = slab >> 2;
      const k = words[h + H_CLASS];
      if (k === POOLED) {
        if (freeRun < 0) freeRun = slab;
        continue;
      }
      if (freeRun >= 0) visit(freeRun, slab - freeRun, freeRun, -1);
      freeRun = -1;
      const data = slab + this.dataOffset[k];
      const objectBytes = this.objectBytes[k];
      const capacity = this.capacity[k];
      const carved = words[h + H_CARVED];
      const table = (slab + this.tableOffset[k]) >> 1;
      visit(slab, data - slab, data, 0);
      for (let i = 0; i < carved; i++) {
        const obj = data + i * objectBytes;
        const allocated = (words[h + H_BITMAP + (i >> 5)] >>> (i & 31)) & 1;
        visit(obj, objectBytes, obj, allocated ? halves[table + i] : -1);
      }
      const uncarved = data + carved * objectBytes;
      const dataEnd = data + capacity * objectBytes;
      if (uncarved < dataEnd) visit(uncarved, dataEnd - uncarved, uncarved, -1);
      if (dataEnd < slab + SLAB_BYTES) visit(dataEnd, slab + SLAB_BYTES - dataEnd, slab + SLAB_BYTES, 0);
    }
    if (freeRun < 0 && this.carveCursor < this.arenaBytes) freeRun = this.carveCursor;
    if (freeRun >= 0) visit(freeRun, this.arenaBytes - freeRun, freeRun, -1);
  }

  check(): void {
    const words = this.words;
    const cursor = this.carveCursor;
    if (cursor % SLAB_BYTES !== 0 || cursor > this.arenaBytes) this.corrupt(cursor, "carveCursor should be a multiple of 16 KiB inside the arena");
    const slabCount = cursor / SLAB_BYTES;
    const partialExpected = new Int32Array(this.classes.length);
    let pooled = 0;
    let liveBytes = 0;
    for (let slab = 0; slab < cursor; slab += SLAB_BYTES) {
      if (words[(slab >> 2) + H_MAGIC] !== (SLAB_MAGIC ^ slab)) this.corrupt(slab, "header magic should equal SLAB_MAGIC ^ slab");
      const k = words[(slab >> 2) + H_CLASS];
      if (k === POOLED) {
        this.checkPooledSlab(slab);
        pooled++;
        continue;
      }
      if (k < 0 || k >= this.classes.length) this.corrupt(slab, `class ${k} should be a class index or POOLED`);
      liveBytes += this.checkSlab(slab, k);
      if (words[(slab >> 2) + H_LIVE] < this.capacity[k]) partialExpected[k]++;
    }
    const onList = new Uint8Array(slabCount);
    for (let k = 0; k < this.classes.length; k++) {
      const found = this.checkSlabList(this.partialHead[k], k, onList);
      if (found !== partialExpected[k]) this.corrupt(this.partialHead[k], `partial list of class ${this.classes[k]} B has ${found} slabs, ${partialExpected[k]} slabs of that class have room`);
    }
    const poolFound = this.checkSlabList(this.poolHead, POOLED, onList);
    if (poolFound !== pooled) this.corrupt(this.poolHead, `pool holds ${poolFound} slabs, ${pooled} slabs are empty`);
    liveBytes += this.checkLargePath();
    if (liveBytes !== this.stats.liveBytes) this.corrupt(0, `allocated requested bytes ${liveBytes} (arena and mapped) should equal stats.liveBytes ${this.stats.liveBytes}`);
    if (cursor > 0 && this.stats.highWater <= cursor - SLAB_BYTES) this.corrupt(cursor, `highWater ${hex(this.stats.highWater)} should reach into the last carved slab`);
    this.checkCoverage();
  }

  // Fast path: pop the free list of the class's first partial slab. Slow paths: carveObject (a
  // never-used object of that slab) and refill (a slab from the pool or the arena).
  // Counterpart: releaseObject.
  private takeObject(k: number, size: number): number {
    let slab = this.partialHead[k];
    if (slab === NO_SLAB) {
      slab = this.refill(k);
      if (slab === NO_SLAB) return NULL;
    }
    const words = this.words;
    const h = slab >> 2;
    const data = words[h + H_DATA];
    const objectBytes = words[h + H_OBJECT_BYTES];
    let index = words[h + H_FREE];
    let addr: number;
    if (index !== NO_OBJECT) {
      this.stats.probes += 3; // the slab header, the free object's link and the bitmap word
      addr = data + index * objectBytes;
      words[h + H_FREE] = words[addr >> 2];
    } else {
      this.stats.probes += 2; // the slab header and the bitmap word
      index = this.carveObject(slab);
      addr = data + index * objectBytes;
    }
    words[h + H_BITMAP + (index >> 5)] |= 1 << (index & 31);
    this.halves[words[h + H_TABLE] + index] = size;
    const live = words[h + H_LIVE] + 1;
    words[h + H_LIVE] = live;
    if (live === words[h + H_CAPACITY]) this.unlinkPartial(slab, k);
    return addr;
  }

  // The index of the next never-used object of a slab whose free list is empty (counterpart: formatSlab resets carved).
  private carveObject(slab: number): number {
    const h = slab >> 2;
    const carved = this.words[h + H_CARVED];
    this.words[h + H_CARVED] = carved + 1;
    return carved;
  }

  // A slab for class k: from the pool if any, else carved from the arena (counterpart: releaseSlab).
  private refill(k: number): number {
    const words = this.words;
    let slab = this.poolHead;
    let zeroWords: number;
    if (slab !== NO_SLAB) {
      this.stats.probes++;
      this.poolHead = words[(slab >> 2) + H_NEXT];
      zeroWords = (words[(slab >> 2) + H_CAPACITY] + 31) >> 5;
    } else {
      slab = this.carveCursor;
      if (slab + SLAB_BYTES > this.arenaBytes) return NO_SLAB;
      this.carveCursor = slab + SLAB_BYTES;
      words[(slab >> 2) + H_MAGIC] = SLAB_MAGIC ^ slab;
      zeroWords = 0;
    }
    this.formatSlab(slab, k, zeroWords);
    this.linkPartial(slab, k);
    const covered = slab + this.coveredBytes[k];
    if (covered > this.stats.highWater) this.stats.highWater = covered;
    return slab;
  }

  /** Makes `slab` an empty slab of class k; the first `zeroWords` bitmap words are known to be zero already. */
  private formatSlab(slab: number, k: number, zeroWords: number): void {
    const words = this.words;
    const h = slab >> 2;
    const capacity = this.capacity[k];
    words[h + H_CLASS] = k;
    words[h + H_LIVE] = 0;
    words[h + H_FREE] = NO_OBJECT;
    words[h + H_CARVED] = 0;
    words[h + H_CAPACITY] = capacity;
    words[h + H_OBJECT_BYTES] = this.objectBytes[k];
    words[h + H_DATA] = slab + this.dataOffset[k];
    words[h + H_TABLE] = (slab + this.tableOffset[k]) >> 1;
    words[h + H_RECIPROCAL] = this.reciprocal[k];
    // A class with fewer objects per slab may have left its table or objects where this bitmap goes.
    const bitmapEnd = h + H_BITMAP + ((capacity + 31) >> 5);
    for (let w = h + H_BITMAP + zeroWords; w < bitmapEnd; w++) words[w] = 0;
  }

  /** markFree → pushFree → (slab was full) linkPartial | (slab now empty) releaseSlab. Returns the requested size. */
  private releaseObject(addr: number, index: number): number {
    const words = this.words;
    const slab = addr & SLAB_MASK;
    const h = slab >> 2;
    const k = words[h + H_CLASS];
    words[h + H_BITMAP + (index >> 5)] &= ~(1 << (index & 31));
    words[addr >> 2] = words[h + H_FREE];
    words[h + H_FREE] = index;
    const live = words[h + H_LIVE] - 1;
    words[h + H_LIVE] = live;
    const capacity = words[h + H_CAPACITY];
    if (live === 0) this.releaseSlab(slab, k, capacity > 1);
    else if (live === capacity - 1) this.linkPartial(slab, k);
    return this.halves[words[h + H_TABLE] + index];
  }

  // An empty slab leaves its class and joins the pool (counterpart: refill). Its capacity field
  // stays: that many bitmap bits are zero, which spares refill clearing them.
  private releaseSlab(slab: number, k: number, onPartialList: boolean): void {
    if (onPartialList) this.unlinkPartial(slab, k);
    const h = slab >> 2;
    this.words[h + H_CLASS] = POOLED;
    this.words[h + H_NEXT] = this.poolHead;
    this.words[h + H_PREV] = NO_SLAB;
    this.poolHead = slab;
  }

  private linkPartial(slab: number, k: number): void {
    const words = this.words;
    const h = slab >> 2;
    const head = this.partialHead[k];
    words[h + H_NEXT] = head;
    words[h + H_PREV] = NO_SLAB;
    if (head !== NO_SLAB) words[(head >> 2) + H_PREV] = slab;
    this.partialHead[k] = slab;
  }

  private unlinkPartial(slab: number, k: number): void {
    const words = this.words;
    const h = slab >> 2;
    const next = words[h + H_NEXT];
    const prev = words[h + H_PREV];
    if (prev === NO_SLAB) this.partialHead[k] = next;
    else words[(prev >> 2) + H_NEXT] = next;
    if (next !== NO_SLAB) words[(next >> 2) + H_PREV] = prev;
  }

  /**
   * The object index of the live object at `addr`; throws before touching anything if there is none.
   * Fast path: a 16-aligned integer inside a carved slab whose header verifies, the start of a carved
   * object, its bit set — the tests in one expression, with no side effect until all passed. Anything
   * else goes to diagnoseFree (its counterpart), which runs them again one by one and throws.
   */
  private locateLive(addr: number): number {
    const words = this.words;
    const slab = addr & SLAB_MASK;
    const h = slab >> 2;
    if ((addr & -16) === addr && addr >= 0 && addr < this.carveCursor
      && words[h + H_MAGIC] === (SLAB_MAGIC ^ slab) && words[h + H_CLASS] !== POOLED) {
      // An address before the data makes offset negative and the index huge (>>> 20 of a negative product).
      const offset = addr - words[h + H_DATA];
      const index = Math.imul(offset >> 4, words[h + H_RECIPROCAL]) >>> RECIPROCAL_SHIFT;
      if (index < words[h + H_CARVED] && index * words[h + H_OBJECT_BYTES] === offset
        && ((words[h + H_BITMAP + (index >> 5)] >>> (index & 31)) & 1) !== 0) {
        this.stats.probes += 2; // the slab header and the bitmap word
        return index;
      }
    }
    return this.diagnoseFree(addr);
  }

  /** The cold half of locateLive: its tests in order, each failure with its own error. */
  private diagnoseFree(addr: number): number {
    if ((addr & -16) !== addr || addr < 0 || addr >= this.carveCursor) this.rejectFree(addr);
    const words = this.words;
    const slab = addr & SLAB_MASK;
    const h = slab >> 2;
    if (words[h + H_MAGIC] !== (SLAB_MAGIC ^ slab)) this.corrupt(slab, "header magic should equal SLAB_MAGIC ^ slab");
    if (words[h + H_CLASS] === POOLED) this.rejectFree(addr);
    const offset = addr - words[h + H_DATA];
    const index = Math.imul(offset >> 4, words[h + H_RECIPROCAL]) >>> RECIPROCAL_SHIFT;
    if (index >= words[h + H_CARVED] || index * words[h + H_OBJECT_BYTES] !== offset) this.rejectFree(addr);
    this.stats.probes += 2; // the slab header and the bitmap word
    if (((words[h + H_BITMAP + (index >> 5)] >>> (index & 31)) & 1) === 0) this.doubleFree(addr);
    return index;
  }

  /** Why `addr` cannot be freed: always throws. Counts the header read when there is a header to read. */
  private rejectFree(addr: number): never {
    if (!this.isPlausiblePayload(addr)) this.invalidFree(addr, "not a 16-aligned address inside the arena");
    const slab = addr & SLAB_MASK;
    if (slab >= this.carveCursor) this.invalidFree(addr, "no slab has been carved there");
    const words = this.words;
    const h = slab >> 2;
    this.stats.probes++;
    if (words[h + H_CLASS] === POOLED) {
      if (addr < slab + FIXED_HEADER_BYTES) this.invalidFree(addr, "it is a slab header");
      this.doubleFree(addr); // its slab went back to the pool: every object in it is free
    }
    const offset = addr - words[h + H_DATA];
    if (offset < 0) this.invalidFree(addr, "it is a slab header");
    const objectBytes = words[h + H_OBJECT_BYTES];
    if (offset >= words[h + H_CAPACITY] * objectBytes) this.invalidFree(addr, "it is the unusable tail of a slab");
    if (offset % objectBytes !== 0) this.invalidFree(addr, `not the start of a ${objectBytes}-byte object`);
    this.invalidFree(addr, "that object has never been handed out");
  }

  /** Verifies one classed slab's counts, bitmap, requested sizes and free list; returns its live requested bytes. */
  private checkSlab(slab: number, k: number): number {
    const words = this.words;
    const h = slab >> 2;
    const capacity = this.capacity[k];
    const objectBytes = this.objectBytes[k];
    const data = slab + this.dataOffset[k];
    const live = words[h + H_LIVE];
    const carved = words[h + H_CARVED];
    if (words[h + H_CAPACITY] !== capacity || words[h + H_OBJECT_BYTES] !== objectBytes || words[h + H_DATA] !== data ||
      words[h + H_TABLE] !== (slab + this.tableOffset[k]) >> 1 || words[h + H_RECIPROCAL] !== this.reciprocal[k]) {
      this.corrupt(slab, `capacity, objectBytes, data, table and reciprocal should be those of the ${this.classes[k]} B class`);
    }
    if (live === 0) this.corrupt(slab, "a slab with no live object should be in the pool");
    if (live < 0 || live > carved || carved > capacity) this.corrupt(slab, `1 <= live (${live}) <= carved (${carved}) <= capacity (${capacity}) should hold`);
    const smallest = k === 0 ? 0 : this.classes[k - 1] + 1;
    const table = (slab + this.tableOffset[k]) >> 1;
    let allocated = 0;
    let liveBytes = 0;
    for (let i = 0; i < capacity; i++) {
      if (((words[h + H_BITMAP + (i >> 5)] >>> (i & 31)) & 1) === 0) continue;
      const obj = data + i * objectBytes;
      if (i >= carved) this.corrupt(obj, "no bitmap bit should be set beyond carved");
      const requested = this.halves[table + i];
      if (requested > objectBytes || requested < smallest) this.corrupt(obj, `requested ${requested} should fall in the ${objectBytes}-byte class`);
      allocated++;
      liveBytes += requested;
    }
    if (allocated !== live) this.corrupt(slab, `popcount(bitmap) ${allocated} should equal live ${live}`);
    const seen = new Uint8Array(capacity);
    let length = 0;
    for (let i = words[h + H_FREE], from = slab; i !== NO_OBJECT; from = data + i * objectBytes, i = words[from >> 2]) {
      if (!Number.isInteger(i) || i < 0 || i >= carved) this.corrupt(from, `free-list link ${i} should be the index of a carved object of the slab at ${hex(slab)}`);
      const obj = data + i * objectBytes;
      if (seen[i]) this.corrupt(obj, "every free object should be on its free list exactly once");
      if ((words[h + H_BITMAP + (i >> 5)] >>> (i & 31)) & 1) this.corrupt(obj, "an object on the free list should not be marked allocated");
      seen[i] = 1;
      length++;
    }
    if (length !== carved - live) this.corrupt(slab, `free-list length ${length} should equal carved - live = ${carved - live}`);
    return liveBytes;
  }

  private checkPooledSlab(slab: number): void {
    const words = this.words;
    const h = slab >> 2;
    const capacity = words[h + H_CAPACITY];
    if (!this.capacity.includes(capacity)) this.corrupt(slab, `a pooled slab's capacity ${capacity} should be that of a class`);
    for (let w = 0; w < (capacity + 31) >> 5; w++) {
      if (words[h + H_BITMAP + w] !== 0) this.corrupt(slab, `a pooled slab's bitmap word ${w} should be zero`);
    }
  }

  /** Follows one slab list (a class's partial list, or the pool for POOLED); returns how many slabs it holds. */
  private checkSlabList(head: number, k: number, onList: Uint8Array): number {
    const words = this.words;
    const what = k === POOLED ? "pool" : `partial list of class ${this.classes[k]} B`;
    let count = 0;
    let prev = NO_SLAB;
    for (let slab = head; slab !== NO_SLAB; slab = words[(slab >> 2) + H_NEXT]) {
      if (slab < 0 || slab >= this.carveCursor || slab % SLAB_BYTES !== 0) this.corrupt(slab, `${what} should link carved slabs only`);
      if (onList[slab / SLAB_BYTES]) this.corrupt(slab, `a slab should be on at most one list, once (${what})`);
      onList[slab / SLAB_BYTES] = 1;
      if (words[(slab >> 2) + H_CLASS] !== k) this.corrupt(slab, `every slab on the ${what} should have its class`);
      if (k !== POOLED && words[(slab >> 2) + H_LIVE] >= this.capacity[k]) this.corrupt(slab, `a full slab should not be on the ${what}`);
      if (k !== POOLED && words[(slab >> 2) + H_PREV] !== prev) this.corrupt(slab, `prev link should point back along the ${what}`);
      prev = slab;
      count++;
    }
    return count;
  }

  private checkCoverage(): void {
    let cursor = 0;
    this.walk((start, bytes) => {
      if (start !== cursor || bytes <= 0) this.corrupt(start, `walk should cover every byte once, in order (expected ${hex(cursor)})`);
      cursor = start + bytes;
    });
    if (cursor !== this.arenaBytes) this.corrupt(cursor, "sum of walk() block bytes should equal arenaBytes");
  }

  // The slow path of malloc's size test: a bad size throws, a size above every class fails.
  private rejectSize(size: number): number {
    validateSize(size);
    return this.failRequest();
  }

  private failRequest(): number {
    this.stats.failures++;
    return NULL;
  }
}
