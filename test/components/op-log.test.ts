// The op log the race worker hands to the lane workers: cut to length, plain or shared, and read
// back as the very Trace it was made from.
import { afterEach, describe, expect, it } from "vitest";
import { TraceBuilder, generateWorkload, tracePrefix } from "../../lib/index.js";
import { canShareMemory, opLogOf, opLogTransferables, traceOfOpLog } from "../../src/components/worker/op-log.js";

const isolated = (value: boolean | undefined) => Object.defineProperty(globalThis, "crossOriginIsolated", { value, configurable: true, writable: true });

describe("op log", () => {
  afterEach(() => { isolated(undefined); });

  it("op log: a trace's views of longer arrays are cut to its length, and read back unchanged", () => {
    const builder = new TraceBuilder();
    builder.malloc(1, 24);
    builder.malloc(2, 40);
    builder.free(1);
    builder.free(2);
    const trace = tracePrefix(builder.build("four ops", 2), 3);
    expect(trace.op.buffer.byteLength).toBe(4);
    const log = opLogOf(trace);
    expect(log.op.length).toBe(3);
    expect(log.op.buffer.byteLength).toBe(3);
    expect(log.shared).toBe(false);
    const back = traceOfOpLog(log);
    expect(Array.from(back.op)).toEqual(Array.from(trace.op.subarray(0, 3)));
    expect(Array.from(back.id)).toEqual(Array.from(trace.id.subarray(0, 3)));
    expect(Array.from(back.size)).toEqual(Array.from(trace.size.subarray(0, 3)));
    expect(back.droppedFrees).toBe(trace.droppedFrees);
  });

  it("op log: it owns its memory (changing the trace afterwards does not change the log)", () => {
    const trace = generateWorkload("larson", { seed: 3, ops: 500 });
    const log = opLogOf(trace);
    const before = log.size[0];
    trace.size[0] = before + 1;
    expect(log.size[0]).toBe(before);
  });

  it("op log: plain arrays are transferred, shared ones are not", () => {
    const trace = generateWorkload("larson", { seed: 3, ops: 500 });
    expect(opLogTransferables(opLogOf(trace))).toHaveLength(3);
    isolated(true);
    expect(canShareMemory()).toBe(true);
    const shared = opLogOf(trace, { shared: true });
    expect(shared.op.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.size.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(opLogTransferables(shared)).toEqual([]);
    expect(Array.from(traceOfOpLog(shared).size)).toEqual(Array.from(trace.size.subarray(0, trace.length)));
  });

  it("op log: shared memory outside a cross-origin isolated page is refused with a reason", () => {
    const trace = generateWorkload("larson", { seed: 3, ops: 50 });
    expect(canShareMemory()).toBe(false);
    expect(() => opLogOf(trace, { shared: true })).toThrow(/cross-origin isolated/);
  });

  it("op log: a log whose arrays disagree with its length is named as damaged", () => {
    const log = opLogOf(generateWorkload("larson", { seed: 3, ops: 50 }));
    expect(() => traceOfOpLog({ ...log, length: 51 })).toThrow(/damaged: 51 ops/);
  });
});
