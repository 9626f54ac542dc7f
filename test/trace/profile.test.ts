// profileTrace on hand-built traces whose every figure can be worked out by hand, against an
// independent Map-based model on random traces (errors included), and on generated workloads;
// plus autoArenaBytes.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { autoArenaBytes, profileTrace } from "../../lib/trace/profile.js";
import { TraceBuilder, type Trace } from "../../lib/trace/types.js";
import { WORKLOADS, generateWorkload } from "../../lib/workloads/index.js";

const MiB = 1024 * 1024;

type Op = ["m", number, number] | ["f", number] | ["r", number, number];

function traceOf(ops: readonly Op[]): Trace {
  const b = new TraceBuilder();
  for (const op of ops) {
    if (op[0] === "m") b.malloc(op[1], op[2]);
    else if (op[0] === "f") b.free(op[1]);
    else b.realloc(op[1], op[2]);
  }
  return b.build("hand");
}

describe("profileTrace", () => {
  it("profile: counts ops by kind and follows live bytes through reallocs", () => {
    const profile = profileTrace(traceOf([
      ["m", 0, 100], ["m", 1, 50], ["r", 0, 300], ["f", 1], ["m", 2, 10], ["r", 0, 20], ["f", 0],
    ]));
    expect(profile).toMatchObject({
      ops: 7, mallocs: 3, frees: 2, reallocs: 2, errors: 0,
      peakLiveBytes: 350, peakLiveBlocks: 2, finalLiveBytes: 10, finalLiveBlocks: 1, neverFreed: 1,
    });
  });

  it("profile: frees and reallocs of ids that are not live are errors and change nothing", () => {
    const profile = profileTrace(traceOf([
      ["m", 0, 64], ["f", 0], ["f", 0], ["r", 0, 128], ["f", 7], ["r", 3, 8], ["m", 1, 16],
    ]));
    expect(profile).toMatchObject({ mallocs: 2, frees: 3, reallocs: 2, errors: 4, peakLiveBytes: 64, finalLiveBytes: 16, finalLiveBlocks: 1 });
  });

  it("profile: a malloc of a live id leaks the old block, which stays live", () => {
    const profile = profileTrace(traceOf([["m", 0, 10], ["m", 0, 20], ["f", 0]]));
    expect(profile).toMatchObject({ errors: 0, peakLiveBytes: 30, peakLiveBlocks: 2, finalLiveBytes: 10, finalLiveBlocks: 1, neverFreed: 1 });
  });

  it("profile: the size histogram counts every malloc and realloc size, bucket i holding 2^(i-1) < x ≤ 2^i", () => {
    const profile = profileTrace(traceOf([["m", 0, 1], ["m", 1, 2], ["m", 2, 3], ["r", 2, 4], ["r", 1, 1024], ["r", 1, 1025], ["f", 0]]));
    const expected = new Int32Array(32);
    expected[0] = 1; expected[1] = 1; expected[2] = 2; expected[10] = 1; expected[11] = 1;
    expect(profile.sizeHistogram).toEqual(expected);
  });

  it("profile: lifetimes are ops from malloc to free, and the never-freed are counted apart", () => {
    // Lifetimes: id 0 freed at op 4 (born 0) → 4; id 1 freed at op 2 (born 1) → 1; id 2 never freed.
    const profile = profileTrace(traceOf([["m", 0, 8], ["m", 1, 8], ["f", 1], ["m", 2, 8], ["f", 0]]));
    const expected = new Int32Array(32);
    expected[2] = 1; expected[0] = 1;
    expect(profile.lifetimeHistogram).toEqual(expected);
    expect(profile.neverFreed).toBe(1);
  });

  it("profile: the live series has evenly spaced points ending at the last op", () => {
    const ops: Op[] = [];
    for (let i = 0; i < 100; i++) ops.push(["m", i, 10]);
    const profile = profileTrace(traceOf(ops), { samples: 4 });
    expect([...profile.series.op]).toEqual([25, 50, 75, 100]);
    expect([...profile.series.liveBytes]).toEqual([250, 500, 750, 1000]);
    expect([...profile.series.liveBlocks]).toEqual([25, 50, 75, 100]);
  });

  it("profile: the series defaults to 256 points and never has more points than ops", () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 10_000 });
    const series = profileTrace(trace).series;
    expect(series.op.length).toBe(256);
    expect(series.op[255]).toBe(10_000);
    for (let j = 1; j < 256; j++) expect(series.op[j] - series.op[j - 1]).toBeGreaterThanOrEqual(39);
    const short = profileTrace(traceOf([["m", 0, 5], ["f", 0], ["m", 1, 7]]), { samples: 100 }).series;
    expect([...short.op]).toEqual([1, 2, 3]);
    expect([...short.liveBytes]).toEqual([5, 0, 7]);
    expect(profileTrace(traceOf([])).series.op.length).toBe(0);
  });

  it("profile: an invalid samples count is a RangeError quoting it", () => {
    const trace = traceOf([["m", 0, 1]]);
    for (const samples of [0, -1, 2.5, NaN]) expect(() => profileTrace(trace, { samples })).toThrow(`invalid samples: ${samples}`);
  });

  it("profile: agrees with a Map-based model on random traces, errors included", () => {
    const opArbitrary = fc.oneof(
      fc.tuple(fc.constant("m" as const), fc.nat({ max: 40 }), fc.integer({ min: 0, max: 5000 })),
      fc.tuple(fc.constant("f" as const), fc.nat({ max: 40 })),
      fc.tuple(fc.constant("r" as const), fc.nat({ max: 40 }), fc.integer({ min: 0, max: 5000 })),
    );
    fc.assert(fc.property(fc.array(opArbitrary, { maxLength: 200 }), (ops) => {
      const profile = profileTrace(traceOf(ops as Op[]), { samples: 7 });
      const model = modelProfile(ops as Op[]);
      expect(profile).toMatchObject(model);
    }), { numRuns: 300 });
  });

  it("profile: generated workloads have no errors and their ops add up", () => {
    for (const name of WORKLOADS) {
      const profile = profileTrace(generateWorkload(name, { seed: 2, ops: 20_000 }));
      expect(profile.errors).toBe(0);
      expect(profile.mallocs + profile.frees + profile.reallocs).toBe(20_000);
      expect(profile.sizeHistogram.reduce((a, b) => a + b, 0)).toBe(profile.mallocs + profile.reallocs);
      expect(profile.lifetimeHistogram.reduce((a, b) => a + b, 0) + profile.neverFreed).toBe(profile.mallocs);
    }
  });
});

/** The same figures the slow, obvious way: a Map from id to the live block's size. */
function modelProfile(ops: readonly Op[]) {
  const live = new Map<number, number>();
  let leakedBytes = 0, leakedBlocks = 0;
  let errors = 0, peakLiveBytes = 0, peakLiveBlocks = 0;
  const liveBytes = () => leakedBytes + [...live.values()].reduce((a, b) => a + b, 0);
  for (const op of ops) {
    if (op[0] === "m") {
      if (live.has(op[1])) { leakedBytes += live.get(op[1])!; leakedBlocks++; }
      live.set(op[1], op[2]);
    } else if (!live.has(op[1])) {
      errors++;
    } else if (op[0] === "f") {
      live.delete(op[1]);
    } else {
      live.set(op[1], op[2]);
    }
    peakLiveBytes = Math.max(peakLiveBytes, liveBytes());
    peakLiveBlocks = Math.max(peakLiveBlocks, live.size + leakedBlocks);
  }
  return {
    ops: ops.length,
    mallocs: ops.filter((op) => op[0] === "m").length,
    frees: ops.filter((op) => op[0] === "f").length,
    reallocs: ops.filter((op) => op[0] === "r").length,
    errors, peakLiveBytes, peakLiveBlocks,
    finalLiveBytes: liveBytes(), finalLiveBlocks: live.size + leakedBlocks,
  };
}

describe("autoArenaBytes", () => {
  it("autoArenaBytes: the smallest power of two ≥ twice the peak, from 2 MiB to 1 GiB", () => {
    const cases: Array<[number, number]> = [
      [0, 2 * MiB], [1, 2 * MiB], [MiB, 2 * MiB], [MiB + 1, 4 * MiB], [3 * MiB, 8 * MiB],
      [256 * MiB, 512 * MiB], [512 * MiB, 1024 * MiB], [600 * MiB, 1024 * MiB], [1e15, 1024 * MiB],
    ];
    for (const [peak, arena] of cases) expect(autoArenaBytes(peak), `peak ${peak}`).toBe(arena);
  });

  it("autoArenaBytes: a negative or non-finite peak is a RangeError quoting it", () => {
    for (const peak of [-1, NaN, Infinity]) expect(() => autoArenaBytes(peak)).toThrow(`invalid peakLiveBytes: ${peak}`);
  });
});
