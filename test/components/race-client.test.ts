// The race page's worker client under Node, with stand-in workers: a crash is an error the page
// shows (not a superseded race it hides), and the next race starts a fresh worker.
import { describe, expect, it } from "vitest";
import { RaceClient, isSuperseded, type WorkerLike } from "../../src/components/worker/race-client.js";
import type { RaceSetup, WorkerRequest } from "../../src/components/worker/race-protocol.js";
import { opLogOf } from "../../src/components/worker/op-log.js";
import { generateWorkload } from "../../lib/index.js";
import { StandInLaneWorker } from "./lane-stand-ins.js";

type Behaviour = "crash" | "answer" | "hang";

/** A race worker that throws on its first message, answers it (with an op log or a block), or never answers. */
class StandInWorker implements WorkerLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  constructor(private readonly behaviour: Behaviour) {}
  postMessage(request: WorkerRequest): void {
    queueMicrotask(() => {
      if (this.terminated) return;
      if (this.behaviour === "crash") this.onerror?.({ message: "Uncaught RangeError: boom", preventDefault() {} } as ErrorEvent);
      if (this.behaviour === "answer" && request.type === "load") {
        this.onmessage?.({ data: { type: "oplog", id: request.id, logs: [opLogOf(generateWorkload("larson", { seed: 1, ops: 100 }))], arenaBytes: 1 << 21 } } as MessageEvent);
      }
      if (this.behaviour === "answer" && request.type === "inspect") {
        this.onmessage?.({ data: { type: "block", id: request.id, block: null, label: "bump", op: 0 } } as MessageEvent);
      }
    });
  }
  terminate(): void { this.terminated = true; }
}

function clientOf(behaviours: Behaviour[]) {
  const spawned: StandInWorker[] = [];
  const client = new RaceClient(() => {
    const worker = new StandInWorker(behaviours[spawned.length] ?? "answer");
    spawned.push(worker);
    return worker;
  }, () => new StandInLaneWorker());
  return { client, spawned };
}

// A trace, which the race worker loads (a workload goes straight to the lane workers); the stand-in
// answers with larson's ops whatever the text.
const SETUP: RaceSetup = { stream: { kind: "trace", name: "t.rep", text: "" }, arenaBytes: 1 << 21, lanes: [{ allocator: "bump" }, { allocator: "tlsf" }], ticks: 4 };
const WORKLOAD: RaceSetup = { ...SETUP, stream: { kind: "workload", workload: "larson", seed: 1, ops: 100 } };

describe("race client", () => {
  it("race client: a worker that throws rejects the race with a message, not as superseded", async () => {
    const { client } = clientOf(["crash"]);
    const error = await client.race(SETUP, 0).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isSuperseded(error)).toBe(false);
    expect((error as Error).message).toMatch(/race worker crashed \(Uncaught RangeError: boom\)/);
  });

  it("race client: after a crash the next race runs on a fresh worker and resolves", async () => {
    const { client, spawned } = clientOf(["crash", "answer"]);
    await client.race(SETUP, 0).catch(() => {});
    const outcome = await client.race(SETUP, 0);
    expect(outcome.view.ops).toBe(100);
    expect(spawned.length).toBe(2);
    expect(spawned[0].terminated).toBe(true);
  });

  it("race client: a race replaced by a newer one is rejected as superseded", async () => {
    const { client, spawned } = clientOf(["hang", "answer"]);
    const first = client.race(SETUP, 0).then(() => null, (e: unknown) => e);
    const second = client.race(SETUP, 0);
    expect(isSuperseded(await first)).toBe(true);
    expect((await second).view.ops).toBe(100);
    expect(spawned[0].terminated).toBe(true);
  });

  it("race client: a workload race stops a trace still loading, which is superseded", async () => {
    const { client, spawned } = clientOf(["hang"]);
    const loading = client.race(SETUP, 0).then(() => null, (e: unknown) => e);
    const generated = await client.race(WORKLOAD, 0);
    expect(isSuperseded(await loading)).toBe(true);
    expect(spawned[0].terminated).toBe(true);
    expect(generated.view.ops).toBe(100);
  });

  it("race client: a crash of the hover worker leaves the race running", async () => {
    const { client } = clientOf(["answer", "crash"]);
    const raced = client.race(SETUP, 0);
    const inspected = client.inspect(SETUP, 0, 0, 0).then(() => null, (e: unknown) => e);
    expect(isSuperseded(await inspected)).toBe(false);
    expect((await raced).view.ops).toBe(100);
  });
});
