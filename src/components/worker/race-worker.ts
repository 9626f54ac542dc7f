// The page's race worker: generates or parses the stream once and hands its op log to the lane
// workers that race it (lane-worker.ts), and answers "what block is under this pixel" by replaying
// a lane to the scrubbed op. Keeping this off the main thread lets the page stay responsive.
import {
  generateWorkload, isWorkloadName, parseTrace, parseTraceChunks, readableChunks, TraceError, tracePrefix, race, resolveArenaBytes, type Trace, type Allocator,
} from "../../lib/index.js";
import { canShareMemory, opLogOf, opLogTransferables, type OpLog } from "./op-log.js";
import { stateOfBlock, type BlockInfo, type RaceSetup, type StreamSource, type WorkerReply, type WorkerRequest } from "./race-protocol.js";
import { warmUpParser } from "./warm-up.js";
import { FedChunks } from "./fed-chunks.js";

/**
 * A low guess at an mtrace line's length (40–80 bytes with a caller), so that the parser's tables
 * start at about the size the file needs instead of doubling to it (ReaderOptions.expectedOps).
 * A .rep line is shorter: its tables still double from there.
 */
const MTRACE_BYTES_PER_OP = 48;

/** How often the parse of a dropped file reports how far it is. */
const PROGRESS_INTERVAL_MS = 100;

let cachedKey = "";
let cachedTrace: Trace | null = null;
let inspected: { key: string; allocator: Allocator; label: string } | null = null;

const post = (reply: WorkerReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

/** The files the page is feeding (fed-chunks.ts), by the id of the load that asked for them. */
const feeds = new Map<number, FedChunks>();

// A dropped file is read by the page for a load (the race client feeds it), and here for a hover
// that finds nothing cached (a fresh worker after a crash).
function fileChunks(file: Blob, id: number, feed: boolean): AsyncIterable<Uint8Array> {
  if (!feed) return readableChunks(file.stream());
  const chunks = new FedChunks(() => post({ type: "bytes-read", id }));
  feeds.set(id, chunks);
  post({ type: "need-bytes", id });
  return chunks;
}

async function traceOf(stream: StreamSource, id: number, feed = false): Promise<Trace> {
  // A file or text is keyed by its size and name: good enough to reuse a parse between hovers.
  const key = JSON.stringify({ ...stream, text: stream.kind === "trace" && stream.text ? stream.text.length : undefined, file: stream.kind === "trace" && stream.file ? stream.file.size : undefined });
  if (key === cachedKey && cachedTrace) return cachedTrace;
  let trace: Trace;
  if (stream.kind === "workload") {
    if (!isWorkloadName(stream.workload)) throw new RangeError(`unknown workload: ${JSON.stringify(stream.workload)}`);
    trace = generateWorkload(stream.workload, { ...stream.knobs, seed: stream.seed, ops: stream.ops });
  } else {
    // A dropped file and a fetched sample are parsed as their bytes arrive (lib/trace/stream.ts), so
    // a trace far larger than a string can hold opens, and memory follows the op log, not the text.
    if (stream.text !== undefined) {
      post({ type: "progress", id, phase: "parsing", done: 0, total: 1 });
      trace = parseTrace(stream.text, stream.name);
    } else if (stream.file) {
      const total = stream.file.size;
      let reported = -Infinity;
      trace = await parseTraceChunks(fileChunks(stream.file, id, feed), stream.name, (done) => {
        // A message every PROGRESS_INTERVAL_MS, not per 64 KiB chunk: each one re-renders the page's
        // race status on the main thread, which shares the cores with this parse.
        const now = performance.now();
        if (now - reported < PROGRESS_INTERVAL_MS) return;
        reported = now;
        post({ type: "progress", id, phase: "parsing", done, total });
      }, { expectedOps: total / MTRACE_BYTES_PER_OP });
    } else {
      if (!stream.url) throw new Error("a trace needs its text or a URL");
      post({ type: "progress", id, phase: "loading", done: 0, total: 1 });
      const response = await fetch(stream.url);
      if (!response.ok || !response.body) throw new Error(`could not load ${stream.name}: HTTP ${response.status}`);
      trace = await parseTraceChunks(readableChunks(response.body), stream.name);
    }
    if (stream.ops) trace = tracePrefix(trace, stream.ops);
  }
  cachedKey = key;
  cachedTrace = trace;
  inspected = null;
  return trace;
}

function lanesOf(setup: RaceSetup) {
  return setup.lanes.map((lane) => ({ allocator: lane.allocator, label: lane.label, options: lane.options }));
}

/** The op log of the last stream loaded, where memory is shared: packed once per stream. */
let sharedLog: { trace: Trace; log: OpLog } | null = null;

async function load(id: number, setup: RaceSetup, share: boolean, copies: number): Promise<void> {
  let trace: Trace;
  try {
    trace = await traceOf(setup.stream, id, true);
  } finally {
    feeds.delete(id);
  }
  const arenaBytes = resolveArenaBytes(trace, setup.arenaBytes);
  const shared = share && canShareMemory();
  if (shared) {
    if (sharedLog?.trace !== trace) sharedLog = { trace, log: opLogOf(trace, { shared: true }) };
    post({ type: "oplog", id, logs: [sharedLog.log], arenaBytes });
    return;
  }
  // Packed copies of the cached trace (which serves the next run and the hovers), one per lane
  // worker, all transferred: the page forwards each without copying it on its main thread.
  const logs = Array.from({ length: Math.max(1, copies) }, () => opLogOf(trace));
  post({ type: "oplog", id, logs, arenaBytes }, logs.flatMap(opLogTransferables));
}

async function inspect(id: number, setup: RaceSetup, laneIndex: number, op: number, address: number): Promise<void> {
  const trace = await traceOf(setup.stream, id);
  const key = JSON.stringify({ lanes: setup.lanes[laneIndex], arena: setup.arenaBytes, op, laneIndex });
  if (!inspected || inspected.key !== key) {
    const arenaBytes = resolveArenaBytes(trace, setup.arenaBytes);
    let captured: Allocator | null = null;
    race(tracePrefix(trace, op), {
      lanes: [lanesOf(setup)[laneIndex]], arenaBytes, ticks: 1, frames: false, checkAtTicks: false,
      onFinish: (allocator) => { captured = allocator; },
    });
    inspected = { key, allocator: captured!, label: setup.lanes[laneIndex].label ?? setup.lanes[laneIndex].allocator };
  }
  let block: BlockInfo | null = null;
  inspected.allocator.walk((start, bytes, payload, requested) => {
    if (block === null && address >= start && address < start + bytes) {
      block = { start, bytes, payload, requested, state: stateOfBlock(start, bytes, payload, requested) };
    }
  });
  post({ type: "block", id, block, label: inspected.label, op });
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === "bytes") {
    const chunks = feeds.get(request.id);
    if (request.chunk) chunks?.push(new Uint8Array(request.chunk));
    else if (request.error) chunks?.fail(new Error(request.error));
    else chunks?.end();
    return;
  }
  if (request.type === "warm") {
    // Nobody waits for a warm-up: a failure costs only the head start, and is left for the console.
    warmUpParser().catch((error) => console.warn("race worker warm-up failed:", error));
    return;
  }
  try {
    if (request.type === "load") await load(request.id, request.setup, request.share, request.copies);
    else if (request.type === "inspect") await inspect(request.id, request.setup, request.lane, request.op, request.address);
  } catch (error) {
    const traceError = error instanceof TraceError ? { line: error.line, text: error.text } : {};
    post({ type: "error", id: request.id, message: error instanceof Error ? error.message : String(error), ...traceError });
  }
};
