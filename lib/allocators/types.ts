// The allocator contract (docs/architecture.md, "The lib API"). Every allocator keeps all of its
// metadata — headers, footers, free-list links, bitmaps, slab headers — inside `bytes`, at the
// offsets a C allocator would use, so that `walk()` and the heat maps show the real layout.

/** The six allocators HeapForge is built with (`ALLOCATORS`): the default lanes of every race. */
export type BuiltinAllocatorName = "bump" | "freelist" | "segfit" | "buddy" | "slab" | "tlsf";

/**
 * The name of a registered allocator: a built-in one, or one a lab or a caller gave to
 * `registerAllocator` (allocators/index.ts). Any string type-checks; createAllocator and race()
 * reject a name nobody registered, listing the ones that are.
 */
export type AllocatorName = BuiltinAllocatorName | (string & {});

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
  // The large-object path (large.ts): blocks mapped outside the arena, page-rounded.
  mappedBytes: number;     // bytes mapped now (headers and page rounding included)
  peakMappedBytes: number; // the most mappedBytes ever was
  mmaps: number;           // mappings made
  munmaps: number;         // mappings released
}

export interface Allocator {
  readonly name: AllocatorName;
  readonly arenaBytes: number;
  readonly bytes: Uint8Array;
  /**
   * A payload address, a multiple of ALIGNMENT, or NULL_ADDR. Below arenaBytes it is an offset in
   * `bytes`; at or above arenaBytes it is a block of the large-object path (large.ts), mapped
   * outside the arena, which free, realloc and the race's shadow checker accept like any other.
   */
  malloc(size: number): number;
  /** Throws HeapError "double-free" or "invalid-free" (mapped blocks included), changing nothing. */
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
  /**
   * The blocks of the large-object path, outside the arena (addresses >= arenaBytes), in address
   * order; absent or visiting nothing for an allocator without one. walk() covers the arena only.
   */
  walkMapped?(visit: (start: number, bytes: number, payload: number, requested: number) => void): void;
  /** The payload bytes of a live mapped block (they are not in `bytes`), or null. */
  mappedPayload?(addr: number): Uint8Array | null;
  /**
   * The strategy's own bookkeeping, copied out for teaching views (the strategy pages' steppers):
   * its free lists, bitmaps or cursor. Beside check(), never needed to use the allocator; absent for
   * an allocator that has nothing to show beyond walk().
   */
  detail?(): AllocatorDetail;
}

/** One free list: the block offsets (headers, as walk() reports them as `start`) in list order. */
export type FreeListNodes = number[];

/**
 * What `detail()` returns, one shape per strategy. `largeThreshold` is the large-object path's
 * threshold in force (it moves under the sliding rule), 0 when requests of every size stay in the
 * arena.
 */
export type AllocatorDetail = { largeThreshold: number } & (
  /** `cursor`: where the next block starts; `emptyCursor`: where it goes back to when the heap empties. */
  | { kind: "bump"; cursor: number; emptyCursor: number; liveObjects: number; resetWhenEmpty: boolean }
  | { kind: "freelist"; placement: "first" | "next" | "best"; order: "lifo" | "address"; freeList: FreeListNodes }
  /** Class k holds free blocks of floor..ceiling bytes (the top class has ceiling Infinity); bit k of classBitmap says it is non-empty. */
  | { kind: "segfit"; classBitmap: number; searchLimit: number; classes: Array<{ floor: number; ceiling: number; freeList: FreeListNodes }> }
  /** One list per order, minOrder..topOrder; bit k of orderBitmap says order k's list is non-empty. */
  | { kind: "buddy"; minOrder: number; topOrder: number; orderBitmap: number; orders: Array<{ order: number; freeList: FreeListNodes }> }
  /** Each class's object size and how many objects a slab of `slabBytes` holds. */
  | { kind: "slab"; slabBytes: number; classes: Array<{ objectBytes: number; capacity: number }> }
  /**
   * The control block takes the first `controlBytes`; the arena ends in a `sentinelBytes` sentinel that
   * walk() folds into the last block. Only the non-empty lists are listed, each with its size range.
   */
  | {
    kind: "tlsf"; flCount: number; slCount: number; smallBlock: number; controlBytes: number; sentinelBytes: number;
    flBitmap: number; slBitmaps: number[];
    lists: Array<{ fl: number; sl: number; floor: number; ceiling: number; freeList: FreeListNodes }>;
  }
);

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
