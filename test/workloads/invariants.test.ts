// What every generator promises, checked op by op with a model independent of profileTrace: exact
// length, dense ids in allocation order, no double or unknown free, sizes ≥ 1, live bytes within
// half the arena — for several seeds, arena sizes and knob extremes; plus determinism, option
// validation and the registry's descriptions.

import { describe, expect, it } from "vitest";
import {
  WORKLOADS,
  WORKLOAD_INFO,
  generateWorkload,
  isWorkloadName,
  type WorkloadName,
} from "../../lib/workloads/index.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "../../lib/trace/types.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Throws naming the first op that breaks a generator's promise; returns the peak live bytes. */
function verifyTrace(trace: Trace, name: WorkloadName, ops: number, arenaBytes: number): number {
  if (trace.name !== name) throw new Error(`trace is named ${trace.name}`);
  if (trace.length !== ops || trace.op.length !== ops || trace.id.length !== ops || trace.size.length !== ops) {
    throw new Error(`trace has ${trace.length} ops, asked for ${ops}`);
  }
  const sizeOf = new Float64Array(ops).fill(-1); // -1: not live
  let nextId = 0;
  let live = 0;
  let peak = 0;
  for (let i = 0; i < ops; i++) {
    const id = trace.id[i];
    const size = trace.size[i];
    switch (trace.op[i]) {
      case OP_MALLOC:
        if (id !== nextId) throw new Error(`op ${i}: malloc of id ${id}, expected the next id ${nextId}`);
        if (!(size >= 1)) throw new Error(`op ${i}: malloc(${size})`);
        nextId++;
        sizeOf[id] = size;
        live += size;
        break;
      case OP_FREE:
        if (id < 0 || id >= nextId) throw new Error(`op ${i}: free of unknown id ${id}`);
        if (sizeOf[id] < 0) throw new Error(`op ${i}: double free of id ${id}`);
        if (size !== 0) throw new Error(`op ${i}: free carries size ${size}`);
        live -= sizeOf[id];
        sizeOf[id] = -1;
        break;
      case OP_REALLOC:
        if (id < 0 || id >= nextId || sizeOf[id] < 0) throw new Error(`op ${i}: realloc of id ${id}, which is not live`);
        if (!(size >= 1)) throw new Error(`op ${i}: realloc(${id}, ${size})`);
        live += size - sizeOf[id];
        sizeOf[id] = size;
        break;
      default:
        throw new Error(`op ${i}: unknown op ${trace.op[i]}`);
    }
    if (live > peak) peak = live;
    if (live > arenaBytes / 2) throw new Error(`op ${i}: ${live} live bytes exceed half the ${arenaBytes}-byte arena`);
  }
  return peak;
}

function sameBytes(a: Uint8Array | Int32Array, b: Uint8Array | Int32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe.each(WORKLOADS)("%s", (name) => {
  it(`${name}: keeps every promise for several seeds and arena sizes`, () => {
    for (const arenaBytes of [64 * KiB, 2 * MiB, 16 * MiB]) {
      for (const seed of [1, 2, 42]) {
        const ops = 20_000;
        expect(() => verifyTrace(generateWorkload(name, { seed, ops, arenaBytes }), name, ops, arenaBytes)).not.toThrow();
      }
    }
  });

  it(`${name}: uses a good share of the live budget when the trace is long enough`, () => {
    const arenaBytes = 256 * KiB;
    const peak = verifyTrace(generateWorkload(name, { seed: 9, ops: 100_000, arenaBytes }), name, 100_000, arenaBytes);
    expect(peak).toBeGreaterThan(arenaBytes / 16);
  });

  it(`${name}: keeps every promise at each knob's extremes`, () => {
    for (const knob of WORKLOAD_INFO[name].knobs) {
      if (knob.kind !== "integer") throw new Error(`${name}: knob ${knob.name} is not an integer knob`);
      for (const value of [knob.min, knob.max]) {
        // larson's sizes must stay ordered, so each end of its size range moves with the other at its extreme.
        const extra = name !== "larson" ? {} : knob.name === "minSize" ? { maxSize: 65536 } : knob.name === "maxSize" ? { minSize: 1 } : {};
        for (const arenaBytes of [64 * KiB, 2 * MiB]) {
          const options = { seed: 3, ops: 5000, arenaBytes, ...extra, [knob.name]: value };
          expect(() => verifyTrace(generateWorkload(name, options), name, 5000, arenaBytes), `${knob.name} = ${value}`).not.toThrow();
        }
      }
    }
  });

  it(`${name}: the same seed gives byte-identical arrays`, () => {
    const a = generateWorkload(name, { seed: 11, ops: 30_000 });
    const b = generateWorkload(name, { seed: 11, ops: 30_000 });
    expect(sameBytes(a.op, b.op) && sameBytes(a.id, b.id) && sameBytes(a.size, b.size)).toBe(true);
    expect(b.droppedFrees).toBe(0);
  });

  it(`${name}: different seeds give different traces`, () => {
    const a = generateWorkload(name, { seed: 11, ops: 30_000 });
    const b = generateWorkload(name, { seed: 12, ops: 30_000 });
    expect(sameBytes(a.op, b.op) && sameBytes(a.size, b.size)).toBe(false);
  });

  it(`${name}: a one-op trace is a single malloc`, () => {
    const trace = generateWorkload(name, { seed: 1, ops: 1 });
    expect([trace.length, trace.op[0], trace.id[0]]).toEqual([1, OP_MALLOC, 0]);
  });

  it(`${name}: describes itself with a title, one sentence, what it imitates, its mix and valid knobs`, () => {
    const info = WORKLOAD_INFO[name];
    expect(info.name).toBe(name);
    expect(info.title.length).toBeGreaterThan(0);
    expect(info.summary).toMatch(/^[A-Z].*\.$/);
    expect(info.summary.slice(0, -1)).not.toMatch(/\.\s/);
    expect(info.imitates.length).toBeGreaterThan(20);
    expect(info.mix).toMatch(/\d/);
    for (const knob of info.knobs) {
      if (knob.kind === "integer") {
        expect(knob.min).toBeLessThanOrEqual(knob.default);
        expect(knob.default).toBeLessThanOrEqual(knob.max);
      }
      expect(() => generateWorkload(name, { seed: 1, ops: 100, [knob.name]: knob.default })).not.toThrow();
    }
  });
});

describe("workload options", () => {
  it("workloads: an invalid ops count is a RangeError quoting it", () => {
    expect(() => generateWorkload("larson", { seed: 1, ops: -3 })).toThrow(
      new RangeError("invalid ops: -3 (must be an integer from 1 to 10000000)"),
    );
    for (const ops of [0, 1.5, 10_000_001, NaN, "100"]) {
      expect(() => generateWorkload("redis_cache", { seed: 1, ops: ops as number })).toThrow(/^invalid ops: /);
    }
  });

  it("workloads: a missing or invalid seed is a RangeError quoting it", () => {
    for (const seed of [undefined, -1, 1.5, 2 ** 32, "7"]) {
      expect(() => generateWorkload("python_repl", { seed: seed as number, ops: 10 })).toThrow(RangeError);
      expect(() => generateWorkload("python_repl", { seed: seed as number, ops: 10 })).toThrow(/^invalid seed: /);
    }
    expect(() => generateWorkload("python_repl", { seed: 2 ** 32 - 1, ops: 10 })).not.toThrow();
  });

  it("workloads: an arena that is not a power of two from 64 KiB to 1 GiB is rejected", () => {
    for (const arenaBytes of [3000, 32 * KiB, 2 * 1024 * MiB, 3 * MiB]) {
      expect(() => generateWorkload("nginx_requests", { seed: 1, ops: 10, arenaBytes })).toThrow(`invalid arenaBytes: ${arenaBytes}`);
    }
  });

  it("workloads: an unknown knob is rejected by name, a knob out of range quoting its value", () => {
    expect(() => generateWorkload("redis_cache", { seed: 1, ops: 10, colour: "red" })).toThrow(/unknown option for redis_cache: "colour"/);
    expect(() => generateWorkload("larson", { seed: 1, ops: 10, medianBytes: 64 })).toThrow(/unknown option for larson: "medianBytes"/);
    expect(() => generateWorkload("redis_cache", { seed: 1, ops: 10, medianBytes: 0 })).toThrow(/invalid medianBytes: 0/);
    expect(() => generateWorkload("larson", { seed: 1, ops: 10, minSize: 100, maxSize: 10 })).toThrow(/invalid maxSize: 10/);
  });

  it("workloads: options that are not an object, and unknown names, are rejected", () => {
    expect(() => generateWorkload("larson", undefined as never)).toThrow(RangeError);
    expect(() => generateWorkload("jemalloc" as WorkloadName, { seed: 1, ops: 10 })).toThrow(/unknown workload: "jemalloc"/);
  });

  it("workloads: isWorkloadName knows exactly the registry's names", () => {
    for (const name of WORKLOADS) expect(isWorkloadName(name)).toBe(true);
    for (const name of ["", "redis", "REDIS_CACHE", 3, null, undefined]) expect(isWorkloadName(name)).toBe(false);
    expect(Object.keys(WORKLOAD_INFO).sort()).toEqual([...WORKLOADS].sort());
  });
});
