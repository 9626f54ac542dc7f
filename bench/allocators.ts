// npm run bench — ns/op of every allocator on one seeded 2M-op stream, against the C library's
// malloc replaying the same stream (bench/native/replay.c, compiled with cc when present).
// Runs are interleaved (one of each per round) so drift in machine load hits all alike, each run
// in a fresh process (bench/time-allocator.ts), and the median of the rounds is reported. Options: --ops N (2000000), --rounds N (5), --quick.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { AllocatorName, AllocatorOptions } from "../lib/allocators/types.js";
import { benchTrace, encodeForNative } from "./bench-trace.js";
import { median } from "./median.js";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "2000000" },
    rounds: { type: "string", default: "5" },
    quick: { type: "boolean", default: false },
  },
});
const ops = values.quick ? 200_000 : Number(values.ops);
const rounds = values.quick ? 3 : Number(values.rounds);
if (!Number.isInteger(ops) || ops < 1000 || !Number.isInteger(rounds) || rounds < 1) {
  console.error(`usage: npm run bench -- [--ops N ≥ 1000] [--rounds N ≥ 1] [--quick]`);
  process.exit(2);
}

const ARENA = 4 * 1024 * 1024;
const trace = benchTrace({ ops, seed: 42, liveTarget: 1.5 * 1024 * 1024 });

interface Contender { label: string; allocator: AllocatorName; options: AllocatorOptions; target?: number }
const contenders: Contender[] = [
  { label: "bump", allocator: "bump", options: {}, target: 0.6 },
  { label: "slab", allocator: "slab", options: {}, target: 1.0 },
  { label: "segfit", allocator: "segfit", options: {}, target: 1.5 },
  { label: "buddy", allocator: "buddy", options: {}, target: 2.0 },
  { label: "tlsf", allocator: "tlsf", options: {}, target: 1.5 },
  { label: "freelist first/lifo", allocator: "freelist", options: { placement: "first", order: "lifo" } },
  { label: "freelist next/lifo", allocator: "freelist", options: { placement: "next", order: "lifo" } },
  { label: "freelist best/lifo", allocator: "freelist", options: { placement: "best", order: "lifo" } },
  { label: "freelist first/address", allocator: "freelist", options: { placement: "first", order: "address" } },
];

function buildNative(): string | null {
  const source = fileURLToPath(new URL("./native/replay.c", import.meta.url));
  const binary = fileURLToPath(new URL("./native/replay", import.meta.url));
  const cc = spawnSync("cc", ["--version"], { encoding: "utf8" });
  if (cc.error || cc.status !== 0) return null;
  execFileSync("cc", ["-O2", "-o", binary, source]);
  return binary;
}

function timeNative(binary: string, file: string): number {
  const out = execFileSync(binary, [file], { encoding: "utf8" });
  return Number(out.trim().split(" ")[0]);
}

function timeJs(contender: Contender, file: string): { nsPerOp: number; failures: number } {
  const script = fileURLToPath(new URL("./time-allocator.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", script, file, contender.allocator, JSON.stringify(contender.options)], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!);
}


const native = buildNative();
if (!native) console.error("cc not found: the glibc reference column is skipped");
const traceDir = mkdtempSync(join(tmpdir(), "heapforge-bench-"));
const traceFile = join(traceDir, "trace.bin");
writeFileSync(traceFile, encodeForNative(trace));
process.on("exit", () => rmSync(traceDir, { recursive: true, force: true })); // ~18 MB per run
let idCount = 0;
for (let i = 0; i < trace.length; i++) idCount = Math.max(idCount, trace.id[i] + 1);

console.error(`trace: ${trace.length} ops, ${idCount} ids, 4 MiB arena; ${rounds} rounds after one warm-up round, one process per run`);
const samples = new Map<string, number[]>();
const failures = new Map<string, number>();
for (let round = 0; round <= rounds; round++) {
  if (native) {
    const ns = timeNative(native, traceFile);
    if (round > 0) (samples.get("glibc") ?? samples.set("glibc", []).get("glibc")!).push(ns);
  }
  for (const contender of contenders) {
    const result = timeJs(contender, traceFile);
    failures.set(contender.label, result.failures);
    if (round > 0) (samples.get(contender.label) ?? samples.set(contender.label, []).get(contender.label)!).push(result.nsPerOp);
  }
  process.stderr.write(round === 0 ? "warm-up done\n" : `round ${round}/${rounds}\n`);
}

const glibc = samples.has("glibc") ? median(samples.get("glibc")!) : null;
const rows = [...(native ? [{ label: "glibc malloc (cc -O2)", target: undefined as number | undefined, key: "glibc" }] : []),
  ...contenders.map((c) => ({ label: c.label, target: c.target, key: c.label }))];
console.log(`| allocator | ns/op (median of ${rounds}) | × glibc | target | failures |`);
console.log("|---|---:|---:|---:|---:|");
for (const row of rows) {
  const ns = median(samples.get(row.key)!);
  const ratio = glibc ? (ns / glibc).toFixed(2) + "×" : "—";
  const target = row.target ? `≤ ${row.target.toFixed(1)}×` : "";
  const fails = row.key === "glibc" ? "" : String(failures.get(row.key) ?? 0);
  console.log(`| ${row.label} | ${ns.toFixed(1)} | ${ratio} | ${target} | ${fails} |`);
}
