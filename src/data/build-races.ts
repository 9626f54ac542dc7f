// The build-time races every data loader shares: each workload at its default seed, and each
// shipped sample trace, through every allocator. Loaders call these and write one Arrow table
// each; the choice of what to race lives here, once.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WORKLOADS, generateWorkload, parseTrace, race, type RaceOptions, type Trace } from "../lib/index.js";
import type { LabelledRace } from "../lib/arrow.js";

import { BUILD_OPS, BUILD_SEED, BUILD_TICKS, BUILD_TRACE_ARENA } from "./build-plan.js";
export { FRAME_EVERY } from "./build-plan.js";

const TRACE_DIR = fileURLToPath(new URL("./traces/", import.meta.url));

export interface BuildSource { source: string; kind: "workload" | "trace"; trace: () => Trace }

export function sampleTraceFiles(): string[] {
  return readdirSync(TRACE_DIR).filter((file) => file.endsWith(".mtrace") || file.endsWith(".rep")).sort();
}

export function buildSources(): BuildSource[] {
  const workloads: BuildSource[] = WORKLOADS.map((name) => ({
    source: name, kind: "workload", trace: () => generateWorkload(name, { seed: BUILD_SEED, ops: BUILD_OPS }),
  }));
  const traces: BuildSource[] = sampleTraceFiles().map((file) => ({
    source: file.replace(/\.(mtrace|rep)$/, ""), kind: "trace",
    trace: () => parseTrace(readFileSync(TRACE_DIR + file, "utf8"), file),
  }));
  return [...workloads, ...traces];
}

/** Races every source (or the one named) with the given options; traces get an "auto" arena. */
export function runBuildRaces(options: RaceOptions = {}, only?: string): LabelledRace[] {
  const sources = buildSources().filter((s) => only === undefined || s.source === only);
  if (only !== undefined && sources.length === 0) throw new Error(`no build-time race is named ${JSON.stringify(only)}`);
  return sources.map(({ source, kind, trace }) => {
    const started = Date.now();
    const result = race(trace(), { ticks: BUILD_TICKS, arenaBytes: kind === "trace" ? BUILD_TRACE_ARENA : undefined, ...options });
    console.error(`raced ${source}: ${result.ops} ops × ${result.lanes.length} allocators in ${Date.now() - started} ms`);
    return { source, kind, result };
  });
}

export function writeArrow(bytes: Uint8Array): void {
  process.stdout.write(bytes);
}
