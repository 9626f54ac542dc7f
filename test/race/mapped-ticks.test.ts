// What a tick says about the large-object path: the bytes mapped, and with frames the mapped blocks
// themselves as (bytes, requested) pairs in address order (lib/arena.ts mappedBlocksOf), which the
// site draws as the strip beside each heat map.

import { describe, expect, it } from "vitest";
import { createAllocator } from "../../lib/allocators/index.js";
import { mappedBlocksOf } from "../../lib/arena.js";
import { race } from "../../lib/race/race.js";
import { TraceBuilder } from "../../lib/trace/types.js";

const KiB = 1024;

describe("mapped blocks at ticks", () => {
  it("mappedBlocksOf: page-rounded (bytes, requested) pairs in address order; empty without a path or with nothing mapped", () => {
    const tlsf = createAllocator("tlsf", { arenaBytes: 1 << 20 });
    expect(mappedBlocksOf(tlsf).length).toBe(0);
    const a = tlsf.malloc(200 * KiB);
    tlsf.malloc(100);
    const b = tlsf.malloc(130 * KiB);
    expect(Array.from(mappedBlocksOf(tlsf))).toEqual([
      Math.ceil((16 + 200 * KiB) / 4096) * 4096, 200 * KiB,
      Math.ceil((16 + 130 * KiB) / 4096) * 4096, 130 * KiB,
    ]);
    tlsf.free(a);
    expect(Array.from(mappedBlocksOf(tlsf))).toEqual([Math.ceil((16 + 130 * KiB) / 4096) * 4096, 130 * KiB]);
    tlsf.free(b);
    expect(mappedBlocksOf(tlsf).length).toBe(0);
    expect(mappedBlocksOf(createAllocator("bump", { arenaBytes: 1 << 20 })).length).toBe(0);
  });

  it("race: each tick carries the lane's mapped blocks, summing to its mappedBytes; frames: false leaves them empty", () => {
    const builder = new TraceBuilder();
    builder.malloc(0, 300 * KiB);   // mapped by every lane with a path
    builder.malloc(1, 64);
    builder.malloc(2, 3000);        // mapped by slab only (above its 2 KiB class)
    builder.free(0);
    builder.free(2);
    const trace = builder.build("big");
    const result = race(trace, { allocators: ["bump", "tlsf", "slab"], ticks: 5 });
    for (const lane of result.lanes) {
      for (const tick of lane.ticks) {
        let sum = 0;
        for (let i = 0; i < tick.mapped.length; i += 2) sum += tick.mapped[i];
        expect(sum, `${lane.allocator} at op ${tick.op}`).toBe(tick.mappedBytes);
      }
    }
    const [bump, tlsf, slab] = result.lanes;
    expect(bump.ticks.every((t) => t.mapped.length === 0)).toBe(true);
    expect(tlsf.ticks.map((t) => t.mapped.length / 2)).toEqual([1, 1, 1, 0, 0]);
    expect(slab.ticks.map((t) => t.mapped.length / 2)).toEqual([1, 1, 2, 1, 0]);
    expect(Array.from(slab.ticks[2].mapped)).toEqual([307200 + 4096, 300 * KiB, 4096, 3000]);

    const plain = race(trace, { allocators: ["slab"], ticks: 5, frames: false });
    expect(plain.lanes[0].ticks.every((t) => t.mapped.length === 0 && t.cells.length === 0)).toBe(true);
    expect(plain.lanes[0].ticks.map((t) => t.mappedBytes)).toEqual(slab.ticks.map((t) => t.mappedBytes));
  });
});
