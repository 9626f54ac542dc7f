// A lane worker: races the lanes the race client hands it (one per worker when there are cores
// enough, three each for six lanes on two cores) over an op log parsed once by the race worker,
// and reports ticks and results as they come (lane-race.ts). Before its first race it may be
// asked to warm up (warm-up.ts), which it does without a reply.
import { raceLanes } from "./lane-race.js";
import { warmUpLanes } from "./warm-up.js";
import type { LaneReply, LaneRequest } from "./lane-protocol.js";

const post = (reply: LaneReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

self.onmessage = (event: MessageEvent<LaneRequest>) => {
  const request = event.data;
  if (request.type === "warm") {
    // Nobody waits for a warm-up: a failure costs only the head start, and is left for the console.
    try { warmUpLanes(request.lanes, request.ticks); } catch (error) { console.warn("lane worker warm-up failed:", error); }
    return;
  }
  try {
    raceLanes(request.id, request.job, post);
  } catch (error) {
    post({ type: "error", id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
};
