// The large-object path: requests at or above a threshold are "mapped" in a region of their own
// outside the arena, as glibc sends them to mmap (M_MMAP_THRESHOLD, 128 KiB at start), jemalloc
// to large extents and mimalloc to huge segments. Each mapping is page-rounded and starts with a
// 16-byte header slice, so the payload is 16-aligned; free() unmaps it at once, so the footprint
// drops immediately instead of leaving a hole in the heap.
//
//   mapped region:  arenaBytes ........................................................ MAPPED_LIMIT
//                   [ mapping ][ mapping ]      [ mapping ] ...       address space, first fit
//   one mapping:    start                start + 16                             start + bytes
//                   [ header slice ][ payload: requested bytes ......... | page rounding ]
//                   bytes = roundUp(16 + requested, 4 KiB)
//
// Addresses start at arenaBytes, so they are distinct from every arena offset and free(),
// realloc() and the race's shadow checker tell them apart with one comparison. What a C library
// keeps in the mapping's header (its size) is kept here in JS, with each mapping's payload bytes
// (a Uint8Array of the requested size, so payloads survive a realloc that moves them), made the
// first time someone asks for them: a fresh mapping is zero pages, as the kernel's is, and a race
// that never reads payloads then allocates and zeroes no buffer per mapping.
//
// Sliding threshold (glibc's rule, malloc/malloc.c): freeing a mapped block of s bytes with
// s <= 32 MiB raises the threshold to s, so a program that keeps allocating and freeing blocks of
// one large size soon serves them from the heap instead of paying a mapping each time.
//
// Invariants (check() verifies each):
//   mappings sorted by start, disjoint, inside [arenaBytes, MAPPED_LIMIT); ends[i] = starts[i] + bytes
//   start % 16 == 0, bytes % PAGE_BYTES == 0, bytes >= HEADER + requested
//   sum of bytes == mappedBytes <= peakMappedBytes

import { hex } from "./base.js";
import type { KnobSpec } from "./knobs.js";
import type { AllocatorStats } from "./types.js";

export const PAGE_BYTES = 4096;
export const MAPPED_HEADER_BYTES = 16;
/** glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: the sliding threshold never rises above it. */
export const SLIDING_THRESHOLD_MAX = 32 * 1024 * 1024;
/** The region's end: addresses stay int32, as the race's id tables hold them. */
const MAPPED_LIMIT = 0x7fff_f000;

/** glibc's M_MMAP_THRESHOLD at start: the default threshold of the allocators with a heap. */
export const DEFAULT_LARGE_THRESHOLD = 128 * 1024;

/** The two knobs of every allocator with a large-object path; `defaultThreshold` is its own. */
export function largePathKnobs(defaultThreshold: number, defaultText = `${defaultThreshold / 1024} KiB`): KnobSpec[] {
  return [
    {
      name: "largeThreshold", label: "Large threshold", kind: "integer", min: 0, max: 1024 * 1024 * 1024, default: defaultThreshold,
      help: `Requests of at least this many bytes are mapped outside the arena, page-rounded, and unmapped at once on free (default ${defaultText}; 0: never).`,
    },
    {
      name: "slidingThreshold", label: "Sliding threshold", kind: "boolean", default: false,
      help: "glibc's rule: freeing a mapped block of up to 32 MiB raises the threshold to its size, so blocks of that size come from the heap from then on.",
    },
  ];
}

/** One mapped block, as walkMapped() reports it. */
export interface Mapping { start: number; bytes: number; payload: number; requested: number }

export function mappedBytesFor(requested: number): number {
  return Math.ceil((MAPPED_HEADER_BYTES + requested) / PAGE_BYTES) * PAGE_BYTES;
}

/** What the path keeps per mapping (a C library keeps its size in the header slice); payload null: all zeros so far. */
interface MappedBlock { bytes: number; requested: number; payload: Uint8Array | null }

export class LargeObjectPath {
  /** Requests of at least this many bytes are mapped; 0 switches the path off. */
  threshold: number;
  readonly sliding: boolean;
  private readonly starts: number[] = []; // sorted mapping starts
  private readonly ends: number[] = []; // and each one's end, so first fit reads no map
  private readonly blocks = new Map<number, MappedBlock>(); // start → its mapping
  /** Starts of mappings freed and not mapped again: a free there is a double free, not a stray pointer. */
  private readonly unmapped = new Set<number>();
  /** Requested bytes of the live mapped blocks (a part of stats.liveBytes). */
  liveBytes = 0;

  constructor(readonly base: number, readonly name: string, threshold: number, sliding: boolean, private readonly stats: AllocatorStats) {
    this.threshold = threshold;
    this.sliding = sliding;
  }

  /** Whether a request of `size` bytes goes to the mapped region. */
  wants(size: number): boolean {
    return this.threshold > 0 && size >= this.threshold;
  }

  /** Whether `addr` lies in the mapped region (it may still be no live payload). */
  owns(addr: number): boolean {
    return addr >= this.base;
  }

  /** A new mapping for `requested` bytes; its payload address, or -1 when the address space is full. */
  map(requested: number): number {
    const bytes = mappedBytesFor(requested);
    const start = this.findRoom(bytes);
    this.stats.probes++; // the mapping's header slice
    if (start < 0) return -1;
    this.place(start, { bytes, requested, payload: null });
    this.stats.mmaps++;
    return start + MAPPED_HEADER_BYTES;
  }

  /**
   * The requested bytes of the live mapped block at `addr`; otherwise `fail` throws, with why null
   * for a block this path mapped and already unmapped (a double free).
   */
  requestedOf(addr: number, fail: (addr: number, why: string | null) => never): number {
    const start = addr - MAPPED_HEADER_BYTES;
    const block = this.blocks.get(start);
    if (block !== undefined) {
      this.stats.probes++; // the mapping's header slice; a rejected address changes nothing
      return block.requested;
    }
    return fail(addr, this.unmapped.has(start) ? null : "not the payload of a mapped block");
  }

  /** Unmaps the block at `addr` (already validated); the sliding rule may raise the threshold. */
  unmap(addr: number): void {
    const { bytes } = this.take(addr - MAPPED_HEADER_BYTES);
    this.stats.munmaps++;
    if (this.sliding && bytes <= SLIDING_THRESHOLD_MAX && bytes > this.threshold) this.threshold = bytes;
  }

  /**
   * Resizes the mapped block at `addr` (already validated) as glibc's realloc does with
   * mremap(MREMAP_MAYMOVE): the old mapping is taken out first, so the footprint never holds both;
   * the block keeps its start when its page count stays, else first fit places it over the address
   * space without it (which may be its own start). Not counted as an mmap or munmap (one mremap
   * call). Returns the payload address, or -1 when there is no room, leaving the block as it was.
   */
  remap(addr: number, size: number): number {
    const start = addr - MAPPED_HEADER_BYTES;
    const old = this.take(start);
    const bytes = mappedBytesFor(size);
    const target = bytes === old.bytes ? start : this.findRoom(bytes);
    this.stats.probes++; // the mapping's header slice
    if (target < 0) {
      this.place(start, old);
      return -1;
    }
    let payload: Uint8Array | null = null;
    if (old.payload !== null) {
      payload = new Uint8Array(size);
      payload.set(old.payload.subarray(0, Math.min(old.requested, size)));
    }
    this.place(target, { bytes, requested: size, payload });
    return target + MAPPED_HEADER_BYTES;
  }

  /** The payload bytes of the live mapped block at `addr` (a view the program may read and write). */
  payloadOf(addr: number): Uint8Array | null {
    const block = this.blocks.get(addr - MAPPED_HEADER_BYTES);
    if (block === undefined) return null;
    return (block.payload ??= new Uint8Array(block.requested));
  }

  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    for (const start of this.starts) {
      const block = this.blocks.get(start)!;
      visit(start, block.bytes, start + MAPPED_HEADER_BYTES, block.requested);
    }
  }

  check(corrupt: (addr: number, invariant: string) => never): void {
    let end = this.base;
    let bytes = 0;
    let live = 0;
    for (let i = 0; i < this.starts.length; i++) {
      const start = this.starts[i];
      const block = this.blocks.get(start);
      if (block === undefined) corrupt(start, "every mapping start should have its mapping");
      const { bytes: size, requested, payload } = block;
      if (this.ends[i] !== start + size) corrupt(start, `a mapping's recorded end should be its start + bytes, ${hex(this.ends[i])} != ${hex(start + size)}`);
      if (start < end) corrupt(start, "mappings should be sorted by start and disjoint");
      if ((start & 15) !== 0 || size % PAGE_BYTES !== 0 || size < MAPPED_HEADER_BYTES + requested) corrupt(start, `a mapping should be 16-aligned, page-rounded and hold its header and ${requested} requested bytes, found ${size} bytes`);
      if (payload !== null && payload.length !== requested) corrupt(start, "a mapping's payload should hold exactly its requested bytes");
      if (this.unmapped.has(start)) corrupt(start, "a live mapping's start should not be listed as unmapped");
      end = start + size;
      bytes += size;
      live += requested;
    }
    if (end > MAPPED_LIMIT) corrupt(end, `mappings should end below ${hex(MAPPED_LIMIT)}`);
    if (this.blocks.size !== this.starts.length) corrupt(this.base, "every mapping should be on the sorted list once");
    if (bytes !== this.stats.mappedBytes) corrupt(this.base, `stats.mappedBytes == sum of mapping bytes, ${this.stats.mappedBytes} != ${bytes}`);
    if (this.stats.peakMappedBytes < bytes) corrupt(this.base, "stats.peakMappedBytes >= stats.mappedBytes");
    if (live !== this.liveBytes) corrupt(this.base, `the mapped live bytes should add up, ${this.liveBytes} != ${live}`);
  }

  // Counterparts: a mapping enters or leaves the sorted starts, the table, the live and mapped bytes.
  private place(start: number, block: MappedBlock): void {
    const at = this.insertionPoint(start);
    this.starts.splice(at, 0, start);
    this.ends.splice(at, 0, start + block.bytes);
    this.blocks.set(start, block);
    this.unmapped.delete(start);
    this.liveBytes += block.requested;
    const stats = this.stats;
    stats.mappedBytes += block.bytes;
    if (stats.mappedBytes > stats.peakMappedBytes) stats.peakMappedBytes = stats.mappedBytes;
  }

  private take(start: number): MappedBlock {
    const block = this.blocks.get(start)!;
    const at = this.insertionPoint(start);
    this.starts.splice(at, 1);
    this.ends.splice(at, 1);
    this.blocks.delete(start);
    this.unmapped.add(start);
    this.liveBytes -= block.requested;
    this.stats.mappedBytes -= block.bytes;
    return block;
  }

  // First fit in address order over the gaps between mappings, as the kernel's mmap finds room.
  private findRoom(bytes: number): number {
    const starts = this.starts, ends = this.ends;
    let cursor = this.base;
    for (let i = 0; i < starts.length; i++) {
      if (starts[i] - cursor >= bytes) return cursor;
      cursor = ends[i];
    }
    return MAPPED_LIMIT - cursor >= bytes ? cursor : -1;
  }

  private insertionPoint(start: number): number {
    let lo = 0, hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
