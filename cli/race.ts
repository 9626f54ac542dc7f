// npm run race -- --workload NAME[:knob=v,…] | --trace FILE [--allocators a,b:knob=v,…] [--arena 2MiB|auto]
//                 [--ops N] [--seed S] [--ticks N] [--out race.arrow] [--dump-at OP] [--native] [--list]
// Races one allocation stream through the allocators and prints the leaderboard.
// Exit codes: 0 done, 1 unreadable or malformed input, 2 bad arguments.
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import {
  ALLOCATORS, TraceTextParser, TraceError, WORKLOADS, blockKind, calibrateClockOverhead, generateWorkload, race, tracePrefix,
  type Allocator, type RaceResult, type Trace,
} from "../lib/index.js";
import { raceInParallel } from "./parallel-race.js";
import { UsageError, formatBytes, parseArena, parseInteger } from "./args.js";
import { defaultLanes, listing, parseLanes, parseWorkloadSpec, type CliLane } from "./lanes.js";

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
  trace: Trace;
  kind: "workload" | "trace";
  lanes: CliLane[];
  arena: number | "auto";
  ticks: number;
  out?: string;
  dumpAt?: number;
  native: boolean;
}

function parseCommand(argv: string[]): Command {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: "string" }, trace: { type: "string" }, allocators: { type: "string" },
      arena: { type: "string", default: "2MiB" }, ops: { type: "string" }, seed: { type: "string", default: "1" },
      ticks: { type: "string", default: "64" }, out: { type: "string" }, "dump-at": { type: "string" },
      native: { type: "boolean", default: false }, list: { type: "boolean", default: false },
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

  let trace: Trace;
  if (values.workload !== undefined) {
    const { workload, knobs } = parseWorkloadSpec(values.workload);
    const seed = parseInteger("seed", values.seed!, 0, 2 ** 32 - 1);
    trace = generateWorkload(workload, { ...knobs, seed, ops: ops ?? 200_000, arenaBytes: arena === "auto" ? undefined : arena });
  } else {
    trace = readTrace(values.trace!);
    if (ops !== undefined) trace = tracePrefix(trace, ops);
  }
  const kind = values.workload !== undefined ? "workload" : "trace";
  return { trace, kind, lanes, arena, ticks, out: values.out, dumpAt, native: values.native === true };
}

// Read 1 MiB at a time into the streaming parser: memory follows the op log, not the file, so a
// trace of several GB opens (the whole text as one string would stop at V8's ~512 MiB limit).
const READ_CHUNK = 1 << 20;

function readTrace(file: string): Trace {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    fail(1, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const parser = new TraceTextParser(basename(file));
    const decoder = new TextDecoder("utf-8");
    const buffer = new Uint8Array(READ_CHUNK);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, READ_CHUNK, null);
      } catch (error) {
        fail(1, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      if (n === 0) break;
      parser.push(decoder.decode(buffer.subarray(0, n), { stream: true }));
    }
    parser.push(decoder.decode());
    return parser.finish();
  } catch (error) {
    if (error instanceof TraceError) fail(1, `${file}: ${error.message}`);
    throw error;
  } finally {
    closeSync(fd);
  }
}

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
  const { trace, arena, ticks } = command;
  const lanes = command.lanes.map(({ allocator, label, options }) => ({ allocator, label, options }));

  if (command.dumpAt !== undefined) {
    const prefix = tracePrefix(trace, command.dumpAt);
    race(prefix, {
      lanes, arenaBytes: arena, ticks: 1,
      onFinish: (allocator, label) => console.log(dumpHeap(allocator, label) + "\n"),
    });
    return;
  }

  let result: RaceResult;
  try {
    // One worker thread per lane (parallel-race.ts): the same result as race(), on every core.
    result = await raceInParallel(trace, { lanes, arenaBytes: arena, ticks, clockOverhead: calibrateClockOverhead(nanoseconds), onProgress: progressBar() });
  } catch (error) {
    // A worker's error arrives as a clone: its class may be lost, its name is not.
    if (error instanceof Error && error.name === "RangeError") fail(2, error.message);
    throw error;
  }
  const dropped = trace.droppedFrees ? `, ${trace.droppedFrees} frees of unknown addresses dropped` : "";
  console.log(`${trace.name}: ${result.ops} ops, ${formatBytes(result.arenaBytes)} arena per allocator${dropped}\n`);
  console.log(leaderboard(result));
  if (!command.native && !command.out) return;
  // Loaded only when asked for: the native runner and apache-arrow cost a plain race nothing.
  const { laneTable, nativeFootnote, nativeLeaderboard, nativeRowsFor } = await import("./native.js");
  const native = command.native ? (await nativeRowsFor(trace)).lanes : [];
  if (native.length) console.log(`\n${nativeLeaderboard(native)}\n${nativeFootnote(native)}`);
  if (command.out) {
    const { toArrowBytes } = await import("../lib/arrow.js");
    writeFileSync(command.out, toArrowBytes(laneTable({ source: trace.name, kind: command.kind, result }, native)));
    console.error(`wrote ${command.out}`);
  }
}

await main();
