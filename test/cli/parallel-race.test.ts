// The CLI's parallel race (one worker thread per lane) gives exactly the sequential race():
// every figure, tick and heat-map frame, in lane order — all but the sampled wall-clock times.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ALLOCATORS, generateWorkload, parseTrace, profileTrace, race, type RaceResult, type Trace } from "../../lib/index.js";
import { raceInParallel } from "../../cli/parallel-race.js";
import { OpSpillWriter } from "../../cli/op-spill.js";

const SAMPLE = fileURLToPath(new URL("../../src/data/traces/perl-hash.mtrace", import.meta.url));

function withoutClock(result: RaceResult) {
  return { ...result, lanes: result.lanes.map(({ nsHistogram: _h, ns: _n, ...lane }) => lane) };
}

describe("race in parallel", () => {
  for (const [what, trace] of [
    ["a workload", generateWorkload("nginx_requests", { seed: 2, ops: 30_000 })],
    ["a sample trace", parseTrace(readFileSync(SAMPLE, "utf8"), "perl-hash.mtrace")],
  ] as const) {
    it(`equals the sequential race on ${what}, frames included`, async () => {
      const lanes = [...ALLOCATORS.map((allocator) => ({ allocator })), { allocator: "freelist" as const, label: "freelist best", options: { placement: "best" } }];
      const sequential = race(trace, { lanes, arenaBytes: "auto", ticks: 16 });
      const parallel = await raceInParallel(trace, { lanes, arenaBytes: "auto", ticks: 16, clockOverhead: 0 });
      expect(parallel.lanes.map((l) => l.label)).toEqual(sequential.lanes.map((l) => l.label));
      expect(withoutClock(parallel)).toEqual(withoutClock(sequential));
    }, 60_000);
  }

  it("equals the sequential race on a spilled op log (written in uneven pieces), each worker reading it back in stretches", async () => {
    const trace = generateWorkload("redis_cache", { seed: 4, ops: 25_000 });
    const spill = new OpSpillWriter();
    try {
      for (let from = 0; from < trace.length; from += 3001) {
        const to = Math.min(trace.length, from + 3001);
        spill.write({ length: to - from, op: trace.op.subarray(from, to), id: trace.id.subarray(from, to), size: trace.size.subarray(from, to) });
      }
      const spilled = spill.finish(trace.name, trace.droppedFrees);
      const lanes = ALLOCATORS.map((allocator) => ({ allocator }));
      const parallel = await raceInParallel(spilled, { lanes, arenaBytes: "auto", ticks: 16, clockOverhead: 0 });
      expect(withoutClock(parallel)).toEqual(withoutClock(race(trace, { lanes, arenaBytes: "auto", ticks: 16 })));
    } finally {
      spill.remove();
    }
  }, 60_000);

  it("the spill writer measures the peak live bytes profileTrace does (for the auto arena)", () => {
    const traces: Trace[] = [
      ...(["redis_cache", "python_repl", "adversarial"] as const).map((w) => generateWorkload(w, { seed: 9, ops: 20_000 })),
      parseTrace(readFileSync(SAMPLE, "utf8"), "perl-hash.mtrace"),
    ];
    for (const trace of traces) {
      const spill = new OpSpillWriter();
      try {
        spill.write({ length: trace.length, op: trace.op, id: trace.id, size: trace.size });
        const spilled = spill.finish(trace.name, trace.droppedFrees);
        expect(spilled.peakLiveBytes, trace.name).toBe(profileTrace(trace).peakLiveBytes);
        expect(spilled.length).toBe(trace.length);
      } finally {
        spill.remove();
      }
    }
  });

  it("reports a lane's bad knob as the error race() throws", async () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 1000 });
    await expect(raceInParallel(trace, { lanes: [{ allocator: "freelist", options: { placement: "worst-ever" } }], clockOverhead: 0 })).rejects.toThrow(/placement/);
  });
});
