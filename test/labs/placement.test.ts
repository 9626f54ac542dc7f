import { describe, expect, it } from "vitest";
import {
  FRAGMENTATION_TIE, PLACEMENT_POLICIES, checkClassicResults, largestRequest, paretoFront, peakBlockBytes, placementLanes, placementPoints,
  type PlacementPoint,
} from "../../lib/labs/placement.js";
import { blockSizeFor } from "../../lib/allocators/boundary-tags.js";
import { race } from "../../lib/race/race.js";
import { TraceBuilder } from "../../lib/trace/types.js";
import { generateWorkload } from "../../lib/workloads/index.js";

function point(label: string, probesPerOp: number, fragmentation: number, extra: Partial<PlacementPoint> = {}): PlacementPoint {
  const policy = PLACEMENT_POLICIES.find((p) => p.label === label) ?? null;
  return {
    label, allocator: policy ? "freelist" : "segfit", policy, failures: 0, corrupt: null, opsRun: 100,
    probesPerOp, probesP99: 0, highWater: 0, peakLiveBytes: 0, fragmentation, overhead: 0, peakFragmentationScore: 0, ...extra,
  };
}

describe("the placement lab", () => {
  it("placement: six free-list policies and the segregated-fit reference, each labelled once", () => {
    const lanes = placementLanes();
    expect(lanes.length).toBe(7);
    expect(new Set(lanes.map((l) => l.label)).size).toBe(7);
    expect(lanes.filter((l) => l.allocator === "freelist").map((l) => `${l.options!.placement}/${l.options!.order}`).sort())
      .toEqual(["best/address", "best/lifo", "first/address", "first/lifo", "next/address", "next/lifo"]);
    expect(placementLanes({ reference: false }).length).toBe(6);
  });

  it("placement: peakBlockBytes is the peak of the live blocks' sizes, tags included", () => {
    const b = new TraceBuilder();
    b.malloc(0, 100); b.malloc(1, 20); b.free(0); b.realloc(1, 200); b.free(7);
    expect(peakBlockBytes(b.build("t"))).toBe(Math.max(blockSizeFor(100) + blockSizeFor(20), blockSizeFor(200)));
    expect(largestRequest(b.build("t"))).toBe(200);
  });

  it("placement: a stream that never frees fragments no policy", () => {
    const b = new TraceBuilder();
    for (let i = 0; i < 500; i++) b.malloc(i, 1 + ((i * 37) % 300));
    const trace = b.build("grow");
    const points = placementPoints(race(trace, { lanes: placementLanes(), arenaBytes: 1 << 20, frames: false }), trace);
    for (const p of points) expect(p.fragmentation).toBeCloseTo(0, 10);
  });

  it("placement: fragmentation is never negative when no request fails", () => {
    for (const workload of ["larson", "python_repl", "nginx_requests"] as const) {
      const trace = generateWorkload(workload, { seed: 2, ops: 3000 });
      for (const p of placementPoints(race(trace, { lanes: placementLanes(), arenaBytes: 2 << 20, frames: false }), trace)) {
        expect(p.failures).toBe(0);
        expect(p.fragmentation).toBeGreaterThanOrEqual(0);
        expect(p.probesPerOp).toBeGreaterThan(0);
      }
    }
  });

  it("placement: on larson, address-ordered first fit fragments less than LIFO first fit (seed 1)", () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 8000 });
    const points = placementPoints(race(trace, { lanes: placementLanes(), arenaBytes: 2 << 20, frames: false }), trace);
    const by = Object.fromEntries(points.map((p) => [p.label, p]));
    expect(by["first fit · address"].fragmentation).toBeLessThan(by["first fit · LIFO"].fragmentation);
    expect(by["first fit · LIFO"].probesPerOp).toBeLessThan(by["first fit · address"].probesPerOp);
  });

  it("placement: the Pareto front keeps exactly the points nothing beats on both axes", () => {
    const points = [point("a", 1, 0.5), point("b", 2, 0.2), point("c", 3, 0.3), point("d", 4, 0.1), point("e", 2, 0.2)];
    const front = paretoFront(points, (p) => p.probesPerOp, (p) => p.fragmentation);
    expect(front.map((p) => p.label)).toEqual(["a", "b", "e", "d"]);
    expect(paretoFront(points, (p) => p.probesPerOp, (p) => p.fragmentation, (p) => p.label !== "a").map((p) => p.label)).toEqual(["b", "e", "d"]);
  });

  it("placement: the classic claims hold on a textbook ordering and fail on the opposite one", () => {
    const textbook = [
      point("first fit · LIFO", 2, 0.2), point("first fit · address", 8, 0.02), point("next fit · LIFO", 3, 0.3),
      point("next fit · address", 5, 0.25), point("best fit · LIFO", 9, 0.015), point("best fit · address", 10, 0.016), point("reference", 2, 0.03),
    ];
    expect(checkClassicResults(textbook).map((c) => c.holds)).toEqual([true, true, true, true]);
    const reversed = textbook.map((p) => point(p.label, p.probesPerOp, 0.6 - 2 * p.fragmentation));
    expect(checkClassicResults(reversed).map((c) => c.holds)).toEqual([false, false, false, false]);
  });

  it("placement: a lane that failed requests makes a claim undecidable, and ties count as agreement", () => {
    const points = [
      point("first fit · LIFO", 2, 0.1), point("first fit · address", 8, 0.1 + FRAGMENTATION_TIE / 2), point("next fit · LIFO", 3, 0.3),
      point("next fit · address", 5, 0.25, { failures: 3 }), point("best fit · LIFO", 9, 0.1), point("best fit · address", 10, 0.1),
    ];
    const checks = Object.fromEntries(checkClassicResults(points).map((c) => [c.claim, c.holds]));
    expect(checks["ao-first-beats-lifo-first"]).toBe(true);
    expect(checks["next-worse-than-best"]).toBeNull();
    expect(checks["ao-or-best-least"]).toBeNull();
  });
});
