// The one superseding-worker client the race page and the labs share, under Node with stand-in
// workers: the newest job wins, progress does not settle, a crash is an error and then a fresh worker.
import { describe, expect, it } from "vitest";
import { SupersedingWorker, isSuperseded, type WorkerLike } from "../../src/components/worker/superseding.js";

type Reply = { id: number; type: "progress" | "done" };

/** A worker that answers each message with progress then done, stays silent, or throws. */
class StandIn implements WorkerLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  readonly received: unknown[] = [];
  constructor(private readonly behaviour: "answer" | "hang" | "crash") {}
  postMessage(message: { id: number }): void {
    this.received.push(message);
    queueMicrotask(() => {
      if (this.terminated) return;
      if (this.behaviour === "crash") this.onerror?.({ message: "Uncaught TypeError: x is undefined", preventDefault() {} } as ErrorEvent);
      if (this.behaviour !== "answer") return;
      this.onmessage?.({ data: { id: message.id, type: "progress" } } as MessageEvent);
      this.onmessage?.({ data: { id: message.id, type: "done" } } as MessageEvent);
    });
  }
  terminate(): void { this.terminated = true; }
}

function runnerOf(behaviours: Array<"answer" | "hang" | "crash">) {
  const spawned: StandIn[] = [];
  const runner = new SupersedingWorker<Reply>(() => {
    const worker = new StandIn(behaviours[spawned.length] ?? "answer");
    spawned.push(worker);
    return worker;
  }, "the test worker");
  const progress: number[] = [];
  const run = () => runner.run((id) => ({ id }), (reply) => {
    if (reply.type === "progress") { progress.push(reply.id); return undefined; }
    return { value: reply.id };
  });
  return { runner, spawned, progress, run };
}

describe("superseding worker", () => {
  it("superseding worker: a further message reaches the current job's worker, and nothing once the job is replaced", async () => {
    const { runner, spawned, run } = runnerOf(["hang", "hang"]);
    const first = run().catch((e: unknown) => e);
    expect(runner.post(1, { id: 1, more: true })).toBe(true);
    expect(spawned[0].received).toEqual([{ id: 1 }, { id: 1, more: true }]);
    void run().catch(() => {});
    expect(isSuperseded(await first)).toBe(true);
    expect(runner.post(1, { id: 1, more: true })).toBe(false);
    expect(spawned[0].received.length).toBe(2);
    expect(spawned[1].received).toEqual([{ id: 2 }]);
    runner.terminate();
  });

  it("superseding worker: supersede() stops the job under way and its worker; with none, it keeps the idle worker", async () => {
    const { runner, spawned, run } = runnerOf(["hang", "answer"]);
    const first = run().catch((e: unknown) => e);
    runner.supersede();
    expect(isSuperseded(await first)).toBe(true);
    expect(spawned[0].terminated).toBe(true);
    expect(await run()).toBe(2);
    runner.supersede();
    expect(spawned[1].terminated).toBe(false);
    expect(await run()).toBe(3);
    expect(spawned).toHaveLength(2);
    runner.terminate();
  });

  it("superseding worker: progress replies keep a job waiting, the final one settles it", async () => {
    const { run, progress, spawned } = runnerOf(["answer"]);
    expect(await run()).toBe(1);
    expect(await run()).toBe(2);
    expect(progress).toEqual([1, 2]);
    expect(spawned.length).toBe(1);
  });

  it("superseding worker: a new job terminates the busy worker and rejects the old job as superseded", async () => {
    const { run, spawned } = runnerOf(["hang", "answer"]);
    const first = run().then(() => null, (error: unknown) => error);
    const second = run();
    expect(isSuperseded(await first)).toBe(true);
    expect(await second).toBe(2);
    expect(spawned[0].terminated).toBe(true);
  });

  it("superseding worker: a crash rejects the job with a message (not superseded), and the next job gets a fresh worker", async () => {
    const { run, spawned } = runnerOf(["crash", "answer"]);
    const error = await run().then(() => null, (e: unknown) => e);
    expect(isSuperseded(error)).toBe(false);
    expect((error as Error).message).toBe("the test worker crashed (Uncaught TypeError: x is undefined); change a setting to run it again");
    expect(await run()).toBe(2);
    expect(spawned.map((worker) => worker.terminated)).toEqual([true, false]);
  });

  it("superseding worker: terminate() rejects the running job as superseded", async () => {
    const { runner, run } = runnerOf(["hang"]);
    const job = run().then(() => null, (e: unknown) => e);
    runner.terminate();
    expect(isSuperseded(await job)).toBe(true);
  });

  it("warm(message) starts the worker and posts it the message once; the first job runs on that worker", async () => {
    const { runner, spawned, run } = runnerOf([]);
    runner.warm({ type: "warm" });
    runner.warm({ type: "warm" });
    expect(spawned).toHaveLength(1);
    expect(await run()).toBe(1);
    expect(spawned).toHaveLength(1);
    expect(spawned[0].received).toEqual([{ type: "warm" }, { id: 1 }]);
  });
});
