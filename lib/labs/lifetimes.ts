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

import type { AllocatorName } from "../allocators/types.js";
import { race, type LaneSpec, type RaceResult } from "../race/race.js";
import { lifetimeStream, type LifetimeStream, type LifetimeStreamOptions } from "./lifetimes-stream.js";
import { REGION_HEAP, RegionHeap, SEGREGATED_HEAP, SegregatedHeap, validateChunkBytes } from "./lifetimes-heaps.js";

// The model, for the lab's page, worker and tests.
export * from "./lifetimes-stream.js";
export * from "./lifetimes-heaps.js";

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
      allocator: REGION_HEAP, label: LIFETIME_LANE_LABELS[1],
      create: (o) => (regionHeaps[1] = new RegionHeap({ arenaBytes: o.arenaBytes, chunkBytes, regionOf: stream.regionOfMalloc })),
    },
    {
      allocator: SEGREGATED_HEAP, label: `${LIFETIME_LANE_LABELS[2]} (${heap})`,
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
