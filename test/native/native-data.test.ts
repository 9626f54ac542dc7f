// The native page's computations under Node: the Pareto front, the lanes a comparison uses, the
// scrubber's readout, the staircase's waste and occupancy frames — and the committed recording
// (the page's fallback) covers every build-time stream and allocator.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WORKLOADS } from "../../lib/index.js";
import { arrowRows } from "../../src/components/core/arrow-rows.js";
import {
  NATIVE_ALLOCATORS, defaultLanes, footprintAt, markParetoFront, occupancyFrames, provenanceLine, speedFootprintPoints, staircaseWaste,
  type FootprintRow, type NativeProvenance, type NativeSummaryRow, type OccupancyRow, type StaircaseRow,
} from "../../src/components/native/data.js";

const RECORDED = fileURLToPath(new URL("../../src/data/native-recorded/", import.meta.url));
const SAMPLES = readdirSync(fileURLToPath(new URL("../../src/data/traces/", import.meta.url))).filter((f) => f.endsWith(".mtrace")).map((f) => f.replace(".mtrace", ""));

function lane(allocator: string, nsPerOp: number, peakRssBytes: number, extra: Partial<NativeSummaryRow> = {}): NativeSummaryRow {
  return {
    source: "s", allocator: allocator as never, config: "default", touch: true, sourceKind: "workload", ops: 10, nsPerOp, nsPerOpMin: nsPerOp, nsPerOpMax: nsPerOp, rounds: 5,
    peakRssBytes, peakLiveBytes: 1000, endRssBytes: 0, rss100msBytes: null, rss1sBytes: null, clockOverheadNs: null, sampleEvery: null, ...extra,
  };
}

describe("native page data", () => {
  it("marks exactly the points no other point beats on both axes", () => {
    const points = markParetoFront([
      { id: "fast-big", nsPerOp: 10, footprintBytes: 900, failures: 0, onFront: false },
      { id: "slow-small", nsPerOp: 50, footprintBytes: 100, failures: 0, onFront: false },
      { id: "dominated", nsPerOp: 60, footprintBytes: 950, failures: 0, onFront: false },
      { id: "middle", nsPerOp: 20, footprintBytes: 500, failures: 0, onFront: false },
      { id: "cheater", nsPerOp: 1, footprintBytes: 1, failures: 3, onFront: false },
    ]);
    expect(points.filter((p) => p.onFront).map((p) => p.id)).toEqual(["fast-big", "slow-small", "middle"]);
  });

  it("puts native lanes (default, touched) and simulated lanes on the same axes", () => {
    const native = [lane("glibc", 40, 8192), lane("jemalloc", 30, 16384), lane("glibc", 20, 100, { touch: false }), lane("tcmalloc", 25, 4096, { config: "X=1" })];
    const points = speedFootprintPoints("s", native, [{ source: "s", allocator: "slab", nsPerOp: 15, nsPerOpMin: 15, nsPerOpMax: 15 }], [{ source: "s", allocator: "slab", highWater: 65536, failures: 2, peakLiveBytes: 1000 }]);
    expect(points.map((p) => `${p.allocator}/${p.kind}`)).toEqual(["glibc/native", "jemalloc/native", "slab/simulated"]);
    expect(points.find((p) => p.allocator === "slab")!.onFront).toBe(false); // it failed mallocs
    expect(points.filter((p) => p.onFront).map((p) => p.allocator)).toEqual(["glibc", "jemalloc"]);
    expect(defaultLanes(native, "s").map((l) => l.allocator)).toEqual(["glibc", "jemalloc"]);
  });

  it("reads the footprint at the scrubber's op from the last sample at or before it", () => {
    const rows: FootprintRow[] = [0, 100, 200].flatMap((op) => NATIVE_ALLOCATORS.map((allocator) => ({ source: "s", allocator, config: "default", touch: true, op, rssBytes: op * 10, liveBytes: op })));
    const at = footprintAt(rows, 150);
    expect([...at.keys()]).toEqual([...NATIVE_ALLOCATORS]);
    expect(at.get("glibc")!.op).toBe(100);
  });

  it("gives each staircase step its worst waste (the step's first request)", () => {
    const rows: StaircaseRow[] = [{ allocator: "jemalloc", requested: 1, usable: 8, spot: false }, { allocator: "jemalloc", requested: 9, usable: 16, spot: false }, { allocator: "jemalloc", requested: 65537, usable: 81920, spot: true }];
    expect(staircaseWaste(rows, 65536)).toEqual([{ allocator: "jemalloc", requested: 1, waste: 7 / 8 }, { allocator: "jemalloc", requested: 9, waste: 7 / 16 }]);
  });

  it("regroups occupancy rows into frames with their runs in order", () => {
    const rows: OccupancyRow[] = [
      { allocator: "tcmalloc", tick: 0, op: 5, pages: 3, resident: 3, run: 1, firstPage: 90, cells: new Uint8Array([255]) },
      { allocator: "glibc", tick: 0, op: 5, pages: 2, resident: 2, run: 0, firstPage: 10, cells: new Uint8Array([0, 128]) },
      { allocator: "tcmalloc", tick: 0, op: 5, pages: 3, resident: 3, run: 0, firstPage: 50, cells: new Uint8Array([1, 2]) },
    ];
    const frames = occupancyFrames(rows);
    expect(frames.map((f) => f.allocator)).toEqual(["glibc", "tcmalloc"]);
    expect(frames[1].runs.map((r) => r.firstPage)).toEqual([50, 90]);
  });

  it("says which data it shows: this build's measurement, or the recording and why", () => {
    const base: NativeProvenance = { origin: "measured", measuredAt: "2026-12-06T19:00:00Z", machine: "a CPU, 2 cores", packages: { libjemalloc2: "5.3.0-1" }, rounds: 5, warmup: 1, sampleEvery: 8, occupancyTicks: 32, settings: [] };
    expect(provenanceLine(base)).toMatch(/^Measured when this site was built \(2026-12-06\) on a CPU, 2 cores; libjemalloc2 5\.3\.0-1\.$/);
    expect(provenanceLine({ ...base, origin: "recorded", reason: "no C compiler" })).toMatch(/^Recorded measurements, not this build's: .* shown because no C compiler\.$/);
  });

  it("the committed recording covers every build-time stream with all four allocators, touched and not, and their occupancy", () => {
    const summary = arrowRows<NativeSummaryRow>(readFileSync(RECORDED + "summary.arrow"));
    const provenance = JSON.parse(readFileSync(RECORDED + "provenance.json", "utf8")) as NativeProvenance;
    expect(provenance.origin).toBe("measured");
    for (const source of [...WORKLOADS, ...SAMPLES]) {
      for (const touch of [true, false]) {
        expect(summary.filter((r) => r.source === source && r.config === "default" && r.touch === touch).map((r) => r.allocator), `${source} touch=${touch}`).toEqual([...NATIVE_ALLOCATORS]);
      }
      for (const s of provenance.settings) expect(summary.some((r) => r.source === source && r.config === s.config && r.allocator === s.allocator), `${source} ${s.config}`).toBe(true);
      const frames = occupancyFrames(arrowRows<OccupancyRow>(readFileSync(`${RECORDED}occupancy-${source}.arrow`)));
      expect(frames.length).toBe(NATIVE_ALLOCATORS.length * provenance.occupancyTicks);
    }
    for (const r of summary) {
      expect(r.nsPerOp, `${r.source} ${r.allocator}`).toBeGreaterThan(1);
      if (r.touch) expect(r.peakRssBytes, `${r.source} ${r.allocator} ${r.config}`).toBeGreaterThanOrEqual(r.peakLiveBytes * 0.9);
    }
  });
});
