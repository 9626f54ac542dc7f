// What every allocator shares: the arena buffer and its views, the stats record, size validation
// and hex formatting for messages. The algorithms themselves live in one file each.

import {
  ALIGNMENT,
  NULL_ADDR,
  HeapError,
  type Allocator,
  type AllocatorName,
  type AllocatorOptions,
  type AllocatorStats,
} from "./types.js";
import { rejectUnknownKnobs, validateArenaBytes } from "../knobs.js";

export function newStats(): AllocatorStats {
  return {
    allocs: 0, frees: 0, reallocs: 0, failures: 0, splits: 0, coalesces: 0, probes: 0,
    liveBytes: 0, peakLiveBytes: 0, highWater: 0,
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

  constructor(name: AllocatorName, options: AllocatorOptions, knownKnobs: readonly string[]) {
    rejectUnknownKnobs(name, options, knownKnobs);
    this.name = name;
    this.arenaBytes = validateArenaBytes(options.arenaBytes);
    const buffer = new ArrayBuffer(this.arenaBytes);
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
