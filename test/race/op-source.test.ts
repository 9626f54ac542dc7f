// race() over an op log read in stretches (raceOpSource, the CLI's streamed race) must give exactly
// race() of the whole trace: every lane figure, tick and frame, whatever the stretch length.
import { describe, expect, it } from "vitest";
import { ALLOCATORS, createAllocator, generateWorkload, race, raceOpSource, resolveArenaBytes, type OpSource, type RaceResult, type Trace } from "../../lib/index.js";

function sourceOf(trace: Trace, chunkOps: number, reads: Array<[number, number]>): OpSource {
  let idCount = 0;
  for (let i = 0; i < trace.length; i++) idCount = Math.max(idCount, trace.id[i] + 1);
  return {
    name: trace.name, length: trace.length, droppedFrees: trace.droppedFrees, idCount, chunkOps,
    read(from, to) {
      reads.push([from, to]);
      // Copies, so a lane that read past its stretch would read zeros, not the right op.
      return { base: from, op: trace.op.slice(from, to), id: trace.id.slice(from, to), size: trace.size.slice(from, to) };
    },
  };
}

// Every figure but the sampled wall-clock times; frames as base64 text, which compares fast.
const withoutClock = (result: RaceResult) => ({
  ...result,
  lanes: result.lanes.map(({ nsHistogram: _h, ns: _n, ticks, ...lane }) => ({
    ...lane, ticks: ticks.map((tick) => ({ ...tick, cells: Buffer.from(tick.cells).toString("base64") })),
  })),
});

describe("raceOpSource", () => {
  const lanes = [...ALLOCATORS.map((allocator) => ({ allocator })), { allocator: "freelist" as const, label: "freelist best", options: { placement: "best" } }];
  for (const [workload, chunkOps] of [["redis_cache", 777], ["python_repl", 4096], ["adversarial", 1]] as const) {
    it(`equals race() of the whole trace on ${workload} read ${chunkOps} ops at a time, frames and checks included`, () => {
      const trace = generateWorkload(workload, { seed: 3, ops: 12_000 });
      const arenaBytes = resolveArenaBytes(trace, "auto");
      const reads: Array<[number, number]> = [];
      const streamed = raceOpSource(sourceOf(trace, chunkOps, reads), { lanes, arenaBytes, ticks: 16 });
      expect(withoutClock(streamed)).toEqual(withoutClock(race(trace, { lanes, arenaBytes, ticks: 16 })));
      // Stretches cover the trace once, in order, none longer than chunkOps.
      expect(reads[0][0]).toBe(0);
      for (let r = 1; r < reads.length; r++) expect(reads[r][0]).toBe(reads[r - 1][1]);
      expect(reads.at(-1)![1]).toBe(trace.length);
      expect(Math.max(...reads.map(([a, b]) => b - a))).toBeLessThanOrEqual(chunkOps);
    });
  }

  it("stops a lane that hands out overlapping memory at the same op, in the middle of a stretch", () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 5000 });
    // From its 700th malloc on, the lane hands back the block of its 699th (still live in larson).
    const overlapping = {
      allocator: "buddy" as const, label: "broken",
      create: (options: { arenaBytes: number }) => {
        const inner = createAllocator("buddy", options);
        const malloc = inner.malloc.bind(inner);
        let mallocs = 0, kept = -1;
        inner.malloc = (size: number) => {
          mallocs++;
          if (mallocs < 699) return malloc(size);
          if (mallocs === 699) return (kept = malloc(size));
          return kept;
        };
        return inner;
      },
    };
    const options = { lanes: [overlapping, { allocator: "tlsf" as const }], arenaBytes: 2 << 20, ticks: 8 };
    const streamed = raceOpSource(sourceOf(trace, 333, []), options);
    expect(streamed.lanes[0].corrupt).toMatch(/stopped at op \d+: malloc/);
    expect(withoutClock(streamed)).toEqual(withoutClock(race(trace, options)));
  });

  it("samples the same ops for the wall-clock histogram, one in 64", () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 5000 });
    let t = 0;
    const clock = () => (t += 3);
    const options = { allocators: ["buddy" as const], arenaBytes: 2 << 20, ticks: 8, clock, clockOverhead: 0 };
    const a = raceOpSource(sourceOf(trace, 333, []), options);
    const b = race(trace, options);
    expect(withoutClock(a)).toEqual(withoutClock(b));
    const sampled = (result: RaceResult) => result.lanes[0].nsHistogram!.reduce((x, y) => x + y, 0);
    expect(sampled(a)).toBe(Math.ceil(5000 / 64));
    expect(sampled(b)).toBe(Math.ceil(5000 / 64));
  });
});
