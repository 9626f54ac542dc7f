// npx tsx bench/tlsf-fit.ts [FILE|DIR ...] — TLSF's utilization and probes against the free list's
// best fit (address order), first fit (LIFO) and the segregated fit, on real traces, as a markdown
// table. Defaults to the site's sample traces; pass a directory of malloc-lab .rep files too.
// Deterministic (probes, not time), so one run is the figure.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseTrace } from "../lib/trace/parse.js";
import { race } from "../lib/race/race.js";
import { TLSF_FIT_LANES } from "../lib/labs/tlsf-fit.js";

const SAMPLES = fileURLToPath(new URL("../src/data/traces/", import.meta.url));

function traceFiles(paths: string[]): string[] {
  return paths.flatMap((path) => statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => /\.(rep|mtrace)$/.test(f)).sort().map((f) => join(path, f))
    : [path]);
}

const files = traceFiles(process.argv.length > 2 ? process.argv.slice(2) : [SAMPLES]);
const labels = TLSF_FIT_LANES.map((lane) => lane.label!);
console.log(`| trace | ops | ${labels.join(" | ")} | tlsf 32 probes p99 |`);
console.log(`|---|---:|${labels.map(() => "---:|").join("")}---:|`);
for (const file of files) {
  const trace = parseTrace(readFileSync(file, "utf8"), basename(file));
  if (trace.length < 100) continue; // the two 12-op malloc-lab smoke tests say nothing about fit
  const result = race(trace, { lanes: [...TLSF_FIT_LANES], arenaBytes: "auto", ticks: 1, frames: false });
  const cells = result.lanes.map((lane) => `${(100 * lane.utilization).toFixed(1)} %${lane.failures ? ` (${lane.failures} failed)` : ""}`);
  console.log(`| ${basename(file)} | ${result.ops} | ${cells.join(" | ")} | ${result.lanes[0].probes.p99} |`);
}
