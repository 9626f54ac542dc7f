// The registry: every allocator by name, with a one-line description and its knobs, so the CLI,
// the pages and the race engine can list and build them without knowing any one of them.

import { BumpAllocator, BUMP_KNOBS } from "./bump.js";
import { FreeListAllocator, FREELIST_KNOBS } from "./freelist.js";
import { SegFitAllocator, SEGFIT_KNOBS } from "./segfit.js";
import { BuddyAllocator, BUDDY_KNOBS } from "./buddy.js";
import { SlabAllocator, SLAB_KNOBS } from "./slab.js";
import { TlsfAllocator, TLSF_KNOBS } from "./tlsf.js";
import type { Allocator, AllocatorName, AllocatorOptions } from "./types.js";
import type { KnobSpec } from "./knobs.js";

export const ALLOCATORS: readonly AllocatorName[] = ["bump", "freelist", "segfit", "buddy", "slab", "tlsf"];

export interface AllocatorInfo {
  readonly name: AllocatorName;
  readonly title: string;
  readonly summary: string;
  readonly knobs: readonly KnobSpec[];
}

export const ALLOCATOR_INFO: Readonly<Record<AllocatorName, AllocatorInfo>> = {
  bump: {
    name: "bump", title: "Bump", knobs: BUMP_KNOBS,
    summary: "A cursor that only moves forward; free marks objects dead and the arena resets when the last one dies.",
  },
  freelist: {
    name: "freelist", title: "Free list", knobs: FREELIST_KNOBS,
    summary: "One explicit free list over boundary tags, split on allocation, coalesced with both neighbours on free.",
  },
  segfit: {
    name: "segfit", title: "Segregated fit", knobs: SEGFIT_KNOBS,
    summary: "Twelve size-class free lists over boundary tags and a bitmap that finds the next non-empty class at once.",
  },
  buddy: {
    name: "buddy", title: "Buddy", knobs: BUDDY_KNOBS,
    summary: "Power-of-two blocks split in halves; a freed block merges with its buddy, found by flipping one address bit.",
  },
  slab: {
    name: "slab", title: "Slab", knobs: SLAB_KNOBS,
    summary: "Eight object classes from 16 B to 2 KiB carved out of 16 KiB slabs; larger requests fail.",
  },
  tlsf: {
    name: "tlsf", title: "TLSF", knobs: TLSF_KNOBS,
    summary: "Two-level segregated fit: lists by power of two and by 32 ranges within it, two bitmaps, a good fit in O(1).",
  },
};

/**
 * `options` with the large-object path switched off (largeThreshold 0) when `name` has one: for
 * models that wrap an allocator and assume every payload is an arena offset (the labs).
 */
export function withoutLargePath(name: AllocatorName, options: AllocatorOptions = {}): AllocatorOptions {
  const hasPath = ALLOCATOR_INFO[name].knobs.some((knob) => knob.name === "largeThreshold");
  return hasPath && options.largeThreshold === undefined ? { ...options, largeThreshold: 0 } : options;
}

export function isAllocatorName(name: unknown): name is AllocatorName {
  return typeof name === "string" && (ALLOCATORS as readonly string[]).includes(name);
}

export function createAllocator(name: AllocatorName, options: AllocatorOptions = {}): Allocator {
  switch (name) {
    case "bump": return new BumpAllocator(options);
    case "freelist": return new FreeListAllocator(options);
    case "segfit": return new SegFitAllocator(options);
    case "buddy": return new BuddyAllocator(options);
    case "slab": return new SlabAllocator(options);
    case "tlsf": return new TlsfAllocator(options);
    default:
      throw new RangeError(`unknown allocator: ${JSON.stringify(name)} (must be one of ${ALLOCATORS.join(", ")})`);
  }
}

// What a heap built outside this folder may build on (the labs' own allocators and their block
// maths): the shared arena base and the boundary-tag size rule, so no lab imports an allocator file.
export { ArenaAllocator, alignUp, hex, validateSize } from "./base.js";
export { blockSizeFor, FIRST_BLOCK } from "./boundary-tags.js";
