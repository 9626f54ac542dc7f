// The registry: every allocator by name, with a label, a one-line description, its knobs and how
// to build it, so the CLI, the pages and the race engine can list and build them without knowing
// any one of them. It is open: the six built-in allocators are registered here, and a lab's own
// heap (or any caller's) registers under a name of its own with registerAllocator, instead of
// borrowing a built-in name. createAllocator(name) and race() then build it like any other.

import { BumpAllocator, BUMP_KNOBS } from "./bump.js";
import { FreeListAllocator, FREELIST_KNOBS } from "./freelist.js";
import { SegFitAllocator, SEGFIT_KNOBS } from "./segfit.js";
import { BuddyAllocator, BUDDY_KNOBS } from "./buddy.js";
import { SlabAllocator, SLAB_KNOBS } from "./slab.js";
import { TlsfAllocator, TLSF_KNOBS } from "./tlsf.js";
import type { Allocator, AllocatorName, AllocatorOptions, BuiltinAllocatorName } from "./types.js";
import type { KnobSpec } from "./knobs.js";

/** The built-in allocators, in the order races list them: every race's default lanes. */
export const ALLOCATORS: readonly BuiltinAllocatorName[] = ["bump", "freelist", "segfit", "buddy", "slab", "tlsf"];

/** What registerAllocator is given. */
export interface AllocatorDefinition {
  /** Lower-case letters, digits and "-", starting with a letter (the CLI splits lanes on ":" and ","); not yet taken. */
  readonly name: string;
  /** How pages and leaderboards title it, e.g. "Free list". */
  readonly label: string;
  readonly summary?: string;
  /** The knobs its options take (pages build inputs from them); none by default. */
  readonly knobs?: readonly KnobSpec[];
  /** Builds one instance; the allocator it returns must carry `name` as its name. */
  readonly create: (options: AllocatorOptions) => Allocator;
}

/** A registered allocator as the registry describes it. */
export interface AllocatorInfo {
  readonly name: AllocatorName;
  readonly label: string;
  readonly summary: string;
  readonly knobs: readonly KnobSpec[];
  /** One of the six in ALLOCATORS (false: registered by a lab or a caller). */
  readonly builtin: boolean;
}

interface Entry { readonly info: AllocatorInfo; readonly create: (options: AllocatorOptions) => Allocator }

const NAME_RULE = /^[a-z][a-z0-9-]*$/;
const registry = new Map<string, Entry>();

function addEntry(definition: AllocatorDefinition, builtin: boolean): AllocatorInfo {
  const { name, label, summary = "", knobs = [], create } = definition ?? ({} as AllocatorDefinition);
  if (typeof name !== "string" || !NAME_RULE.test(name)) {
    throw new RangeError(`invalid allocator name: ${JSON.stringify(name)} (lower-case letters, digits and "-", starting with a letter)`);
  }
  if (registry.has(name)) throw new RangeError(`allocator ${JSON.stringify(name)} is already registered (${registry.get(name)!.info.label}); register a variant under a name of its own`);
  if (typeof label !== "string" || label.trim() === "") throw new RangeError(`allocator ${JSON.stringify(name)} needs a label (how pages title it)`);
  if (typeof create !== "function") throw new RangeError(`allocator ${JSON.stringify(name)} needs a create(options) function`);
  const info: AllocatorInfo = Object.freeze({ name, label, summary, knobs: Object.freeze([...knobs]), builtin });
  registry.set(name, { info, create });
  return info;
}

/**
 * Registers an allocator under its own name, so that createAllocator(name), race() lanes and the
 * pages can build it. Throws a RangeError for a malformed definition or a name already taken
 * (built-in or not): a variant of a built-in allocator is registered under a name of its own.
 */
export function registerAllocator(definition: AllocatorDefinition): AllocatorInfo {
  return addEntry(definition, false);
}

const BUILTINS: Record<BuiltinAllocatorName, AllocatorDefinition> = {
  bump: {
    name: "bump", label: "Bump", knobs: BUMP_KNOBS, create: (options) => new BumpAllocator(options),
    summary: "A cursor that only moves forward; free marks objects dead and the arena resets when the last one dies.",
  },
  freelist: {
    name: "freelist", label: "Free list", knobs: FREELIST_KNOBS, create: (options) => new FreeListAllocator(options),
    summary: "One explicit free list over boundary tags, split on allocation, coalesced with both neighbours on free.",
  },
  segfit: {
    name: "segfit", label: "Segregated fit", knobs: SEGFIT_KNOBS, create: (options) => new SegFitAllocator(options),
    summary: "Twelve size-class free lists over boundary tags and a bitmap that finds the next non-empty class at once.",
  },
  buddy: {
    name: "buddy", label: "Buddy", knobs: BUDDY_KNOBS, create: (options) => new BuddyAllocator(options),
    summary: "Power-of-two blocks split in halves; a freed block merges with its buddy, found by flipping one address bit.",
  },
  slab: {
    name: "slab", label: "Slab", knobs: SLAB_KNOBS, create: (options) => new SlabAllocator(options),
    summary: "Eight object classes from 16 B to 2 KiB carved out of 16 KiB slabs; larger requests go to the large-object path.",
  },
  tlsf: {
    name: "tlsf", label: "TLSF", knobs: TLSF_KNOBS, create: (options) => new TlsfAllocator(options),
    summary: "Two-level segregated fit: lists by power of two and by 32 ranges within it, two bitmaps, a good fit in O(1).",
  },
};

/** The six built-in allocators' descriptions; allocatorInfo(name) describes any registered one. */
export const ALLOCATOR_INFO: Readonly<Record<BuiltinAllocatorName, AllocatorInfo>> = Object.freeze(
  Object.fromEntries(ALLOCATORS.map((name) => [name, addEntry(BUILTINS[name], true)])) as Record<BuiltinAllocatorName, AllocatorInfo>,
);

/** Every registered allocator: the built-in six first, then the others in the order they registered. */
export function registeredAllocators(): readonly AllocatorInfo[] {
  return [...registry.values()].map((entry) => entry.info);
}

/** The error every unknown name gets: it lists the names that are registered. */
export function unknownAllocatorError(name: unknown): RangeError {
  return new RangeError(`unknown allocator: ${JSON.stringify(name)} (registered: ${[...registry.keys()].join(", ")})`);
}

/** A registered allocator's description; throws unknownAllocatorError for any other name. */
export function allocatorInfo(name: AllocatorName): AllocatorInfo {
  const entry = registry.get(name);
  if (!entry) throw unknownAllocatorError(name);
  return entry.info;
}

/**
 * `options` with the large-object path switched off (largeThreshold 0) when `name` has one: for
 * models that wrap an allocator and assume every payload is an arena offset (the labs).
 */
export function withoutLargePath(name: AllocatorName, options: AllocatorOptions = {}): AllocatorOptions {
  const hasPath = allocatorInfo(name).knobs.some((knob) => knob.name === "largeThreshold");
  return hasPath && options.largeThreshold === undefined ? { ...options, largeThreshold: 0 } : options;
}

/** Whether `name` is registered (built-in or not). */
export function isAllocatorName(name: unknown): name is AllocatorName {
  return typeof name === "string" && registry.has(name);
}

/** Whether `name` is one of the six built-in allocators. */
export function isBuiltinAllocatorName(name: unknown): name is BuiltinAllocatorName {
  return typeof name === "string" && (ALLOCATORS as readonly string[]).includes(name);
}

/**
 * A new instance of the allocator registered as `name`, with `options` (arenaBytes and its knobs);
 * throws unknownAllocatorError for a name nobody registered.
 */
export function createAllocator(name: AllocatorName, options: AllocatorOptions = {}): Allocator {
  const entry = registry.get(name);
  if (!entry) throw unknownAllocatorError(name);
  const allocator = entry.create(options);
  if (allocator.name !== name) {
    throw new RangeError(`allocator ${JSON.stringify(name)}: create() built one named ${JSON.stringify(allocator.name)} (an allocator carries the name it is registered under)`);
  }
  return allocator;
}

// What a heap built outside this folder may build on (the labs' own allocators and their block
// maths): the shared arena base and the boundary-tag size rule, so no lab imports an allocator file.
export { ArenaAllocator, alignUp, hex, popcount, validateSize } from "./base.js";
export { blockSizeFor, FIRST_BLOCK } from "./boundary-tags.js";
