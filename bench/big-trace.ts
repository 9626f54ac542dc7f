// npm run bench:big — the CLI on a trace of any length: a 600k-op and a 10M-op glibc mtrace file
// (larson, a server's steady churn, written as bench:parse writes its files, ~700 MB at 10M ops),
// each raced by `npm run race -- --trace FILE --arena auto` in a fresh process: wall and CPU time,
// peak RSS, and the time per op at 10M against 600k (linear means ≤ 1.2×).
// Targets (issue "traces of any length"): 600k parse + race ≤ 1.0 s; 10M ≤ 15 s with peak RSS
// ≤ 1 GiB. Options: --ops-small N (600000) --ops-big N (10000000) --rounds N (3, small file only;
// the big file runs once) --keep DIR.
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateWorkload } from "../lib/index.js";
import { writeGlibcMtraceTo } from "./glibc-mtrace.js";

const { values } = parseArgs({ options: {
  "ops-small": { type: "string", default: "600000" }, "ops-big": { type: "string", default: "10000000" },
  rounds: { type: "string", default: "3" }, keep: { type: "string" },
} });
const MEASURE = fileURLToPath(new URL("./measure-cli.mjs", import.meta.url));

interface Measure { maxRssBytes: number; cpuMs: number; wallMs: number }

function writeFile(file: string, ops: number): number {
  const trace = generateWorkload("larson", { seed: 1, ops });
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

function runCli(file: string): Measure {
  const run = spawnSync(process.execPath, [MEASURE, "--trace", file, "--arena", "auto"], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
  const stderr = run.stderr ?? "";
  if (run.status !== 0) throw new Error(`the CLI exited with ${run.status}: ${stderr.slice(-400)}`);
  const line = stderr.split("\n").find((l) => l.startsWith("measure "));
  if (!line) throw new Error(`the CLI printed no measurement: ${stderr.slice(-400)}`);
  return JSON.parse(line.slice("measure ".length));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const dir = mkdtempSync(join(tmpdir(), "heapforge-big-"));
try {
  const small = Number(values["ops-small"]), big = Number(values["ops-big"]), rounds = Number(values.rounds);
  const rows: Array<{ ops: number; bytes: number; runs: Measure[] }> = [];
  for (const [ops, n] of [[small, rounds], [big, 1]] as const) {
    const file = join(dir, `larson-${ops}.mtrace`);
    const bytes = writeFile(file, ops);
    if (values.keep) copyFileSync(file, join(values.keep, `larson-${ops}.mtrace`));
    console.error(`${ops} ops → ${(bytes / 1048576).toFixed(0)} MiB of mtrace text`);
    const runs: Measure[] = [];
    for (let r = 0; r < n; r++) runs.push(runCli(file));
    rows.push({ ops, bytes, runs });
    rmSync(file);
  }
  console.log(`\nnpm run race -- --trace FILE --arena auto (five lanes, 64 ticks with frames and check()), a fresh process per run; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} when done\n`);
  console.log("| ops | file | runs | wall | CPU (user + system) | CPU ns per op | peak RSS |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const { ops, bytes, runs } of rows) {
    const cpu = median(runs.map((r) => r.cpuMs));
    console.log(`| ${ops.toLocaleString("en-US")} | ${(bytes / 1048576).toFixed(0)} MiB | ${runs.length} | ${(median(runs.map((r) => r.wallMs)) / 1000).toFixed(2)} s | ${(cpu / 1000).toFixed(2)} s | ${((cpu * 1e6) / ops).toFixed(0)} | ${(median(runs.map((r) => r.maxRssBytes)) / 1048576).toFixed(0)} MiB |`);
  }
  const perOp = rows.map(({ ops, runs }) => median(runs.map((r) => r.cpuMs)) / ops);
  console.log(`\nCPU time per op at ${big.toLocaleString("en-US")} ops / at ${small.toLocaleString("en-US")}: ${(perOp[1] / perOp[0]).toFixed(2)}× (target ≤ 1.2×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
