// The open registry (lib/allocators/index.ts): the six built-ins keep their names, a new allocator
// registers under a name of its own and is then built and raced like them, a taken or malformed
// name is refused, and an unknown name is told which names exist.

import { describe, expect, it } from "vitest";
import {
  ALLOCATORS, ALLOCATOR_INFO, allocatorInfo, createAllocator, isAllocatorName, isBuiltinAllocatorName, registerAllocator, registeredAllocators,
  race, generateWorkload, type Allocator, type AllocatorOptions, type AllocatorStats,
} from "../../lib/index.js";

const ARENA = 256 * 1024;

/** A built-in allocator under another name: the smallest honest "variant" a test can register. */
class Renamed implements Allocator {
  private readonly inner: Allocator;
  constructor(readonly name: string, innerName: string, options: AllocatorOptions) {
    this.inner = createAllocator(innerName, options);
  }
  get arenaBytes(): number { return this.inner.arenaBytes; }
  get bytes(): Uint8Array { return this.inner.bytes; }
  get stats(): AllocatorStats { return this.inner.stats; }
  malloc(size: number): number { return this.inner.malloc(size); }
  free(addr: number): void { this.inner.free(addr); }
  realloc(addr: number, size: number): number { return this.inner.realloc(addr, size); }
  walk(visit: (start: number, bytes: number, payload: number, requested: number) => void): void { this.inner.walk(visit); }
  check(): void { this.inner.check(); }
}

describe("allocator registry", () => {
  it("registry: the six built-ins are registered first, in ALLOCATORS order, marked builtin", () => {
    expect(ALLOCATORS).toEqual(["bump", "freelist", "segfit", "buddy", "slab", "tlsf"]);
    const infos = registeredAllocators();
    expect(infos.slice(0, 6).map((info) => info.name)).toEqual([...ALLOCATORS]);
    for (const name of ALLOCATORS) {
      expect(allocatorInfo(name)).toBe(ALLOCATOR_INFO[name]);
      expect(ALLOCATOR_INFO[name]).toMatchObject({ name, builtin: true });
      expect(createAllocator(name, { arenaBytes: ARENA }).name).toBe(name);
      expect(isBuiltinAllocatorName(name)).toBe(true);
    }
  });

  it("registry: the labs' own heaps are registered under names of their own, not built-in ones", () => {
    for (const name of ["size-classes", "free-lookup", "regions", "regions-and-heap"]) {
      expect(isAllocatorName(name)).toBe(true);
      expect(isBuiltinAllocatorName(name)).toBe(false);
      expect(allocatorInfo(name)).toMatchObject({ name, builtin: false });
      expect(allocatorInfo(name).label.length).toBeGreaterThan(0);
    }
    const classes = createAllocator("size-classes", { arenaBytes: ARENA, backend: "segfit", spacing: { kind: "geometric", perDoubling: 4 } });
    expect(classes.name).toBe("size-classes");
    const p = classes.malloc(100);
    classes.check();
    classes.free(p);
    expect(createAllocator("free-lookup", { arenaBytes: ARENA, lookup: "table" }).name).toBe("free-lookup");
  });

  it("registry: a registered allocator is built by createAllocator and raced by its name", () => {
    const info = registerAllocator({
      name: "test-best-fit", label: "Best fit (test)", summary: "freelist with best fit, under its own name",
      create: (options) => new Renamed("test-best-fit", "freelist", { ...options, placement: "best" }),
    });
    expect(info).toMatchObject({ name: "test-best-fit", label: "Best fit (test)", builtin: false, knobs: [] });
    expect(registeredAllocators().at(-1)).toBe(info);
    expect(createAllocator("test-best-fit", { arenaBytes: ARENA }).name).toBe("test-best-fit");

    const trace = generateWorkload("larson", { seed: 3, ops: 3000 });
    const result = race(trace, { allocators: ["test-best-fit", "freelist"], allocatorOptions: { freelist: { placement: "best" } }, arenaBytes: ARENA, ticks: 4 });
    const [mine, builtin] = result.lanes;
    expect(mine).toMatchObject({ allocator: "test-best-fit", label: "test-best-fit", corrupt: null });
    // The same allocator with the same knob under another name: the same race, figure for figure.
    expect(mine.utilization).toBe(builtin.utilization);
    expect(mine.totalProbes).toBe(builtin.totalProbes);
    expect(ALLOCATORS).not.toContain("test-best-fit");
  });

  it("registry: a name already taken, built-in or registered, is rejected", () => {
    const create = (options: AllocatorOptions) => new Renamed("test-taken", "segfit", options);
    expect(() => registerAllocator({ name: "freelist", label: "Another free list", create })).toThrow(/allocator "freelist" is already registered \(Free list\)/);
    registerAllocator({ name: "test-taken", label: "Taken", create });
    expect(() => registerAllocator({ name: "test-taken", label: "Taken again", create })).toThrow(/already registered/);
    expect(allocatorInfo("test-taken").label).toBe("Taken");
  });

  it("registry: malformed definitions are rejected with the reason", () => {
    const create = (options: AllocatorOptions) => createAllocator("bump", options);
    expect(() => registerAllocator({ name: "freelist:best", label: "x", create })).toThrow(/invalid allocator name: "freelist:best"/);
    expect(() => registerAllocator({ name: "Upper", label: "x", create })).toThrow(/invalid allocator name/);
    expect(() => registerAllocator({ name: "test-no-label", label: " ", create })).toThrow(/needs a label/);
    expect(() => registerAllocator({ name: "test-no-create", label: "x" } as never)).toThrow(/needs a create\(options\) function/);
    expect(isAllocatorName("test-no-label")).toBe(false);
  });

  it("registry: an allocator built under a borrowed name is refused when created", () => {
    registerAllocator({ name: "test-borrower", label: "Borrower", create: (options) => createAllocator("buddy", options) });
    expect(() => createAllocator("test-borrower", { arenaBytes: ARENA })).toThrow(/create\(\) built one named "buddy"/);
  });

  it("registry: an unknown name is told every registered name, by createAllocator, allocatorInfo and race", () => {
    const listing = /unknown allocator: "tcmalloc" \(registered: bump, freelist, segfit, buddy, slab, tlsf, .*size-classes/;
    expect(() => createAllocator("tcmalloc")).toThrow(listing);
    expect(() => allocatorInfo("tcmalloc")).toThrow(listing);
    const trace = generateWorkload("larson", { seed: 1, ops: 100 });
    expect(() => race(trace, { allocators: ["tcmalloc"] })).toThrow(listing);
    expect(() => race(trace, { lanes: [{ allocator: "tcmalloc" }] })).toThrow(listing);
    expect(isAllocatorName("tcmalloc")).toBe(false);
    expect(isAllocatorName(42)).toBe(false);
  });
});
