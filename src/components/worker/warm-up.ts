// What the workers do before the first race — on the trace page while the reader looks for a file,
// on the race page once the reader points at the live settings: run the code the real race
// will run — the mtrace parser over a file's chunks, the lanes' allocators and the race engine
// with frames and checks — on a small generated stream, so that it is compiled and optimized
// before the reader's trace arrives. With this (and the main thread's lighter repaints) a 600k-op
// trace picked a second after the page is idle races in a median 2.2 s instead of 2.9 s
// (bench/README.md, "The trace page warms its workers up").
import { formatMtrace, parseTraceChunks, readableChunks, type LaneSpec } from "../../lib/index.js";
import { raceLanes } from "./lane-race.js";
import { generateStream } from "./workload-stream.js";
import type { WorkloadSource } from "./race-protocol.js";

/** Big enough for every hot loop to reach the optimizing tier, small enough to take ~0.1 s cold. */
export const WARM_UP_OPS = 20_000;
/** The one stream both warm-ups use: the parser reads it as mtrace text, the lanes generate it. */
const WARM_UP_STREAM: WorkloadSource = { kind: "workload", workload: "redis_cache", seed: 1, ops: WARM_UP_OPS };

/** Parses a generated mtrace file as a dropped file is parsed (a Blob's stream); resolves with its op count. */
export async function warmUpParser(): Promise<number> {
  const text = formatMtrace(generateStream(WARM_UP_STREAM), { caller: "./warm-up:[0x401000]" });
  const trace = await parseTraceChunks(readableChunks(new Blob([text]).stream()), "warm-up");
  return trace.length;
}

/**
 * Races `lanes` over a generated stream exactly as a lane worker races a live re-run's job
 * (raceLanes: generation, preview and all), with nowhere to post to; returns the ops each lane raced.
 */
export function warmUpLanes(lanes: ReadonlyArray<Pick<LaneSpec, "allocator" | "label" | "options">>, ticks: number): number[] {
  const raced: number[] = lanes.map(() => 0);
  raceLanes(0, {
    stream: WARM_UP_STREAM, arenaBytes: "auto", ticks, previewTick: ticks - 1,
    lanes: lanes.map((spec, index) => ({ index, spec })),
  }, (reply) => {
    if (reply.type === "lane") raced[reply.index] = reply.lane.opsRun;
    if (reply.type === "error") throw new Error(reply.message);
  });
  return raced;
}
