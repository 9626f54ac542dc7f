import { describe, expect, it } from "vitest";
import { ShadowHeap } from "../../lib/race/shadow.js";

describe("shadow heap", () => {
  it("accepts disjoint aligned blocks and rejects overlaps", () => {
    const shadow = new ShadowHeap(64 * 1024);
    expect(shadow.rejectNew(0, 100)).toBeNull();
    shadow.claim(0, 100);
    expect(shadow.rejectNew(112, 16)).toBeNull();
    expect(shadow.rejectNew(96, 16)).toMatch(/overlapping a live block/);
    shadow.release(0, 100);
    expect(shadow.rejectNew(96, 16)).toBeNull();
  });

  it("rejects misaligned, negative and out-of-arena addresses", () => {
    const shadow = new ShadowHeap(64 * 1024);
    expect(shadow.rejectNew(8, 16)).toMatch(/misaligned/);
    expect(shadow.rejectNew(-1, 16)).toMatch(/not an arena offset/);
    expect(shadow.rejectNew(65536 - 16, 32)).toMatch(/past the end/);
  });

  it("gives a zero-byte block one granule, so two malloc(0) results cannot coincide", () => {
    const shadow = new ShadowHeap(64 * 1024);
    shadow.claim(32, 0);
    expect(shadow.rejectNew(32, 0)).toMatch(/overlapping/);
    expect(shadow.rejectNew(48, 0)).toBeNull();
  });

  it("handles ranges that span many 32-granule words", () => {
    const shadow = new ShadowHeap(1 << 20);
    shadow.claim(512, 40_000);
    expect(shadow.rejectNew(512 + 39_984, 16)).toMatch(/overlapping/);
    expect(shadow.rejectNew(512 + 40_000, 16)).toBeNull();
    expect(shadow.rejectNew(496, 16)).toBeNull();
    expect(shadow.rejectNew(496, 17)).toMatch(/overlapping/);
    shadow.release(512, 40_000);
    expect(shadow.rejectNew(512, 40_000)).toBeNull();
  });
});
