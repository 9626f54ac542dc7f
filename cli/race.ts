// npm run race -- --workload NAME[:knob=v,…] | --trace FILE [--allocators a,b:knob=v,…] [--arena 2MiB|auto]
//                 [--ops N] [--seed S] [--ticks N] [--out race.arrow] [--dump-at OP] [--native] [--list]
// Races one allocation stream through the allocators and prints the leaderboard.
// Exit codes: 0 done, 1 unreadable or malformed input, 2 bad arguments.
import { statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  ALLOCATORS, DEFAULT_ARENA_BYTES, TraceTextParser, TraceError, WORKLOADS, autoArenaBytes, blockKind, calibrateClockOverhead, generateWorkload,
  race, raceOpSource, tracePrefix, type Allocator, type RaceOptions, type RaceResult, type ReaderOptions, type Trace,
} from "../lib/index.js";
import { OpSpillWriter, SpilledOpSource, type SpilledOps } from "./op-spill.js";
import { TraceFileError, parseTraceFile } from "./trace-file.js";
import { LaneWorkers, raceInParallel, workerCount } from "./parallel-race.js";
import { UsageError, formatBytes, parseArena, parseInteger } from "./args.js";
import { defaultLanes, listing, parseLanes, parseWorkloadSpec, type CliLane } from "./lanes.js";

// The worker rule (README, "The command line"): with --threads auto, a race of fewer than
// ONE_THREAD_MAX_OPS ops runs every lane in this thread: a worker costs about 0.1 s of CPU to
// start and warm up, and such a race is mostly its fixed per-tick work (a snapshot and a check
// per lane and tick, about 0.4 s for six lanes and 64 ticks), which two threads would at best
// halve; longer races get workers (workerCount: one per lane, at most one per core), started
// while the trace is still being parsed when the file is big enough (1 MiB, ~14k mtrace ops) to be
// likely to need them.
const ONE_THREAD_MAX_OPS = 20_000;
const PRESTART_BYTES = 1 << 20;
// Trace files from this size on are raced streamed (op log spilled to files) unless --native or
// --dump-at needs the whole trace in memory; --stream forces it for any file.
const STREAM_BYTES = 256 << 20;

const USAGE = `usage: npm run race -- (--workload NAME | --trace FILE) [options]

  --workload NAME     one of ${WORKLOADS.join(", ")}; knobs follow a colon:
                      --workload larson:minSize=64,maxSize=512
  --trace FILE        a malloc-lab .rep or glibc mtrace file
  --allocators LIST   comma-separated subset of ${ALLOCATORS.join(",")} (default: all), each
                      with knobs after a colon; an allocator may appear twice with other knobs:
                      --allocators freelist:placement=best,order=address,freelist,segfit
                      (a knob=value after a lane belongs to that lane; see --list)
  --arena SIZE        arena per allocator: 2MiB (default), 512KiB, 1GiB, … or auto
                      (auto = smallest power of two ≥ 2 × the peak live bytes, at least 2 MiB)
  --ops N             workload length (default 200000); for a trace, replay only the first N ops
  --seed S            workload seed (default 1)
  --ticks N           snapshots per allocator (default 64)
  --out FILE          also write the leaderboard as an Arrow IPC file
  --dump-at OP        print every block of every heap after OP ops, instead of the leaderboard
  --threads MODE      auto (default: worker threads from ${ONE_THREAD_MAX_OPS.toLocaleString("en-US")} ops on, one per lane but
                      at most one per core; every lane in this thread below), 1 (always this
                      thread) or lanes (always workers)
  --stream            race a trace streamed: its op log goes to temporary files as it is parsed
                      and each lane reads it back in pieces (automatic from ${formatBytes(STREAM_BYTES)} files on)
  --native            also replay the stream through glibc, jemalloc, mimalloc and tcmalloc
                      (needs cc; each library is LD_PRELOADed if installed) and print their rows
  --list              print every allocator and workload with its knobs and defaults
  -h, --help          this text`;

function fail(code: 1 | 2, message: string): never {
  console.error(`heapforge: ${message}`);
  if (code === 2) console.error(`\n${USAGE}`);
  process.exit(code);
}

interface Command {
  /** A workload is generated at once; a trace file is read by main (in memory or spilled). */
  input: { kind: "workload"; trace: Trace } | { kind: "trace"; file: string; bytes: number };
  ops?: number;
  lanes: CliLane[];
  arena: number | "auto";
  ticks: number;
  out?: string;
  dumpAt?: number;
  native: boolean;
  threads: "auto" | "1" | "lanes";
  stream: boolean;
}

function parseCommand(argv: string[]): Command {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: "string" }, trace: { type: "string" }, allocators: { type: "string" },
      arena: { type: "string", default: "2MiB" }, ops: { type: "string" }, seed: { type: "string", default: "1" },
      ticks: { type: "string", default: "64" }, out: { type: "string" }, "dump-at": { type: "string" },
      native: { type: "boolean", default: false }, list: { type: "boolean", default: false },
      threads: { type: "string", default: "auto" }, stream: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  if (values.list) { console.log(listing()); process.exit(0); }
  if ((values.workload === undefined) === (values.trace === undefined)) throw new UsageError("give exactly one of --workload or --trace");

  const lanes = values.allocators === undefined ? defaultLanes() : parseLanes(values.allocators);
  const arena = parseArena(values.arena!);
  const ticks = parseInteger("ticks", values.ticks!, 1, 4096);
  const ops = values.ops === undefined ? undefined : parseInteger("ops", values.ops, 1, 50_000_000);
  const dumpAt = values["dump-at"] === undefined ? undefined : parseInteger("dump-at", values["dump-at"], 0, 2 ** 31 - 1);
  const threads = values.threads!;
  if (threads !== "auto" && threads !== "1" && threads !== "lanes") throw new UsageError(`invalid --threads: ${JSON.stringify(threads)} (use auto, 1 or lanes)`);
  const native = values.native === true;
  if (values.stream && values.trace === undefined) throw new UsageError("--stream reads a --trace file");
  if (values.stream && (native || dumpAt !== undefined)) throw new UsageError("--stream cannot go with --native or --dump-at, which need the whole trace in memory");

  let input: Command["input"];
  if (values.workload !== undefined) {
    const { workload, knobs } = parseWorkloadSpec(values.workload);
    const seed = parseInteger("seed", values.seed!, 0, 2 ** 32 - 1);
    input = { kind: "workload", trace: generateWorkload(workload, { ...knobs, seed, ops: ops ?? 200_000, arenaBytes: arena === "auto" ? undefined : arena }) };
  } else {
    const file = values.trace!;
    let bytes: number;
    try {
      bytes = statSync(file).size;
    } catch (error) {
      fail(1, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    input = { kind: "trace", file, bytes };
  }
  return { input, ops, lanes, arena, ticks, out: values.out, dumpAt, native, threads, stream: values.stream === true };
}

/** parseTraceFile with the CLI's messages: an unreadable or malformed file exits 1 naming it. */
function parseFile(file: string, afterChunk: (parser: TraceTextParser) => void, options: ReaderOptions = {}): { parser: TraceTextParser; trace: Trace } {
  try {
    return parseTraceFile(file, { afterChunk, reader: options });
  } catch (error) {
    if (error instanceof TraceError) fail(1, `${file}: ${error.message}`);
    if (error instanceof TraceFileError) fail(1, `cannot read ${file}: ${error.message}`);
    throw error;
  }
}

function readTrace(file: string): Trace {
  return parseFile(file, () => {}).trace;
}

/**
 * The streamed read: the op log goes to files as it is parsed (op-spill.ts), in pieces of at
 * most SPILL_PIECE_OPS, so memory follows the live blocks, not the trace. Dead blocks' ids are
 * recycled (lib's ReaderOptions), so the lanes' per-id tables follow them too: without it, each
 * lane held 8 bytes per malloc of the whole trace, most of a 10M-op race's memory. With `ops`, only the
 * first ops are kept, but the whole text is still read, as readTrace + tracePrefix read it (the
 * dropped-free count is the whole file's).
 */
function spillTrace(file: string, spill: OpSpillWriter, ops = Infinity): SpilledOps {
  const keep = (piece: ReturnType<TraceTextParser["takeOps"]>) => {
    const room = ops - spill.length;
    if (room <= 0) return;
    const n = Math.min(room, piece.length);
    spill.write({ length: n, op: piece.op, id: piece.id, size: piece.size });
  };
  const { trace } = parseFile(file, (parser) => { if (parser.pendingOps >= SPILL_PIECE_OPS) keep(parser.takeOps()); }, { recycleIds: true });
  keep({ length: trace.length, op: trace.op, id: trace.id, size: trace.size });
  return spill.finish(trace.name, trace.droppedFrees);
}
const SPILL_PIECE_OPS = 1 << 16;

function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (done, total) => {
    const percent = total ? Math.floor((100 * done) / total) : 100;
    if (percent === last) return;
    last = percent;
    const filled = Math.round(percent / 4);
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(25 - filled)}] ${percent}% ${done}/${total} ops`);
    if (done >= total) process.stderr.write("\r\x1b[K");
  };
}

const nanoseconds = () => Number(process.hrtime.bigint());

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

export function leaderboard(result: RaceResult): string {
  const header = ["allocator", "failures", "errors", "util", "int.frag", "peak frag", "probes p50/p99", "ns p50/p99", "status"];
  const rows = result.lanes.map((lane) => [
    lane.label, String(lane.failures), String(lane.errors), percent(lane.utilization), percent(lane.internalFragmentation),
    percent(lane.peakFragmentation), `${lane.probes.p50}/${lane.probes.p99}`, lane.ns ? `${lane.ns.p50}/${lane.ns.p99}` : "—",
    lane.corrupt ? `STOPPED ${lane.corrupt}` : "ok",
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function dumpHeap(allocator: Allocator, label: string): string {
  const lines = [`== ${label} (${formatBytes(allocator.arenaBytes)} arena) ==`, "address     bytes       state     requested"];
  allocator.walk((start, bytes, payload, requested) => {
    const state = blockKind(start, bytes, payload, requested);
    lines.push(`0x${start.toString(16).padStart(8, "0")}  ${String(bytes).padStart(10)}  ${state.padEnd(8)}  ${requested >= 0 && state === "used" ? requested : ""}`.trimEnd());
  });
  return lines.join("\n");
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) fail(2, (error as Error).message);
    if (error instanceof RangeError) fail(2, error.message);
    throw error;
  }
  const { input, arena, ticks } = command;
  const lanes = command.lanes.map(({ allocator, label, options }) => ({ allocator, label, options }));

  if (command.dumpAt !== undefined) {
    const trace = prefixed(input.kind === "workload" ? input.trace : readTrace(input.file), command.ops);
    const prefix = tracePrefix(trace, command.dumpAt);
    race(prefix, {
      lanes, arenaBytes: arena, ticks: 1,
      onFinish: (allocator, label) => console.log(dumpHeap(allocator, label) + "\n"),
    });
    return;
  }

  const streamed = input.kind === "trace" && !command.native && (command.stream || input.bytes >= STREAM_BYTES);
  const workload = input.kind === "workload" ? input.trace.length : 0;
  const prestart = command.threads === "lanes" || (command.threads === "auto" && (input.kind === "trace" ? input.bytes >= PRESTART_BYTES : workload >= ONE_THREAD_MAX_OPS));
  const workers = prestart ? await LaneWorkers.start(workerCount(lanes.length)) : undefined;
  const spill = streamed ? new OpSpillWriter() : undefined;
  const removeSpill = () => spill?.remove();
  // However the run ends (an error exits at once through fail()), the spilled files go.
  process.once("exit", removeSpill);
  process.once("SIGINT", () => process.exit(130));

  let result: RaceResult, trace: Trace | undefined, name: string, droppedFrees: number;
  try {
    let ops: Trace | SpilledOps;
    if (spill) ops = spillTrace((input as { file: string }).file, spill, command.ops);
    else ops = trace = prefixed(input.kind === "workload" ? input.trace : readTrace(input.file), command.ops);
    name = ops.name;
    droppedFrees = ops.droppedFrees;
    const parallel = command.threads === "lanes" || (command.threads === "auto" && ops.length >= ONE_THREAD_MAX_OPS);
    const clockOverhead = calibrateClockOverhead(nanoseconds);
    const onProgress = progressBar();
    if (parallel) {
      // Lanes in worker threads (parallel-race.ts): the same result as race(), on every core.
      result = await raceInParallel(ops, { lanes, arenaBytes: arena, ticks, clockOverhead, onProgress }, workers);
    } else {
      await workers?.terminate();
      result = raceHere(ops, { lanes, arenaBytes: arena, ticks, clock: nanoseconds, clockOverhead, onProgress });
    }
  } catch (error) {
    // A worker's error arrives as a clone: its class may be lost, its name is not.
    if (error instanceof Error && error.name === "RangeError") fail(2, error.message);
    throw error;
  } finally {
    removeSpill();
  }
  const dropped = droppedFrees ? `, ${droppedFrees} frees of unknown addresses dropped` : "";
  console.log(`${name}: ${result.ops} ops, ${formatBytes(result.arenaBytes)} arena per allocator${dropped}\n`);
  console.log(leaderboard(result));
  if (!command.native && !command.out) return;
  // Loaded only when asked for: the native runner and apache-arrow cost a plain race nothing.
  const { laneTable, nativeFootnote, nativeLeaderboard, nativeRowsFor } = await import("./native.js");
  const native = command.native && trace ? (await nativeRowsFor(trace)).lanes : [];
  if (native.length) console.log(`\n${nativeLeaderboard(native)}\n${nativeFootnote(native)}`);
  if (command.out) {
    const { toArrowBytes } = await import("../lib/arrow.js");
    writeFileSync(command.out, toArrowBytes(laneTable({ source: name, kind: input.kind, result }, native)));
    console.error(`wrote ${command.out}`);
  }
}

const prefixed = (trace: Trace, ops: number | undefined) => (ops === undefined ? trace : tracePrefix(trace, ops));

/** Every lane in this thread: race() of the trace, or of the spilled op log read back in stretches. */
function raceHere(ops: Trace | SpilledOps, options: RaceOptions): RaceResult {
  if (!("dir" in ops)) return race(ops, options);
  const source = new SpilledOpSource(ops);
  try {
    const arenaBytes = options.arenaBytes === "auto" ? autoArenaBytes(ops.peakLiveBytes) : options.arenaBytes ?? DEFAULT_ARENA_BYTES;
    return raceOpSource(source, { ...options, arenaBytes });
  } finally {
    source.close();
  }
}

await main();
