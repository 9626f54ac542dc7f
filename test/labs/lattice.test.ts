import { describe, expect, it } from "vitest";
import { coalescedRunNeeded, keepEverySweep, latticeSettings, latticeTrace, runLattice } from "../../lib/labs/lattice.js";
import { GRID_PIXELS, cellAt, CELL_FREE } from "../../lib/arena.js";
import { OP_FREE, OP_MALLOC } from "../../lib/trace/types.js";
import { ALLOCATORS } from "../../lib/allocators/index.js";

const byName = (result: ReturnType<typeof runLattice>) => Object.fromEntries(result.lanes.map((lane) => [lane.label, lane]));

describe("the external-fragmentation lab", () => {
  it("lattice: the stream fills, frees k − 1 of every k ids, then asks for the large size", () => {
    const settings = latticeSettings({ arenaBytes: 64 * 1024, smallBytes: 48, keepEvery: 3, largeBytes: 200 });
    const trace = latticeTrace(settings);
    expect(trace.length).toBe(settings.fillOps + settings.freeOps + settings.askOps);
    for (let i = 0; i < settings.fillOps; i++) expect([trace.op[i], trace.size[i]]).toEqual([OP_MALLOC, 48]);
    const freed = [...trace.id.slice(settings.fillOps, settings.fillOps + settings.freeOps)];
    expect(freed.every((id, i) => trace.op[settings.fillOps + i] === OP_FREE && id % 3 !== 2)).toBe(true);
    expect(trace.size[trace.length - 1]).toBe(200);
  });

  it("lattice: every allocator fills its arena: the fill ends with requests that fail", () => {
    for (const lane of runLattice().lanes) {
      expect(lane.corrupt).toBeNull();
      expect(lane.phases[0].failures).toBeGreaterThan(0);
      expect(lane.placed).toBeGreaterThan(0);
    }
  });

  it("lattice: with every other block freed, no allocator serves a request larger than two holes", () => {
    const lanes = byName(runLattice({ smallBytes: 48, keepEvery: 2, largeBytes: 256 }));
    for (const name of ["freelist", "segfit", "buddy", "slab", "bump"]) {
      expect(lanes[name].served).toBe(0);
      expect(lanes[name].unusableShare).toBe(1);
    }
    // Half the blocks went back, yet the largest free run is a hole or the arena's leftover tail.
    expect(lanes.freelist.freeBytes).toBeGreaterThan(30_000);
    expect(lanes.freelist.phases[1].largestFreeRun).toBeLessThan(256);
  });

  it("lattice: freed runs of neighbours coalesce in the boundary-tag heaps, not in buddy or slab", () => {
    const lanes = byName(runLattice({ smallBytes: 48, keepEvery: 4, largeBytes: 128 }));
    expect(lanes.freelist.phases[1].coalesces).toBeGreaterThan(500);
    expect(lanes.segfit.phases[1].coalesces).toBe(lanes.freelist.phases[1].coalesces);
    expect(lanes.freelist.served).toBeGreaterThan(200);
    expect(lanes.slab.phases[1].coalesces).toBe(0);
    expect(lanes.buddy.served).toBe(0);
  });

  it("lattice: bump reclaims none of the freed bytes", () => {
    const { bump } = byName(runLattice({ smallBytes: 48, keepEvery: 2 }));
    expect(bump.freed).toBeGreaterThan(500);
    expect(bump.freeBytes).toBeLessThan(bump.freed * 48);
    expect(bump.phases[1].reservedBytes).toBeGreaterThan(bump.freed * 48);
  });

  it("lattice: served large blocks plus what is left never exceed the free bytes of step 2", () => {
    for (const keepEvery of [2, 3, 5]) {
      for (const lane of runLattice({ smallBytes: 40, keepEvery, largeBytes: 100 }).lanes) {
        expect(lane.served * 100 + lane.unusableBytes).toBeLessThanOrEqual(lane.freeBytes);
        expect(lane.served).toBeLessThanOrEqual(lane.compactBound);
      }
    }
  });

  it("lattice: a boundary-tag heap serves the large request once k − 1 reaches the run it needs", () => {
    for (const [small, large] of [[48, 128], [32, 200], [100, 300]]) {
      const run = coalescedRunNeeded(small, large);
      const enough = byName(runLattice({ smallBytes: small, keepEvery: run + 1, largeBytes: large })).freelist;
      const short = run >= 2 ? byName(runLattice({ smallBytes: small, keepEvery: run, largeBytes: large })).freelist : null;
      expect(enough.served).toBeGreaterThan(5);
      if (short) expect(short.served).toBeLessThanOrEqual(1); // at most the arena's leftover tail
    }
  });

  it("lattice: the step-2 heat map of the free list shows its free bytes", () => {
    const { freelist } = byName(runLattice({ smallBytes: 48, keepEvery: 2 }));
    const cells = freelist.phases[1].cells;
    let free = 0;
    for (let p = 0; p < GRID_PIXELS; p++) if (cellAt(cells, p) === CELL_FREE) free++;
    expect(Math.abs(free - freelist.freeBytes)).toBeLessThan(freelist.freeBytes * 0.05); // one byte per pixel at 64 KiB
  });

  it("lattice: the same settings give the same result", () => {
    const strip = (r: ReturnType<typeof runLattice>) => r.lanes.map((l) => ({ ...l, phases: l.phases.map((p) => ({ ...p, cells: Array.from(p.cells.slice(0, 512)) })) }));
    expect(strip(runLattice({ keepEvery: 3 }))).toEqual(strip(runLattice({ keepEvery: 3 })));
  });

  it("lattice: the k sweep runs the lab once per k", () => {
    const rows = keepEverySweep({ smallBytes: 48, largeBytes: 128 }, [2, 4]);
    expect(rows.length).toBe(2 * ALLOCATORS.length);
    expect(rows.find((r) => r.keepEvery === 4 && r.label === "freelist")!.served).toBeGreaterThan(0);
  });

  it("lattice: bad settings are refused with the value quoted", () => {
    expect(() => latticeSettings({ smallBytes: 0 })).toThrow(/invalid smallBytes: 0/);
    expect(() => latticeSettings({ keepEvery: 1 })).toThrow(/invalid keepEvery: 1/);
    expect(() => latticeSettings({ largeBytes: 1.5 })).toThrow(/invalid largeBytes: 1.5/);
    expect(() => latticeSettings({ arenaBytes: 3000 })).toThrow(/invalid arenaBytes: 3000/);
    expect(() => latticeSettings({ arenaBytes: 4 << 20 })).toThrow(/the lab goes up to/);
  });
});
