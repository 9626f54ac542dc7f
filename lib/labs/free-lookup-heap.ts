// The free() lookup lab's model: LookupAllocator, one size-class heap whose free() finds a block's
// class in one of three ways (a header before the object, an aligned span's descriptor, a table
// of span descriptors). The lab's race over it is in free-lookup.ts; the why is in its comment.

import { ArenaAllocator, alignUp, registerAllocator, validateSize } from "../allocators/index.js";
import { NULL_ADDR, type AllocatorOptions } from "../allocators/types.js";
import { choiceKnob, integerKnob, type KnobSpec } from "../knobs.js";

export const LOOKUPS = ["header", "aligned", "table"] as const;
export type Lookup = (typeof LOOKUPS)[number];
export const LOOKUP_CLASSES: readonly number[] = Object.freeze([16, 32, 64, 128, 256, 512, 1024, 2048]);
export const LARGEST_CLASS = 2048;
export const HEADER_BYTES = 16;
export const DESCRIPTOR_BYTES = 32;
export const MIN_SPAN_BYTES = 4096;
export const MAX_SPAN_BYTES = 65536;
export const DEFAULT_SPAN_BYTES = 16384;
export const MAX_TABLE_LEVELS = 3;

export const FREE_LOOKUP_KNOBS: readonly KnobSpec[] = [
  { name: "lookup", label: "How free() finds the class", kind: "choice", choices: LOOKUPS, default: "aligned",
    help: "header: a header before every object; aligned: a descriptor at the start of every aligned span; table: descriptors in a table indexed by span number." },
  { name: "spanBytes", label: "Span bytes", kind: "integer", min: MIN_SPAN_BYTES, max: MAX_SPAN_BYTES, default: DEFAULT_SPAN_BYTES,
    help: "The unit carved from the arena for one size class; a power of two from 4 KiB to 64 KiB." },
  { name: "tableLevels", label: "Table levels", kind: "integer", min: 1, max: MAX_TABLE_LEVELS, default: 1,
    help: "table only: 1 is a flat array; 2 and 3 are radix trees, as 64-bit allocators need." },
];
const KNOWN_KNOB_NAMES = FREE_LOOKUP_KNOBS.map((knob) => knob.name);

/** The registry name the lab's heap carries: its own, not the built-in slab's it resembles. */
export const LOOKUP_ALLOCATOR = "free-lookup";

const NIL = -1;
const POOLED = -1;
const HEADER_MAGIC = 0x4ead_0000 | 0x1e5;
const SPAN_MAGIC = 0x5fa0_0000 | 0x0d5c;
const FREE_FLAG = 0x100;
const CLASS_MASK = 0xff;
// Descriptor words.
const D_CHECK = 0, D_CLASS = 1, D_LIVE = 2, D_FREE = 3, D_CARVED = 4, D_NEXT = 5, D_PREV = 6, D_DATA = 7;
// Header words (from the header's start, payload - 16).
const H_CHECK = 0, H_CLASS = 1, H_NEXT = 2;

/** The class index of a request of `size` bytes (<= LARGEST_CLASS). */
export function lookupClassOf(size: number): number {
  return size <= 16 ? 0 : 28 - Math.clz32(size - 1);
}

/** Bits of the span number each table level indexes, root first: as even as possible, the root taking any extra. */
export function tableLevelBits(spanCount: number, levels: number): number[] {
  const bits = 31 - Math.clz32(spanCount);
  const base = Math.floor(bits / levels);
  const extra = bits - base * levels;
  return Array.from({ length: levels }, (_, i) => base + (i < extra ? 1 : 0));
}

export class LookupAllocator extends ArenaAllocator {
  readonly lookup: Lookup;
  readonly spanBytes: number;
  readonly tableLevels: number;
  /** Bytes at the start of the arena taken by the table (table mode; 0 otherwise). */
  readonly tableBytes: number;
  /** The first span objects go in: the table may shorten it, or cover it (then the rest of it is lost). */
  private readonly firstSpan: number;
  private readonly spanShift: number;
  private readonly spanCount: number;
  private readonly mode: number;
  /** Slot bytes per class: the object plus its header in header mode. */
  private readonly slotBytes: Int32Array;
  private readonly requested: Int32Array;
  /** The next span never carved from the arena. */
  private spanCursor: number;
  // header mode: per class, the global free list and the span being carved.
  private readonly freeHead: Int32Array;
  private readonly carveNext: Int32Array;
  private readonly carveEnd: Int32Array;
  // aligned and table modes: per class, the spans with room; and the pool of empty spans.
  private readonly partialHead: Int32Array;
  private poolHead = NIL;
  // table mode: where each level starts, and the bits of the span number it indexes.
  private readonly levelBase: number[] = [];
  private readonly levelBits: number[] = [];
  private descriptorBase = 0;
  /** Probes spent inside malloc() and free() (and realloc()), summed: exact means per op, where the race keeps log2 buckets. */
  mallocProbes = 0;
  freeProbes = 0;
  /** Probes spent finding an object's class (the header, the aligned descriptor, or the table walk), and how many times free() or realloc() had to. */
  lookupProbes = 0;
  lookups = 0;

  constructor(options: AllocatorOptions = {}) {
    super(LOOKUP_ALLOCATOR, options, KNOWN_KNOB_NAMES);
    this.lookup = choiceKnob(options, "lookup", LOOKUPS, "aligned");
    this.mode = LOOKUPS.indexOf(this.lookup);
    this.spanBytes = integerKnob(options, "spanBytes", MIN_SPAN_BYTES, MAX_SPAN_BYTES, DEFAULT_SPAN_BYTES);
    if ((this.spanBytes & (this.spanBytes - 1)) !== 0) throw new RangeError(`invalid spanBytes: ${this.spanBytes} (must be a power of two from ${MIN_SPAN_BYTES} to ${MAX_SPAN_BYTES})`);
    if (this.spanBytes * 4 > this.arenaBytes) throw new RangeError(`invalid spanBytes: ${this.spanBytes} (an arena of ${this.arenaBytes} bytes needs spans of at most a quarter of it)`);
    this.tableLevels = integerKnob(options, "tableLevels", 1, MAX_TABLE_LEVELS, 1);
    this.spanShift = 31 - Math.clz32(this.spanBytes);
    this.spanCount = this.arenaBytes >> this.spanShift;
    this.slotBytes = Int32Array.from(LOOKUP_CLASSES, (bytes) => bytes + (this.mode === 0 ? HEADER_BYTES : 0));
    this.requested = new Int32Array(this.arenaBytes >> 4).fill(-1);
    this.freeHead = new Int32Array(LOOKUP_CLASSES.length).fill(NIL);
    this.carveNext = new Int32Array(LOOKUP_CLASSES.length).fill(NIL);
    this.carveEnd = new Int32Array(LOOKUP_CLASSES.length).fill(NIL);
    this.partialHead = new Int32Array(LOOKUP_CLASSES.length).fill(NIL);
    this.tableBytes = this.mode === 2 ? this.buildTable() : 0;
    // Spans wholly covered by the table are never carved; the one it ends in is shortened, or
    // skipped when what is left of it cannot hold one object of the largest class.
    let first = this.tableBytes >> this.spanShift;
    if (((first + 1) << this.spanShift) - Math.max(first << this.spanShift, this.tableBytes) < LARGEST_CLASS) first++;
    this.firstSpan = first;
    this.spanCursor = first;
    if (first >= this.spanCount) throw new RangeError(`invalid spanBytes: ${this.spanBytes} (the table would fill the arena)`);
    this.stats.highWater = this.tableBytes; // the table is metadata from the start
  }

  /** What free() reads to find an object's class, for captions. */
  get lookupCost(): number {
    return this.mode === 2 ? this.tableLevels : 1;
  }

  /** Spans carved from the arena so far (including any the table shortened). */
  get spansCarved(): number {
    return this.spanCursor - this.firstSpan;
  }

  // malloc → (header) popFree | carveSlot → takeSpan;  (aligned, table) takeObject → refill
  malloc(size: number): number {
    validateSize(size);
    if (size > LARGEST_CLASS) return this.fail();
    const k = lookupClassOf(size);
    const before = this.stats.probes;
    const payload = this.mode === 0 ? this.takeSlot(k) : this.takeObject(k);
    this.mallocProbes += this.stats.probes - before;
    if (payload === NULL_ADDR) return this.fail();
    this.requested[payload >> 4] = size;
    this.noteAllocated(size, payload + LOOKUP_CLASSES[k]);
    return payload;
  }

  free(addr: number): void {
    if (addr === NULL_ADDR) return;
    const before = this.stats.probes;
    const requested = this.release(addr);
    this.freeProbes += this.stats.probes - before;
    this.noteFreed(requested);
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL_ADDR) return this.malloc(size);
    validateSize(size);
    if (size === 0) return this.freeForRealloc(addr);
    const k = this.classOfLive(addr);
    const oldRequested = this.requested[addr >> 4];
    if (size <= LARGEST_CLASS && lookupClassOf(size) === k) {
      this.requested[addr >> 4] = size;
      this.noteReallocated(oldRequested, size, addr + LOOKUP_CLASSES[k]);
      return addr;
    }
    if (size > LARGEST_CLASS) return this.fail();
    const k2 = lookupClassOf(size);
    const moved = this.mode === 0 ? this.takeSlot(k2) : this.takeObject(k2);
    if (moved === NULL_ADDR) return this.fail();
    this.bytes.copyWithin(moved, addr, addr + Math.min(oldRequested, size));
    this.requested[moved >> 4] = size;
    this.release(addr);
    this.noteReallocated(oldRequested, size, moved + LOOKUP_CLASSES[k2]);
    return moved;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    let freeRun = NIL;
    const flush = (at: number) => {
      if (freeRun !== NIL && at > freeRun) visit(freeRun, at - freeRun, freeRun, -1);
      freeRun = NIL;
    };
    const free = (from: number) => { if (freeRun === NIL) freeRun = from; };
    if (this.tableBytes > 0) visit(0, this.tableBytes, this.tableBytes, 0);
    const firstStart = Math.max(this.firstSpan << this.spanShift, this.tableBytes);
    if (firstStart > this.tableBytes) visit(this.tableBytes, firstStart - this.tableBytes, this.tableBytes, 0); // lost to the table
    for (let s = this.firstSpan; s < this.spanCount; s++) {
      const spanStart = s << this.spanShift;
      const spanEnd = spanStart + this.spanBytes;
      const from = Math.max(spanStart, this.tableBytes);
      if (s >= this.spanCursor) { free(from); continue; }
      if (this.mode === 0) {
        this.walkHeaderSpan(from, spanEnd, visit, free, flush);
        continue;
      }
      const d = this.descriptorOf(s);
      const k = this.words[(d >> 2) + D_CLASS];
      if (k === POOLED) { free(from); continue; }
      flush(from);
      const data = this.words[(d >> 2) + D_DATA];
      if (this.mode === 1) visit(spanStart, data - spanStart, data, 0);
      const objectBytes = LOOKUP_CLASSES[k];
      const carved = this.words[(d >> 2) + D_CARVED];
      for (let i = 0; i < carved; i++) {
        const obj = data + i * objectBytes;
        const requested = this.requested[obj >> 4];
        if (requested < 0) free(obj);
        else { flush(obj); visit(obj, objectBytes, obj, requested); }
      }
      const dataEnd = data + this.capacityOf(k, data, spanEnd) * objectBytes;
      free(data + carved * objectBytes);
      flush(dataEnd);
      if (dataEnd < spanEnd) visit(dataEnd, spanEnd - dataEnd, dataEnd, 0);
    }
    flush(this.arenaBytes);
  }

  check(): void {
    if (this.mode === 0) this.checkHeaders();
    else this.checkDescriptors();
  }

  // ----- header mode ------------------------------------------------------------------------

  // Fast path: pop the class's free list; slow path: carveSlot (counterpart: releaseHeader).
  private takeSlot(k: number): number {
    const words = this.words;
    const payload = this.freeHead[k];
    if (payload !== NIL) {
      this.stats.probes++; // the free object's header, which holds the next link
      const h = (payload - HEADER_BYTES) >> 2;
      this.freeHead[k] = words[h + H_NEXT];
      words[h + H_CLASS] = k;
      words[h + H_NEXT] = 0;
      return payload;
    }
    return this.carveSlot(k);
  }

  // The next never-used slot of the class's current span, or of a new span (counterpart: none —
  // a header-mode span never leaves its class).
  private carveSlot(k: number): number {
    const slot = this.slotBytes[k];
    let start = this.carveNext[k];
    if (start === NIL || start + slot > this.carveEnd[k]) {
      if (this.spanCursor >= this.spanCount) return NULL_ADDR;
      start = this.spanCursor++ << this.spanShift;
      this.carveEnd[k] = start + Math.floor(this.spanBytes / slot) * slot;
    }
    this.carveNext[k] = start + slot;
    const payload = start + HEADER_BYTES;
    const words = this.words;
    words[(start >> 2) + H_CHECK] = HEADER_MAGIC ^ payload;
    words[(start >> 2) + H_CLASS] = k;
    words[(start >> 2) + H_NEXT] = 0;
    words[(start >> 2) + 3] = 0;
    return payload;
  }

  private walkHeaderSpan(from: number, spanEnd: number, visit: (start: number, bytes: number, payload: number, requested: number) => void, free: (at: number) => void, flush: (at: number) => void): void {
    const k = this.words[(from >> 2) + H_CLASS] & CLASS_MASK;
    const slot = this.slotBytes[k];
    const carvedEnd = this.carveNext[k] > from && this.carveNext[k] <= spanEnd ? this.carveNext[k] : from + Math.floor(this.spanBytes / slot) * slot;
    for (let start = from; start < carvedEnd; start += slot) {
      const payload = start + HEADER_BYTES;
      const requested = this.requested[payload >> 4];
      if (requested < 0) free(start);
      else { flush(start); visit(start, slot, payload, requested); }
    }
    const dataEnd = from + Math.floor(this.spanBytes / slot) * slot;
    free(carvedEnd);
    flush(dataEnd);
    if (dataEnd < spanEnd) visit(dataEnd, spanEnd - dataEnd, dataEnd, 0);
  }

  private checkHeaders(): void {
    const words = this.words;
    const freeSlots = new Int32Array(LOOKUP_CLASSES.length);
    let liveBytes = 0;
    for (let s = 0; s < this.spanCursor; s++) {
      const from = s << this.spanShift;
      if (words[(from >> 2) + H_CHECK] !== (HEADER_MAGIC ^ (from + HEADER_BYTES))) this.corrupt(from, "a carved span should start with an object header");
      const k = words[(from >> 2) + H_CLASS] & CLASS_MASK;
      if (k >= LOOKUP_CLASSES.length) this.corrupt(from, `header class ${k} should be a class index`);
      const slot = this.slotBytes[k];
      const full = from + Math.floor(this.spanBytes / slot) * slot;
      const inCarving = this.carveNext[k] > from && this.carveNext[k] <= from + this.spanBytes;
      const carvedEnd = inCarving ? this.carveNext[k] : full;
      for (let start = from; start < carvedEnd; start += slot) {
        const h = start >> 2;
        const payload = start + HEADER_BYTES;
        if (words[h + H_CHECK] !== (HEADER_MAGIC ^ payload)) this.corrupt(start, "header check word should equal HEADER_MAGIC ^ payload");
        if ((words[h + H_CLASS] & CLASS_MASK) !== k) this.corrupt(start, `every slot of a span should have its span's class ${LOOKUP_CLASSES[k]} B`);
        const isFree = (words[h + H_CLASS] & FREE_FLAG) !== 0;
        const requested = this.requested[payload >> 4];
        if (isFree !== requested < 0) this.corrupt(start, "the header's free flag should agree with whether the object is live");
        if (isFree) freeSlots[k]++;
        else liveBytes += requested;
      }
    }
    for (let k = 0; k < LOOKUP_CLASSES.length; k++) {
      let count = 0;
      for (let p = this.freeHead[k]; p !== NIL; p = words[((p - HEADER_BYTES) >> 2) + H_NEXT]) {
        if (++count > freeSlots[k] || (words[((p - HEADER_BYTES) >> 2) + H_CLASS] & (FREE_FLAG | CLASS_MASK)) !== (FREE_FLAG | k)) {
          this.corrupt(p, `the free list of class ${LOOKUP_CLASSES[k]} B should hold only its free slots, each once`);
        }
      }
      if (count !== freeSlots[k]) this.corrupt(this.freeHead[k], `class ${LOOKUP_CLASSES[k]} B has ${freeSlots[k]} free slots, its list holds ${count}`);
    }
    if (liveBytes !== this.stats.liveBytes) this.corrupt(0, `live requested bytes ${liveBytes} should equal stats.liveBytes ${this.stats.liveBytes}`);
  }

  // ----- aligned and table modes ------------------------------------------------------------

  // Fast path: the class's first partial span; slow path: refill (counterpart: releaseObject).
  private takeObject(k: number): number {
    let d = this.partialHead[k];
    if (d === NIL) {
      d = this.refill(k);
      if (d === NIL) return NULL_ADDR;
    }
    const words = this.words;
    const w = d >> 2;
    this.stats.probes++; // the descriptor
    let payload = words[w + D_FREE];
    if (payload !== NIL) {
      this.stats.probes++; // the free object's link
      words[w + D_FREE] = words[payload >> 2];
    } else {
      payload = words[w + D_DATA] + words[w + D_CARVED] * LOOKUP_CLASSES[k];
      words[w + D_CARVED]++;
    }
    const live = ++words[w + D_LIVE];
    const spanEnd = this.spanStartOf(d) + this.spanBytes;
    if (live === this.capacityOf(k, words[w + D_DATA], spanEnd)) this.unlink(d, k);
    return payload;
  }

  // A span for class k: the pool's first, or a new one from the arena (counterpart: the pool push in releaseObject).
  private refill(k: number): number {
    const words = this.words;
    let d = this.poolHead;
    if (d !== NIL) {
      this.unlink(d, POOLED);
    } else {
      if (this.spanCursor >= this.spanCount) return NIL;
      const s = this.spanCursor++;
      d = this.descriptorOf(s);
      const spanStart = s << this.spanShift;
      words[(d >> 2) + D_CHECK] = SPAN_MAGIC ^ spanStart;
      words[(d >> 2) + D_DATA] = this.mode === 1 ? spanStart + DESCRIPTOR_BYTES : Math.max(spanStart, this.tableBytes);
    }
    const w = d >> 2;
    words[w + D_CLASS] = k;
    words[w + D_LIVE] = 0;
    words[w + D_FREE] = NIL;
    words[w + D_CARVED] = 0;
    this.push(d, k);
    return d;
  }

  // lookupDescriptor → push the object → (span was full) relink as partial → (span empty) to the pool
  private release(addr: number): number {
    if (this.mode === 0) return this.releaseHeader(addr);
    const d = this.lookupDescriptor(addr);
    const words = this.words;
    const w = d >> 2;
    const k = words[w + D_CLASS];
    const data = words[w + D_DATA];
    const spanEnd = this.spanStartOf(d) + this.spanBytes;
    if (k === POOLED || k < 0 || k >= LOOKUP_CLASSES.length) this.invalidFree(addr, "its span holds no objects");
    const objectBytes = LOOKUP_CLASSES[k];
    if (addr < data || (addr - data) % objectBytes !== 0 || addr >= data + words[w + D_CARVED] * objectBytes) {
      this.invalidFree(addr, `not the start of an object of its span (class ${objectBytes} B)`);
    }
    const requested = this.requested[addr >> 4];
    if (requested < 0) this.doubleFree(addr);
    this.requested[addr >> 4] = -1;
    words[addr >> 2] = words[w + D_FREE];
    words[w + D_FREE] = addr;
    const capacity = this.capacityOf(k, data, spanEnd);
    const live = --words[w + D_LIVE];
    if (live === capacity - 1) this.push(d, k); // it was full, so on no list
    if (live === 0) {
      this.unlink(d, k);
      words[w + D_CLASS] = POOLED;
      this.push(d, POOLED);
    }
    return requested;
  }

  /** The descriptor of the span `addr` lies in: masking (aligned) or the table walk (table). */
  private lookupDescriptor(addr: number): number {
    this.lookups++;
    if (!this.isPlausiblePayload(addr)) this.invalidFree(addr, "not a 16-aligned address inside the arena");
    const s = addr >> this.spanShift;
    if (addr < this.tableBytes || s < this.firstSpan || s >= this.spanCursor) this.invalidFree(addr, "no span was carved there");
    const words = this.words;
    if (this.mode === 1) {
      this.stats.probes++; // the descriptor at the span's start
      this.lookupProbes++;
      const d = addr & -this.spanBytes;
      if (words[(d >> 2) + D_CHECK] !== (SPAN_MAGIC ^ d)) this.invalidFree(addr, "no span descriptor at its aligned start");
      return d;
    }
    // One read per interior level, then the descriptor itself.
    let node = this.levelBase[0];
    let shift = this.spanShift + this.levelBits.reduce((a, b) => a + b, 0);
    for (let level = 0; level < this.tableLevels - 1; level++) {
      shift -= this.levelBits[level];
      const index = (addr >>> shift) & ((1 << this.levelBits[level]) - 1);
      this.stats.probes++;
      this.lookupProbes++;
      node = words[(node >> 2) + index];
    }
    shift -= this.levelBits[this.tableLevels - 1];
    const index = (addr >>> shift) & ((1 << this.levelBits[this.tableLevels - 1]) - 1);
    this.stats.probes++;
    this.lookupProbes++;
    const d = node + index * DESCRIPTOR_BYTES;
    if (words[(d >> 2) + D_CHECK] !== (SPAN_MAGIC ^ (s << this.spanShift))) this.invalidFree(addr, "the table has no span there");
    return d;
  }

  private releaseHeader(addr: number): number {
    this.lookups++;
    if (!this.isPlausiblePayload(addr) || addr < HEADER_BYTES) this.invalidFree(addr, "not a 16-aligned address inside the arena");
    const words = this.words;
    const h = (addr - HEADER_BYTES) >> 2;
    this.stats.probes++; // the header just before the object
    this.lookupProbes++;
    if (words[h + H_CHECK] !== (HEADER_MAGIC ^ addr)) this.invalidFree(addr, "no object header precedes it");
    const k = words[h + H_CLASS] & CLASS_MASK;
    if ((words[h + H_CLASS] & FREE_FLAG) !== 0 || this.requested[addr >> 4] < 0) this.doubleFree(addr);
    const requested = this.requested[addr >> 4];
    this.requested[addr >> 4] = -1;
    words[h + H_CLASS] = k | FREE_FLAG;
    words[h + H_NEXT] = this.freeHead[k];
    this.freeHead[k] = addr;
    return requested;
  }

  /** The class of a live object, validating it as free() would (realloc's first step). */
  private classOfLive(addr: number): number {
    if (this.mode === 0) {
      if (!this.isPlausiblePayload(addr) || addr < HEADER_BYTES) this.invalidFree(addr, "not a 16-aligned address inside the arena");
      this.lookups++;
      this.lookupProbes++;
      this.stats.probes++;
      const h = (addr - HEADER_BYTES) >> 2;
      if (this.words[h + H_CHECK] !== (HEADER_MAGIC ^ addr)) this.invalidFree(addr, "no object header precedes it");
      if (this.requested[addr >> 4] < 0) this.doubleFree(addr);
      return this.words[h + H_CLASS] & CLASS_MASK;
    }
    const d = this.lookupDescriptor(addr);
    const k = this.words[(d >> 2) + D_CLASS];
    if (k < 0 || this.requested[addr >> 4] < 0) this.invalidFree(addr, "not a live object");
    return k;
  }

  private checkDescriptors(): void {
    const words = this.words;
    const onList = new Uint8Array(this.spanCount);
    const expectedPartial = new Int32Array(LOOKUP_CLASSES.length);
    let pooled = 0, liveBytes = 0;
    if (this.mode === 2) this.checkTable();
    for (let s = this.firstSpan; s < this.spanCursor; s++) {
      const d = this.descriptorOf(s);
      const w = d >> 2;
      const spanStart = s << this.spanShift;
      if (words[w + D_CHECK] !== (SPAN_MAGIC ^ spanStart)) this.corrupt(d, "descriptor check word should equal SPAN_MAGIC ^ span");
      const k = words[w + D_CLASS];
      if (k === POOLED) { pooled++; continue; }
      if (k < 0 || k >= LOOKUP_CLASSES.length) this.corrupt(d, `class ${k} should be a class index or POOLED`);
      const data = words[w + D_DATA];
      const capacity = this.capacityOf(k, data, spanStart + this.spanBytes);
      const live = words[w + D_LIVE], carved = words[w + D_CARVED];
      if (!(live >= 1 && live <= carved && carved <= capacity)) this.corrupt(d, `a classed span should have 1 <= live (${live}) <= carved (${carved}) <= capacity (${capacity})`);
      let counted = 0;
      for (let i = 0; i < carved; i++) {
        const requested = this.requested[(data + i * LOOKUP_CLASSES[k]) >> 4];
        if (requested >= 0) { counted++; liveBytes += requested; }
      }
      if (counted !== live) this.corrupt(d, `span counts ${live} live objects, ${counted} are live`);
      let free = 0;
      for (let p = words[w + D_FREE]; p !== NIL; p = words[p >> 2]) {
        if (++free > carved - live || p < data || (p - data) % LOOKUP_CLASSES[k] !== 0 || this.requested[p >> 4] >= 0) {
          this.corrupt(p, "a span's free list should hold only its free objects, each once");
        }
      }
      if (free !== carved - live) this.corrupt(d, `span's free list holds ${free} objects, ${carved - live} are free`);
      if (live < capacity) expectedPartial[k]++;
    }
    for (let k = 0; k < LOOKUP_CLASSES.length; k++) {
      const found = this.checkList(this.partialHead[k], k, onList);
      if (found !== expectedPartial[k]) this.corrupt(this.partialHead[k], `partial list of class ${LOOKUP_CLASSES[k]} B holds ${found} spans, ${expectedPartial[k]} have room`);
    }
    const inPool = this.checkList(this.poolHead, POOLED, onList);
    if (inPool !== pooled) this.corrupt(this.poolHead, `the pool holds ${inPool} spans, ${pooled} are empty`);
    if (liveBytes !== this.stats.liveBytes) this.corrupt(0, `live requested bytes ${liveBytes} should equal stats.liveBytes ${this.stats.liveBytes}`);
  }

  private checkList(head: number, k: number, onList: Uint8Array): number {
    const words = this.words;
    let count = 0, prev = NIL;
    for (let d = head; d !== NIL; d = words[(d >> 2) + D_NEXT]) {
      const s = this.spanStartOf(d) >> this.spanShift;
      if (s < 0 || s >= this.spanCursor || onList[s]) this.corrupt(d, "a span list should visit carved spans, each once");
      onList[s] = 1;
      if (words[(d >> 2) + D_CLASS] !== k) this.corrupt(d, `span on the list of ${k === POOLED ? "the pool" : `class ${LOOKUP_CLASSES[k]} B`} has class ${words[(d >> 2) + D_CLASS]}`);
      if (words[(d >> 2) + D_PREV] !== prev) this.corrupt(d, "prev link should name the previous span on its list");
      prev = d;
      count++;
    }
    return count;
  }

  private checkTable(): void {
    const words = this.words;
    // Every interior entry i of level l points at node i of level l + 1.
    for (let level = 0; level < this.tableLevels - 1; level++) {
      const entries = 1 << this.levelBits.slice(0, level + 1).reduce((a, b) => a + b, 0);
      const childBytes = level + 1 === this.tableLevels - 1
        ? DESCRIPTOR_BYTES << this.levelBits[level + 1]
        : 4 << this.levelBits[level + 1];
      for (let i = 0; i < entries; i++) {
        const at = this.levelBase[level] + 4 * i;
        if (words[at >> 2] !== this.levelBase[level + 1] + i * childBytes) this.corrupt(at, `table level ${level + 1} entry ${i} should point at its child node`);
      }
    }
  }

  // ----- shared helpers ---------------------------------------------------------------------

  /** Lays out the radix tree and returns the bytes it takes (rounded to 16). */
  private buildTable(): number {
    const bits = tableLevelBits(this.spanCount, this.tableLevels);
    this.levelBits.push(...bits);
    let offset = 0, entries = 1;
    for (let level = 0; level < this.tableLevels - 1; level++) {
      entries <<= bits[level];
      this.levelBase.push(offset);
      offset += 4 * entries;
    }
    offset = alignUp(offset);
    this.descriptorBase = offset;
    this.levelBase.push(offset);
    const words = this.words;
    entries = 1;
    for (let level = 0; level < this.tableLevels - 1; level++) {
      entries <<= bits[level];
      const childBytes = level + 1 === this.tableLevels - 1 ? DESCRIPTOR_BYTES << bits[level + 1] : 4 << bits[level + 1];
      for (let i = 0; i < entries; i++) words[(this.levelBase[level] >> 2) + i] = this.levelBase[level + 1] + i * childBytes;
    }
    return alignUp(offset + this.spanCount * DESCRIPTOR_BYTES);
  }

  /** The descriptor of span s, as the allocator's own bookkeeping finds it (no lookup cost). */
  private descriptorOf(s: number): number {
    return this.mode === 1 ? s << this.spanShift : this.descriptorBase + s * DESCRIPTOR_BYTES;
  }

  private spanStartOf(d: number): number {
    return this.mode === 1 ? d : ((d - this.descriptorBase) / DESCRIPTOR_BYTES) << this.spanShift;
  }

  private capacityOf(k: number, data: number, spanEnd: number): number {
    return Math.max(0, Math.floor((spanEnd - data) / LOOKUP_CLASSES[k]));
  }

  private headOf(k: number): number {
    return k === POOLED ? this.poolHead : this.partialHead[k];
  }

  private setHead(k: number, d: number): void {
    if (k === POOLED) this.poolHead = d;
    else this.partialHead[k] = d;
  }

  // Pushes a descriptor on the front of a list; the old head's prev link changes.
  private push(d: number, k: number): void {
    const words = this.words;
    const head = this.headOf(k);
    words[(d >> 2) + D_PREV] = NIL;
    words[(d >> 2) + D_NEXT] = head;
    if (head !== NIL) {
      this.stats.probes++;
      words[(head >> 2) + D_PREV] = d;
    }
    this.setHead(k, d);
  }

  // Takes a descriptor off its list; each neighbour whose link changes is a probe.
  private unlink(d: number, k: number): void {
    const words = this.words;
    const prev = words[(d >> 2) + D_PREV];
    const next = words[(d >> 2) + D_NEXT];
    if (prev !== NIL) { this.stats.probes++; words[(prev >> 2) + D_NEXT] = next; } else this.setHead(k, next);
    if (next !== NIL) { this.stats.probes++; words[(next >> 2) + D_PREV] = prev; }
    words[(d >> 2) + D_PREV] = NIL;
    words[(d >> 2) + D_NEXT] = NIL;
  }

  private fail(): number {
    this.stats.failures++;
    return NULL_ADDR;
  }

  /**
   * The reads free(addr) makes to learn the class of a live object, in order, without making them
   * (no probes counted, nothing changed): for pages that show the lookup step by step.
   */
  lookupPath(addr: number): LookupStep[] {
    if (!Number.isInteger(addr) || addr < 0 || addr >= this.arenaBytes || this.requested[addr >> 4] < 0) {
      throw new RangeError(`lookupPath: ${String(addr)} is not a live object`);
    }
    const words = this.words;
    if (this.mode === 0) {
      const k = words[((addr - HEADER_BYTES) >> 2) + H_CLASS] & CLASS_MASK;
      return [{ address: addr - HEADER_BYTES, bytes: HEADER_BYTES, what: `the header just before the object: class ${LOOKUP_CLASSES[k]} B` }];
    }
    if (this.mode === 1) {
      const d = addr & -this.spanBytes;
      return [{ address: d, bytes: DESCRIPTOR_BYTES, what: `addr & -${this.spanBytes} is the span; its descriptor: class ${LOOKUP_CLASSES[words[(d >> 2) + D_CLASS]]} B` }];
    }
    const steps: LookupStep[] = [];
    let node = this.levelBase[0];
    let shift = 31 - Math.clz32(this.arenaBytes);
    for (let level = 0; level < this.tableLevels - 1; level++) {
      shift -= this.levelBits[level];
      const index = (addr >>> shift) & ((1 << this.levelBits[level]) - 1);
      const at = node + 4 * index;
      node = words[at >> 2];
      steps.push({ address: at, bytes: 4, what: `level ${level + 1}, entry ${index} (address bits ${shift + this.levelBits[level] - 1}–${shift}): the next level's node` });
    }
    shift -= this.levelBits[this.tableLevels - 1];
    const index = (addr >>> shift) & ((1 << this.levelBits[this.tableLevels - 1]) - 1);
    const d = node + index * DESCRIPTOR_BYTES;
    steps.push({ address: d, bytes: DESCRIPTOR_BYTES, what: `descriptor ${index}${this.tableLevels > 1 ? " of its leaf" : ` (addr >> ${this.spanShift})`}: class ${LOOKUP_CLASSES[words[(d >> 2) + D_CLASS]]} B` });
    return steps;
  }
}

/** One step of a lookup: the bytes free() reads, and what it learns there. */
export interface LookupStep { address: number; bytes: number; what: string }

registerAllocator({
  name: LOOKUP_ALLOCATOR, label: "Slab with a free() lookup", knobs: FREE_LOOKUP_KNOBS,
  summary: "Eight classes from 16 B to 2 KiB in spans; free() finds an object's class by a header, an aligned span's descriptor or a table.",
  create: (options) => new LookupAllocator(options),
});
