import { describe, expect, it } from "vitest";
import fc from "fast-check";
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

describe("shadow heap: claimNew, the one-pass check and claim", () => {
  it("claims a free range and refuses the same or an overlapping one, in one word and across many", () => {
    const shadow = new ShadowHeap(1 << 20);
    expect(shadow.claimNew(0, 100)).toBeNull();
    expect(shadow.claimNew(96, 16)).toMatch(/overlapping a live block/);
    expect(shadow.claimNew(112, 40_000)).toBeNull();
    expect(shadow.claimNew(112 + 39_984, 1)).toMatch(/overlapping/);
    expect(shadow.rejectNew(112 + 40_000, 16)).toBeNull();
    shadow.release(112, 40_000);
    expect(shadow.claimNew(512, 100)).toBeNull();
  });

  it("agrees with rejectNew + claim on random ranges", () => {
    const a = new ShadowHeap(1 << 16), b = new ShadowHeap(1 << 16);
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const addr = (x % 4000) * 16, size = (x >>> 12) % 3000;
      const viaTwo = a.rejectNew(addr, size);
      if (viaTwo === null) a.claim(addr, size);
      expect(b.claimNew(addr, size)).toBe(viaTwo);
      if (i % 7 === 0 && viaTwo === null) { a.release(addr, size); b.release(addr, size); }
    }
  });

  it("refuses misaligned and out-of-arena addresses without claiming anything", () => {
    const shadow = new ShadowHeap(64 * 1024);
    expect(shadow.claimNew(8, 16)).toMatch(/misaligned/);
    expect(shadow.claimNew(65536 - 16, 32)).toMatch(/past the end/);
    expect(shadow.rejectNew(0, 16)).toBeNull();
  });
});

describe("shadow heap against a model of one flag per granule", () => {
  // The bitmap's masks are built without branches (shadow.ts); a plain array of granules is the
  // independent answer to what each claim and release must do, for blocks inside one word, across
  // two, and across many.
  const ARENA = 1 << 13; // 512 granules, 16 words
  const op = fc.record({ granule: fc.integer({ min: 0, max: ARENA / 16 - 1 }), size: fc.integer({ min: 0, max: 1400 }), release: fc.boolean() });

  it("claimNew refuses exactly the overlapping blocks, and release frees exactly the block's granules", () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const shadow = new ShadowHeap(ARENA);
      const live = new Uint8Array(ARENA / 16);
      const claimed: { addr: number; size: number }[] = [];
      for (const { granule, size, release } of ops) {
        if (release && claimed.length > 0) {
          const block = claimed.splice(granule % claimed.length, 1)[0];
          shadow.release(block.addr, block.size);
          live.fill(0, block.addr / 16, block.addr / 16 + Math.max(1, Math.ceil(block.size / 16)));
        } else {
          const addr = granule * 16;
          const granules = Math.max(1, Math.ceil(size / 16));
          const why = shadow.claimNew(addr, size);
          if (addr + size > ARENA) { expect(why).toMatch(/past the end/); continue; }
          const overlaps = live.subarray(granule, granule + granules).some((flag) => flag === 1);
          expect(why === null).toBe(!overlaps);
          if (why === null) { live.fill(1, granule, granule + granules); claimed.push({ addr, size }); }
        }
        // Every granule reads back as the model has it.
        for (let g = 0; g < live.length; g++) expect(shadow.rejectNew(g * 16, 1) === null).toBe(live[g] === 0);
      }
    }), { numRuns: 300 });
  });
});
