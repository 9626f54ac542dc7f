// The adversarial lattice, judged through the trace alone: its shape (holes smaller than every
// request that follows them), and two tiny address-space models replayed over it — one that
// coalesces free neighbours and one that only splits. Real allocators are raced elsewhere.

import { describe, expect, it } from "vitest";
import { generateWorkload } from "../../lib/workloads/index.js";
import { profileTrace } from "../../lib/trace/profile.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "../../lib/trace/types.js";

const HEADER = 16;
const GRANULE = 16;
const MIN_BLOCK = 32;

function blockBytes(size: number): number {
  return Math.max(MIN_BLOCK, Math.ceil((size + HEADER) / GRANULE) * GRANULE);
}

interface HeapModel {
  /** Address of a block of at least `bytes`, or -1 when the arena has no room for it. */
  allocate(bytes: number): number;
  release(addr: number, bytes: number): void;
}

/** Best fit over free runs kept merged with both neighbours; fresh memory from a top pointer. */
function coalescingModel(arenaBytes: number): HeapModel {
  const sizeAt = new Map<number, number>(); // free run start → bytes
  const startEndingAt = new Map<number, number>(); // free run end → start
  let top = 0;
  const insertRun = (start: number, bytes: number) => {
    sizeAt.set(start, bytes);
    startEndingAt.set(start + bytes, start);
  };
  const removeRun = (start: number) => {
    startEndingAt.delete(start + sizeAt.get(start)!);
    sizeAt.delete(start);
  };
  return {
    allocate(bytes) {
      let best = -1;
      for (const [start, size] of sizeAt) if (size >= bytes && (best < 0 || size < sizeAt.get(best)!)) best = start;
      if (best >= 0) {
        const size = sizeAt.get(best)!;
        removeRun(best);
        if (size > bytes) insertRun(best + bytes, size - bytes);
        return best;
      }
      if (top + bytes > arenaBytes) return -1;
      top += bytes;
      return top - bytes;
    },
    release(addr, bytes) {
      let start = addr;
      let end = addr + bytes;
      const before = startEndingAt.get(start);
      if (before !== undefined) { removeRun(before); start = before; }
      if (sizeAt.has(end)) { const size = sizeAt.get(end)!; removeRun(end); end += size; }
      if (end === top) top = start;
      else insertRun(start, end - start);
    },
  };
}

/** Best fit with splitting, but freed blocks never merge: the strategy the lattice is built to defeat. */
function splittingModel(arenaBytes: number): HeapModel {
  const bins = new Map<number, number[]>(); // block bytes → free blocks of exactly that size
  let top = 0;
  const put = (addr: number, bytes: number) => {
    const bin = bins.get(bytes);
    if (bin) bin.push(addr);
    else bins.set(bytes, [addr]);
  };
  return {
    allocate(bytes) {
      let best = -1;
      for (const [size, bin] of bins) if (size >= bytes && bin.length > 0 && (best < 0 || size < best)) best = size;
      if (best >= 0) {
        const addr = bins.get(best)!.pop()!;
        if (best - bytes >= MIN_BLOCK) put(addr + bytes, best - bytes);
        return addr;
      }
      if (top + bytes > arenaBytes) return -1;
      top += bytes;
      return top - bytes;
    },
    release(addr, bytes) {
      put(addr, bytes);
    },
  };
}

/** Replays a trace without reallocs into a model; returns how many mallocs found no room. */
function countFailures(trace: Trace, model: HeapModel): number {
  const addrOf = new Map<number, number>();
  const bytesOf = new Map<number, number>();
  let failures = 0;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i];
    if (trace.op[i] === OP_MALLOC) {
      const bytes = blockBytes(trace.size[i]);
      const addr = model.allocate(bytes);
      if (addr < 0) { failures++; continue; }
      addrOf.set(id, addr);
      bytesOf.set(id, bytes);
    } else if (trace.op[i] === OP_FREE && addrOf.has(id)) {
      model.release(addrOf.get(id)!, bytesOf.get(id)!);
      addrOf.delete(id);
    } else if (trace.op[i] === OP_REALLOC) {
      throw new Error("the lattice never reallocs");
    }
  }
  return failures;
}

interface Lattice { size: number; start: number; end: number }

/** Runs of at least 32 equal-size mallocs: [start, end) in op indices. */
function findLattices(trace: Trace): Lattice[] {
  const lattices: Lattice[] = [];
  let start = 0;
  for (let i = 1; i <= trace.length; i++) {
    const continues = i < trace.length && trace.op[i] === OP_MALLOC && trace.op[start] === OP_MALLOC && trace.size[i] === trace.size[start];
    if (continues) continue;
    if (trace.op[start] === OP_MALLOC && i - start >= 32) lattices.push({ size: trace.size[start], start, end: i });
    start = i;
  }
  return lattices;
}

describe("adversarial", () => {
  const ARENA = 256 * 1024;

  it("adversarial: a splitting allocator that cannot coalesce runs out of arena", () => {
    for (const seed of [1, 2, 3]) {
      const trace = generateWorkload("adversarial", { seed, ops: 40_000, arenaBytes: ARENA });
      expect(countFailures(trace, splittingModel(ARENA))).toBeGreaterThan(0);
    }
  });

  it("adversarial: a coalescing allocator serves every request in the same arena", () => {
    for (const seed of [1, 2, 3]) {
      const trace = generateWorkload("adversarial", { seed, ops: 40_000, arenaBytes: ARENA });
      expect(countFailures(trace, coalescingModel(ARENA))).toBe(0);
    }
  });

  it("adversarial: the coalescing model itself fails when the arena is really too small", () => {
    const trace = generateWorkload("adversarial", { seed: 1, ops: 20_000, arenaBytes: ARENA });
    expect(countFailures(trace, coalescingModel(ARENA / 4))).toBeGreaterThan(0);
  });

  it("adversarial: every request after a lattice's holes open is larger than those holes", () => {
    const trace = generateWorkload("adversarial", { seed: 7, ops: 60_000, arenaBytes: ARENA });
    const lattices = findLattices(trace);
    expect(lattices.length).toBeGreaterThan(6);
    let epochs = 0;
    for (let k = 0; k < lattices.length; k++) {
      const { size, end } = lattices[k];
      const next = k + 1 < lattices.length ? lattices[k + 1] : { size: Infinity, start: trace.length };
      for (let i = end; i < next.start; i++) if (trace.op[i] === OP_MALLOC) expect(trace.size[i]).toBeGreaterThan(size);
      // Within an epoch the next lattice is larger again; an epoch ends by starting over small.
      if (next.size <= size) {
        expect(next.size).toBeLessThanOrEqual(1.25 * 16);
        epochs++;
      }
    }
    expect(epochs).toBeGreaterThan(0);
  });

  it("adversarial: lattice sizes double from round to round within an epoch", () => {
    const trace = generateWorkload("adversarial", { seed: 3, ops: 50_000, arenaBytes: ARENA });
    const latticeSizes: number[] = [];
    let run = 0;
    for (let i = 1; i < trace.length; i++) {
      const same = trace.op[i] === OP_MALLOC && trace.op[i - 1] === OP_MALLOC && trace.size[i] === trace.size[i - 1];
      run = same ? run + 1 : 0;
      if (run === 32) latticeSizes.push(trace.size[i]);
    }
    expect(latticeSizes.length).toBeGreaterThan(6);
    let doublings = 0;
    for (let k = 1; k < latticeSizes.length; k++) if (latticeSizes[k] >= 1.6 * latticeSizes[k - 1]) doublings++;
    expect(doublings).toBeGreaterThan(latticeSizes.length / 2);
  });

  it("adversarial: peak live bytes stay within 1.5 × the lattice plus one block", () => {
    for (const latticePercent of [10, 40, 60]) {
      const trace = generateWorkload("adversarial", { seed: 5, ops: 30_000, arenaBytes: ARENA, latticePercent });
      const lattice = (ARENA / 2) * (latticePercent / 100);
      expect(profileTrace(trace).peakLiveBytes).toBeLessThanOrEqual(1.5 * lattice + lattice / 32);
    }
  });
});
