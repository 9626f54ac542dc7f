// The placement-policy lab: the free-list allocator under each of its six policies (first, next or
// best fit × LIFO or address-ordered list) on one stream, measured the way Johnstone & Wilson (1998)
// measured real programs, and put on a speed-against-fragmentation (Pareto) chart.
//
// Fragmentation, overhead excluded (Johnstone & Wilson's "measure 4", on this project's blocks):
//
//   fragmentation = highWater / (FIRST_BLOCK + peakBlockBytes) − 1
//
//   peakBlockBytes  the most bytes the live blocks ever needed at once, each at blockSizeFor(request)
//                   (header + payload + footer, rounded to 16, at least 32): what a heap would need
//                   that packed every live block end to end at every moment. It depends on the
//                   stream alone, so it is the same yardstick for every policy.
//   highWater       the allocator's own high-water mark, its "brk".
//   FIRST_BLOCK     the 8 bytes before the first block (the prologue), which no policy can avoid.
//
// So 0 means the policy never needed more memory than a perfect packer, and headers and 16-byte
// rounding — the same for all six — are reported apart as `overhead` = peakBlockBytes / peakLive − 1.
// highWater ≥ FIRST_BLOCK + peakBlockBytes always holds at the peak (blocks tile the heap), so the
// measure is never negative unless a lane failed requests and held less than the stream asked.
//
// Speed is the probe model: list nodes, tags and links touched per operation (lib/allocators).

import { blockSizeFor, FIRST_BLOCK } from "../allocators/index.js";
import type { AllocatorName } from "../allocators/types.js";
import type { LaneResult, LaneSpec, RaceResult } from "../race/race.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "../trace/types.js";

export interface PlacementPolicy {
  readonly placement: "first" | "next" | "best";
  readonly order: "lifo" | "address";
  readonly label: string;
}

export const PLACEMENT_POLICIES: readonly PlacementPolicy[] = [
  { placement: "first", order: "lifo", label: "first fit · LIFO" },
  { placement: "first", order: "address", label: "first fit · address" },
  { placement: "next", order: "lifo", label: "next fit · LIFO" },
  { placement: "next", order: "address", label: "next fit · address" },
  { placement: "best", order: "lifo", label: "best fit · LIFO" },
  { placement: "best", order: "address", label: "best fit · address" },
];

/** Segregated fit over the same boundary tags: a reference point that is not a list policy. */
export const SEGFIT_REFERENCE_LABEL = "segregated fit (reference)";

// Johnstone and Wilson measure the heap alone, and the fragmentation figure below compares the
// heap's high water with the blocks in it: a block mapped outside the arena (the large-object
// path) would leave the heap and make the figure negative. So every lane keeps every block in it.
const HEAP_ONLY = { largeThreshold: 0 } as const;

/** The six free-list lanes, plus segfit as a reference when asked. */
export function placementLanes({ reference = true }: { reference?: boolean } = {}): LaneSpec[] {
  const lanes: LaneSpec[] = PLACEMENT_POLICIES.map((policy) => ({
    allocator: "freelist", label: policy.label, options: { placement: policy.placement, order: policy.order, ...HEAP_ONLY },
  }));
  if (reference) lanes.push({ allocator: "segfit", label: SEGFIT_REFERENCE_LABEL, options: HEAP_ONLY });
  return lanes;
}

/** The peak, over the stream, of the block bytes its live requests need (see the top comment). */
export function peakBlockBytes(trace: Trace): number {
  let maxId = -1;
  for (let i = 0; i < trace.length; i++) if (trace.id[i] > maxId) maxId = trace.id[i];
  const blockById = new Int32Array(maxId + 1); // 0: not live
  let live = 0;
  let peak = 0;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i];
    const op = trace.op[i];
    if (op === OP_MALLOC) {
      // A malloc of a live id leaks the old block, as in the race: it stays counted.
      blockById[id] = blockSizeFor(trace.size[i]);
      live += blockById[id];
    } else if (op === OP_FREE) {
      live -= blockById[id];
      blockById[id] = 0;
    } else if (op === OP_REALLOC && blockById[id] !== 0) {
      live += blockSizeFor(trace.size[i]) - blockById[id];
      blockById[id] = blockSizeFor(trace.size[i]);
    }
    if (live > peak) peak = live;
  }
  return peak;
}

export interface PlacementPoint {
  label: string;
  allocator: AllocatorName;
  /** null for the reference lane. */
  policy: PlacementPolicy | null;
  failures: number;
  corrupt: string | null;
  opsRun: number;
  /** Mean probes per operation: total probes / ops replayed. */
  probesPerOp: number;
  probesP99: number;
  highWater: number;
  peakLiveBytes: number;
  /** Johnstone & Wilson's measure 4 on this project's blocks (top comment); overhead excluded. */
  fragmentation: number;
  /** Headers and rounding at the peak: peakBlockBytes / peakLiveBytes − 1; the same for every lane. */
  overhead: number;
  /** The project's fragmentation score (1 − largest free run / free bytes) at its worst tick. */
  peakFragmentationScore: number;
}

export function placementPoints(result: RaceResult, trace: Trace): PlacementPoint[] {
  const ideal = peakBlockBytes(trace);
  return result.lanes.map((lane: LaneResult) => {
    const policy = PLACEMENT_POLICIES.find((p) => p.label === lane.label) ?? null;
    return {
      label: lane.label,
      allocator: lane.allocator,
      policy,
      failures: lane.failures,
      corrupt: lane.corrupt,
      opsRun: lane.opsRun,
      probesPerOp: lane.opsRun > 0 ? lane.totalProbes / lane.opsRun : 0,
      probesP99: lane.probes.p99,
      highWater: lane.highWater,
      peakLiveBytes: lane.peakLiveBytes,
      fragmentation: ideal > 0 ? lane.highWater / (FIRST_BLOCK + ideal) - 1 : 0,
      overhead: lane.peakLiveBytes > 0 ? ideal / lane.peakLiveBytes - 1 : 0,
      peakFragmentationScore: lane.peakFragmentation,
    };
  });
}

/**
 * The points no other point beats on both axes (lower is better on both), sorted by x. A point
 * with failures or a stopped lane is never on the front: its figures describe less work.
 */
export function paretoFront<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number, valid: (p: T) => boolean = () => true): T[] {
  const candidates = points.filter(valid);
  const front = candidates.filter((p) => !candidates.some((q) => q !== p && x(q) <= x(p) && y(q) <= y(p) && (x(q) < x(p) || y(q) < y(p))));
  return front.sort((a, b) => x(a) - x(b) || y(a) - y(b));
}

/** Two fragmentation figures this close (absolute) count as a tie: a few hundred bytes in a megabyte heap. */
export const FRAGMENTATION_TIE = 0.005;

export type ClaimId = "ao-first-beats-lifo-first" | "best-near-ao-first" | "next-worse-than-best" | "ao-or-best-least";

export interface ClaimCheck {
  claim: ClaimId;
  /** True when the lab agrees with the classic result on this stream; null when it cannot tell (a lane failed). */
  holds: boolean | null;
  /** The figures compared, by policy label. */
  figures: Record<string, number>;
}

/**
 * Johnstone & Wilson's findings, checked on one stream's points:
 *   ao-first-beats-lifo-first  address-ordered first fit fragments no more than LIFO first fit
 *   best-near-ao-first         best fit (either order) is within a tie of address-ordered first fit, or better
 *   next-worse-than-best       next fit (either order) fragments at least as much as the better of
 *                              address-ordered first fit and best fit
 *   ao-or-best-least           the least fragmented list policy is address-ordered first fit or a best fit
 */
export function checkClassicResults(points: readonly PlacementPoint[]): ClaimCheck[] {
  const by = (placement: string, order: string) => points.find((p) => p.policy?.placement === placement && p.policy.order === order);
  const firstLifo = by("first", "lifo"), firstAo = by("first", "address");
  const nextLifo = by("next", "lifo"), nextAo = by("next", "address");
  const bestLifo = by("best", "lifo"), bestAo = by("best", "address");
  const usable = (...ps: Array<PlacementPoint | undefined>) => ps.every((p) => p && p.failures === 0 && p.corrupt === null);
  const f = (p: PlacementPoint | undefined) => p!.fragmentation;
  const figures = (...ps: Array<PlacementPoint | undefined>) => Object.fromEntries(ps.filter((p): p is PlacementPoint => !!p).map((p) => [p.label, p.fragmentation]));

  const listPolicies = points.filter((p) => p.policy !== null);
  const least = listPolicies.length ? Math.min(...listPolicies.map((p) => p.fragmentation)) : 0;
  const winners = listPolicies.filter((p) => p.fragmentation <= least + FRAGMENTATION_TIE);
  const winnerIsClassic = winners.some((p) => (p.policy!.placement === "first" && p.policy!.order === "address") || p.policy!.placement === "best");

  return [
    {
      claim: "ao-first-beats-lifo-first",
      holds: usable(firstLifo, firstAo) ? f(firstAo) <= f(firstLifo) + FRAGMENTATION_TIE : null,
      figures: figures(firstAo, firstLifo),
    },
    {
      claim: "best-near-ao-first",
      holds: usable(bestLifo, bestAo, firstAo) ? Math.min(f(bestLifo), f(bestAo)) <= f(firstAo) + FRAGMENTATION_TIE : null,
      figures: figures(bestAo, bestLifo, firstAo),
    },
    {
      claim: "next-worse-than-best",
      holds: usable(nextLifo, nextAo, firstAo, bestLifo, bestAo)
        ? Math.min(f(nextLifo), f(nextAo)) >= Math.min(f(firstAo), f(bestLifo), f(bestAo)) - FRAGMENTATION_TIE
        : null,
      figures: figures(nextLifo, nextAo, firstAo, bestLifo, bestAo),
    },
    {
      claim: "ao-or-best-least",
      holds: usable(...listPolicies) && listPolicies.length === PLACEMENT_POLICIES.length ? winnerIsClassic : null,
      figures: Object.fromEntries(winners.map((p) => [p.label, p.fragmentation])),
    },
  ];
}

/** A point is comparable when its lane finished every op without a failure. */
export function isComparable(point: PlacementPoint): boolean {
  return point.failures === 0 && point.corrupt === null;
}

/** The front over the six list policies (the reference lane is drawn, not ranked). */
export function placementFront(points: readonly PlacementPoint[]): PlacementPoint[] {
  return paretoFront(points.filter((p) => p.policy !== null), (p) => p.probesPerOp, (p) => p.fragmentation, isComparable);
}

/** Each classic result in words, as the lab states it. */
export const CLAIM_TEXT: Record<ClaimId, string> = {
  "ao-first-beats-lifo-first": "Address-ordered first fit fragments no more than LIFO first fit",
  "best-near-ao-first": "Best fit fragments about as little as address-ordered first fit, or less",
  "next-worse-than-best": "Next fit fragments more than the better of address-ordered first fit and best fit",
  "ao-or-best-least": "The least fragmented policy is address-ordered first fit or a best fit",
};

export interface ClaimTally { claim: ClaimId; recorded: { holds: number; of: number }; synthetic: { holds: number; of: number }; exceptions: string[] }

/** The rows tallyClaims reads: one stream's classic-result checks, and whether it is a recorded trace. */
export interface ClaimRow { source: string; kind: "workload" | "trace"; checks: readonly ClaimCheck[] }

/** How often each classic result holds, on recorded traces and on synthetic workloads, with the streams where it does not. */
export function tallyClaims(rows: readonly ClaimRow[]): ClaimTally[] {
  return (Object.keys(CLAIM_TEXT) as ClaimId[]).map((claim) => {
    const tally: ClaimTally = { claim, recorded: { holds: 0, of: 0 }, synthetic: { holds: 0, of: 0 }, exceptions: [] };
    for (const row of rows) {
      const check = row.checks.find((c: ClaimCheck) => c.claim === claim);
      if (!check || check.holds === null) continue;
      const bucket = row.kind === "trace" ? tally.recorded : tally.synthetic;
      bucket.of++;
      if (check.holds) bucket.holds++;
      else tally.exceptions.push(row.source);
    }
    return tally;
  });
}

/** The largest malloc or realloc of a stream, in bytes. */
export function largestRequest(trace: Trace): number {
  let largest = 0;
  for (let i = 0; i < trace.length; i++) if (trace.op[i] !== OP_FREE && trace.size[i] > largest) largest = trace.size[i];
  return largest;
}
