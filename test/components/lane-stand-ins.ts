// Stand-in workers for the race client's tests under Node: a race worker that parses a trace's text
// and answers with its op log, and lane workers that run the real lane code (lane-handler.ts) in this
// process. Messages go through structuredClone with their transfer lists, as postMessage does, so a
// buffer used after it was transferred fails here as it would in the page.
import { parseTrace, resolveArenaBytes } from "../../lib/index.js";
import { laneRequestHandler } from "../../src/components/worker/lane-handler.js";
import { warmUpLanes } from "../../src/components/worker/warm-up.js";
import { opLogOf } from "../../src/components/worker/op-log.js";
import type { LaneReply, LaneRequest } from "../../src/components/worker/lane-protocol.js";
import type { WorkerLike } from "../../src/components/worker/superseding.js";
import type { WorkerReply, WorkerRequest } from "../../src/components/worker/race-protocol.js";

export type LaneBehaviour = "race" | "crash" | "hang";

abstract class StandIn implements WorkerLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  received = 0;
  /** Replies posted so far. */
  replied = 0;
  abstract handle(message: unknown): void;
  postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions): void {
    this.received++;
    const copy = structuredClone(message, { transfer: Array.isArray(transfer) ? transfer : [] });
    setTimeout(() => { if (!this.terminated) this.handle(copy); }, 0);
  }
  protected reply(data: unknown, transfer: Transferable[] = []): void {
    this.replied++;
    const copy = structuredClone(data, { transfer });
    setTimeout(() => { if (!this.terminated) this.onmessage?.({ data: copy } as MessageEvent); }, 0);
  }
  protected crash(message: string): void {
    this.onerror?.({ message, preventDefault() {} } as ErrorEvent);
  }
  terminate(): void { this.terminated = true; }
}

/** Answers "load" with the op log of the trace text the setup holds (the race worker's job; a workload never comes here). */
export class StandInRaceWorker extends StandIn {
  /** "warm" requests received (the real worker parses a small trace; warm-up.test.ts covers that). */
  warmUps = 0;
  handle(message: unknown): void {
    const request = message as WorkerRequest;
    if (request.type === "warm") this.warmUps++;
    if (request.type !== "load") return;
    const stream = request.setup.stream;
    if (stream.kind !== "trace" || stream.text === undefined) throw new Error("the stand-in race worker parses a trace's text only");
    const trace = parseTrace(stream.text, stream.name);
    const arenaBytes = resolveArenaBytes(trace, request.setup.arenaBytes);
    this.reply({ type: "oplog", id: request.id, logs: Array.from({ length: request.copies }, () => opLogOf(trace)), arenaBytes } satisfies WorkerReply);
  }
}

/** Runs a lane worker's own handler (lane-handler.ts) on what it is sent, throws on its first message, or never answers. */
export class StandInLaneWorker extends StandIn {
  /** The ops each lane of each warm-up raced. */
  readonly warmedUp: number[][] = [];
  /** The races ("lanes" requests) received. */
  jobs = 0;
  /** The "resume" messages received, by race id. */
  readonly resumed: number[] = [];
  private readonly handleRequest = laneRequestHandler((reply: LaneReply, transfer?: Transferable[]) => this.reply(reply, transfer));
  constructor(private readonly behaviour: LaneBehaviour = "race") { super(); }
  handle(message: unknown): void {
    const request = message as LaneRequest;
    if (this.behaviour === "crash") { this.crash("Uncaught RangeError: lane boom"); return; }
    if (this.behaviour === "hang") return;
    if (request.type === "warm") {
      // As the handler does (racing the lanes over the warm-up stream, answering nothing), counting the ops.
      this.warmedUp.push(warmUpLanes(request.lanes, request.ticks));
      return;
    }
    if (request.type === "lanes") this.jobs++;
    if (request.type === "resume") this.resumed.push(request.id);
    this.handleRequest(request);
  }
}
