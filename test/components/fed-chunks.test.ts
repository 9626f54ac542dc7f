// A dropped file read by the page and fed to the race worker (fed-chunks.ts): the worker parses
// exactly what it would have read itself, a superseded race stops the reading, a file that cannot
// be read fails the parse with a message, and the race client answers the worker's request for
// the bytes.
import { describe, expect, it } from "vitest";
import { FEED_AHEAD_PIECES, FedChunks, FeedWindow, feedFile, type FedPiece } from "../../src/components/worker/fed-chunks.js";
import { RaceClient, type WorkerLike } from "../../src/components/worker/race-client.js";
import type { RaceSetup, WorkerRequest } from "../../src/components/worker/race-protocol.js";
import { opLogOf } from "../../src/components/worker/op-log.js";
import { formatMtrace, generateWorkload, parseTrace, parseTraceChunks, type Trace } from "../../lib/index.js";
import { StandInLaneWorker } from "./lane-stand-ins.js";

const TEXT = formatMtrace(generateWorkload("redis_cache", { seed: 3, ops: 20_000 }), { caller: "./prog:[0x401136]" });
/** The text as a Blob of many parts, which a stream reads as many pieces (cut mid-line). */
const FILE = new Blob(TEXT.match(/[^]{1,50000}/g)!);

function plain(trace: Trace) {
  return { length: trace.length, droppedFrees: trace.droppedFrees, op: Array.from(trace.op), id: Array.from(trace.id), size: Array.from(trace.size) };
}

/** The worker's side of feedFile's posts. */
function into(chunks: FedChunks, posts: FedPiece[] = []) {
  return (piece: FedPiece) => {
    posts.push(piece);
    if (piece.chunk) chunks.push(new Uint8Array(piece.chunk));
    else if (piece.error) chunks.fail(new Error(piece.error));
    else chunks.end();
    return true;
  };
}

describe("fed chunks", () => {
  it("fed chunks: a file fed piece by piece parses to the trace of its text", async () => {
    const feedWindow = new FeedWindow();
    const chunks = new FedChunks(() => feedWindow.read());
    const posts: FedPiece[] = [];
    const parsed = parseTraceChunks(chunks, "t");
    await feedFile(FILE, feedWindow, into(chunks, posts));
    expect(plain(await parsed)).toEqual(plain(parseTrace(TEXT, "t")));
    expect(posts.length).toBeGreaterThan(FEED_AHEAD_PIECES + 1); // more pieces than the window, then the end
    expect(posts.at(-1)).toEqual({ chunk: null });
  });

  it("fed chunks: the page keeps no more than the window's pieces unread in the worker, and stops when the load is over", async () => {
    const feedWindow = new FeedWindow(3);
    const posted: FedPiece[] = [];
    let open = true;
    const feeding = feedFile(FILE, feedWindow, (piece) => { if (open) posted.push(piece); return open; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posted.length).toBe(3); // nobody reads them: the feeder waits
    feedWindow.read();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posted.length).toBe(4);
    open = false; // the race was superseded
    feedWindow.close();
    await feeding; // settles instead of waiting for room for ever
    expect(posted.length).toBe(4);
  });

  it("fed chunks: pieces posted before the parse starts and after it waits are all read, in order", async () => {
    const bytes = new TextEncoder().encode(TEXT);
    const chunks = new FedChunks();
    chunks.push(bytes.slice(0, 1000));
    const parsed = parseTraceChunks(chunks, "t");
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let at = 1000; at < bytes.length; at += 4099) chunks.push(bytes.slice(at, at + 4099));
    chunks.end();
    expect(plain(await parsed)).toEqual(plain(parseTrace(TEXT, "t")));
  });

  it("fed chunks: reading stops at the first post the race no longer wants", async () => {
    let posts = 0;
    await feedFile(new Blob([TEXT.repeat(4)]), new FeedWindow(), () => ++posts < 2);
    expect(posts).toBe(2); // the refused piece, and nothing after it: no end either
  });

  it("fed chunks: a file that cannot be read fails the parse with a message", async () => {
    let served = false;
    const broken = {
      stream: () => new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!served) { served = true; controller.enqueue(new TextEncoder().encode("= Start\n")); }
          else controller.error(new Error("the file was removed"));
        },
      }),
    } as unknown as Blob;
    const chunks = new FedChunks();
    const parsed = parseTraceChunks(chunks, "t");
    await feedFile(broken, new FeedWindow(), into(chunks));
    await expect(parsed).rejects.toThrow("could not read the file: the file was removed");
  });

  it("fed chunks: the race client sends the bytes of a dropped file when the race worker asks", async () => {
    const requests: WorkerRequest["type"][] = [];
    // A race worker that asks for the bytes, parses what comes, and sends the op log back.
    class FedRaceWorker implements WorkerLike {
      onmessage: ((event: MessageEvent) => void) | null = null;
      onerror: ((event: ErrorEvent) => void) | null = null;
      private chunks = new FedChunks(() => this.reply({ type: "bytes-read", id: this.id }));
      private id = 0;
      private reply(data: unknown): void { this.onmessage?.({ data } as MessageEvent); }
      postMessage(request: WorkerRequest): void {
        requests.push(request.type);
        if (request.type === "load") {
          expect(request.setup.stream.kind === "trace" && request.setup.stream.file).toBe(FILE); // the worker asks for this file's bytes
          this.id = request.id;
          queueMicrotask(() => this.reply({ type: "need-bytes", id: request.id }));
          void parseTraceChunks(this.chunks, "t").then((trace) => this.reply({ type: "oplog", id: request.id, logs: [opLogOf(trace)], arenaBytes: 1 << 21 }));
        }
        if (request.type === "bytes") {
          if (request.chunk) this.chunks.push(new Uint8Array(request.chunk)); else this.chunks.end();
        }
      }
      terminate(): void {}
    }
    const client = new RaceClient(() => new FedRaceWorker(), () => new StandInLaneWorker());
    const setup: RaceSetup = { stream: { kind: "trace", name: "t.mtrace", file: FILE }, arenaBytes: 1 << 21, lanes: [{ allocator: "tlsf" }], ticks: 4 };
    const outcome = await client.race(setup, 0);
    expect(outcome.view.ops).toBe(parseTrace(TEXT).length);
    expect(requests[0]).toBe("load");
    expect(requests.filter((type) => type === "bytes").length).toBeGreaterThan(FEED_AHEAD_PIECES + 1);
  });
});
