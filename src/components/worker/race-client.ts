// The page side of a race. The race worker parses a trace once, on a SupersedingWorker (a new race
// replaces one still loading; a crashed worker is an error the page shows, followed by a fresh
// worker); its op log then goes to the lane workers (lane-pool.ts), which race the lanes side by
// side and are merged back, in lane order, into the sequential race. A workload goes straight to
// the lane workers, which generate it themselves. Hover look-ups use a worker of their own that
// answers them in turn, so they never queue behind a race and a hover never cancels another.
import type { BlockInfo, RaceSetup, WorkerReply, WorkerRequest } from "./race-protocol.js";
import { fromRaceResult, type RaceView } from "../core/race-view.js";
import { SupersedingWorker, isSuperseded, type WorkerLike } from "./superseding.js";
import { LanePool, type PoolJob } from "./lane-pool.js";
import { RaceAssembly, type LaneProgress } from "./lane-merge.js";
import { canShareMemory, type OpLog } from "./op-log.js";
import { FeedWindow, feedFile } from "./fed-chunks.js";
import { JoinedRace, type RaceCallbacks } from "./joined-race.js";
import { afterNextPaint } from "../core/after-paint.js";

export { isSuperseded, type WorkerLike, type LaneProgress, type RaceCallbacks };

/**
 * Partial views while the lanes race are repainted at most this often. Each one is main-thread
 * work that takes a core from the lane workers: with none after the first frames a 600k-op trace
 * raced ~120 ms sooner; every 400 ms instead of every 150 ms, ~50 ms sooner (15 alternating runs).
 */
const PARTIAL_VIEW_INTERVAL_MS = 400;

export interface RaceOutcome { view: RaceView; ms: number; droppedFrees: number }
export interface BlockOutcome { block: BlockInfo | null; label: string; op: number }

function spawnRaceWorker(): Worker {
  return new Worker(import.meta.resolve("./race-worker.js"), { type: "module" });
}

function spawnLaneWorker(): Worker {
  return new Worker(import.meta.resolve("./lane-worker.js"), { type: "module" });
}

export class RaceClient {
  private readonly races: SupersedingWorker<WorkerReply>;
  private readonly lanes: LanePool;
  private inspectWorker: WorkerLike | null = null;
  private nextInspectId = 1;
  private generation = 0;
  private latest: JoinedRace<RaceOutcome> | null = null;
  private readonly lookups = new Map<number, { resolve: (outcome: BlockOutcome) => void; reject: (error: Error) => void }>();

  /**
   * `spawn` starts a race worker and `spawnLanes` a lane worker; the page uses the real ones, tests
   * pass stand-ins. `cores` is navigator.hardwareConcurrency unless a test says otherwise.
   */
  constructor(private readonly spawn: () => WorkerLike = spawnRaceWorker, spawnLanes: () => WorkerLike = spawnLaneWorker, cores?: () => number | undefined) {
    this.races = new SupersedingWorker<WorkerReply>(spawn, "the race worker");
    this.lanes = new LanePool(spawnLanes, cores);
  }

  /**
   * Races `setup`, stopping the race under way, unless that race is this one: a workload setup
   * equal to the latest race's (which has not failed) joins it (joined-race.ts), so the page can
   * start a live re-run from the input event and its race cell find it under way, or done.
   */
  race(setup: RaceSetup, previewTick: number, callbacks: RaceCallbacks = {}): Promise<RaceOutcome> {
    // A trace is not keyed: two dropped files of one name and size would look the same.
    const key = setup.stream.kind === "workload" ? JSON.stringify([setup, previewTick]) : null;
    if (!this.latest?.answers(key)) this.latest = new JoinedRace(key, (fanOut) => this.start(setup, previewTick, fanOut));
    return this.latest.join(callbacks);
  }

  private async start(setup: RaceSetup, previewTick: number, callbacks: RaceCallbacks): Promise<RaceOutcome> {
    const started = performance.now();
    const generation = ++this.generation;
    // Lanes still racing a trace's old setup stop now, not when the new one is loaded; a workload's
    // race goes to the lanes at once, which replace the old one themselves (lane-pool.ts).
    if (setup.stream.kind !== "workload") this.lanes.supersede();
    this.lanes.start(setup.lanes.length);
    // A workload goes to the lane workers as its recipe: each generates it, with no round trip
    // through the race worker (which, if still loading a trace for an older race, stops).
    let stream: PoolJob["stream"], arenaBytes: PoolJob["arenaBytes"];
    if (setup.stream.kind === "workload") {
      this.races.supersede();
      stream = setup.stream;
      arenaBytes = setup.arenaBytes;
    } else {
      const loaded = await this.load(setup, callbacks);
      if (generation !== this.generation) throw Object.assign(new Error("superseded by a newer run"), { superseded: true });
      stream = { kind: "logs", logs: loaded.logs };
      arenaBytes = loaded.arenaBytes;
    }

    const source = setup.stream.kind === "workload" ? setup.stream.workload : setup.stream.name;
    let assembly: RaceAssembly | null = null;
    let droppedFrees = 0, previewed = false, lastPartial = -Infinity;
    await this.lanes.run({ stream, lanes: setup.lanes, arenaBytes, ticks: setup.ticks, previewTick }, (reply) => {
      if (reply.type === "stream") {
        // Every worker names the same stream; the first to answer sets the race up.
        if (assembly) return;
        assembly = new RaceAssembly(setup.lanes, { name: reply.name, arenaBytes: reply.arenaBytes, ops: reply.ops, previewTick, source, kind: setup.stream.kind });
        droppedFrees = reply.droppedFrees;
        callbacks.onProgress?.("racing", 0, reply.ops);
        return;
      }
      if (!assembly) throw new Error(`a lane worker sent "${reply.type}" before naming its stream`);
      assembly.accept(reply);
      if (reply.type === "preview") {
        if (!previewed && assembly.previewReady()) {
          previewed = true;
          // The lane workers hold the rest of the race until the preview is on screen (lane-handler.ts).
          const raceId = reply.id;
          afterNextPaint(() => this.lanes.resume(raceId));
          callbacks.onPreview?.(assembly.partialView()!, performance.now() - started);
        }
        return;
      }
      if (reply.type === "lane" || reply.type === "tick") callbacks.onLaneProgress?.(assembly.progress());
      // Without a preview, the page shows every lane's latest frame as the race goes.
      const now = performance.now();
      if (!previewed && reply.type === "tick" && reply.cells && now - lastPartial >= PARTIAL_VIEW_INTERVAL_MS && assembly.framesReady() && !assembly.done()) {
        lastPartial = now;
        callbacks.onPreview?.(assembly.partialView()!, now - started);
      }
    });
    const view = fromRaceResult(assembly!.result(), { source, kind: setup.stream.kind });
    return { view, ms: performance.now() - started, droppedFrees };
  }

  /** A trace parsed (or fetched and parsed) by the race worker: one op log copy per lane worker. */
  private load(setup: RaceSetup, callbacks: RaceCallbacks): Promise<{ logs: OpLog[]; arenaBytes: number }> {
    const file = setup.stream.kind === "trace" ? setup.stream.file : undefined;
    const feedWindow = new FeedWindow();
    const share = canShareMemory();
    const copies = this.lanes.workersFor(setup.lanes.length);
    return this.races.run<{ logs: OpLog[]; arenaBytes: number }>((id): WorkerRequest => ({ type: "load", id, setup, share, copies }), (reply) => {
      switch (reply.type) {
        case "progress": callbacks.onProgress?.(reply.phase, reply.done, reply.total); return undefined;
        case "need-bytes":
          // Read here, the file's bytes are ready as fast as the worker parses them (fed-chunks.ts).
          void feedFile(file!, feedWindow, (piece, transfer) => this.races.post(reply.id, { type: "bytes", id: reply.id, ...piece } satisfies WorkerRequest, transfer));
          return undefined;
        case "bytes-read": feedWindow.read(); return undefined;
        case "oplog": return { value: { logs: reply.logs, arenaBytes: reply.arenaBytes } };
        case "error": return { error: Object.assign(new Error(reply.message), { line: reply.line, text: reply.text }) };
        default: return undefined;
      }
    }).finally(() => feedWindow.close());
  }

  /**
   * Starts the race worker and the lane workers a race of `lanes` will use while the page is idle
   * (before a file is picked), and warms them up (warm-up.ts): the race worker parses a small
   * generated trace, each lane worker races its lanes over one. Their start-up and their JIT's
   * first passes are then off the first race's path, which queues behind the warm-up if it
   * comes sooner.
   */
  warm(lanes: RaceSetup["lanes"], ticks: number): void {
    this.races.warm({ type: "warm" } satisfies WorkerRequest);
    this.lanes.warm(lanes, ticks);
  }

  inspect(setup: RaceSetup, lane: number, op: number, address: number): Promise<BlockOutcome> {
    const worker = (this.inspectWorker ??= this.connectInspector(this.spawn()));
    const id = this.nextInspectId++;
    return new Promise<BlockOutcome>((resolve, reject) => {
      this.lookups.set(id, { resolve, reject });
      worker.postMessage({ type: "inspect", id, setup, lane, op, address } satisfies WorkerRequest);
    });
  }

  terminate(): void {
    this.races.terminate();
    this.lanes.terminate();
    this.inspectWorker?.terminate();
    this.inspectWorker = null;
    this.failLookups(Object.assign(new Error("the page moved on"), { superseded: true }));
  }

  private connectInspector(worker: WorkerLike): WorkerLike {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const lookup = this.lookups.get(reply.id);
      if (!lookup) return;
      this.lookups.delete(reply.id);
      if (reply.type === "block") lookup.resolve({ block: reply.block, label: reply.label, op: reply.op });
      else if (reply.type === "error") lookup.reject(new Error(reply.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      if (this.inspectWorker === worker) this.inspectWorker = null;
      this.failLookups(new Error(`the hover worker crashed (${event.message || "unknown error"})`));
    };
    return worker;
  }

  private failLookups(error: Error): void {
    for (const lookup of this.lookups.values()) lookup.reject(error);
    this.lookups.clear();
  }
}
