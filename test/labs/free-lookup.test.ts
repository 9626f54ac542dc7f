// The free()-lookup lab: one size-class allocator, three ways for free() to find an object's
// class — checked against the shared harness in every mode, and for the costs the lab compares.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DESCRIPTOR_BYTES, HEADER_BYTES, LOOKUP_CLASSES, LookupAllocator, lookupClassOf, runFreeLookupLab, tableLevelBits,
} from "../../lib/labs/free-lookup.js";
import { HeapError, type AllocatorOptions } from "../../lib/allocators/types.js";
import { censusOf } from "../../lib/arena.js";
import { replaySteps, stepArbitrary } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

const modes: Array<[string, AllocatorOptions]> = [
  ["header", { lookup: "header", spanBytes: 4096 }],
  ["aligned", { lookup: "aligned", spanBytes: 4096 }],
  ["table, 1 level", { lookup: "table", spanBytes: 4096, tableLevels: 1 }],
  ["table, 2 levels", { lookup: "table", spanBytes: 4096, tableLevels: 2 }],
  ["table, 3 levels", { lookup: "table", spanBytes: 8192, tableLevels: 3 }],
];

describe.each(modes)("free lookup (%s): random operation sequences", (_name, options) => {
  it("keeps every invariant, every payload and every counter after each op", () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary(ARENA, 2048), { minLength: 1, maxLength: 150 }), (steps) => {
        replaySteps(() => new LookupAllocator({ arenaBytes: ARENA, ...options }), steps);
      }),
      { numRuns: 60 },
    );
  });
});

describe("free lookup: what each mode costs", () => {
  it("free lookup: classes are powers of two from 16 B to 2 KiB", () => {
    expect([1, 16, 17, 32, 33, 1024, 1025, 2048].map(lookupClassOf)).toEqual([0, 0, 1, 1, 2, 6, 7, 7]);
    expect(LOOKUP_CLASSES[lookupClassOf(100)]).toBe(128);
  });

  it("free lookup: free() reads one record to find the class with a header or an aligned span, and one per level with a table", () => {
    for (const [lookup, levels, cost] of [["header", 1, 1], ["aligned", 1, 1], ["table", 1, 1], ["table", 2, 2], ["table", 3, 3]] as const) {
      const a = new LookupAllocator({ arenaBytes: ARENA, lookup, tableLevels: levels, spanBytes: 4096 });
      const addrs = Array.from({ length: 50 }, (_, i) => a.malloc(16 + 7 * i));
      for (const addr of addrs) a.free(addr);
      expect(a.lookups).toBe(50);
      expect(a.lookupProbes).toBe(50 * cost);
      expect(a.lookupCost).toBe(cost);
    }
  });

  it("free lookup: a header costs 16 bytes per object, a descriptor 32 bytes per span, a table 32 bytes per span of the arena", () => {
    const make = (lookup: string) => new LookupAllocator({ arenaBytes: ARENA, lookup, spanBytes: 4096 });
    const header = make("header"), aligned = make("aligned"), table = make("table");
    for (const a of [header, aligned, table]) for (let i = 0; i < 100; i++) a.malloc(16);
    expect(censusOf(header).headerBytes).toBe(100 * HEADER_BYTES);
    expect(censusOf(aligned).headerBytes).toBe(aligned.spansCarved * DESCRIPTOR_BYTES);
    expect(table.tableBytes).toBe((ARENA / 4096) * DESCRIPTOR_BYTES);
    expect(censusOf(table).headerBytes).toBe(table.tableBytes);
  });

  it("free lookup: an aligned 4 KiB span holds one 2 KiB object beside its descriptor; a table's spans hold two", () => {
    const aligned = new LookupAllocator({ arenaBytes: ARENA, lookup: "aligned", spanBytes: 4096 });
    const table = new LookupAllocator({ arenaBytes: ARENA, lookup: "table", spanBytes: 4096 });
    for (let i = 0; i < 5; i++) { aligned.malloc(2048); table.malloc(2048); }
    expect(aligned.spansCarved).toBe(5);
    expect(table.spansCarved).toBe(3); // the first span, shortened by the 512-byte table, holds one; the others two
  });

  it("free lookup: an empty span goes back to the pool for any class, except in header mode, where it stays with its class", () => {
    for (const lookup of ["aligned", "table", "header"]) {
      const a = new LookupAllocator({ arenaBytes: ARENA, lookup, spanBytes: 4096 });
      const small = Array.from({ length: 40 }, () => a.malloc(64));
      const spans = a.spansCarved;
      for (const addr of small) a.free(addr);
      a.check();
      for (let i = 0; i < 3; i++) a.malloc(1000);
      a.check();
      if (lookup === "header") expect(a.spansCarved).toBeGreaterThan(spans);
      else expect(a.spansCarved).toBe(spans); // the 1000-byte objects reused the 64-byte class's spans
    }
  });

  it("free lookup: lookupPath names the reads free() makes, ending at the record that holds the class", () => {
    const a = new LookupAllocator({ arenaBytes: ARENA, lookup: "table", spanBytes: 4096, tableLevels: 3 });
    const addr = a.malloc(200);
    const steps = a.lookupPath(addr);
    expect(steps).toHaveLength(3);
    expect(steps[2].what).toMatch(/class 256 B/);
    expect(steps[2].bytes).toBe(DESCRIPTOR_BYTES);
    const header = new LookupAllocator({ arenaBytes: ARENA, lookup: "header" });
    const p = header.malloc(20);
    expect(header.lookupPath(p)).toEqual([{ address: p - HEADER_BYTES, bytes: HEADER_BYTES, what: "the header just before the object: class 32 B" }]);
    expect(() => header.lookupPath(p + 16)).toThrow(/not a live object/);
  });

  it("free lookup: radix levels split the span number as evenly as possible", () => {
    expect(tableLevelBits(128, 1)).toEqual([7]);
    expect(tableLevelBits(128, 2)).toEqual([4, 3]);
    expect(tableLevelBits(128, 3)).toEqual([3, 2, 2]);
    expect(tableLevelBits(4, 3)).toEqual([1, 1, 0]);
  });

  it("free lookup: requests above 2 KiB fail; bad frees throw; bad knobs are rejected, quoting the value", () => {
    const a = new LookupAllocator({ arenaBytes: ARENA, lookup: "aligned", spanBytes: 4096 });
    expect(a.malloc(2049)).toBe(-1);
    expect(a.stats.failures).toBe(1);
    const p = a.malloc(48);
    expect(() => a.free(p + 16)).toThrow(HeapError);
    a.free(p);
    expect(() => a.free(p)).toThrow(HeapError);
    expect(() => new LookupAllocator({ arenaBytes: ARENA, spanBytes: 5000 })).toThrow(/invalid spanBytes: 5000/);
    expect(() => new LookupAllocator({ arenaBytes: ARENA, tableLevels: 4 })).toThrow(/invalid tableLevels: 4/);
    expect(() => new LookupAllocator({ arenaBytes: ARENA, lookup: "hash" })).toThrow(/invalid lookup: "hash"/);
  });
});

describe("free lookup: the lab", () => {
  it("free lookup lab: the same stream through the three lanes, with exact probe means and a worked lookup", () => {
    const lab = runFreeLookupLab({ seed: 1, ops: 6000, minSize: 16, maxSize: 64, spanBytes: 4096, tableLevels: 2, ticks: 8 });
    expect(lab.lanes.map((l) => l.lookup)).toEqual(["header", "aligned", "table"]);
    for (const lane of lab.result.lanes) expect(lane.corrupt).toBeNull();
    const [header, aligned, table] = lab.lanes;
    expect(header.probesPerLookup).toBe(1);
    expect(aligned.probesPerLookup).toBe(1);
    expect(table.probesPerLookup).toBe(2);
    expect(header.metadataBytes).toBeGreaterThan(4 * aligned.metadataBytes); // a header per small object
    expect(table.example.steps).toHaveLength(2);
    expect(lab.oversize).toBe(0);
    const again = runFreeLookupLab({ seed: 1, ops: 6000, minSize: 16, maxSize: 64, spanBytes: 4096, tableLevels: 2, ticks: 8 });
    expect(again.lanes).toEqual(lab.lanes);
  });

  it("free lookup lab: bad sizes are rejected, quoting the value", () => {
    expect(() => runFreeLookupLab({ seed: 1, ops: 100, minSize: 64, maxSize: 32 })).toThrow(/invalid maxSize: 32/);
    expect(() => runFreeLookupLab({ seed: 1, ops: 100, maxSize: 4096 })).toThrow(/invalid maxSize: 4096/);
  });
});
