// The "mixing lifetimes" lab: request-scoped arenas against one general heap, and what a
// long-lived object allocated during a request does to each.
//
// Three pieces, all on top of the public allocator and race API:
//
//   lifetimeStream   a server's allocation stream: requests in flight, each allocating a burst of
//                    short-lived objects that all die when the request ends; one request in
//                    `pinEvery` also allocates one object that outlives it by `pinLifetime`
//                    requests (a cache entry, a session, a log line kept for later). Besides the
//                    Trace it records, for every malloc, the request it was made for and whether
//                    it outlives it — what a C program knows at the call site when it picks a
//                    pool (apr_palloc(r->pool, n) against malloc(n)).
//
//   RegionHeap       request arenas ("regions", "pools"): the arena is cut into chunks; a region
//                    bump-allocates from its own chunks and gives all of them back at once when
//                    its last object dies. A long-lived object allocated in a request's region
//                    keeps every chunk of that region until it dies: the pinning this lab is about.
//
//   SegregatedHeap   the fix: short-lived objects in request regions (lower half of the arena),
//                    long-lived ones in a general heap of their own (upper half).
//
// RegionHeap chunk layout (chunkBytes, at a multiple of chunkBytes, so addr & -chunkBytes is the
// chunk of any object in it):
//
//   chunk     +4       +8       +12      +16      +20      +24                          chunk + chunkBytes
//   +--------+--------+--------+--------+--------+--------+------+-----+------+--- … ---+
//   | check  | region | first  | next   | cursor | live   | obj  | obj | obj  | unused  |
//   +--------+--------+--------+--------+--------+--------+------+-----+------+--- … ---+
//    check  = CHUNK_MAGIC ^ chunk      region = the request id it serves
//    first  = the region's oldest chunk (its live count is kept there)
//    next   = the next older chunk of the same region, NIL for the first
//    cursor = where this chunk's next object header goes
//    live   = in the region's first chunk: live objects of the whole region; 0 in the others
//
//   object:  [ OBJECT_MAGIC ^ payload | requested (| DEAD_BIT) ][ payload … | rounding ]
//            8-byte header at ≡ 8 (mod 16), so every payload is 16-aligned; the same as bump.
//
// Invariants (RegionHeap.check() verifies each):
//   a chunk is on the free bitmap  ⇔  no region owns it; owned chunks have check == CHUNK_MAGIC ^ chunk
//   current[r] → next → … → first[r] visits exactly the chunks whose region word is r, each once
//   object headers chained from chunk + 24 end exactly at the chunk's cursor ≤ chunk + chunkBytes
//   live word of a region's first chunk == its objects without DEAD_BIT;  a region with 0 live owns no chunk
//   sum of requested over live objects == stats.liveBytes;  highWater >= end of every owned chunk
//
// What the C program keeps in its own variables (each request's pool pointer) and the free-chunk
// bitmap a C region allocator keeps in a static array live in JS typed arrays here.
//
// walk(): a chunk header is metadata; a live object is header + used + rounding; a dead object and
// the unused end of a chunk are reserved (claimed by a region, unusable by any other request);
// free chunks are free. The high-water mark is chunk-granular: one past the end of the highest
// chunk a region ever took.
//
// Probes: +1 for the chunk header malloc bumps in (and +1 for the region's first chunk when that
// is another chunk, whose live count changes), +1 per free-bitmap word scanned for a new chunk;
// free reads the chunk header and the object header (+2), the first chunk (+1 when it is another
// one) and, when the region dies, +1 per chunk handed back.

import { ArenaAllocator, hex, validateSize } from "../allocators/index.js";
import { integerKnob } from "../knobs.js";
import { createAllocator, isAllocatorName, withoutLargePath } from "../allocators/index.js";
import type { KnobSpec } from "../knobs.js";
import { HeapError, NULL_ADDR, type Allocator, type AllocatorName, type AllocatorOptions, type AllocatorStats } from "../allocators/types.js";
import { race, type LaneSpec, type RaceResult } from "../race/race.js";
import { TraceBuilder, type Trace } from "../trace/types.js";
import { logUniformInt } from "../workloads/options.js";
import { randomLcg } from "d3-random";

// ---------------------------------------------------------------------------------------------
// The stream

export const LIFETIME_STREAM_KNOBS: readonly KnobSpec[] = [
  { name: "requests", label: "Requests", kind: "integer", min: 10, max: 4000, default: 1200,
    help: "How many requests the server handles over the whole stream." },
  { name: "objectsPerRequest", label: "Objects per request", kind: "integer", min: 2, max: 64, default: 10,
    help: "The average number of short-lived objects a request allocates (uniform in ½× to 1½× this)." },
  { name: "concurrency", label: "Requests in flight", kind: "integer", min: 1, max: 32, default: 4,
    help: "How many requests run at once; their allocations interleave." },
  { name: "pinEvery", label: "One long-lived object every … requests (0: none)", kind: "integer", min: 0, max: 1000, default: 25,
    help: "Every n-th request also allocates an object that outlives it. 0: no request does." },
  { name: "pinLifetime", label: "Long-lived object lives … requests (0: forever)", kind: "integer", min: 0, max: 4000, default: 0,
    help: "How many later requests complete before a long-lived object is freed. 0: it is never freed." },
];

export interface LifetimeStreamOptions {
  seed: number;
  requests?: number;
  objectsPerRequest?: number;
  concurrency?: number;
  pinEvery?: number;
  pinLifetime?: number;
}

export interface LifetimeStream {
  trace: Trace;
  /** For the n-th malloc of the trace: the request it was made for. */
  regionOfMalloc: Int32Array;
  /** For the n-th malloc: 1 when the object outlives its request. */
  longLivedOfMalloc: Uint8Array;
  requests: number;
  /** Long-lived objects allocated, and how many of them were still live at the end. */
  longLived: number;
  longLivedAtEnd: number;
}

/** Short-lived request objects: headers, strings, small buffers. */
export const REQUEST_OBJECT_MIN = 16;
export const REQUEST_OBJECT_MAX = 512;
/** The object that outlives its request: a cache entry or a session record. */
export const LONG_LIVED_MIN = 32;
export const LONG_LIVED_MAX = 256;

function streamKnob(options: LifetimeStreamOptions, name: keyof LifetimeStreamOptions): number {
  const spec = LIFETIME_STREAM_KNOBS.find((knob) => knob.name === name)!;
  if (spec.kind !== "integer") throw new Error(`knob ${name} is not an integer`);
  return integerKnob(options as unknown as Record<string, unknown>, name, spec.min, spec.max, spec.default);
}

export function lifetimeStream(options: LifetimeStreamOptions): LifetimeStream {
  const seed = options.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`invalid seed: ${String(seed)} (must be an integer from 0 to 4294967295)`);
  const requests = streamKnob(options, "requests");
  const meanObjects = streamKnob(options, "objectsPerRequest");
  const concurrency = streamKnob(options, "concurrency");
  const pinEvery = streamKnob(options, "pinEvery");
  const pinLifetime = streamKnob(options, "pinLifetime");
  const random = randomLcg(seed);

  const trace = new TraceBuilder();
  const regionOf: number[] = [];
  const longLivedOf: number[] = [];
  let nextId = 0;
  const malloc = (request: number, size: number, longLived: boolean): number => {
    const id = nextId++;
    trace.malloc(id, size);
    regionOf.push(request);
    longLivedOf.push(longLived ? 1 : 0);
    return id;
  };

  // One slot per request in flight: its request number, objects still to allocate, where its
  // long-lived object goes among them (-1: none) and the ids it allocated.
  const slotRequest = new Int32Array(concurrency).fill(-1);
  const slotRemaining = new Int32Array(concurrency);
  const slotPinAt = new Int32Array(concurrency);
  const slotObjects: number[][] = Array.from({ length: concurrency }, () => []);
  // Long-lived objects waiting to die: [id, number of completed requests at which it is freed].
  const pins: Array<[number, number]> = [];
  let started = 0, completed = 0, longLived = 0, inFlight = 0;
  const low = Math.max(1, Math.ceil(meanObjects / 2));
  const high = Math.max(low, Math.floor((3 * meanObjects) / 2));

  const start = (slot: number): void => {
    if (started === requests) { slotRequest[slot] = -1; return; }
    const request = started++;
    slotRequest[slot] = request;
    slotRemaining[slot] = low + Math.floor(random() * (high - low + 1));
    // Request 0 never pins, so pinEvery = 1 means every request and 25 means requests 24, 49, …
    slotPinAt[slot] = pinEvery > 0 && request % pinEvery === pinEvery - 1 ? Math.floor(random() * slotRemaining[slot]) : -1;
    slotObjects[slot].length = 0;
    inFlight++;
  };

  const finish = (slot: number): void => {
    for (const id of slotObjects[slot]) trace.free(id); // the request's pool is destroyed
    completed++;
    inFlight--;
    // Long-lived objects whose time has come, oldest first.
    while (pins.length > 0 && pins[0][1] <= completed) trace.free(pins.shift()![0]);
    start(slot);
  };

  for (let slot = 0; slot < concurrency; slot++) start(slot);
  while (inFlight > 0) {
    // Advance a random request in flight by one allocation, or finish it.
    let slot = Math.floor(random() * concurrency);
    while (slotRequest[slot] < 0) slot = (slot + 1) % concurrency;
    const request = slotRequest[slot];
    if (slotRemaining[slot] === 0) { finish(slot); continue; }
    if (slotPinAt[slot] === slotRemaining[slot] - 1) {
      const id = malloc(request, logUniformInt(random, LONG_LIVED_MIN, LONG_LIVED_MAX), true);
      longLived++;
      if (pinLifetime > 0) pins.push([id, completed + pinLifetime]);
    }
    slotObjects[slot].push(malloc(request, logUniformInt(random, REQUEST_OBJECT_MIN, REQUEST_OBJECT_MAX), false));
    slotRemaining[slot]--;
  }
  const longLivedAtEnd = pinLifetime > 0 ? pins.length : longLived;
  return {
    trace: trace.build(`lifetimes-${seed}`),
    regionOfMalloc: Int32Array.from(regionOf),
    longLivedOfMalloc: Uint8Array.from(longLivedOf),
    requests, longLived, longLivedAtEnd,
  };
}

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

export const MIN_CHUNK_BYTES = 4096;
export const MAX_CHUNK_BYTES = 65536;
export const DEFAULT_CHUNK_BYTES = 8192;

function objectBytesFor(requested: number): number {
  return (requested + OBJECT_HEADER_BYTES + 15) & ~15;
}

function validateChunkBytes(value: unknown, arenaBytes: number): number {
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
    super("bump", options, ["chunkBytes", "regionOf"]);
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

function popcount(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
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
  readonly name: AllocatorName = "bump";
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
    if (!isAllocatorName(heapName)) throw new RangeError(`invalid heap: ${JSON.stringify(heapName)}`);
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

// ---------------------------------------------------------------------------------------------
// The lab's race

export const LIFETIME_HEAPS: readonly AllocatorName[] = ["freelist", "segfit", "buddy"];

export interface LifetimesLabOptions extends LifetimeStreamOptions {
  /** The general allocator: the one-heap lane, and the long-lived heap of the segregated lane. */
  heap?: AllocatorName;
  chunkBytes?: number;
  arenaBytes?: number;
  ticks?: number;
}

export interface LifetimesLab {
  stream: LifetimeStream;
  result: RaceResult;
  /** Per lane (one heap, regions, segregated) and tick: regions owning chunks; all zero for the one-heap lane. */
  regionsAlive: Int32Array[];
}

export const LIFETIME_LANE_LABELS = ["one general heap", "request arenas", "arenas + long-lived heap"] as const;

/** Runs the stream through one general heap, request regions, and request regions beside a long-lived heap. */
export function runLifetimesLab(options: LifetimesLabOptions): LifetimesLab {
  const heap = options.heap ?? "freelist";
  if (!LIFETIME_HEAPS.includes(heap)) throw new RangeError(`invalid heap: ${JSON.stringify(heap)} (must be one of ${LIFETIME_HEAPS.join(", ")})`);
  const arenaBytes = options.arenaBytes ?? 2 * 1024 * 1024;
  const chunkBytes = validateChunkBytes(options.chunkBytes, arenaBytes);
  if (chunkBytes * 8 > arenaBytes) {
    throw new RangeError(`invalid chunkBytes: ${chunkBytes} (the segregated lane splits the ${arenaBytes}-byte arena in two and needs four chunks in each half: at most ${arenaBytes / 8})`);
  }
  const stream = lifetimeStream(options);
  const ticks = options.ticks ?? 48;
  const regionHeaps: Array<RegionHeap | null> = [null, null, null];
  const regionsAlive = [0, 1, 2].map(() => new Int32Array(ticks));
  const lanes: LaneSpec[] = [
    { allocator: heap, label: `${LIFETIME_LANE_LABELS[0]} (${heap})` },
    {
      allocator: "bump", label: LIFETIME_LANE_LABELS[1],
      create: (o) => (regionHeaps[1] = new RegionHeap({ arenaBytes: o.arenaBytes, chunkBytes, regionOf: stream.regionOfMalloc })),
    },
    {
      allocator: "bump", label: `${LIFETIME_LANE_LABELS[2]} (${heap})`,
      create: (o) => {
        const segregated = new SegregatedHeap({ arenaBytes: o.arenaBytes, chunkBytes, regionOf: stream.regionOfMalloc, longLivedOf: stream.longLivedOfMalloc, heap });
        regionHeaps[2] = segregated.regions;
        return segregated;
      },
    },
  ];
  const seen = [0, 0, 0];
  const result = race(stream.trace, {
    lanes, arenaBytes, ticks,
    onTick: (_name, _tick, lane) => {
      const heapOfLane = regionHeaps[lane];
      if (heapOfLane && seen[lane] < ticks) regionsAlive[lane][seen[lane]] = heapOfLane.liveRegions;
      seen[lane]++;
    },
  });
  return { stream, result, regionsAlive };
}
