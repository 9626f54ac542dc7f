// The lane worker's message handler: after a preview it holds the rest of the race until the page
// says the preview is on screen, or until PREVIEW_HOLD_MAX_MS have passed, and a newer race never
// overtakes a held one.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { laneRequestHandler, PREVIEW_HOLD_MAX_MS } from "../../src/components/worker/lane-handler.js";
import type { LaneJob, LaneReply } from "../../src/components/worker/lane-protocol.js";

const job = (seed: number, ops = 3000, previewTick = 7): LaneJob => ({
  stream: { kind: "workload", workload: "larson", seed, ops },
  lanes: [{ index: 0, spec: { allocator: "freelist" } }, { index: 1, spec: { allocator: "bump" } }],
  arenaBytes: 1 << 21, ticks: 8, previewTick,
});

function handlerOf() {
  const replies: Array<{ type: LaneReply["type"]; id: number }> = [];
  const handle = laneRequestHandler((reply) => replies.push({ type: reply.type, id: reply.id }));
  const kinds = (id: number) => replies.filter((reply) => reply.id === id).map((reply) => reply.type);
  return { handle, replies, kinds };
}

describe("lane worker: the hold after a preview", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("posts the stream and the previews at once, and the rest of the race only when resumed", () => {
    const { handle, kinds } = handlerOf();
    handle({ type: "lanes", id: 1, job: job(1) });
    expect(kinds(1)).toEqual(["stream", "preview", "preview"]);
    handle({ type: "resume", id: 2 }); // another race's resume changes nothing
    expect(kinds(1)).toHaveLength(3);
    handle({ type: "resume", id: 1 });
    expect(kinds(1)).toContain("tick");
    expect(kinds(1).slice(-2)).toEqual(["lane", "lane"]);
    handle({ type: "resume", id: 1 }); // a second resume is ignored
    expect(kinds(1).filter((kind) => kind === "lane")).toHaveLength(2);
  });

  it("goes on by itself when no resume comes", () => {
    const { handle, kinds } = handlerOf();
    handle({ type: "lanes", id: 1, job: job(1) });
    vi.advanceTimersByTime(PREVIEW_HOLD_MAX_MS - 1);
    expect(kinds(1)).not.toContain("lane");
    vi.advanceTimersByTime(1);
    expect(kinds(1).filter((kind) => kind === "lane")).toHaveLength(2);
  });

  it("finishes a held race before it starts the next one", () => {
    const { handle, replies } = handlerOf();
    handle({ type: "lanes", id: 1, job: job(1) });
    handle({ type: "lanes", id: 2, job: job(2) });
    const firstOfTwo = replies.findIndex((reply) => reply.id === 2);
    expect(replies.slice(0, firstOfTwo).filter((reply) => reply.type === "lane")).toHaveLength(2);
    expect(replies.slice(firstOfTwo).every((reply) => reply.id === 2)).toBe(true);
  });

  it("does not hold a race without a preview", () => {
    const { handle, kinds } = handlerOf();
    // Past PREVIEW_MAX_OPS (lane-race.ts) at the preview tick: no preview, so the whole race at once.
    const longJob = { ...job(3, 70_000), lanes: [{ index: 0, spec: { allocator: "bump" as const } }] };
    handle({ type: "lanes", id: 3, job: longJob });
    expect(kinds(3)[0]).toBe("stream");
    expect(kinds(3)).not.toContain("preview");
    expect(kinds(3).at(-1)).toBe("lane");
  });

  it("answers a race that fails with its error, and races the next one", () => {
    const { handle, kinds } = handlerOf();
    // A knob the allocator rejects fails in the preview, before any hold.
    handle({ type: "lanes", id: 4, job: { ...job(1), lanes: [{ index: 0, spec: { allocator: "freelist", options: { nonsense: 1 } as never } }] } });
    expect(kinds(4)).toEqual(["stream", "error"]);
    handle({ type: "lanes", id: 5, job: job(5) });
    handle({ type: "resume", id: 5 });
    expect(kinds(5).at(-1)).toBe("lane");
  });
});
