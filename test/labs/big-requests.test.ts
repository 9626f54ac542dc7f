// The "Where big requests go" lab's model (lib/labs/big-requests.ts): glibc's sliding threshold
// moving as mapped blocks are freed, and a buffer pulled into the heap pinning its top.

import { describe, expect, it } from "vitest";
import {
  BIG_FIXED_THRESHOLD, bigRequestSize, bigRequestStepText, bigRequestStream, runBigRequestsLab,
} from "../../lib/labs/big-requests.js";
import { OP_MALLOC } from "../../lib/trace/types.js";

const KiB = 1024;
const pageRounded = (bytes: number) => Math.ceil((16 + bytes) / 4096) * 4096;

describe("where big requests go", () => {
  it("big requests: the stream is one big malloc per round, a pin, short-lived temporaries, and the big free", () => {
    const stream = bigRequestStream({ pattern: "same", firstBytes: 200 * KiB, rounds: 3 });
    expect(stream.sizes).toEqual([200 * KiB, 200 * KiB, 200 * KiB]);
    const bigMallocs = [...stream.bigSize].filter((s) => s > 0);
    expect(bigMallocs).toEqual(stream.sizes);
    expect(stream.trace.length).toBe(3 * (1 + 1 + 4 + 4 + 1) + 6); // and three small temporaries at the end
    expect(bigRequestStream({ rounds: 3, pin: false }).trace.length).toBe(3 * (1 + 4 + 4 + 1) + 6);
    expect(bigRequestSize("growing", 200 * KiB, 2)).toBe(Math.round((200 * 1.5625)) * KiB);
    expect(bigRequestSize("shrinking", 200 * KiB, 5)).toBe(132 * KiB); // never under the floor
  });

  it("big requests: with a fixed threshold every big request is mapped and the threshold never moves", () => {
    const lab = runBigRequestsLab({ pattern: "same", firstBytes: 200 * KiB, rounds: 5 });
    const fixed = lab.lanes[0];
    expect(fixed.sliding).toBe(false);
    expect(fixed.steps.filter((s) => s.bigSize > 0).map((s) => s.where)).toEqual(Array(5).fill("mapped"));
    expect(new Set(fixed.steps.map((s) => s.threshold))).toEqual(new Set([BIG_FIXED_THRESHOLD]));
    const last = fixed.steps.at(-1)!;
    expect(last).toMatchObject({ mmaps: 5, munmaps: 5, mappedBytes: 0 });
  });

  it("big requests: under glibc's rule freeing a mapped block raises the threshold to its size, and the next one comes from the heap", () => {
    const lab = runBigRequestsLab({ pattern: "same", firstBytes: 200 * KiB, rounds: 4 });
    const sliding = lab.lanes[1];
    const bigs = sliding.steps.filter((s) => s.bigSize > 0);
    expect(bigs.map((s) => s.where)).toEqual(["mapped", "heap", "heap", "heap"]);
    const firstFree = sliding.steps.findIndex((s) => s.munmaps === 1);
    expect(sliding.steps[firstFree - 1].threshold).toBe(BIG_FIXED_THRESHOLD);
    expect(sliding.steps[firstFree].threshold).toBe(pageRounded(200 * KiB)); // the mapping's size, header and rounding included
    expect(sliding.steps.at(-1)).toMatchObject({ mmaps: 1, munmaps: 1 });
  });

  it("big requests: growing requests stay ahead of the sliding threshold and are always mapped", () => {
    const lab = runBigRequestsLab({ pattern: "growing", firstBytes: 160 * KiB, rounds: 6 });
    const sliding = lab.lanes[1];
    expect(sliding.steps.filter((s) => s.bigSize > 0).every((s) => s.where === "mapped")).toBe(true);
    const thresholds = sliding.steps.map((s) => s.threshold);
    for (let i = 1; i < thresholds.length; i++) expect(thresholds[i]).toBeGreaterThanOrEqual(thresholds[i - 1]);
    expect(thresholds.at(-1)).toBe(pageRounded(lab.stream.sizes.at(-1)!));
  });

  it.each(["freelist", "segfit", "tlsf"])("big requests (%s): a buffer pulled into the heap is pinned by the small object above it", (heap) => {
    const pinned = runBigRequestsLab({ pattern: "same", firstBytes: 256 * KiB, rounds: 4, heap });
    const [fixed, sliding] = pinned.lanes;
    const endFixed = fixed.steps.at(-1)!, endSliding = sliding.steps.at(-1)!;
    // Everything big is freed at the end: the fixed lane holds only its small objects; the sliding
    // one still holds the buffer's hole below the pins, free but not returnable.
    expect(endFixed.mappedBytes).toBe(0);
    expect(endFixed.heapTop).toBeLessThan(64 * KiB);
    expect(endSliding.heapTop).toBeGreaterThan(256 * KiB);
    expect(endSliding.heldFree).toBeGreaterThan(255 * KiB); // the hole, less a header or two
    // Without pins nothing sits above the buffer, so its freeing leaves the heap's top low again.
    const unpinned = runBigRequestsLab({ pattern: "same", firstBytes: 256 * KiB, rounds: 4, heap, pin: false }).lanes[1];
    expect(unpinned.steps.at(-1)!.heapTop).toBeLessThan(64 * KiB);
  });

  it("big requests (buddy): the buffer gets a power-of-two block of its own, the pins go elsewhere, and nothing is pinned", () => {
    const [fixed, sliding] = runBigRequestsLab({ pattern: "same", firstBytes: 256 * KiB, rounds: 4, heap: "buddy" }).lanes;
    expect(sliding.steps.filter((s) => s.bigSize > 0).map((s) => s.where)).toEqual(["mapped", "heap", "heap", "heap"]);
    expect(sliding.steps.at(-1)!.heapTop).toBe(fixed.steps.at(-1)!.heapTop);
  });

  it("big requests: the layout after each op lists the heap up to its top and every mapped block", () => {
    const lab = runBigRequestsLab({ pattern: "same", firstBytes: 200 * KiB, rounds: 3 });
    const fixed = lab.lanes[0];
    const afterFirstBig = fixed.layouts[0];
    expect(afterFirstBig.filter((b) => b.kind === "mapped").map((b) => b.bytes)).toEqual([pageRounded(200 * KiB)]);
    for (const [i, layout] of fixed.layouts.entries()) {
      const mapped = layout.filter((b) => b.kind === "mapped").reduce((sum, b) => sum + b.bytes, 0);
      expect(mapped, `op ${i + 1}`).toBe(fixed.steps[i].mappedBytes);
      for (const block of layout) if (block.kind !== "mapped") expect(block.start + block.bytes).toBeLessThanOrEqual(fixed.steps[i].heapTop);
    }
  });

  it("big requests: the caption names the op, where a big request went and the threshold", () => {
    const lab = runBigRequestsLab({ pattern: "same", firstBytes: 200 * KiB, rounds: 3 });
    const secondBig = lab.stream.trace.op.findIndex((op, i) => op === OP_MALLOC && lab.stream.bigSize[i] > 0 && lab.stream.roundOf[i] === 1) + 1;
    expect(bigRequestStepText(lab, 0, secondBig)).toBe(`op ${secondBig}, round 2: malloc(200 KiB) → mapped · threshold 128 KiB`);
    expect(bigRequestStepText(lab, 1, secondBig)).toBe(`op ${secondBig}, round 2: malloc(200 KiB) → from the heap · threshold 204 KiB`);
    expect(bigRequestStepText(lab, 1, 11)).toMatch(/^op 11, round 1: free\(the 200 KiB buffer\) · threshold 204 KiB$/);
  });

  it("big requests: bad settings are refused with the bad value quoted", () => {
    expect(() => runBigRequestsLab({ firstBytes: 100 * KiB })).toThrow(/invalid firstBytes: 102400 \(must be an integer from 135168/);
    expect(() => runBigRequestsLab({ rounds: 40 })).toThrow(/invalid rounds: 40/);
    expect(() => runBigRequestsLab({ pattern: "random" as never })).toThrow(/invalid pattern: "random"/);
    expect(() => runBigRequestsLab({ heap: "bump" })).toThrow(/invalid heap: "bump"/);
  });
});
