// The placement and size-class labs' worker: builds or loads a stream, races the lanes the lab asks
// for, and posts back the race view (heat maps, ticks) with the lab's own figures. Lanes with a
// custom allocator (the size-class wrapper) cannot be posted to a worker, so each request names its
// lab and the worker builds the lanes.
import {
  generateWorkload, isWorkloadName, parseTrace, tracePrefix, race, checkClassicResults, largestRequest, placementLanes, placementPoints, requestSizeCounts, sizeClassLanes, sizeClassPoints, type Trace,
} from "../../lib/index.js";
import { fromRaceResult, type RaceView } from "../core/race-view.js";
import type { StreamSource } from "./race-protocol.js";
import type { LabRaceReply, LabRaceRequest } from "./lab-races.js";

const post = (reply: LabRaceReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

// The last few streams, by their description: a knob that changes only the lanes re-races at once.
const traces = new Map<string, Trace>();
const KEEP_TRACES = 10;

async function traceOf(stream: StreamSource, id: number): Promise<Trace> {
  const key = JSON.stringify(stream);
  const cached = traces.get(key);
  if (cached) return cached;
  let trace: Trace;
  if (stream.kind === "workload") {
    if (!isWorkloadName(stream.workload)) throw new RangeError(`unknown workload: ${JSON.stringify(stream.workload)}`);
    trace = generateWorkload(stream.workload, { ...stream.knobs, seed: stream.seed, ops: stream.ops });
  } else {
    if (!stream.url) throw new Error(`no URL for the trace ${stream.name}`);
    post({ type: "progress", id, phase: `loading ${stream.name}`, done: 0, total: 1 });
    const response = await fetch(stream.url);
    if (!response.ok) throw new Error(`could not load ${stream.name}: HTTP ${response.status}`);
    trace = parseTrace(await response.text(), stream.name);
    if (stream.ops) trace = tracePrefix(trace, stream.ops);
  }
  if (traces.size >= KEEP_TRACES) traces.delete(traces.keys().next().value!);
  traces.set(key, trace);
  return trace;
}

function sourceOf(stream: StreamSource): string {
  return stream.kind === "workload" ? stream.workload : stream.name;
}

function framesOf(view: RaceView): Transferable[] {
  return view.lanes.flatMap((lane) => lane.frames.map((frame) => frame.buffer as ArrayBuffer));
}

async function handle(request: LabRaceRequest): Promise<void> {
  const started = performance.now();
  const progress = (phase: string) => (done: number, total: number) => post({ type: "progress", id: request.id, phase, done, total });
  switch (request.type) {
    case "placement": {
      const trace = await traceOf(request.stream, request.id);
      const result = race(trace, { lanes: placementLanes(), arenaBytes: request.arenaBytes, ticks: request.ticks, onProgress: progress("racing") });
      const view = fromRaceResult(result, { source: sourceOf(request.stream), kind: request.stream.kind });
      post({ type: "placement", id: request.id, view, points: placementPoints(result, trace), ms: performance.now() - started }, framesOf(view));
      return;
    }
    case "placement-sweep": {
      for (const [index, source] of request.sources.entries()) {
        post({ type: "progress", id: request.id, phase: sourceOf(source.stream), done: index, total: request.sources.length });
        const trace = await traceOf(source.stream, request.id);
        const result = race(trace, { lanes: placementLanes(), arenaBytes: source.arenaBytes, ticks: 8, frames: false });
        const points = placementPoints(result, trace);
        post({
          type: "sweep-row", id: request.id, source: sourceOf(source.stream), kind: source.stream.kind, ops: trace.length,
          arenaBytes: result.arenaBytes, largestRequest: largestRequest(trace), points, checks: checkClassicResults(points),
        });
      }
      post({ type: "done", id: request.id, ms: performance.now() - started });
      return;
    }
    case "size-classes": {
      const trace = await traceOf(request.stream, request.id);
      const lanes = sizeClassLanes(request.spacings, { backend: request.backend, backendOptions: request.backendOptions });
      const result = race(trace, { lanes, arenaBytes: request.arenaBytes, ticks: request.ticks, onProgress: progress("racing") });
      const view = fromRaceResult(result, { source: sourceOf(request.stream), kind: request.stream.kind });
      const sizeCounts = requestSizeCounts(trace, request.sizeLimit);
      post({ type: "size-classes", id: request.id, view, points: sizeClassPoints(result), sizeCounts, ms: performance.now() - started }, [...framesOf(view), sizeCounts.buffer as ArrayBuffer]);
      return;
    }
  }
}

self.onmessage = async (event: MessageEvent<LabRaceRequest>) => {
  const request = event.data;
  try {
    await handle(request);
  } catch (error) {
    post({ type: "error", id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
};
