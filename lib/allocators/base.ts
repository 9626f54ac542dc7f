// What every allocator shares: the arena buffer and its views, the stats record, argument
// validation and hex formatting for messages. The algorithms themselves live in one file each.

import {
  ALIGNMENT,
  DEFAULT_ARENA_BYTES,
  MAX_ARENA_BYTES,
  MIN_ARENA_BYTES,
  NULL_ADDR,
  HeapError,
  type Allocator,
  type AllocatorName,
  type AllocatorOptions,
  type AllocatorStats,
} from "./types.js";

export function newStats(): AllocatorStats {
  return {
    allocs: 0, frees: 0, reallocs: 0, failures: 0, splits: 0, coalesces: 0, probes: 0,
    liveBytes: 0, peakLiveBytes: 0, highWater: 0,
  };
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function validateArenaBytes(arenaBytes: unknown): number {
  if (arenaBytes === undefined) return DEFAULT_ARENA_BYTES;
  if (typeof arenaBytes !== "number" || !isPowerOfTwo(arenaBytes) || arenaBytes < MIN_ARENA_BYTES || arenaBytes > MAX_ARENA_BYTES) {
    throw new RangeError(`invalid arenaBytes: ${String(arenaBytes)} (must be a power of two from 64 KiB to 1 GiB)`);
  }
  return arenaBytes;
}

/** Reads a string knob that must be one of `choices`; quotes the bad value otherwise. */
export function choiceKnob<T extends string>(options: AllocatorOptions, knob: string, choices: readonly T[], fallback: T): T {
  const value = options[knob];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new RangeError(`invalid ${knob}: ${JSON.stringify(value)} (must be one of ${choices.join(", ")})`);
  }
  return value as T;
}

/** Reads an integer knob within [min, max]. */
export function integerKnob(options: AllocatorOptions, knob: string, min: number, max: number, fallback: number): number {
  const value = options[knob];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`invalid ${knob}: ${JSON.stringify(value)} (must be an integer from ${min} to ${max})`);
  }
  return value;
}

export function booleanKnob(options: AllocatorOptions, knob: string, fallback: boolean): boolean {
  const value = options[knob];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new RangeError(`invalid ${knob}: ${JSON.stringify(value)} (must be true or false)`);
  return value;
}

/** Rejects knobs an allocator does not have, so a typo is an error rather than a silent default. */
export function rejectUnknownKnobs(name: string, options: AllocatorOptions, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (key !== "arenaBytes" && options[key] !== undefined && !known.includes(key)) {
      throw new RangeError(`unknown option for ${name}: ${JSON.stringify(key)} (known: ${known.length ? known.join(", ") : "none"})`);
    }
  }
}

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
