// npm run bench:big — the CLI on a trace of any length: a 600k-op and a 10M-op glibc mtrace file
// (larson, a server's steady churn, written as bench:parse writes its files, ~700 MB at 10M ops),
// each raced by `npm run race -- --trace FILE --arena auto` in a fresh process: wall and CPU time,
// peak RSS, and the time per op at 10M against 600k (linear means ≤ 1.2×).
// Targets (issue "traces of any length"): 600k parse + race ≤ 1.0 s; 10M ≤ 15 s with peak RSS
// ≤ 1 GiB. The small file also runs with every lane in one thread and as a parse alone, for
// comparison. Options: --ops-small N (600000) --ops-big N (10000000; past 10M, larson repeated:
// longLarson) --rounds N (5, small file only; the big file runs once, streamed, since it is over
// 256 MiB) --keep DIR.
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { OP_FREE, OP_MALLOC, TraceBuilder, generateWorkload, type Trace } from "../lib/index.js";
import { writeGlibcMtraceTo } from "./glibc-mtrace.js";
import { median } from "./median.js";

const { values } = parseArgs({ options: {
  "ops-small": { type: "string", default: "600000" }, "ops-big": { type: "string", default: "10000000" },
  rounds: { type: "string", default: "5" }, keep: { type: "string" },
} });
const MEASURE = fileURLToPath(new URL("./measure-cli.mjs", import.meta.url));

interface Measure { maxRssBytes: number; cpuMs: number; wallMs: number }

// A workload is at most 10M ops, so a longer trace is a program running larson again and again:
// segments of up to 10M ops (seeds 1, 2, …, ids shifted past the previous segment's), each but the
// last ending with the frees of the blocks it left live, so the heap stays larson's size.
const SEGMENT_OPS = 10_000_000;
function longLarson(ops: number): Trace {
  if (ops <= SEGMENT_OPS) return generateWorkload("larson", { seed: 1, ops });
  const out = new TraceBuilder();
  let idBase = 0;
  for (let seed = 1, left = ops; left > 0; seed++) {
    const segment = generateWorkload("larson", { seed, ops: Math.min(left, SEGMENT_OPS) });
    left -= segment.length;
    const live = new Set<number>();
    let maxId = -1;
    for (let i = 0; i < segment.length; i++) {
      const id = segment.id[i], op = segment.op[i];
      if (op === OP_MALLOC) { out.malloc(idBase + id, segment.size[i]); live.add(id); }
      else if (op === OP_FREE) { out.free(idBase + id); live.delete(id); }
      else out.realloc(idBase + id, segment.size[i]);
      if (id > maxId) maxId = id;
    }
    if (left > 0) for (const id of live) out.free(idBase + id);
    idBase += maxId + 1;
  }
  return out.build(`larson ×${Math.ceil(ops / SEGMENT_OPS)}`);
}

function writeFile(file: string, ops: number): number {
  const trace = longLarson(ops);
  const fd = openSync(file, "w");
  let pending = "";
  writeGlibcMtraceTo(trace, 1, (piece) => {
    pending += piece;
    if (pending.length > 1 << 22) { writeSync(fd, pending); pending = ""; }
  });
  writeSync(fd, pending);
  closeSync(fd);
  return statSync(file).size;
}

function runCli(file: string, extra: string[]): Measure {
  const run = spawnSync(process.execPath, [MEASURE, "--trace", file, "--arena", "auto", ...extra], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
  const stderr = run.stderr ?? "";
  if (run.status !== 0) throw new Error(`the CLI exited with ${run.status}: ${stderr.slice(-400)}`);
  const line = stderr.split("\n").find((l) => l.startsWith("measure "));
  if (!line) throw new Error(`the CLI printed no measurement: ${stderr.slice(-400)}`);
  return JSON.parse(line.slice("measure ".length));
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
// The small file's runs, interleaved round by round so that load drift hits them alike: the
// command as users run it, every lane in one thread (the worker rule's alternative), and the
// parse alone (one op raced in one lane), the fixed part the race adds to.
const SMALL_MODES: Array<[string, string[]]> = [
  ["npm run race (workers, the default)", []],
  ["--threads 1", ["--threads", "1"]],
  ["parse only (--ops 1 --threads 1 --allocators bump)", ["--ops", "1", "--threads", "1", "--allocators", "bump"]],
];
const dir = mkdtempSync(join(tmpdir(), "heapforge-big-"));
try {
  const small = Number(values["ops-small"]), big = Number(values["ops-big"]), rounds = Number(values.rounds);
  const rows: Array<{ ops: number; bytes: number; mode: string; runs: Measure[] }> = [];
  const loadBefore = load();
  for (const ops of [small, big]) {
    const file = join(dir, `larson-${ops}.mtrace`);
    const bytes = writeFile(file, ops);
    if (values.keep) copyFileSync(file, join(values.keep, `larson-${ops}.mtrace`));
    console.error(`${ops} ops → ${(bytes / 1048576).toFixed(0)} MiB of mtrace text`);
    const modes = ops === small ? SMALL_MODES : SMALL_MODES.slice(0, 1);
    const runs = modes.map((): Measure[] => []);
    for (let r = 0; r < (ops === small ? rounds : 1); r++) {
      modes.forEach(([, extra], m) => runs[m].push(runCli(file, extra)));
    }
    modes.forEach(([mode], m) => rows.push({ ops, bytes, mode, runs: runs[m] }));
    rmSync(file);
  }
  console.log(`\nnpm run race -- --trace FILE --arena auto (six lanes, 64 ticks with frames and check()), a fresh process per run; load average ${loadBefore} before, ${load()} when done\n`);
  console.log("| ops | file | how | runs | wall | CPU (user + system) | CPU ns per op | peak RSS |");
  console.log("|---:|---:|---|---:|---:|---:|---:|---:|");
  for (const { ops, bytes, mode, runs } of rows) {
    const cpu = median(runs.map((r) => r.cpuMs));
    console.log(`| ${ops.toLocaleString("en-US")} | ${(bytes / 1048576).toFixed(0)} MiB | ${mode} | ${runs.length} | ${(median(runs.map((r) => r.wallMs)) / 1000).toFixed(2)} s | ${(cpu / 1000).toFixed(2)} s | ${((cpu * 1e6) / ops).toFixed(0)} | ${(median(runs.map((r) => r.maxRssBytes)) / 1048576).toFixed(0)} MiB |`);
  }
  const perOp = [rows[0], rows.at(-1)!].map(({ ops, runs }) => median(runs.map((r) => r.cpuMs)) / ops);
  const wallPerOp = [rows[0], rows.at(-1)!].map(({ ops, runs }) => median(runs.map((r) => r.wallMs)) / ops);
  console.log(`\nTime per op at ${big.toLocaleString("en-US")} ops / at ${small.toLocaleString("en-US")} (the default command): CPU ${(perOp[1] / perOp[0]).toFixed(2)}×, wall ${(wallPerOp[1] / wallPerOp[0]).toFixed(2)}× (target ≤ 1.2×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
