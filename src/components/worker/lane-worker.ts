// A lane worker: races the lanes the race client hands it (one per worker when there are cores
// enough, three each for six lanes on two cores) over an op log parsed once by the race worker, or
// over a workload it generates itself, and reports ticks and results as they come (lane-race.ts).
// Before its first race it may be asked to warm up (warm-up.ts), which it does without a reply.
// What it does with each message is lane-handler.ts; this file only connects it to the worker.
import { laneRequestHandler } from "./lane-handler.js";
import type { LaneReply, LaneRequest } from "./lane-protocol.js";

const post = (reply: LaneReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);
const handle = laneRequestHandler(post);

self.onmessage = (event: MessageEvent<LaneRequest>) => handle(event.data);
