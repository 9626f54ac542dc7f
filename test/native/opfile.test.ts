// The op file the native replayer reads: what lib writes, lib reads back unchanged, and a
// damaged file is refused with a message rather than misread.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TraceBuilder, TraceError, decodeOpFile, encodeOpFile, generateWorkload } from "../../lib/index.js";

describe("op file", () => {
  it("round-trips any trace", () => {
    const op = fc.record({ kind: fc.integer({ min: 0, max: 2 }), id: fc.integer({ min: 0, max: 5000 }), size: fc.integer({ min: 0, max: 1 << 24 }) });
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const builder = new TraceBuilder();
      for (const o of ops) (o.kind === 0 ? builder.malloc(o.id, o.size) : o.kind === 1 ? builder.free(o.id) : builder.realloc(o.id, o.size));
      const trace = builder.build("t");
      const bytes = encodeOpFile(trace);
      expect(bytes.length % 4).toBe(0);
      const back = decodeOpFile(bytes, "t");
      expect(back.length).toBe(trace.length);
      expect(Array.from(back.op)).toEqual(Array.from(trace.op));
      expect(Array.from(back.id)).toEqual(Array.from(trace.id));
      expect(Array.from(back.size)).toEqual(Array.from(trace.size));
    }));
  });

  it("writes the documented header", () => {
    const bytes = encodeOpFile(generateWorkload("larson", { seed: 1, ops: 1001 }));
    const view = new DataView(bytes.buffer);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe("HFOP");
    expect(view.getUint32(4, true)).toBe(1);
    expect(view.getUint32(8, true)).toBe(1001);
    expect(bytes.length).toBe(16 + 1004 + 8 * 1001);
  });

  it("refuses a damaged file with a message", () => {
    const bytes = encodeOpFile(generateWorkload("larson", { seed: 1, ops: 100 }));
    expect(() => decodeOpFile(bytes.subarray(0, bytes.length - 4))).toThrow(/bytes, but 100 ops need/);
    const wrongMagic = bytes.slice(); wrongMagic[0] = 0;
    expect(() => decodeOpFile(wrongMagic)).toThrow(TraceError);
    const badOp = bytes.slice(); badOp[16] = 7;
    expect(() => decodeOpFile(badOp)).toThrow(/op 0 is invalid \(op 7/);
  });
});
