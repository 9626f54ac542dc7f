// Which ticks a lane worker posts while it races: every one without a preview (the page builds its
// partial views from them), and after a preview only one per lane every FRAME_INTERVAL_MS, since
// they then only move a progress bar and the lane's result brings every tick.
import { describe, expect, it } from "vitest";
import { FRAME_INTERVAL_MS, raceLanes } from "../../src/components/worker/lane-race.js";
import type { LaneJob, LaneReply } from "../../src/components/worker/lane-protocol.js";

const job = (previewTick: number, ops: number): LaneJob => ({
  stream: { kind: "workload", workload: "larson", seed: 3, ops },
  lanes: [{ index: 0, spec: { allocator: "segfit" } }, { index: 1, spec: { allocator: "slab" } }],
  arenaBytes: 1 << 21, ticks: 10, previewTick,
});

function ticksPosted(lanesJob: LaneJob, now: () => number): { ticks: Array<[number, number, boolean]>; results: number } {
  const ticks: Array<[number, number, boolean]> = [];
  let results = 0;
  raceLanes(1, lanesJob, (reply: LaneReply) => {
    if (reply.type === "tick") ticks.push([reply.index, reply.tick, reply.cells !== null]);
    if (reply.type === "lane") { results++; expect(reply.lane.ticks).toHaveLength(10); }
  }, { now });
  return { ticks, results };
}

describe("lane worker: the ticks it posts", () => {
  it("after a preview, the first tick of each lane and then one per interval, with no heat map", () => {
    const still = ticksPosted(job(9, 4000), () => 0);
    expect(still.ticks).toEqual([[0, 0, false], [1, 0, false]]);
    expect(still.results).toBe(2);
    let t = 0;
    // Each tick of either lane moves the clock a quarter interval, so half an interval passes
    // between one lane's ticks: every other tick goes.
    const moving = ticksPosted(job(9, 4000), () => (t += FRAME_INTERVAL_MS / 4));
    expect(moving.ticks.filter(([lane]) => lane === 0).map(([, tick]) => tick)).toEqual([0, 2, 4, 6, 8]);
  });

  it("without a preview, every tick's figures, and a heat map with the first and one per interval", () => {
    // 70k ops at the last tick: past PREVIEW_MAX_OPS, so no preview.
    const { ticks, results } = ticksPosted({ ...job(9, 70_000), lanes: [{ index: 0, spec: { allocator: "bump" } }] }, () => 0);
    expect(ticks.map(([, tick]) => tick)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ticks.map(([, , withCells]) => withCells)).toEqual([true, false, false, false, false, false, false, false, false, false]);
    expect(results).toBe(1);
  });
});
