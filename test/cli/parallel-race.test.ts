// The CLI's parallel race (one worker thread per lane) gives exactly the sequential race():
// every figure, tick and heat-map frame, in lane order — all but the sampled wall-clock times.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ALLOCATORS, generateWorkload, parseTrace, race, type RaceResult } from "../../lib/index.js";
import { raceInParallel } from "../../cli/parallel-race.js";

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

  it("reports a lane's bad knob as the error race() throws", async () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 1000 });
    await expect(raceInParallel(trace, { lanes: [{ allocator: "freelist", options: { placement: "worst-ever" } }], clockOverhead: 0 })).rejects.toThrow(/placement/);
  });
});
