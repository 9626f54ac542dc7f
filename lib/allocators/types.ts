// The allocator contract (docs/architecture.md, "The lib API"). Every allocator keeps all of its
// metadata — headers, footers, free-list links, bitmaps, slab headers — inside `bytes`, at the
// offsets a C allocator would use, so that `walk()` and the heat maps show the real layout.

export type AllocatorName = "bump" | "freelist" | "segfit" | "buddy" | "slab" | "tlsf";

export interface AllocatorStats {
  allocs: number;        // successful mallocs (a realloc that moves counts as a realloc, not an alloc)
  frees: number;         // successful frees
  reallocs: number;      // successful reallocs, in place or moved
  failures: number;      // mallocs and reallocs that could not be served (realloc(p, 0) returning -1 is a free)
  splits: number;        // a free block cut in two
  coalesces: number;     // two free neighbours (or buddies) merged into one
  probes: number;        // the cost model: list nodes, headers, bitmap words touched
  liveBytes: number;     // requested bytes of the blocks live now
  peakLiveBytes: number; // the most liveBytes ever was
  highWater: number;     // one past the highest arena byte ever covered by a non-free block (the "brk")
}

export interface Allocator {
  readonly name: AllocatorName;
  readonly arenaBytes: number;
  readonly bytes: Uint8Array;
  malloc(size: number): number;
  free(addr: number): void;
  /**
   * C semantics, as glibc: realloc(NULL_ADDR, n) is malloc(n); realloc(p, 0) frees p and returns
   * NULL_ADDR (counted as a free, not a failure; a later free(p) is a double free); otherwise the
   * block is resized in place or moved (min(old, new) requested bytes copied), and NULL_ADDR on
   * failure leaves the old block live and untouched.
   */
  realloc(addr: number, size: number): number;
  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void;
  check(): void;
  readonly stats: AllocatorStats;
}

export interface AllocatorOptions {
  arenaBytes?: number;
  [knob: string]: unknown;
}

export type HeapErrorCode = "double-free" | "invalid-free" | "corrupt";

export class HeapError extends Error {
  readonly code: HeapErrorCode;
  readonly addr: number;
  constructor(code: HeapErrorCode, addr: number, message: string) {
    super(message);
    this.name = "HeapError";
    this.code = code;
    this.addr = addr;
  }
}

export const MIN_ARENA_BYTES = 64 * 1024;
export const MAX_ARENA_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_ARENA_BYTES = 2 * 1024 * 1024;
/** Every payload address is a multiple of this. */
export const ALIGNMENT = 16;

/** The null pointer of the arena: malloc and realloc return it when they cannot serve a request. */
export const NULL_ADDR = -1;
