// The native runner: replays one trace through glibc, jemalloc, mimalloc and tcmalloc with the
// compiled replayer, one fresh process per run, and gathers what each run printed.
//
// Method (the one bench/README.md describes): per lane, one untimed warm-up round and then
// `rounds` timed rounds, interleaved (every lane once per round, so a change in machine load hits
// them alike); ns/op is the median over the timed rounds of the process CPU time of the loop.
// Then one "detail" run per lane (1-in-N latency samples, RSS every N ops, RSS at +100 ms and
// +1 s, the allocator's counters) and, when asked, one "occupancy" run. Each replay loop holds a
// machine-wide token (one per runner process) so that no two loops ever share the CPU, while
// the +1 s waits of detail runs overlap each other and other loops freely.
//
// A run that fails (bad op file, crash, a parse error) drops only its lane: one line names the
// allocator, the config and the exit status or signal, and the other lanes' results stand.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeOpFile, type Trace } from "../lib/index.js";
import { NATIVE_ALLOCATORS, findAllocators, missingLine, type FoundAllocator, type MissingAllocator, type NativeAllocator } from "./allocators.js";
import { replayerBinary } from "./compile.js";
import { DEFAULT_CONFIG, KNOB_CONFIGS } from "./configs.js";
import { parseDetailOutput, parseOccupancyOutput, parseStaircaseOutput, parseTimeOutput, type TimeOutput } from "./output.js";
import type { NativeFailure, NativeLaneResult } from "./results.js";

export interface NativeOptions {
  allocators?: readonly NativeAllocator[];
  /** Also run the documented knob settings (touching only). */
  knobs?: boolean;
  /** Which touch modes to run; the default config runs each, knob configs touch only. */
  touch?: readonly boolean[];
  rounds?: number;
  warmup?: number;
  /** Run the detail pass (latency histograms, footprint series, RSS after the end, counters). */
  detail?: boolean;
  /** Occupancy frames per run (default config, touching); 0 for none. */
  occupancyTicks?: number;
  sampleEvery?: number;
  /** Lines for the user: missing libraries, failed lanes. Default: stderr. */
  onLine?: (line: string) => void;
  /** The replayer binary (default: compiled on first use). */
  binary?: string;
}

export interface NativeRun { lanes: NativeLaneResult[]; failures: NativeFailure[]; missing: MissingAllocator[] }

interface Lane { found: FoundAllocator; config: string; env: Record<string, string>; touch: boolean }

/** Test-only: the allocator named here gets `--test-abort`, so its replayer aborts half-way. */
export const TEST_ABORT_ENV = "HEAPFORGE_NATIVE_TEST_ABORT";

// ---- one process at a time on the CPU ----

let token: Promise<void> = Promise.resolve();
function acquire(): Promise<() => void> {
  let release!: () => void;
  const next = new Promise<void>((resolve) => (release = resolve));
  const ready = token.then(() => release);
  token = token.then(() => next);
  return ready;
}

class RunError extends Error {}

function describeExit(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const why = signal ? `killed by ${signal}` : `exited with status ${code}`;
  const said = stderr.trim().split("\n").filter(Boolean).at(-1);
  return said ? `${why}: ${said}` : why;
}

/**
 * Runs the replayer once. The CPU token is held until the process exits or, for detail runs,
 * until it prints "loop_done" (what follows is sleeping).
 */
async function runReplayer(binary: string, lane: Lane, args: string[], releaseAt?: string): Promise<string> {
  const release = await acquire();
  let released = false;
  const letGo = () => { if (!released) { released = true; release(); } };
  try {
    return await new Promise<string>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...lane.env };
      delete env.LD_PRELOAD;
      if (lane.found.preload) env.LD_PRELOAD = lane.found.preload;
      const extra = process.env[TEST_ABORT_ENV] === lane.found.allocator ? ["--test-abort"] : [];
      const child = spawn(binary, [...args, ...(lane.touch ? [] : ["--no-touch"]), ...extra], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        if (releaseAt && stdout.includes(releaseAt)) letGo();
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("error", (error) => reject(new RunError(`could not start the replayer: ${error.message}`)));
      child.on("close", (code, signal) => {
        letGo();
        if (code === 0 && !signal) resolve(stdout);
        else reject(new RunError(describeExit(code, signal, stderr)));
      });
    });
  } finally {
    letGo();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function lanesFor(found: FoundAllocator[], options: NativeOptions): Lane[] {
  const lanes: Lane[] = [];
  for (const touch of options.touch ?? [true]) {
    for (const f of found) lanes.push({ found: f, config: DEFAULT_CONFIG, env: {}, touch });
  }
  if (options.knobs) {
    for (const knob of KNOB_CONFIGS) {
      const f = found.find((x) => x.allocator === knob.allocator);
      if (f) lanes.push({ found: f, config: knob.config, env: knob.env, touch: true });
    }
  }
  return lanes;
}

function laneName(lane: { allocator: NativeAllocator; config: string; touch: boolean }): string {
  const parts = [lane.config === DEFAULT_CONFIG ? "" : lane.config, lane.touch ? "" : "no-touch"].filter(Boolean);
  return parts.length ? `${lane.allocator} (${parts.join(", ")})` : lane.allocator;
}

/** The line printed for a lane that failed. */
export function failureLine(failure: NativeFailure): string {
  return `native: ${laneName(failure)} failed: replayer ${failure.message}`;
}

/** Replays an op file already on disk (tests use this to feed a corrupt one). */
export async function runNativeOpFile(opFile: string, options: NativeOptions = {}): Promise<NativeRun> {
  const say = options.onLine ?? ((line: string) => console.error(line));
  const { found, missing } = findAllocators(options.allocators ?? NATIVE_ALLOCATORS);
  for (const m of missing) say(missingLine(m));
  const binary = options.binary ?? replayerBinary();
  const lanes = lanesFor(found, options);
  const rounds = options.rounds ?? 5, warmup = options.warmup ?? 1;
  const times = new Map<Lane, TimeOutput[]>(lanes.map((l) => [l, []]));
  const failed = new Map<Lane, string>();
  const attempt = async (lane: Lane, work: () => Promise<void>) => {
    if (failed.has(lane)) return;
    try {
      await work();
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failed.set(lane, error.message);
    }
  };

  for (let round = 0; round < warmup + rounds; round++) {
    for (const lane of lanes) {
      await attempt(lane, async () => {
        const t = parseTimeOutput(await runReplayer(binary, lane, ["time", opFile]));
        if (round >= warmup) times.get(lane)!.push(t);
      });
    }
  }
  const results = new Map<Lane, NativeLaneResult>();
  for (const lane of lanes) {
    const t = times.get(lane)!;
    if (failed.has(lane) || t.length === 0) continue;
    results.set(lane, {
      allocator: lane.found.allocator, config: lane.config, touch: lane.touch, ops: t[0].ops,
      nsPerOp: median(t.map((x) => x.cpuNs / Math.max(1, x.ops))), roundsNsPerOp: t.map((x) => x.cpuNs / Math.max(1, x.ops)),
      peakRssBytes: median(t.map((x) => x.peakRss)), peakLiveBytes: t[0].peakLive, endRssBytes: median(t.map((x) => x.endRss)),
    });
  }
  const pending: Promise<void>[] = [];
  if (options.detail) {
    for (const lane of lanes) {
      const result = results.get(lane);
      if (!result) continue;
      // Started one after another (each waits for the CPU token), finishing in the background.
      pending.push(attempt(lane, async () => {
        result.detail = parseDetailOutput(await runReplayer(binary, lane, ["detail", opFile, "--sample-every", String(options.sampleEvery ?? 8)], "loop_done"));
      }));
    }
  }
  if (options.occupancyTicks) {
    for (const lane of lanes) {
      const result = results.get(lane);
      if (!result || lane.config !== DEFAULT_CONFIG || !lane.touch) continue;
      pending.push(attempt(lane, async () => {
        result.occupancy = parseOccupancyOutput(await runReplayer(binary, lane, ["occupancy", opFile, "--ticks", String(options.occupancyTicks)]));
      }));
    }
  }
  await Promise.all(pending);

  const failures: NativeFailure[] = [];
  for (const lane of lanes) {
    const message = failed.get(lane);
    if (message === undefined) continue;
    const failure = { allocator: lane.found.allocator, config: lane.config, touch: lane.touch, message };
    failures.push(failure);
    say(failureLine(failure));
  }
  return { lanes: lanes.filter((l) => results.has(l) && !failed.has(l)).map((l) => results.get(l)!), failures, missing };
}

/** Writes the trace as an op file in a temporary directory, replays it, and cleans up. */
export async function runNative(trace: Trace, options: NativeOptions = {}): Promise<NativeRun> {
  const dir = mkdtempSync(join(tmpdir(), "heapforge-native-"));
  try {
    const file = join(dir, "trace.ops");
    writeFileSync(file, encodeOpFile(trace));
    return await runNativeOpFile(file, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each allocator's usable-size staircase (it does not depend on any trace). */
export async function runStaircases(options: NativeOptions = {}): Promise<{ rows: Array<{ allocator: NativeAllocator; requested: number; usable: number }>; failures: NativeFailure[] }> {
  const say = options.onLine ?? ((line: string) => console.error(line));
  const { found } = findAllocators(options.allocators ?? NATIVE_ALLOCATORS);
  const binary = options.binary ?? replayerBinary();
  const rows: Array<{ allocator: NativeAllocator; requested: number; usable: number }> = [];
  const failures: NativeFailure[] = [];
  for (const f of found) {
    const lane: Lane = { found: f, config: DEFAULT_CONFIG, env: {}, touch: true };
    try {
      for (const r of parseStaircaseOutput(await runReplayer(binary, lane, ["staircase"]))) rows.push({ allocator: f.allocator, ...r });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      const failure = { allocator: f.allocator, config: DEFAULT_CONFIG, touch: true, message: error.message };
      failures.push(failure);
      say(failureLine(failure));
    }
  }
  return { rows, failures };
}
