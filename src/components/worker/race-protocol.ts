// Messages between the page and the race worker (race-worker.ts). Plain data only. The race itself
// runs in the lane workers (lane-protocol.ts), which generate a workload themselves: the race
// worker loads traces, and answers the hovers.
import { blockKind, type AllocatorOptions, type LaneSpec, type BlockKind } from "../../lib/index.js";
import type { OpLog } from "./op-log.js";

export interface WorkloadSource { kind: "workload"; workload: string; seed: number; ops: number; knobs?: Record<string, unknown> }

export type StreamSource =
  | WorkloadSource
  | { kind: "trace"; name: string; url?: string; text?: string; file?: Blob; ops?: number };

export interface RaceSetup {
  stream: StreamSource;
  arenaBytes: number | "auto";
  lanes: Array<Pick<LaneSpec, "allocator" | "label"> & { options?: AllocatorOptions }>;
  ticks: number;
}

export type WorkerRequest =
  /**
   * Generate or parse the stream and send its op log back: one in shared memory when `share`, else
   * `copies` of it, one to transfer to each lane worker (a copy posted by the page would cost its
   * main thread 30–85 ms for a 600k-op log; the worker's copies are memcpys). The page reads a
   * dropped file itself: the worker asks for its bytes ("need-bytes") when it is about to parse
   * them, and they come as "bytes" messages (fed-chunks.ts).
   */
  | { type: "load"; id: number; setup: RaceSetup; share: boolean; copies: number }
  /** A piece of the file a load asked for; `chunk: null` is the end (with `error` if reading failed). */
  | { type: "bytes"; id: number; chunk: ArrayBuffer | null; error?: string }
  | { type: "inspect"; id: number; setup: RaceSetup; lane: number; op: number; address: number }
  /** Parse a small generated trace, answering nothing: the parser is then warm for the reader's file (warm-up.ts). */
  | { type: "warm" };

export interface BlockInfo { start: number; bytes: number; payload: number; requested: number; state: BlockKind }

export type WorkerReply =
  | { type: "progress"; id: number; phase: string; done: number; total: number }
  /** The load's file is about to be parsed: the page should send its bytes. */
  | { type: "need-bytes"; id: number }
  /** One piece of those bytes is parsed: the page may send another (fed-chunks.ts, FeedWindow). */
  | { type: "bytes-read"; id: number }
  /** The copies a load asked for (or the one shared log), all the same ops, transferred. */
  | { type: "oplog"; id: number; logs: OpLog[]; arenaBytes: number }
  | { type: "block"; id: number; block: BlockInfo | null; label: string; op: number }
  | { type: "error"; id: number; message: string; line?: number; text?: string };

/** A block's kind from walk()'s sentinels: lib's one decoder. */
export const stateOfBlock = blockKind;
