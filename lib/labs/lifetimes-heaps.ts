// The lifetimes lab's two heaps built on the arena base: RegionHeap (request arenas carved into
// chunks, freed whole) and SegregatedHeap (the arenas plus a general heap for long-lived objects).
// The lab's race over them is in lifetimes.ts.

import { ArenaAllocator, createAllocator, hex, popcount, isAllocatorName, registerAllocator, unknownAllocatorError, validateSize, withoutLargePath } from "../allocators/index.js";
import { HeapError, NULL_ADDR, type Allocator, type AllocatorName, type AllocatorOptions, type AllocatorStats } from "../allocators/types.js";
import type { KnobSpec } from "../knobs.js";

// ---------------------------------------------------------------------------------------------
// Request regions

export const CHUNK_HEADER_BYTES = 24;
const OBJECT_HEADER_BYTES = 8;
const FIRST_OBJECT = CHUNK_HEADER_BYTES;
const NIL = -1;
const CHUNK_MAGIC = 0x7e61_0000 | 0x0c4c;
const OBJECT_MAGIC = 0x0b1e_c7ed;
const DEAD_BIT = 0x80000000 | 0;
const REQUESTED_MASK = 0x7fffffff;
// Word offsets in a chunk header.
const C_CHECK = 0, C_REGION = 1, C_FIRST = 2, C_NEXT = 3, C_CURSOR = 4, C_LIVE = 5;

/** The registry names of the two heaps: their own, not bump's, which they resemble only in bumping. */
export const REGION_HEAP = "regions";
export const SEGREGATED_HEAP = "regions-and-heap";

export const MIN_CHUNK_BYTES = 4096;
export const MAX_CHUNK_BYTES = 65536;
export const DEFAULT_CHUNK_BYTES = 8192;

function objectBytesFor(requested: number): number {
  return (requested + OBJECT_HEADER_BYTES + 15) & ~15;
}

export function validateChunkBytes(value: unknown, arenaBytes: number): number {
  const chunk = value === undefined ? DEFAULT_CHUNK_BYTES : value;
  if (typeof chunk !== "number" || !Number.isInteger(chunk) || chunk < MIN_CHUNK_BYTES || chunk > MAX_CHUNK_BYTES || (chunk & (chunk - 1)) !== 0) {
    throw new RangeError(`invalid chunkBytes: ${JSON.stringify(chunk)} (must be a power of two from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES})`);
  }
  if (chunk * 4 > arenaBytes) throw new RangeError(`invalid chunkBytes: ${chunk} (an arena of ${arenaBytes} bytes needs chunks of at most a quarter of it)`);
  return chunk;
}

export interface RegionHeapOptions extends AllocatorOptions {
  chunkBytes?: number;
  /** The region of the n-th call to malloc(); mallocIn() names its region itself. */
  regionOf?: Int32Array;
}

export class RegionHeap extends ArenaAllocator {
  readonly chunkBytes: number;
  private readonly chunkShift: number;
  private readonly chunkCount: number;
  /** Bit i set: chunk i belongs to no region. */
  private readonly freeChunks: Int32Array;
  private readonly regionOf: Int32Array | null;
  private mallocs = 0;
  /** Each region's newest chunk (the one it bumps in), NIL when it owns none: the program's pool pointers. */
  private current: Int32Array;
  private regionsAlive = 0;

  constructor(options: RegionHeapOptions = {}) {
    super(REGION_HEAP, options, ["chunkBytes", "regionOf"]);
    this.chunkBytes = validateChunkBytes(options.chunkBytes, this.arenaBytes);
    this.chunkShift = 31 - Math.clz32(this.chunkBytes);
    this.chunkCount = this.arenaBytes / this.chunkBytes;
    this.freeChunks = new Int32Array(Math.ceil(this.chunkCount / 32));
    for (let i = 0; i < this.chunkCount; i++) this.freeChunks[i >> 5] |= 1 << (i & 31);
    if (options.regionOf !== undefined && !(options.regionOf instanceof Int32Array)) throw new RangeError("invalid regionOf: must be an Int32Array of region ids");
    this.regionOf = options.regionOf ?? null;
    let regions = 1;
    if (this.regionOf) for (const r of this.regionOf) if (r + 1 > regions) regions = r + 1;
    this.current = new Int32Array(regions).fill(NIL);
  }

  /** Regions that own at least one chunk: requests in flight plus regions pinned by a live object. */
  get liveRegions(): number {
    return this.regionsAlive;
  }

  /** Chunks owned by some region. */
  get chunksInUse(): number {
    let free = 0;
    for (const word of this.freeChunks) free += popcount(word);
    return this.chunkCount - free;
  }

  /** malloc() for the region the stream's hint names for this call. */
  malloc(size: number): number {
    const n = this.mallocs++;
    if (this.regionOf === null || n >= this.regionOf.length) throw new RangeError(`region heap: no region hint for malloc #${n}`);
    return this.mallocIn(this.regionOf[n], size);
  }

  /** Bumps `size` bytes in `region`'s newest chunk, taking a fresh chunk when it is full (slow path: takeChunk). */
  mallocIn(region: number, size: number): number {
    validateSize(size);
    if (!Number.isInteger(region) || region < 0) throw new RangeError(`invalid region: ${String(region)} (must be a non-negative integer)`);
    const payload = this.bumpIn(region, size);
    if (payload === NULL_ADDR) {
      this.stats.failures++;
      return NULL_ADDR;
    }
    this.noteAllocated(size, 0);
    return payload;
  }

  // readObject → markDead → (region now empty) releaseRegion
  free(addr: number): void {
    if (addr === NULL_ADDR) return;
    const chunk = this.chunkOfLive(addr);
    const requested = this.words[(addr >> 2) - 1];
    this.markDead(chunk, addr);
    this.noteFreed(requested);
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL_ADDR) return this.malloc(size);
    validateSize(size);
    if (size === 0) return this.freeForRealloc(addr);
    const chunk = this.chunkOfLive(addr);
    const words = this.words;
    const oldRequested = words[(addr >> 2) - 1];
    const start = addr - OBJECT_HEADER_BYTES;
    const oldBytes = objectBytesFor(oldRequested);
    const newBytes = objectBytesFor(size);
    // In place: the block keeps its size (walk() derives it from the requested bytes), or it is the
    // chunk's last object and the cursor can move to fit it.
    const isLast = start + oldBytes === words[(chunk >> 2) + C_CURSOR];
    if (newBytes === oldBytes || (isLast && start + newBytes <= chunk + this.chunkBytes)) {
      if (isLast) words[(chunk >> 2) + C_CURSOR] = start + newBytes;
      words[(addr >> 2) - 1] = size;
      this.noteReallocated(oldRequested, size, 0);
      return addr;
    }
    const region = words[(chunk >> 2) + C_REGION];
    const moved = this.bumpIn(region, size);
    if (moved === NULL_ADDR) {
      this.stats.failures++;
      return NULL_ADDR;
    }
    this.bytes.copyWithin(moved, addr, addr + Math.min(oldRequested, size));
    this.markDead(chunk, addr);
    this.noteReallocated(oldRequested, size, 0);
    return moved;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    const words = this.words;
    let freeRun = NIL;
    for (let i = 0; i < this.chunkCount; i++) {
      const chunk = i << this.chunkShift;
      if (this.isFreeChunk(i)) {
        if (freeRun === NIL) freeRun = chunk;
        continue;
      }
      if (freeRun !== NIL) visit(freeRun, chunk - freeRun, freeRun, -1);
      freeRun = NIL;
      visit(chunk, CHUNK_HEADER_BYTES, chunk + CHUNK_HEADER_BYTES, 0);
      const cursor = words[(chunk >> 2) + C_CURSOR];
      for (let start = chunk + FIRST_OBJECT; start < cursor;) {
        const state = words[(start >> 2) + 1];
        const bytes = objectBytesFor(state & REQUESTED_MASK);
        if (state < 0) visit(start, bytes, start, 0);
        else visit(start, bytes, start + OBJECT_HEADER_BYTES, state);
        start += bytes;
      }
      const end = chunk + this.chunkBytes;
      if (cursor < end) visit(cursor, end - cursor, cursor, 0);
    }
    if (freeRun !== NIL) visit(freeRun, this.arenaBytes - freeRun, freeRun, -1);
  }

  check(): void {
    const words = this.words;
    const owner = new Int32Array(this.chunkCount).fill(NIL);
    let liveBytes = 0, alive = 0;
    for (let region = 0; region < this.current.length; region++) {
      let chunk = this.current[region];
      if (chunk === NIL) continue;
      alive++;
      let liveObjects = 0, steps = 0, first = NIL;
      for (; chunk !== NIL; chunk = words[(chunk >> 2) + C_NEXT]) {
        if ((chunk & (this.chunkBytes - 1)) !== 0 || chunk < 0 || chunk >= this.arenaBytes) this.corrupt(chunk, `region ${region}: chunk link should point at a chunk boundary`);
        const i = chunk >> this.chunkShift;
        if (++steps > this.chunkCount || owner[i] !== NIL) this.corrupt(chunk, `region ${region}: its chunk chain should visit each chunk once`);
        owner[i] = region;
        if (this.isFreeChunk(i)) this.corrupt(chunk, `region ${region} owns a chunk the free bitmap calls free`);
        const h = chunk >> 2;
        if (words[h + C_CHECK] !== (CHUNK_MAGIC ^ chunk)) this.corrupt(chunk, "chunk check word should equal CHUNK_MAGIC ^ chunk");
        if (words[h + C_REGION] !== region) this.corrupt(chunk, `chunk should belong to region ${region}, its header says ${words[h + C_REGION]}`);
        const cursor = words[h + C_CURSOR];
        if (cursor < chunk + FIRST_OBJECT || cursor > chunk + this.chunkBytes) this.corrupt(chunk, "chunk cursor should lie inside the chunk");
        let start = chunk + FIRST_OBJECT;
        while (start < cursor) {
          if (words[start >> 2] !== (OBJECT_MAGIC ^ (start + OBJECT_HEADER_BYTES))) this.corrupt(start, "object header check word should equal OBJECT_MAGIC ^ payload");
          const state = words[(start >> 2) + 1];
          if (state >= 0) { liveObjects++; liveBytes += state; }
          start += objectBytesFor(state & REQUESTED_MASK);
        }
        if (start !== cursor) this.corrupt(start, `objects should end exactly at the chunk cursor ${hex(cursor)}`);
        if (this.stats.highWater < chunk + this.chunkBytes) this.corrupt(chunk, "highWater should reach the end of every owned chunk");
        first = chunk;
      }
      for (let c = this.current[region]; c !== NIL; c = words[(c >> 2) + C_NEXT]) {
        if (words[(c >> 2) + C_FIRST] !== first) this.corrupt(c, `chunk should name ${hex(first)} as its region's first chunk`);
        if (c !== first && words[(c >> 2) + C_LIVE] !== 0) this.corrupt(c, "only a region's first chunk keeps a live count");
      }
      if (words[(first >> 2) + C_LIVE] !== liveObjects) this.corrupt(first, `region ${region} counts ${words[(first >> 2) + C_LIVE]} live objects, its chunks hold ${liveObjects}`);
      if (liveObjects === 0) this.corrupt(first, `region ${region} has no live object and should have given its chunks back`);
    }
    for (let i = 0; i < this.chunkCount; i++) {
      if (owner[i] === NIL && !this.isFreeChunk(i)) this.corrupt(i << this.chunkShift, "a chunk no region owns should be on the free bitmap");
    }
    if (alive !== this.regionsAlive) this.corrupt(0, `${alive} regions own chunks, the count says ${this.regionsAlive}`);
    if (liveBytes !== this.stats.liveBytes) this.corrupt(0, `live requested bytes ${liveBytes} should equal stats.liveBytes ${this.stats.liveBytes}`);
  }

  // The fast path bumps the region's newest chunk; the slow path is takeChunk (counterpart: releaseRegion).
  private bumpIn(region: number, size: number): number {
    const need = objectBytesFor(size);
    if (need > this.chunkBytes - FIRST_OBJECT) return NULL_ADDR;
    if (region >= this.current.length) this.growRegions(region + 1);
    const words = this.words;
    let chunk = this.current[region];
    let start = NIL;
    if (chunk !== NIL) {
      this.stats.probes++;
      const cursor = words[(chunk >> 2) + C_CURSOR];
      if (cursor + need <= chunk + this.chunkBytes) start = cursor;
    }
    if (start === NIL) {
      const fresh = this.takeChunk(region, chunk);
      if (fresh === NIL) return NULL_ADDR;
      chunk = fresh;
      start = chunk + FIRST_OBJECT;
    }
    words[(chunk >> 2) + C_CURSOR] = start + need;
    const payload = start + OBJECT_HEADER_BYTES;
    words[start >> 2] = OBJECT_MAGIC ^ payload;
    words[(start >> 2) + 1] = size;
    const first = words[(chunk >> 2) + C_FIRST];
    if (first !== chunk) this.stats.probes++;
    words[(first >> 2) + C_LIVE]++;
    return payload;
  }

  // The lowest free chunk, formatted as `region`'s newest (counterpart: releaseRegion).
  private takeChunk(region: number, newest: number): number {
    const free = this.freeChunks;
    for (let w = 0; w < free.length; w++) {
      this.stats.probes++;
      const word = free[w];
      if (word === 0) continue;
      const i = (w << 5) + (31 - Math.clz32(word & -word));
      free[w] = word & (word - 1);
      const chunk = i << this.chunkShift;
      const h = chunk >> 2;
      const words = this.words;
      words[h + C_CHECK] = CHUNK_MAGIC ^ chunk;
      words[h + C_REGION] = region;
      words[h + C_FIRST] = newest === NIL ? chunk : words[(newest >> 2) + C_FIRST];
      words[h + C_NEXT] = newest;
      words[h + C_CURSOR] = chunk + FIRST_OBJECT;
      words[h + C_LIVE] = 0;
      if (newest === NIL) this.regionsAlive++;
      this.current[region] = chunk;
      if (chunk + this.chunkBytes > this.stats.highWater) this.stats.highWater = chunk + this.chunkBytes;
      return chunk;
    }
    return NIL;
  }

  private markDead(chunk: number, payload: number): void {
    const words = this.words;
    words[(payload >> 2) - 1] |= DEAD_BIT;
    const first = words[(chunk >> 2) + C_FIRST];
    if (first !== chunk) this.stats.probes++;
    if (--words[(first >> 2) + C_LIVE] === 0) this.releaseRegion(words[(chunk >> 2) + C_REGION]);
  }

  // Every chunk of a region whose last object died goes back on the free bitmap, its header wiped
  // so that no stale header can vouch for an address later (counterpart: takeChunk).
  private releaseRegion(region: number): void {
    const words = this.words;
    for (let chunk = this.current[region]; chunk !== NIL;) {
      this.stats.probes++;
      const h = chunk >> 2;
      const next = words[h + C_NEXT];
      words.fill(0, h, h + CHUNK_HEADER_BYTES / 4);
      const i = chunk >> this.chunkShift;
      this.freeChunks[i >> 5] |= 1 << (i & 31);
      chunk = next;
    }
    this.current[region] = NIL;
    this.regionsAlive--;
  }

  /** The chunk of a live object's payload; throws invalid-free or double-free before changing anything. */
  private chunkOfLive(addr: number): number {
    if (!this.isPlausiblePayload(addr)) this.invalidFree(addr, "not a 16-aligned address inside the arena");
    const chunk = addr & -this.chunkBytes;
    const words = this.words;
    this.stats.probes += 2; // the chunk header and the object header
    if (this.isFreeChunk(chunk >> this.chunkShift) || words[(chunk >> 2) + C_CHECK] !== (CHUNK_MAGIC ^ chunk)) {
      this.invalidFree(addr, "its chunk belongs to no region");
    }
    if (addr < chunk + FIRST_OBJECT + OBJECT_HEADER_BYTES || addr >= words[(chunk >> 2) + C_CURSOR]) this.invalidFree(addr, "nothing was allocated there");
    if (words[(addr >> 2) - 2] !== (OBJECT_MAGIC ^ addr)) this.invalidFree(addr, "no object header precedes it");
    if (words[(addr >> 2) - 1] < 0) this.doubleFree(addr);
    return chunk;
  }

  private isFreeChunk(i: number): boolean {
    return ((this.freeChunks[i >> 5] >>> (i & 31)) & 1) === 1;
  }

  private growRegions(count: number): void {
    const grown = new Int32Array(Math.max(count, this.current.length * 2)).fill(NIL);
    grown.set(this.current);
    this.current = grown;
  }
}

// ---------------------------------------------------------------------------------------------
// Segregated lifetimes: request regions below, a general heap for long-lived objects above

export interface SegregatedHeapOptions extends AllocatorOptions {
  chunkBytes?: number;
  regionOf?: Int32Array;
  longLivedOf?: Uint8Array;
  /** The general allocator for long-lived objects (default freelist). */
  heap?: AllocatorName;
  heapOptions?: AllocatorOptions;
}

/**
 * Two heaps side by side, the way a server maps a region pool and a malloc heap separately: the
 * lower half of the arena holds request regions, the upper half a general allocator for objects
 * that outlive their request. The high-water mark is the sum of the two heaps' own marks — the
 * memory the two would have touched as separate mappings — not the address of the highest byte.
 * `bytes` is a copy of both halves, made when read: the two heaps own separate buffers.
 */
export class SegregatedHeap implements Allocator {
  readonly name = SEGREGATED_HEAP;
  readonly arenaBytes: number;
  readonly regions: RegionHeap;
  readonly heap: Allocator;
  readonly stats: AllocatorStats;
  private readonly half: number;
  private readonly regionOf: Int32Array;
  private readonly longLivedOf: Uint8Array;
  private mallocs = 0;

  constructor(options: SegregatedHeapOptions = {}) {
    const known = ["arenaBytes", "chunkBytes", "regionOf", "longLivedOf", "heap", "heapOptions"];
    for (const key of Object.keys(options)) {
      if (options[key] !== undefined && !known.includes(key)) throw new RangeError(`unknown option for the segregated heap: ${JSON.stringify(key)} (known: ${known.join(", ")})`);
    }
    const arenaBytes = options.arenaBytes ?? 2 * 1024 * 1024;
    if (typeof arenaBytes !== "number" || arenaBytes < 128 * 1024) throw new RangeError(`invalid arenaBytes: ${String(arenaBytes)} (the segregated heap needs at least 128 KiB: two halves of 64 KiB)`);
    const heapName = options.heap ?? "freelist";
    if (!isAllocatorName(heapName)) throw unknownAllocatorError(heapName);
    if (!(options.regionOf instanceof Int32Array) || !(options.longLivedOf instanceof Uint8Array)) {
      throw new RangeError("the segregated heap needs regionOf (Int32Array) and longLivedOf (Uint8Array) hints");
    }
    this.half = arenaBytes / 2;
    this.regions = new RegionHeap({ arenaBytes: this.half, chunkBytes: options.chunkBytes, regionOf: options.regionOf });
    // off: the heap's addresses are shifted by half into one arena, which a mapped address is not
    this.heap = createAllocator(heapName, withoutLargePath(heapName, { ...options.heapOptions, arenaBytes: this.half }));
    this.arenaBytes = arenaBytes;
    this.regionOf = options.regionOf;
    this.longLivedOf = options.longLivedOf;
    this.stats = { ...this.regions.stats };
  }

  get bytes(): Uint8Array {
    const copy = new Uint8Array(this.arenaBytes);
    copy.set(this.regions.bytes, 0);
    copy.set(this.heap.bytes, this.half);
    return copy;
  }

  malloc(size: number): number {
    const n = this.mallocs++;
    if (n >= this.regionOf.length) throw new RangeError(`segregated heap: no hint for malloc #${n}`);
    let addr: number;
    if (this.longLivedOf[n]) {
      addr = this.heap.malloc(size);
      if (addr !== NULL_ADDR) addr += this.half;
    } else {
      addr = this.regions.mallocIn(this.regionOf[n], size);
    }
    this.sync();
    return addr;
  }

  free(addr: number): void {
    if (addr === NULL_ADDR) return;
    if (!Number.isInteger(addr) || addr < 0 || addr >= this.arenaBytes) {
      throw new HeapError("invalid-free", addr, `segregated heap: invalid free(${hex(addr)}): not an address inside the arena`);
    }
    try {
      if (addr >= this.half) this.heap.free(addr - this.half);
      else this.regions.free(addr);
    } finally {
      this.sync();
    }
  }

  realloc(addr: number, size: number): number {
    if (addr === NULL_ADDR) return this.malloc(size);
    let moved: number;
    try {
      if (addr >= this.half) {
        moved = this.heap.realloc(addr - this.half, size);
        if (moved !== NULL_ADDR) moved += this.half;
      } else {
        moved = this.regions.realloc(addr, size);
      }
    } finally {
      this.sync();
    }
    return moved;
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    this.regions.walk(visit);
    const half = this.half;
    this.heap.walk((start, bytes, payload, requested) => visit(start + half, bytes, payload + half, requested));
  }

  check(): void {
    this.regions.check();
    this.heap.check();
  }

  // Both heaps' counters added up after every call, so the race reads one stats record.
  private sync(): void {
    const a = this.regions.stats, b = this.heap.stats, s = this.stats;
    s.allocs = a.allocs + b.allocs;
    s.frees = a.frees + b.frees;
    s.reallocs = a.reallocs + b.reallocs;
    s.failures = a.failures + b.failures;
    s.splits = a.splits + b.splits;
    s.coalesces = a.coalesces + b.coalesces;
    s.probes = a.probes + b.probes;
    s.liveBytes = a.liveBytes + b.liveBytes;
    if (s.liveBytes > s.peakLiveBytes) s.peakLiveBytes = s.liveBytes;
    s.highWater = a.highWater + b.highWater;
  }
}

// Both heaps need the stream's hints (regionOf, and longLivedOf for the segregated one) as options:
// a race lane gives them; a page input or the command line cannot.
const CHUNK_KNOB: KnobSpec = {
  name: "chunkBytes", label: "Chunk bytes", kind: "integer", min: MIN_CHUNK_BYTES, max: MAX_CHUNK_BYTES, default: DEFAULT_CHUNK_BYTES,
  help: "The unit a region takes from the arena; a power of two from 4 KiB to 64 KiB.",
};
registerAllocator({
  name: REGION_HEAP, label: "Request regions", knobs: [CHUNK_KNOB],
  summary: "Each request bumps in chunks of its own region and frees them all when its last object dies (options: regionOf, the region of every malloc).",
  create: (options) => new RegionHeap(options),
});
registerAllocator({
  name: SEGREGATED_HEAP, label: "Request regions + long-lived heap", knobs: [CHUNK_KNOB],
  summary: "Request regions in the lower half of the arena, a general heap for long-lived objects in the upper half (options: regionOf, longLivedOf, heap).",
  create: (options) => new SegregatedHeap(options),
});
