// The "how free() finds a size class" lab: one size-class allocator with three answers to the
// question free(p) must answer first — which class, which span, is p one of mine? — and nothing
// else different. The classes (16 B … 2 KiB, powers of two) and the spans (spanBytes, carved from
// the arena in address order) are the same in every mode.
//
//   "header"   (4.2BSD's Kingsley malloc, glibc's chunk size word) every object carries a 16-byte
//              header with its class: free reads it, next to the object. Free objects go on one
//              global list per class. The header names the class, not the span, so a span can
//              never be handed back: once carved for a class it stays with that class.
//
//                span:  [hdr|obj k][hdr|obj k][hdr|obj k] … [tail]
//                hdr:   [HEADER_MAGIC ^ payload][class | FREE_FLAG][next free payload][0]
//
//   "aligned"  (Bonwick's slabs, mimalloc's segments) spans start at multiples of spanBytes and
//              keep a 32-byte descriptor at their start: free masks the address, p & -spanBytes,
//              and reads the descriptor there. Objects carry no header. A span whose last object
//              dies goes back to a pool any class can take.
//
//                span:  [descriptor][obj][obj][obj] … [tail]
//
//   "table"    (tcmalloc's page map, jemalloc's radix tree) descriptors live in a table at the
//              start of the arena, indexed by span number, so spans carry nothing at all. With
//              tableLevels = L the table is a radix tree: L - 1 levels of 4-byte child offsets
//              above the descriptors, as a 64-bit address space forces (a flat table for 2^48
//              bytes would not fit); free follows one pointer per level. The whole tree is laid
//              out up front here, because the arena is small.
//
//                arena: [interior levels][descriptor 0][descriptor 1] … | span | span | …
//
//   descriptor (32 bytes): [check = SPAN_MAGIC ^ span][class, -1 pooled][live][free head]
//                          [carved][next][prev][data = address of object 0]
//   Free objects of a span (aligned, table) are a LIFO list through their first word. Lists of
//   spans hold descriptor addresses: each class's partial spans (live < capacity) and the pool.
//
// Requested sizes are instrumentation, not allocator state: walk() and check() need them and a
// production allocator never knows them, so every mode keeps them in the same side array outside
// the arena (`requested`, one Int32 per 16 bytes; -1 where no live object starts) and none of
// them pays for it in the comparison. The side array is also how all three tell a double free.
//
// Invariants (check() verifies each):
//   header:   every carved slot has a header whose check == HEADER_MAGIC ^ payload and whose class
//             is its span's; FREE_FLAG ⇔ requested == -1; the free list of class k holds exactly
//             the free slots of class k
//   aligned, table: descriptor check == SPAN_MAGIC ^ span; 0 <= live <= carved <= capacity;
//             live == live objects of the span; free-list length == carved - live
//             partial list k == the spans of class k with live < capacity; pool == the pooled spans
//   table:    every interior entry points at the child node its index names
//   all:      sum of requested over live objects == stats.liveBytes
//
// Probes (stats.probes): +1 for every metadata record read — the header or descriptor free()
// consults (table: one per level), the descriptor malloc allocates from, the free object's link
// malloc pops, and each other descriptor whose list links change. Writing the header of an object
// being handed out, and a class's list head (a static global in C), cost nothing.

import type { AllocatorOptions } from "../allocators/types.js";
import { censusOf } from "../arena.js";
import { race, type LaneSpec, type RaceResult } from "../race/race.js";
import type { Trace } from "../trace/types.js";
import { generateWorkload } from "../workloads/index.js";
import { DEFAULT_SPAN_BYTES, LARGEST_CLASS, LOOKUP_ALLOCATOR, LOOKUPS, LookupAllocator, type Lookup, type LookupStep } from "./free-lookup-heap.js";

// The model, for the lab's page, worker and tests.
export * from "./free-lookup-heap.js";

// ---------------------------------------------------------------------------------------------
// The lab's race: the same stream through the three lookups

export const LOOKUP_STREAMS = ["larson", "python_repl", "redis_cache"] as const;
export type LookupStream = (typeof LOOKUP_STREAMS)[number];

export interface FreeLookupLabOptions {
  stream?: LookupStream;
  seed: number;
  ops: number;
  /** larson only: request sizes are uniform in [minSize, maxSize]. */
  minSize?: number;
  maxSize?: number;
  spanBytes?: number;
  tableLevels?: number;
  arenaBytes?: number;
  ticks?: number;
}

export interface LookupLaneFigures {
  lookup: Lookup;
  label: string;
  /** Exact means: probes per malloc, per free, and per class lookup (free and realloc). */
  probesPerMalloc: number;
  probesPerFree: number;
  probesPerLookup: number;
  /** Allocator metadata (headers, descriptors, table) and reserved bytes at the end, from walk(). */
  metadataBytes: number;
  reservedBytes: number;
  liveBytes: number;
  highWater: number;
  spans: number;
  tableBytes: number;
  failures: number;
  /** How free() would find the class of one live object at the end (empty when none is live). */
  example: { payload: number; steps: LookupStep[] };
}

export interface FreeLookupLab {
  result: RaceResult;
  lanes: LookupLaneFigures[];
  /** Requests above the largest class (2 KiB): they fail in every lane alike. */
  oversize: number;
}

/** The lanes of the lab, in order: header, aligned, table. */
export function lookupLaneOptions(spanBytes: number, tableLevels: number): Array<{ lookup: Lookup; label: string; options: AllocatorOptions }> {
  return LOOKUPS.map((lookup) => ({
    lookup,
    label: lookup === "header" ? "header" : lookup === "aligned" ? "aligned spans" : `table (${tableLevels} level${tableLevels > 1 ? "s" : ""})`,
    options: { lookup, spanBytes, ...(lookup === "table" ? { tableLevels } : {}) },
  }));
}

export function lookupStreamOf(options: FreeLookupLabOptions): Trace {
  const stream = options.stream ?? "larson";
  if (!(LOOKUP_STREAMS as readonly string[]).includes(stream)) throw new RangeError(`invalid stream: ${JSON.stringify(stream)} (must be one of ${LOOKUP_STREAMS.join(", ")})`);
  const base = { seed: options.seed, ops: options.ops, arenaBytes: options.arenaBytes };
  if (stream !== "larson") return generateWorkload(stream, base);
  const minSize = options.minSize ?? 16, maxSize = options.maxSize ?? 256;
  if (!Number.isInteger(minSize) || minSize < 1 || minSize > LARGEST_CLASS) throw new RangeError(`invalid minSize: ${String(minSize)} (must be an integer from 1 to ${LARGEST_CLASS})`);
  if (!Number.isInteger(maxSize) || maxSize < minSize || maxSize > LARGEST_CLASS) throw new RangeError(`invalid maxSize: ${String(maxSize)} (must be an integer from minSize, ${minSize}, to ${LARGEST_CLASS})`);
  return generateWorkload("larson", { ...base, minSize, maxSize });
}

export function runFreeLookupLab(options: FreeLookupLabOptions): FreeLookupLab {
  const spanBytes = options.spanBytes ?? DEFAULT_SPAN_BYTES;
  const tableLevels = options.tableLevels ?? 1;
  const arenaBytes = options.arenaBytes ?? 2 * 1024 * 1024;
  const trace = lookupStreamOf(options);
  const specs = lookupLaneOptions(spanBytes, tableLevels);
  // Constructing each lane once up front turns bad knobs into one clear error before any racing.
  for (const spec of specs) new LookupAllocator({ ...spec.options, arenaBytes });
  const made: LookupAllocator[] = [];
  const lanes: LaneSpec[] = specs.map((spec, i) => ({
    allocator: LOOKUP_ALLOCATOR, label: spec.label,
    create: (o) => (made[i] = new LookupAllocator({ ...spec.options, arenaBytes: o.arenaBytes })),
  }));
  const result = race(trace, { lanes, arenaBytes, ticks: options.ticks ?? 40 });
  let oversize = 0;
  for (let i = 0; i < trace.length; i++) if (trace.op[i] !== 1 && trace.size[i] > LARGEST_CLASS) oversize++;
  const figures = specs.map((spec, i): LookupLaneFigures => {
    const allocator = made[i];
    const lane = result.lanes[i];
    const census = censusOf(allocator);
    const stats = allocator.stats;
    const mallocs = stats.allocs + stats.failures;
    return {
      lookup: spec.lookup, label: spec.label,
      probesPerMalloc: mallocs > 0 ? allocator.mallocProbes / mallocs : 0,
      probesPerFree: stats.frees > 0 ? allocator.freeProbes / stats.frees : 0,
      probesPerLookup: allocator.lookups > 0 ? allocator.lookupProbes / allocator.lookups : 0,
      metadataBytes: census.headerBytes,
      reservedBytes: census.reservedBytes,
      liveBytes: stats.liveBytes,
      highWater: stats.highWater,
      spans: allocator.spansCarved,
      tableBytes: allocator.tableBytes,
      failures: lane.failures,
      example: exampleLookup(allocator),
    };
  });
  return { result, lanes: figures, oversize };
}

/** A live object near the middle of the heap, and the reads free() would make to find its class. */
function exampleLookup(allocator: LookupAllocator): { payload: number; steps: LookupStep[] } {
  const payloads: number[] = [];
  allocator.walk((start, bytes, payload, requested) => {
    if (requested > 0 && payload < start + bytes) payloads.push(payload);
  });
  if (payloads.length === 0) return { payload: -1, steps: [] };
  const payload = payloads[payloads.length >> 1];
  return { payload, steps: allocator.lookupPath(payload) };
}
