// The page's parallel race, under Node: lanes raced by separate lane workers (here the real lane
// code behind stand-in workers) and merged in lane order give exactly the sequential race — same
// ticks, same cells, same tables — whatever the number of workers; the page gets every lane's
// frames before the race ends, each lane's progress as it comes, and a crashed lane worker is a
// message followed by a working next race.
import { describe, expect, it } from "vitest";
import { ALLOCATORS, formatRep, generateWorkload, parseTrace, race } from "../../lib/index.js";
import { latencyTable, raceSummaryTable, ticksTable, toArrowBytes } from "../../lib/arrow.js";
import { RaceClient, isSuperseded, type LaneProgress } from "../../src/components/worker/race-client.js";
import { LANE_COSTS, RaceAssembly, assignLanes, laneWorkerCount, mergeLaneResults } from "../../src/components/worker/lane-merge.js";
import { raceLanes, opAtTick } from "../../src/components/worker/lane-race.js";
import { opLogOf, opLogTransferables, type OpLog } from "../../src/components/worker/op-log.js";
import { LanePool } from "../../src/components/worker/lane-pool.js";
import { WARM_UP_OPS } from "../../src/components/worker/warm-up.js";
import { fromRaceResult, type RaceView } from "../../src/components/core/race-view.js";
import type { LaneReply, LaneRequest } from "../../src/components/worker/lane-protocol.js";
import type { RaceSetup } from "../../src/components/worker/race-protocol.js";
import { StandInLaneWorker, StandInRaceWorker, type LaneBehaviour } from "./lane-stand-ins.js";

const LANES = ALLOCATORS.map((allocator) => ({ allocator }));
const ARENA = 1 << 21;
/** Past lane-race.ts's PREVIEW_MAX_OPS at the last tick, so a race of this length has no preview. */
const LONG_OPS = 62_000;

function setupOf(ops: number, seed = 4): RaceSetup {
  return { stream: { kind: "workload", workload: "redis_cache", seed, ops }, arenaBytes: ARENA, lanes: LANES, ticks: 16 };
}

function clientOf(laneBehaviours: LaneBehaviour[] = [], cores = 8) {
  const lanes: StandInLaneWorker[] = [];
  const client = new RaceClient(() => new StandInRaceWorker(), () => {
    const worker = new StandInLaneWorker(laneBehaviours[lanes.length] ?? "race");
    lanes.push(worker);
    return worker;
  }, () => cores);
  return { client, lanes };
}

/** The deterministic tables of a race, as the bytes a loader would write (digested). */
function raceTablesBytes(result: ReturnType<typeof race>): unknown {
  const races = [{ source: "s", kind: "workload" as const, result }];
  return digest([raceSummaryTable(races), ticksTable(races), latencyTable(races)].map(toArrowBytes));
}

/**
 * The value with every typed array replaced by its length and a hash of its bytes: toEqual on
 * hundreds of 16 KiB heat maps compares them element by element and takes minutes.
 */
function digest(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let hash = 2166136261;
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 16777619);
    return `${value.constructor.name}(${bytes.length}) #${(hash >>> 0).toString(16)}`;
  }
  if (Array.isArray(value)) return value.map(digest);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, digest(v)]));
  return value;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const sequentialView = (ops: number, seed = 4): RaceView =>
  fromRaceResult(race(generateWorkload("redis_cache", { seed, ops }), { lanes: LANES, arenaBytes: ARENA, ticks: 16 }), { source: "redis_cache", kind: "workload" });

describe("lane workers", () => {
  it("lane workers: one worker per core (one per lane when there are cores enough)", () => {
    expect(laneWorkerCount(6, 8)).toBe(6);
    expect(laneWorkerCount(6, 2)).toBe(2);
    expect(laneWorkerCount(6, 1)).toBe(1);
    expect(laneWorkerCount(12, 4)).toBe(4);
    expect(laneWorkerCount(6, undefined)).toBe(2);
    expect(laneWorkerCount(1, 16)).toBe(1);
  });

  it("lane workers: lanes are split so each worker's share costs about the same, every lane once", () => {
    const builtIn = ALLOCATORS.map((allocator) => ({ allocator }));
    expect(assignLanes(builtIn, 6)).toEqual([[0], [1], [2], [3], [4], [5]]);
    // Six on two: freelist (the dearest) with buddy and bump, against segfit, slab and tlsf.
    const [first, second] = assignLanes(builtIn, 2).map((group) => group.map((lane) => ALLOCATORS[lane]));
    expect(first).toEqual(["bump", "freelist", "buddy"]);
    expect(second).toEqual(["segfit", "slab", "tlsf"]);
    const cost = (group: number[]) => group.reduce((sum, lane) => sum + LANE_COSTS[ALLOCATORS[lane]], 0);
    const [a, b] = assignLanes(builtIn, 2).map(cost);
    expect(Math.abs(a - b) / (a + b)).toBeLessThan(0.05);
    // Lanes of equal cost (unknown allocators count 1) are dealt round-robin.
    const unknown = (n: number) => Array.from({ length: n }, () => ({ allocator: "custom" }));
    expect(assignLanes(unknown(6), 4)).toEqual([[0, 4], [1, 5], [2], [3]]);
    expect(assignLanes(unknown(2), 8)).toEqual([[0], [1]]);
    for (const lanes of [builtIn, [...builtIn, ...builtIn], unknown(7)]) {
      for (const workers of [1, 2, 3, 5]) {
        const groups = assignLanes(lanes, workers);
        expect(groups.flat().sort((x, y) => x - y)).toEqual(lanes.map((_, i) => i));
        expect(groups.length).toBe(Math.min(workers, lanes.length));
      }
    }
  });

  it("lane workers: each worker is handed an op log copy of its own, transferred, so the page copies nothing", () => {
    const posts: { worker: number; log: unknown; transfer: unknown[] }[] = [];
    let spawned = 0;
    const pool = new LanePool(() => {
      const worker = spawned++;
      return {
        onmessage: null, onerror: null, terminate() {},
        postMessage(message: unknown, transfer?: unknown) {
          const request = message as LaneRequest;
          if (request.type === "lanes") posts.push({ worker, log: request.job.stream.kind === "log" ? request.job.stream.log : null, transfer: (transfer as unknown[]) ?? [] });
        },
      };
    }, () => 3);
    const trace = generateWorkload("larson", { seed: 1, ops: 200 });
    const job = (logs: OpLog[]) => ({ stream: { kind: "logs" as const, logs }, lanes: LANES, arenaBytes: ARENA, ticks: 4, previewTick: 3 });
    expect(pool.workersFor(LANES.length)).toBe(3);
    const copies = [opLogOf(trace), opLogOf(trace), opLogOf(trace)];
    void pool.run(job(copies), () => {}).catch(() => {});
    expect(posts.map((post) => post.log)).toEqual(copies);
    posts.forEach((post, g) => expect(post.transfer).toEqual(opLogTransferables(copies[g])));
    // Short of copies, the last one is posted as a copy to the workers beyond it and transferred
    // by the last worker, after the others have been sent theirs.
    posts.length = 0;
    const one = opLogOf(trace);
    void pool.run(job([one]), () => {}).catch(() => {});
    expect(posts.map((post) => post.transfer.length)).toEqual([0, 0, 3]);
    // A workload goes as its recipe, to every worker, with nothing to transfer.
    posts.length = 0;
    const recipe = { kind: "workload" as const, workload: "larson", seed: 1, ops: 200 };
    void pool.run({ ...job([]), stream: recipe }, () => {}).catch(() => {});
    expect(posts.map((post) => [post.log, post.transfer.length])).toEqual([[null, 0], [null, 0], [null, 0]]);
    pool.terminate();
  });

  it("lane workers: lanes raced apart and merged in lane order equal the sequential race, table bytes and all", () => {
    const trace = generateWorkload("python_repl", { seed: 2, ops: 6000 });
    const options = { lanes: LANES, arenaBytes: ARENA, ticks: 12 };
    const sequential = race(trace, options);
    // Each worker reads a copy of the op log, or generates the workload from its recipe itself.
    const streams = [
      () => ({ kind: "log" as const, log: opLogOf(trace) }),
      () => ({ kind: "workload" as const, workload: "python_repl", seed: 2, ops: 6000 }),
    ];
    for (const stream of streams) {
      for (const workers of [1, 2, 4, LANES.length]) {
        const results: Array<ReturnType<typeof race>["lanes"][number] | undefined> = LANES.map(() => undefined);
        const named: unknown[] = [];
        // Finished groups come back in reverse: the merge must not depend on arrival order.
        for (const group of assignLanes(LANES, workers).reverse()) {
          raceLanes(1, { stream: stream(), lanes: group.map((index) => ({ index, spec: LANES[index] })), arenaBytes: ARENA, ticks: 12, previewTick: 11 }, (reply: LaneReply) => {
            if (reply.type === "stream") named.push(reply);
            if (reply.type === "lane") results[reply.index] = reply.lane;
          });
        }
        // Every worker first says what it races: the same stream, whoever made it.
        expect(new Set(named.map((reply) => JSON.stringify(reply)))).toEqual(new Set([JSON.stringify({ type: "stream", id: 1, name: trace.name, ops: trace.length, droppedFrees: 0, arenaBytes: ARENA })]));
        const merged = mergeLaneResults(trace.name, ARENA, trace.length, results);
        expect(digest(merged), `${stream().kind}, ${workers} workers`).toEqual(digest(sequential));
        expect(raceTablesBytes(merged)).toEqual(raceTablesBytes(sequential));
      }
    }
  });

  it("lane workers: a merge with a lane missing says which", () => {
    expect(() => mergeLaneResults("t", ARENA, 10, [undefined])).toThrow(/lane 0 has not finished/);
  });

  it("lane workers: through the race client, the worker race equals the sequential race", async () => {
    const { client, lanes } = clientOf();
    const outcome = await client.race(setupOf(8000), 15);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(8000)));
    expect(lanes).toHaveLength(LANES.length);
    // The client told every worker the preview was shown, so none waited out its hold.
    expect(lanes.map((worker) => worker.resumed)).toEqual(lanes.map(() => [1]));
    // A second race reuses the idle workers.
    const again = await client.race(setupOf(8000, 5), 15);
    expect(digest(again.view)).toEqual(digest(sequentialView(8000, 5)));
    expect(lanes).toHaveLength(LANES.length);
  });

  it("lane workers: a workload goes straight to the lane workers; a trace is loaded by the race worker first", async () => {
    const raceWorkers: StandInRaceWorker[] = [];
    const client = new RaceClient(() => { const worker = new StandInRaceWorker(); raceWorkers.push(worker); return worker; }, () => new StandInLaneWorker("race"), () => 2);
    const generated = await client.race(setupOf(3000), 15);
    expect(raceWorkers).toHaveLength(0);
    expect(digest(generated.view)).toEqual(digest(sequentialView(3000)));
    const trace = generateWorkload("redis_cache", { seed: 4, ops: 3000 });
    const parsed = await client.race({ ...setupOf(3000), stream: { kind: "trace", name: "t.rep", text: formatRep(trace) } }, 15);
    expect(raceWorkers).toHaveLength(1);
    expect(raceWorkers[0].received).toBe(1);
    const expected = fromRaceResult(race(parseTrace(formatRep(trace), "t.rep"), { lanes: LANES, arenaBytes: ARENA, ticks: 16 }), { source: "t.rep", kind: "trace" });
    expect(digest(parsed.view)).toEqual(digest(expected));
  });

  it("lane workers: asked again for the race under way (the page's early start, then its race cell), the client joins it", async () => {
    const { client, lanes } = clientOf([], 2);
    const early: RaceView[] = [], late: RaceView[] = [];
    const first = client.race(setupOf(4000), 15, { onPreview: (view) => early.push(view) });
    const second = client.race(setupOf(4000), 15, { onPreview: (view) => late.push(view) });
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    expect(lanes.map((worker) => worker.jobs)).toEqual([1, 1]);
    expect([early.length, late.length]).toEqual([1, 1]);
    // Asked once more after it is done, the client answers with it, showing its preview first.
    const after: RaceView[] = [];
    expect(await client.race(setupOf(4000), 15, { onPreview: (view) => after.push(view) })).toBe(a);
    expect(after).toEqual(early);
    expect(lanes.map((worker) => worker.jobs)).toEqual([1, 1]);
    expect(digest(a.view)).toEqual(digest(sequentialView(4000)));
    // Another tick, seed or trace is another race.
    await client.race(setupOf(4000), 14);
    await client.race(setupOf(4000, 9), 14);
    expect(lanes.map((worker) => worker.jobs)).toEqual([3, 3]);
  });

  it("lane workers: a setup a lane worker refuses fails the race with its message, and the workers stay warm for the next", async () => {
    const { client, lanes } = clientOf([], 2);
    const refused: RaceSetup = { ...setupOf(3000), stream: { kind: "workload", workload: "larson", seed: 1, ops: 3000, knobs: { minSize: 5000 } } };
    await expect(client.race(refused, 15)).rejects.toThrow(/maxSize/);
    const outcome = await client.race(setupOf(3000), 15);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(3000)));
    expect(lanes.map((worker) => worker.terminated)).toEqual([false, false]);
  });

  it("lane workers: a race that failed is not joined: asking again races again", async () => {
    const { client, lanes } = clientOf(["crash"], 2);
    await expect(client.race(setupOf(3000), 15)).rejects.toThrow(/lane worker crashed/);
    const outcome = await client.race(setupOf(3000), 15);
    // Raced again: the crashed worker was replaced; the other finished its short lanes in place.
    expect(lanes.map((worker) => worker.terminated)).toEqual([true, false, false]);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(3000)));
  });

  it("lane workers: on two cores, two workers race three lanes each and the result is the same", async () => {
    const { client, lanes } = clientOf([], 2);
    const outcome = await client.race(setupOf(5000), 15);
    expect(lanes).toHaveLength(2);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(5000)));
  });

  it("lane workers: warm() starts and warms up the race worker and the lane workers before the first race, which then uses them", async () => {
    const raceWorkers: StandInRaceWorker[] = [];
    const lanes: StandInLaneWorker[] = [];
    const client = new RaceClient(() => { const worker = new StandInRaceWorker(); raceWorkers.push(worker); return worker; }, () => {
      const worker = new StandInLaneWorker("race");
      lanes.push(worker);
      return worker;
    }, () => 2);
    client.warm(LANES, 16);
    client.warm(LANES, 16); // a second call warms nothing twice
    expect([raceWorkers.length, lanes.length]).toEqual([1, 2]);
    const outcome = await client.race(setupOf(3000), 15);
    expect([raceWorkers.length, lanes.length]).toEqual([1, 2]);
    // Each lane worker raced its own share of the lanes (as the race deals them) over the whole
    // warm-up stream, once, before the race, whose result the warm-up does not touch.
    expect(raceWorkers[0].warmUps).toBe(1);
    expect(lanes.map((worker) => worker.warmedUp)).toEqual([[[WARM_UP_OPS, WARM_UP_OPS, WARM_UP_OPS]], [[WARM_UP_OPS, WARM_UP_OPS, WARM_UP_OPS]]]);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(3000)));
  });

  it("lane workers: a lane worker that crashes during its warm-up is replaced, and the first race is unharmed", async () => {
    const { client, lanes } = clientOf(["crash"], 2);
    client.warm(LANES, 16);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lanes[0].terminated).toBe(true);
    const outcome = await client.race(setupOf(3000), 15);
    expect(lanes).toHaveLength(3);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(3000)));
  });

  it("lane workers: a short race shows the reader's tick first (the preview), then the whole race", async () => {
    const { client } = clientOf();
    const previews: RaceView[] = [];
    const outcome = await client.race(setupOf(4000), 7, { onPreview: (view) => previews.push(view) });
    expect(previews).toHaveLength(1);
    const [preview] = previews;
    expect(preview.lanes.map((lane) => lane.frameTicks)).toEqual(LANES.map(() => [7]));
    // The preview frame is the race's own frame at that tick.
    const op = opAtTick(4000, 16, 7);
    preview.lanes.forEach((lane, i) => {
      expect(lane.ticks[0].op).toBe(op);
      expect(digest(lane.frames[0])).toBe(digest(outcome.view.lanes[i].frames[7]));
    });
  });

  it("lane workers: a long race paints every lane's frames before it ends, and reports each lane's progress", async () => {
    const { client } = clientOf();
    const previews: RaceView[] = [];
    const progress: LaneProgress[][] = [];
    let finished = false;
    // 62k ops at the last tick is past the preview limit, so the frames come from the race itself.
    const raced = client.race(setupOf(LONG_OPS), 15, {
      onPreview: (view) => { if (!finished) previews.push(view); },
      onLaneProgress: (lanes) => progress.push(lanes),
    }).then((outcome) => { finished = true; return outcome; });
    const outcome = await raced;
    expect(previews.length).toBeGreaterThan(0);
    const first = previews[0];
    expect(first.lanes).toHaveLength(LANES.length);
    for (const lane of first.lanes) {
      expect(lane.frames.length).toBeGreaterThan(0);
      expect(lane.opsRun).toBeLessThanOrEqual(LONG_OPS);
    }
    // Every frame shown early is the race's own frame at that tick.
    first.lanes.forEach((lane, i) => lane.frameTicks.forEach((tick, f) => expect(digest(lane.frames[f])).toBe(digest(outcome.view.lanes[i].frames[tick]))));
    expect(progress.length).toBeGreaterThan(LANES.length);
    expect(progress.at(-1)!.every((lane) => lane.finished && lane.done === LONG_OPS)).toBe(true);
    expect(progress.some((lanes) => lanes.some((lane) => !lane.finished && lane.done > 0 && lane.done < LONG_OPS))).toBe(true);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(LONG_OPS)));
  }, 60_000);

  it("lane workers: a crashed lane worker fails the race with a message, and the next race runs on fresh workers", async () => {
    const { client, lanes } = clientOf(["race", "crash"]);
    const error = await client.race(setupOf(3000), 15).then(() => null, (e: unknown) => e);
    expect(isSuperseded(error)).toBe(false);
    expect((error as Error).message).toMatch(/lane worker crashed \(Uncaught RangeError: lane boom\)/);
    expect(lanes.filter((worker) => worker.terminated).length).toBeGreaterThanOrEqual(1);
    const outcome = await client.race(setupOf(3000), 15);
    expect(digest(outcome.view)).toEqual(digest(sequentialView(3000)));
  });

  it("lane workers: a short live re-run replaced by another finishes in its workers, which then race the newer one warm", async () => {
    const { client, lanes } = clientOf([], 2);
    const first = client.race(setupOf(3000), 15).then(() => null, (e: unknown) => e);
    const second = client.race(setupOf(3000, 6), 15).then(() => null, (e: unknown) => e);
    const third = client.race(setupOf(3000, 7), 15);
    expect(isSuperseded(await first)).toBe(true);
    expect(isSuperseded(await second)).toBe(true);
    expect(digest((await third).view)).toEqual(digest(sequentialView(3000, 7)));
    // No worker was stopped or started; each raced the first race and then the latest only.
    expect(lanes).toHaveLength(2);
    expect(lanes.map((worker) => [worker.terminated, worker.jobs])).toEqual([[false, 2], [false, 2]]);
    // Nobody would paint the replaced race's preview: its workers were told to go on at once.
    expect(lanes.map((worker) => worker.resumed.includes(1))).toEqual([true, true]);
  });

  it("lane workers: a replaced race that does not finish is stopped after a grace, and the newer one runs on a fresh worker", async () => {
    const { client, lanes } = clientOf(["hang"], 2);
    const first = client.race(setupOf(3000), 15).then(() => null, (e: unknown) => e);
    await until(() => lanes.length > 0 && lanes[0].received > 0);
    const second = client.race(setupOf(3000, 6), 15);
    expect(isSuperseded(await first)).toBe(true);
    expect(lanes[0].terminated).toBe(false);
    expect(digest((await second).view)).toEqual(digest(sequentialView(3000, 6)));
    // Only the stuck worker was replaced: the other had finished its lanes, or finished them later.
    expect(lanes[0].terminated).toBe(true);
    expect(lanes.map((worker) => worker.terminated)).toEqual([true, false, false]);
  });

  it("lane workers: a worker done with its lanes of a replaced race is idle, not waited for", async () => {
    const { client, lanes } = clientOf(["hang"], 2);
    const first = client.race(setupOf(3000), 15).then(() => null, (e: unknown) => e);
    // The second worker has raced its lanes of the first race; the first never will.
    await until(() => lanes.length === 2 && lanes[1].replied >= 4);
    const second = client.race(setupOf(3000, 6), 15);
    expect(isSuperseded(await first)).toBe(true);
    expect(digest((await second).view)).toEqual(digest(sequentialView(3000, 6)));
    expect(lanes.map((worker) => worker.terminated)).toEqual([true, false, false]);
  });

  it("lane workers: a newer race stops at once the lanes still racing a long one, which is superseded", async () => {
    const { client, lanes } = clientOf(["hang"]);
    const first = client.race(setupOf(LONG_OPS), 15).then(() => null, (e: unknown) => e);
    await until(() => lanes.length > 0 && lanes[0].received > 0);
    const second = client.race(setupOf(3000, 6), 15);
    expect(isSuperseded(await first)).toBe(true);
    expect(lanes[0].terminated).toBe(true);
    expect(digest((await second).view)).toEqual(digest(sequentialView(3000, 6)));
  });

  it("lane workers: an answer for a lane the race does not have is refused", () => {
    const assembly = new RaceAssembly(LANES, { name: "t", arenaBytes: ARENA, ops: 1, previewTick: 0, source: "t", kind: "trace" });
    expect(() => assembly.accept({ type: "tick", id: 1, index: LANES.length, tick: 0, figures: {} as never, cells: null })).toThrow(/lane 6 of 6/);
  });
});
