import { describe, expect, it } from "vitest";
import { race } from "../../lib/race/race.js";
import { TraceBuilder, type Trace } from "../../lib/trace/types.js";
import { parseTrace } from "../../lib/trace/parse.js";
import { ALLOCATORS, createAllocator, withoutLargePath } from "../../lib/allocators/index.js";
import { PACKED_CELL_BYTES } from "../../lib/arena.js";
import type { Allocator, AllocatorOptions } from "../../lib/allocators/types.js";

function churn(ops: number, seed = 1): Trace {
  // A small deterministic stream without the workload generators: allocate, free every third.
  const b = new TraceBuilder();
  let id = 0;
  const live: number[] = [];
  let x = seed;
  for (let i = 0; i < ops; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    if (live.length > 0 && x % 3 === 0) {
      const k = x % live.length;
      b.free(live[k]);
      live.splice(k, 1);
    } else {
      b.malloc(id, 16 + (x % 500));
      live.push(id++);
    }
  }
  return b.build("churn");
}

/** Wraps a real allocator and, from the n-th malloc on, hands out an address that is already live. */
function overlappingAfter(n: number) {
  return (options: AllocatorOptions & { arenaBytes: number }): Allocator => {
    const inner = createAllocator("buddy", options);
    let calls = 0, first = -1;
    return new Proxy(inner, {
      get(target, key) {
        if (key === "malloc") {
          return (size: number) => {
            const addr = target.malloc(size);
            if (first < 0) first = addr;
            return ++calls >= n ? first : addr;
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
}

describe("race", () => {
  it("race: records the requested number of evenly spaced ticks, the last one at the end", () => {
    const trace = churn(1000);
    const result = race(trace, { allocators: ["buddy"], ticks: 10 });
    const ticks = result.lanes[0].ticks;
    expect(ticks.map((t) => t.op)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(ticks[9].cells.length).toBe(PACKED_CELL_BYTES);
    expect(result.arenaBytes).toBe(2 * 1024 * 1024);
  });

  it("race: never records more ticks than ops", () => {
    expect(race(churn(5), { allocators: ["buddy"], ticks: 64 }).lanes[0].ticks).toHaveLength(5);
  });

  it("race: the same trace and options give identical results", () => {
    const a = race(churn(3000), { allocators: ["buddy"], ticks: 8 });
    const b = race(churn(3000), { allocators: ["buddy"], ticks: 8 });
    expect(a).toEqual(b);
  });

  it("race: counts a double free in the trace as an error and goes on", () => {
    const b = new TraceBuilder();
    b.malloc(0, 32); b.free(0); b.free(0); b.free(7); b.malloc(1, 64); b.realloc(0, 10);
    const lane = race(b.build("double"), { allocators: ["buddy"], ticks: 2 }).lanes[0];
    expect(lane.errors).toBe(3);
    expect(lane.corrupt).toBeNull();
    expect(lane.opsRun).toBe(6);
  });

  it("race: realloc(id, 0) frees id in every lane, as the parsers and the shadow checker read it", () => {
    const b = new TraceBuilder();
    b.malloc(0, 100); b.malloc(1, 40); b.realloc(0, 0); b.free(0); b.malloc(2, 8 * 1024 * 1024); b.realloc(2, 0);
    // arena only, so that the 8 MiB malloc fails everywhere rather than being mapped
    const allocatorOptions = Object.fromEntries(ALLOCATORS.map((name) => [name, withoutLargePath(name)]));
    const fromBuilder = race(b.build("zero"), { ticks: 1, allocatorOptions });
    const fromRep = race(parseTrace("3\n6\na 0 100\na 1 40\nr 0 0\nf 0\na 2 8388608\nr 2 0\n"), { ticks: 1, allocatorOptions });
    for (const result of [fromBuilder, fromRep]) {
      for (const lane of result.lanes) {
        expect(lane.corrupt, lane.allocator).toBeNull();
        expect(lane.errors, lane.allocator).toBe(1); // the free after realloc(p, 0)
        expect(lane.failures, lane.allocator).toBe(1); // the 8 MiB malloc; realloc(p, 0) of it is skipped
        expect(lane.ticks[0].liveBytes, lane.allocator).toBe(40);
      }
    }
  });

  it("race: an id whose malloc failed is simply not live: its free is neither an error nor a failure", () => {
    const b = new TraceBuilder();
    b.malloc(0, 4 * 1024 * 1024); b.free(0); b.malloc(1, 16); b.realloc(1, 8 * 1024 * 1024); b.free(1);
    const lane = race(b.build("oom"), { allocators: ["buddy"], allocatorOptions: { buddy: { largeThreshold: 0 } }, ticks: 1 }).lanes[0];
    expect(lane.failures).toBe(2); // the huge malloc and the huge realloc
    expect(lane.errors).toBe(0);
    expect(lane.ticks[0].liveBytes).toBe(0); // the failed realloc left id 1 live; its free freed it
  });

  it("race: the shadow checker stops a lane that hands out overlapping memory, and the others finish", () => {
    const trace = churn(500);
    const result = race(trace, {
      lanes: [{ allocator: "buddy", label: "broken", create: overlappingAfter(5) }, { allocator: "buddy" }],
      ticks: 4,
    });
    expect(result.lanes[0].corrupt).toMatch(/stopped at op \d+: malloc\(\d+\) returned 0x[0-9a-f]+ for \d+ bytes, overlapping a live block/);
    expect(result.lanes[0].opsRun).toBeLessThan(10);
    expect(result.lanes[1].corrupt).toBeNull();
    expect(result.lanes[1].opsRun).toBe(500);
    expect(result.lanes[1].ticks).toHaveLength(4);
  });

  it("race: a lane whose allocator throws is stopped with the reason", () => {
    const trace = churn(100);
    const result = race(trace, {
      lanes: [{
        allocator: "buddy",
        create: (options) => {
          const inner = createAllocator("buddy", options);
          let frees = 0;
          const free = inner.free.bind(inner);
          inner.free = (addr: number) => { if (++frees === 3) throw new Error("boom"); free(addr); };
          return inner;
        },
      }],
      ticks: 2,
    });
    expect(result.lanes[0].corrupt).toMatch(/boom/);
  });

  it("race: arenaBytes auto is the smallest power of two ≥ 2 × peak live, at least 2 MiB", () => {
    const b = new TraceBuilder();
    for (let i = 0; i < 10; i++) b.malloc(i, 300_000); // 3 MB live at peak → 8 MiB
    expect(race(b.build("big"), { allocators: ["buddy"], arenaBytes: "auto", ticks: 1 }).arenaBytes).toBe(8 * 1024 * 1024);
    expect(race(churn(100), { allocators: ["buddy"], arenaBytes: "auto", ticks: 1 }).arenaBytes).toBe(2 * 1024 * 1024);
  });

  it("race: rejects unknown allocators and bad tick counts", () => {
    expect(() => race(churn(10), { allocators: ["nope" as never] })).toThrow(/unknown allocator: "nope"/);
    expect(() => race(churn(10), { ticks: 0 })).toThrow(/invalid ticks: 0/);
    expect(() => race(churn(10), { arenaBytes: 3000 })).toThrow(/invalid arenaBytes: 3000/);
  });

  it("race: probes go into per-kind histograms whose counts match the ops", () => {
    const trace = churn(2000);
    const lane = race(trace, { allocators: ["buddy"], ticks: 4 }).lanes[0];
    const count = (h: Float64Array) => h.reduce((a, b) => a + b, 0);
    expect(count(lane.probeHistograms.all)).toBe(2000);
    expect(count(lane.probeHistograms.malloc) + count(lane.probeHistograms.free)).toBe(2000);
    expect(lane.probes.p50).toBeGreaterThan(0);
    expect(lane.nsHistogram).toBeNull();
  });

  it("race: with a clock, 1 op in 64 is timed", () => {
    let t = 0;
    const lane = race(churn(6400), { allocators: ["buddy"], ticks: 2, clock: () => (t += 10) }).lanes[0];
    expect(lane.nsHistogram!.reduce((a, b) => a + b, 0)).toBe(100);
    expect(lane.ns!.p50).toBe(16);
  });

  it("race: frames false skips painting but keeps every metric", () => {
    const trace = churn(1000);
    const painted = race(trace, { allocators: ["buddy"], ticks: 3 }).lanes[0].ticks;
    const plain = race(trace, { allocators: ["buddy"], ticks: 3, frames: false }).lanes[0].ticks;
    expect(plain.map(({ cells, ...rest }) => rest)).toEqual(painted.map(({ cells, ...rest }) => rest));
    expect(plain[0].cells.length).toBe(0);
  });
});

describe("clock calibration", () => {
  it("race: the clock's own cost is subtracted from every sample, never below zero", () => {
    let t = 0;
    const lane = race(churn(640), { allocators: ["buddy"], ticks: 1, clock: () => (t += 50), clockOverhead: 50 }).lanes[0];
    // Each sample reads 50 (two reads 50 apart) less 50 overhead = 0 → bucket 0.
    expect(lane.nsHistogram![0]).toBe(10);
  });

  it("calibrateClockOverhead: the median gap between two back-to-back reads", async () => {
    const { calibrateClockOverhead } = await import("../../lib/race/clock.js");
    let t = 0;
    expect(calibrateClockOverhead(() => (t += 7), 101)).toBe(7);
  });
});

describe("checks at ticks", () => {
  function countingChecks(options: Parameters<typeof race>[1]) {
    let checks = 0;
    race(churn(640), {
      ...options,
      lanes: [{ allocator: "buddy", create: (o) => { const a = createAllocator("buddy", o); const check = a.check.bind(a); a.check = () => { checks++; check(); }; return a; } }],
    });
    return checks;
  }

  it("race: check() runs at every 8th tick and the last by default, every tick with checkEvery 1, never when off", () => {
    expect(countingChecks({ ticks: 64 })).toBe(8);
    expect(countingChecks({ ticks: 10 })).toBe(2); // ticks 8 and 10
    expect(countingChecks({ ticks: 10, checkEvery: 1 })).toBe(10);
    expect(countingChecks({ ticks: 10, checkAtTicks: false })).toBe(0);
  });

  it("race: a heap that fails its check() at a tick is stopped with the allocator's message", () => {
    const result = race(churn(640), {
      ticks: 4, checkEvery: 1,
      lanes: [{ allocator: "buddy", create: (o) => { const a = createAllocator("buddy", o); let n = 0; const check = a.check.bind(a); a.check = () => { if (++n === 2) throw new Error("buddy: free lists should be sorted at 0x40"); check(); }; return a; } }],
    });
    expect(result.lanes[0].corrupt).toBe("stopped at op 320: buddy: free lists should be sorted at 0x40");
    expect(result.lanes[0].ticks).toHaveLength(1);
  });
});
