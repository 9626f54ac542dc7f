// What every allocator shares: the arena buffer and its views, the stats record, size validation
// and hex formatting for messages. The algorithms themselves live in one file each.

import {
  ALIGNMENT,
  MAX_ARENA_BYTES,
  NULL_ADDR,
  HeapError,
  type Allocator,
  type AllocatorName,
  type AllocatorOptions,
  type AllocatorStats,
} from "./types.js";
import { LargeObjectPath } from "./large.js";
import { takeArenaBuffer } from "./arena-pool.js";
import { booleanKnob, integerKnob, rejectUnknownKnobs, validateArenaBytes } from "../knobs.js";

export function newStats(): AllocatorStats {
  return {
    allocs: 0, frees: 0, reallocs: 0, failures: 0, splits: 0, coalesces: 0, probes: 0,
    liveBytes: 0, peakLiveBytes: 0, highWater: 0,
    mappedBytes: 0, peakMappedBytes: 0, mmaps: 0, munmaps: 0,
  };
}

// Knob and arena-size validation moved to lib/knobs.ts (workloads and labs use it too); re-exported
// here so allocator files keep one import.
export { isPowerOfTwo, validateArenaBytes, choiceKnob, integerKnob, booleanKnob, rejectUnknownKnobs } from "../knobs.js";

/** malloc sizes: a non-negative integer. Anything else is a programming error, not an out-of-memory. */
export function validateSize(size: number): void {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`invalid size: ${String(size)} (must be a non-negative integer)`);
}

export function hex(addr: number): string {
  return "0x" + addr.toString(16).padStart(4, "0");
}

/** Set bits in a 32-bit word (for check()s that count bitmap bits). */
export function popcount(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export function alignUp(n: number, alignment: number = ALIGNMENT): number {
  return (n + alignment - 1) & -alignment;
}

/**
 * The arena and the bookkeeping every allocator repeats. Headers are read and written through
 * `words` (32-bit little-endian words over the same buffer as `bytes`), so a header at byte offset
 * h is `words[h >> 2]`; every metadata field sits at a multiple of 4.
 */
export abstract class ArenaAllocator implements Allocator {
  // The fields the constructor assigns are `declare`d: a plain field declaration is emitted as a
  // definition that sets it to undefined first, and V8 then gives the field a representation that
  // fits both — every hot-path read of `words` or `arenaBytes` would re-check what it holds.
  declare readonly name: AllocatorName;
  declare readonly arenaBytes: number;
  declare readonly bytes: Uint8Array;
  readonly stats: AllocatorStats = newStats();
  protected declare readonly words: Int32Array;
  /** The large-object path (large.ts), or null for an allocator without one. */
  protected large: LargeObjectPath | null = null;

  constructor(name: AllocatorName, options: AllocatorOptions, knownKnobs: readonly string[]) {
    rejectUnknownKnobs(name, options, knownKnobs);
    this.name = name;
    this.arenaBytes = validateArenaBytes(options.arenaBytes);
    // Zeroed either way; a kept one has its pages mapped already (arena-pool.ts).
    const buffer = takeArenaBuffer(this.arenaBytes);
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer);
  }

  abstract malloc(size: number): number;
  abstract free(addr: number): void;
  abstract realloc(addr: number, size: number): number;
  abstract walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void;
  abstract check(): void;

  /** Bookkeeping after a block of `requested` bytes ending at `blockEnd` was handed out. */
  protected noteAllocated(requested: number, blockEnd: number): void {
    const stats = this.stats;
    stats.allocs++;
    const live = (stats.liveBytes += requested);
    if (live > stats.peakLiveBytes) stats.peakLiveBytes = live;
    if (blockEnd > stats.highWater) stats.highWater = blockEnd;
  }

  protected noteFreed(requested: number): void {
    const stats = this.stats;
    stats.frees++;
    stats.liveBytes -= requested;
  }

  /** Bookkeeping for a realloc that succeeded (in place or moved); the moved case calls this, not noteAllocated. */
  protected noteReallocated(oldRequested: number, newRequested: number, blockEnd: number): void {
    const stats = this.stats;
    stats.reallocs++;
    stats.liveBytes += newRequested - oldRequested;
    if (stats.liveBytes > stats.peakLiveBytes) stats.peakLiveBytes = stats.liveBytes;
    if (blockEnd > stats.highWater) stats.highWater = blockEnd;
  }

  /**
   * realloc(p, 0) as glibc does it: p is freed (a free in the stats, not a realloc) and there is no
   * block to return, so the result is NULL_ADDR — which here is not a failure. A later free(p) is then
   * a double free. realloc(NULL_ADDR, 0) is malloc(0) and never comes here.
   */
  protected freeForRealloc(addr: number): number {
    this.free(addr);
    return NULL_ADDR;
  }

  // ---- the large-object path, for the allocators that have one (large.ts) ----

  /** Reads the largeThreshold and slidingThreshold knobs and opens the path. */
  protected openLargePath(options: AllocatorOptions, defaultThreshold: number): void {
    const threshold = integerKnob(options, "largeThreshold", 0, MAX_ARENA_BYTES, defaultThreshold);
    const sliding = booleanKnob(options, "slidingThreshold", false);
    // 0 switches the path off: the allocator behaves as if it had none, arena only
    this.large = threshold === 0 ? null : new LargeObjectPath(this.arenaBytes, this.name, threshold, sliding, this.stats);
  }

  /** The threshold in force (it moves under the sliding rule); 0 when there is no large path. */
  get largeThreshold(): number {
    return this.large?.threshold ?? 0;
  }

  walkMapped(visit: (start: number, bytes: number, payload: number, requested: number) => void): void {
    this.large?.walk(visit);
  }

  mappedPayload(addr: number): Uint8Array | null {
    return this.large?.payloadOf(addr) ?? null;
  }

  /** malloc's large branch: a mapping, counted as an alloc; the arena's high water does not move. */
  protected mallocLarge(size: number): number {
    validateSize(size);
    const addr = this.large!.map(size);
    if (addr < 0) {
      this.stats.failures++;
      return NULL_ADDR;
    }
    this.noteAllocated(size, 0);
    return addr;
  }

  /** free() of an address >= arenaBytes: unmapped at once, or a HeapError. */
  protected freeLarge(addr: number): void {
    const large = this.large!;
    const requested = large.requestedOf(addr, (a, why) => (why === null ? this.doubleFree(a) : this.invalidFree(a, why)));
    large.unmap(addr);
    this.noteFreed(requested);
  }

  /** Whether realloc must take the large path: the block is mapped or the new size wants a mapping. */
  protected crossesLargePath(addr: number, size: number): boolean {
    const large = this.large;
    return large !== null && (addr >= this.arenaBytes || large.wants(size));
  }

  /**
   * realloc when the old block is mapped or the new size wants a mapping: a mapped block that stays
   * large is remapped (glibc's mremap: the footprint never holds both), anything else is malloc
   * (which picks the arena or a mapping) + copy + free. On failure the old block is untouched.
   * Counted as one realloc, as the arena paths count it.
   */
  protected reallocAcross(addr: number, size: number): number {
    const large = this.large!;
    const stats = this.stats;
    const fromMapped = addr >= this.arenaBytes;
    const oldRequested = fromMapped
      ? large.requestedOf(addr, (a, why) => (why === null ? this.doubleFree(a) : this.invalidFree(a, why)))
      : this.arenaRequestedOf(addr);
    if (fromMapped && large.wants(size)) {
      const moved = large.remap(addr, size);
      if (moved !== NULL_ADDR) this.noteReallocated(oldRequested, size, 0);
      else stats.failures++;
      return moved;
    }
    const allocs = stats.allocs;
    const frees = stats.frees;
    const peak = stats.peakLiveBytes;
    const target = this.malloc(size);
    if (target === NULL_ADDR) return NULL_ADDR; // malloc counted the failure
    const kept = Math.min(oldRequested, size);
    const from = fromMapped ? large.payloadOf(addr)! : this.bytes.subarray(addr, addr + kept);
    const to = target >= this.arenaBytes ? large.payloadOf(target)! : this.bytes.subarray(target, target + kept);
    to.set(from.subarray(0, kept));
    this.free(addr);
    // one realloc, not an alloc and a free; both blocks were never live at once in the program's eyes
    stats.allocs = allocs;
    stats.frees = frees;
    stats.reallocs++;
    stats.peakLiveBytes = Math.max(peak, stats.liveBytes);
    return target;
  }

  /** The requested bytes of the live arena block at payload `addr`, else a HeapError (for reallocAcross). */
  protected arenaRequestedOf(_addr: number): number {
    throw new Error(`${this.name}: no large-object path`);
  }

  /** check()'s part for the mapped region; returns the live bytes that are mapped, not in the arena. */
  protected checkLargePath(): number {
    const large = this.large;
    if (large === null) return 0;
    large.check((addr, invariant) => this.corrupt(addr, invariant));
    return large.liveBytes;
  }

  protected corrupt(addr: number, invariant: string): never {
    throw new HeapError("corrupt", addr, `${this.name}: ${invariant} at ${hex(addr)}`);
  }

  protected invalidFree(addr: number, why: string): never {
    throw new HeapError("invalid-free", addr, `${this.name}: invalid free(${hex(addr)}): ${why}`);
  }

  protected doubleFree(addr: number): never {
    throw new HeapError("double-free", addr, `${this.name}: double free(${hex(addr)}): the block is already free`);
  }

  /** An address that cannot be a payload of this arena at all. Returns true when it is plausible. */
  protected isPlausiblePayload(addr: number): boolean {
    return Number.isInteger(addr) && addr >= 0 && addr < this.arenaBytes && (addr & (ALIGNMENT - 1)) === 0;
  }
}
