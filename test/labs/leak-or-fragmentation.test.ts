// The leak-or-fragmentation lab: the two streams do what they claim (one leaks, one keeps its live
// bytes flat), the diagnosis reads curves the way the page explains, and the lab's verdicts hold.

import { describe, expect, it } from "vitest";
import {
  DIAGNOSIS_RULES, LEAK_LAB_HEAPS, bufferStream, diagnose, leakLabStream, runLeakStream, surveyAllocators,
} from "../../lib/labs/leak-or-fragmentation.js";
import { OP_FREE, OP_MALLOC, type Trace } from "../../lib/trace/types.js";

/** Live requested bytes after each quarter of the trace, replayed independently of any allocator. */
function liveByQuarter(trace: Trace): number[] {
  const sizes = new Map<number, number>();
  let live = 0;
  const out: number[] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.op[i] === OP_MALLOC) { sizes.set(trace.id[i], trace.size[i]); live += trace.size[i]; }
    else if (trace.op[i] === OP_FREE) { live -= sizes.get(trace.id[i])!; sizes.delete(trace.id[i]); }
    if ((i + 1) % Math.floor(trace.length / 4) === 0) out.push(live);
  }
  return out;
}

describe("leak or fragmentation: the streams", () => {
  it("buffers: the same seed and knobs give the same trace", () => {
    const a = bufferStream({ seed: 4, ops: 5000, leakPerMille: 100 });
    const b = bufferStream({ seed: 4, ops: 5000, leakPerMille: 100 });
    expect(a.trace.size).toEqual(b.trace.size);
    expect(a.trace.op).toEqual(b.trace.op);
    expect(a.leaked).toBe(b.leaked);
  });

  it("buffers: the leak stream's live bytes climb by about what it leaks; the fragmentation stream's stay flat while its sizes grow", () => {
    const leak = leakLabStream("leak", { seed: 1, ops: 20000 });
    const leakLive = liveByQuarter(leak.trace);
    expect(leakLive[3] - leakLive[0]).toBeGreaterThan(0.5 * leak.leakedBytes);
    expect(leak.leaked).toBeGreaterThan(0);
    const frag = leakLabStream("fragmentation", { seed: 1, ops: 20000 });
    expect(frag.leaked).toBe(0);
    const fragLive = liveByQuarter(frag.trace);
    expect(Math.abs(fragLive[3] - fragLive[1]) / fragLive[1]).toBeLessThan(0.1);
    const mallocSizes = [...frag.trace.size].filter((_, i) => frag.trace.op[i] === OP_MALLOC && frag.trace.size[i] > 48);
    expect(Math.max(...mallocSizes.slice(-50))).toBeGreaterThan(8 * Math.max(...mallocSizes.slice(0, 50)) / 2);
  });

  it("buffers: bad knobs are rejected, quoting the value", () => {
    expect(() => bufferStream({ seed: 1, ops: 50 })).toThrow(/invalid ops: 50/);
    expect(() => bufferStream({ seed: 1, ops: 1000, growth: 0 })).toThrow(/invalid growth: 0/);
    expect(() => leakLabStream("both" as never, { seed: 1, ops: 1000 })).toThrow(/invalid stream: "both"/);
  });
});

describe("leak or fragmentation: the diagnosis", () => {
  const curve = (live: (t: number) => number, highWater: (t: number) => number) =>
    Array.from({ length: 20 }, (_, t) => ({ liveBytes: live(t), highWater: highWater(t) }));

  it("diagnose: live bytes rising with the high-water mark is a leak", () => {
    const d = diagnose(curve((t) => 1000 + 100 * t, (t) => 1500 + 120 * t));
    expect(d.verdict).toBe("leak");
    expect(d.explainedByLive).toBeCloseTo(100 / 120, 5);
  });

  it("diagnose: flat live bytes under a rising high-water mark is fragmentation, and utilization falls", () => {
    const d = diagnose(curve(() => 1000, (t) => 1500 + 200 * t));
    expect(d.verdict).toBe("fragmentation");
    expect(d.utilizationTo).toBeLessThan(d.utilizationFrom);
  });

  it("diagnose: a high-water mark that stops rising is steady, and half-explained rises are both", () => {
    expect(diagnose(curve((t) => 1000 + t, () => 3000)).verdict).toBe("steady");
    expect(diagnose(curve((t) => 1000 + 40 * t, (t) => 1500 + 120 * t)).verdict).toBe("both");
    expect(DIAGNOSIS_RULES.fragmentationShare).toBeLessThan(DIAGNOSIS_RULES.leakShare);
    expect(() => diagnose([{ liveBytes: 1, highWater: 1 }])).toThrow(/at least 2 ticks/);
  });
});

describe("leak or fragmentation: the lab", () => {
  it("leak lab: under first fit one stream reads as a leak and the other as fragmentation", () => {
    const options = { seed: 1, ops: 16000, heap: "first-lifo", ticks: 24 };
    const leak = runLeakStream("leak", options);
    const frag = runLeakStream("fragmentation", options);
    expect(leak.diagnosis.verdict).toBe("leak");
    expect(frag.diagnosis.verdict).toBe("fragmentation");
    expect(frag.diagnosis.highWaterTo).toBeGreaterThan(1.5 * frag.diagnosis.highWaterFrom);
    expect(leak.result.lanes[0].ticks[0].cells.length).toBe(16384);
  });

  it("leak lab: a leak rises under every allocator that reuses memory; fragmentation depends on the allocator and its policy", () => {
    const rows = surveyAllocators({ seed: 1, ops: 16000, ticks: 24 });
    expect(rows).toHaveLength(2 * LEAK_LAB_HEAPS.length);
    for (const row of rows.filter((r) => r.stream === "leak" && r.heap !== "bump")) expect(["leak", "both"]).toContain(row.diagnosis.verdict);
    const frag = (heap: string) => rows.find((r) => r.stream === "fragmentation" && r.heap === heap)!.diagnosis.verdict;
    expect(frag("first-lifo")).toBe("fragmentation");
    expect(frag("first-address")).toBe("steady"); // address-ordered first fit reuses the low holes first
    expect(frag("slab")).toBe("steady");
  });

  it("leak lab: an unknown heap is rejected, quoting it", () => {
    expect(() => runLeakStream("leak", { seed: 1, ops: 1000, heap: "tlsf" })).toThrow(/invalid heap: "tlsf"/);
  });
});
