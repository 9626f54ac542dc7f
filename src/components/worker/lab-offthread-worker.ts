// The lab pages' worker: runs one lab's races off the main thread, so knobs stay responsive while
// a few hundred thousand allocator operations and their heat maps are computed.
import { runLifetimesLab, runFreeLookupLab, LEAK_STREAMS, runLeakStream, surveyAllocators } from "../../lib/index.js";
import { fromRaceResult, type RaceView } from "../core/race-view.js";
import type { LabJobs, LabName, LabReply, LabRequest } from "./lab-offthread-protocol.js";

const post = (reply: LabReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

function framesOf(view: RaceView): Transferable[] {
  return view.lanes.flatMap((lane) => lane.frames.map((frame) => frame.buffer as ArrayBuffer));
}

function run(request: LabRequest): { payload: LabJobs[LabName]["payload"]; transfer: Transferable[] } {
  switch (request.lab) {
    case "lifetimes": {
      const lab = runLifetimesLab(request.options as LabJobs["lifetimes"]["options"]);
      const view = fromRaceResult(lab.result, { source: "lifetimes" });
      return {
        payload: { view, regionsAlive: lab.regionsAlive.map((ticks) => [...ticks]), requests: lab.stream.requests, longLived: lab.stream.longLived, longLivedAtEnd: lab.stream.longLivedAtEnd },
        transfer: framesOf(view),
      };
    }
    case "free-lookup": {
      const lab = runFreeLookupLab(request.options as LabJobs["free-lookup"]["options"]);
      const view = fromRaceResult(lab.result, { source: "free-lookup" });
      return { payload: { view, lanes: lab.lanes, oversize: lab.oversize }, transfer: framesOf(view) };
    }
    case "leak-streams": {
      const options = request.options as LabJobs["leak-streams"]["options"];
      const runs = LEAK_STREAMS.map((name) => {
        const run = runLeakStream(name, options);
        return { name, leaked: run.leaked, leakedBytes: run.leakedBytes, ops: run.ops, view: fromRaceResult(run.result, { source: name }), diagnosis: run.diagnosis };
      });
      return { payload: { runs }, transfer: runs.flatMap((r) => framesOf(r.view)) };
    }
    case "leak-survey":
      return { payload: { rows: surveyAllocators(request.options as LabJobs["leak-survey"]["options"]) }, transfer: [] };
    default:
      throw new RangeError(`unknown lab: ${JSON.stringify((request as { lab: unknown }).lab)}`);
  }
}

self.onmessage = (event: MessageEvent<LabRequest>) => {
  const request = event.data;
  const started = performance.now();
  try {
    const { payload, transfer } = run(request);
    post({ type: "result", id: request.id, payload, ms: performance.now() - started }, transfer);
  } catch (error) {
    post({ type: "error", id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
};
