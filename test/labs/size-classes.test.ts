import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  SizeClassAllocator, classTable, requestSizeCounts, roundToClass, roundingWaste, roundingWasteOfCounts,
  sizeClassLanes, sizeClassPoints, spacingLabel, spacingProblem, wasteCurve, worstCaseWaste, type ClassSpacing,
} from "../../lib/labs/size-classes.js";
import { HeapError } from "../../lib/allocators/types.js";
import { race } from "../../lib/race/race.js";
import { TraceBuilder } from "../../lib/trace/types.js";
import { generateWorkload } from "../../lib/workloads/index.js";
import { replaySteps, stepArbitrary } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

describe("class tables", () => {
  it("size classes: 4 per doubling steps by 16 up to 64, then four classes in every doubling", () => {
    const table = classTable({ kind: "geometric", perDoubling: 4 });
    expect([...table.slice(0, 16)]).toEqual([16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512]);
  });

  it("size classes: every table is ascending multiples of 16 reaching to within one step of 1 MiB", () => {
    const spacings: ClassSpacing[] = [{ kind: "exact" }, { kind: "linear", step: 48 }, { kind: "linear", step: 4096 }, ...[1, 2, 3, 4, 5, 8, 16].map((n) => ({ kind: "geometric" as const, perDoubling: n }))];
    for (const spacing of spacings) {
      const table = classTable(spacing);
      expect(table[0]).toBe(16);
      expect(table[table.length - 1]).toBeLessThanOrEqual(1 << 20);
      expect(table[table.length - 1]).toBeGreaterThan((1 << 20) - (spacing.kind === "linear" ? spacing.step : 16));
      for (let i = 0; i < table.length; i++) {
        expect(table[i] % 16).toBe(0);
        if (i > 0) expect(table[i]).toBeGreaterThan(table[i - 1]);
      }
    }
  });

  it("size classes: powers of two are the powers of two", () => {
    expect([...classTable({ kind: "geometric", perDoubling: 1 }).slice(0, 8)]).toEqual([16, 32, 64, 128, 256, 512, 1024, 2048]);
  });

  it("size classes: n per doubling wastes less than 1/(n + 1) of a class above 256 bytes", () => {
    for (const n of [1, 2, 4, 8, 16]) {
      const worst = worstCaseWaste(classTable({ kind: "geometric", perDoubling: n }), 257);
      expect(worst).toBeLessThan(1 / (n + 1));
      expect(worst).toBeGreaterThan(1 / (n + 1) - 0.02);
    }
  });

  it("size classes: a linear step of d wastes (d − 17)/d of its first class on a 17-byte request", () => {
    expect(worstCaseWaste(classTable({ kind: "linear", step: 256 }), 17)).toBeCloseTo((256 - 17) / 256, 10);
  });

  it("size classes: roundToClass is the smallest class at or above the request", () => {
    const table = classTable({ kind: "geometric", perDoubling: 2 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 20 }), (n) => {
      const c = roundToClass(table, n);
      const i = table.indexOf(c);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(i).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(table[i - 1]).toBeLessThan(n);
    }));
    expect(roundToClass(table, (1 << 20) + 1)).toBe((1 << 20) + 16);
  });

  it("size classes: the waste curve is zero exactly at a class and largest just above one", () => {
    const table = classTable({ kind: "geometric", perDoubling: 1 });
    const curve = wasteCurve(table, 1024);
    expect(curve[512]).toBe(0);
    expect(curve[513]).toBeCloseTo((1024 - 513) / 1024, 10);
  });

  it("size classes: bad spacings are named with their value", () => {
    expect(spacingProblem({ kind: "linear", step: 40 })).toMatch(/invalid linear step: 40/);
    expect(spacingProblem({ kind: "geometric", perDoubling: 0 })).toMatch(/invalid classes per doubling: 0/);
    expect(spacingProblem({ kind: "exact" })).toBeNull();
    expect(() => classTable({ kind: "linear", step: 10 })).toThrow(RangeError);
    expect(spacingLabel({ kind: "geometric", perDoubling: 1 })).toBe("powers of two");
  });
});

describe("the size-class allocator", () => {
  for (const spacing of [{ kind: "geometric", perDoubling: 1 }, { kind: "linear", step: 256 }] as ClassSpacing[]) {
    it(`size classes (${spacingLabel(spacing)}) over a free list keeps every invariant, payload and counter`, () => {
      const make = () => new SizeClassAllocator("freelist", spacing, { arenaBytes: ARENA, placement: "best" });
      fc.assert(fc.property(fc.array(stepArbitrary(ARENA, 2048), { minLength: 1, maxLength: 120 }), (steps) => { replaySteps(make, steps); }), { numRuns: 40 });
    });
  }

  it("size classes over segregated fit keeps every invariant", () => {
    const make = () => new SizeClassAllocator("segfit", { kind: "geometric", perDoubling: 2 }, { arenaBytes: ARENA });
    fc.assert(fc.property(fc.array(stepArbitrary(ARENA, 1024), { minLength: 1, maxLength: 120 }), (steps) => { replaySteps(make, steps); }), { numRuns: 30 });
  });

  it("size classes: the heap shows what the program asked for, and the rounding as reserved", () => {
    const a = new SizeClassAllocator("freelist", { kind: "geometric", perDoubling: 1 }, { arenaBytes: ARENA });
    const addr = a.malloc(20);
    let requested = -2;
    let blockBytes = 0;
    a.walk((start, bytes, payload, r) => { if (payload === addr) { requested = r; blockBytes = bytes - (payload - start); } });
    expect(requested).toBe(20);
    expect(blockBytes).toBeGreaterThanOrEqual(32); // the 32-byte class, then the backend's footer
    expect(a.stats.liveBytes).toBe(20);
    a.check();
  });

  it("size classes: a bad free throws and changes nothing", () => {
    const a = new SizeClassAllocator("freelist", { kind: "geometric", perDoubling: 4 }, { arenaBytes: ARENA });
    const addr = a.malloc(100);
    expect(() => a.free(addr + 16)).toThrow(HeapError);
    expect(a.stats.liveBytes).toBe(100);
    a.free(addr);
    expect(() => a.free(addr)).toThrow(HeapError);
    expect(a.stats.liveBytes).toBe(0);
  });

  it("size classes: a malformed size is still a RangeError", () => {
    const a = new SizeClassAllocator("freelist", { kind: "exact" }, { arenaBytes: ARENA });
    expect(() => a.malloc(-1)).toThrow(RangeError);
    expect(() => a.malloc(1.5)).toThrow(RangeError);
  });

  it("size classes: coarser classes waste more and, behind a best-fit list, search less (larson, seed 1)", () => {
    const trace = generateWorkload("larson", { seed: 1, ops: 6000 });
    const spacings: ClassSpacing[] = [{ kind: "exact" }, { kind: "geometric", perDoubling: 1 }];
    const result = race(trace, { lanes: sizeClassLanes(spacings, { backend: "freelist", backendOptions: { placement: "best", order: "lifo" } }), arenaBytes: 1 << 20, frames: false });
    const [exact, pow2] = sizeClassPoints(result);
    expect(exact.corrupt).toBeNull();
    expect(pow2.corrupt).toBeNull();
    expect(pow2.waste).toBeGreaterThan(exact.waste + 0.1);
    expect(pow2.probesPerOp).toBeLessThan(exact.probesPerOp);
    expect(exact.label).toBe("exact (16 B)");
  });

  it("size classes: rounding waste from the counts equals rounding waste from the trace", () => {
    const trace = generateWorkload("python_repl", { seed: 3, ops: 3000 });
    const table = classTable({ kind: "geometric", perDoubling: 2 });
    const counts = requestSizeCounts(trace, 1 << 20);
    expect(roundingWasteOfCounts(counts, table)).toBeCloseTo(roundingWaste(trace, table), 12);
  });

  it("size classes: requestSizeCounts counts mallocs and reallocs, and lumps the large ones", () => {
    const b = new TraceBuilder();
    b.malloc(0, 10); b.malloc(1, 10); b.realloc(0, 5000); b.free(1);
    const counts = requestSizeCounts(b.build("t"), 4096);
    expect(counts[10]).toBe(2);
    expect(counts[4097]).toBe(1);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(3);
  });
});
