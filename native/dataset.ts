// The native data set of the site: every build-time source replayed natively (every allocator,
// touch and no-touch, the documented knob settings), the simulated allocators timed on the same
// streams, and the usable-size staircases, as a set of files (Arrow tables and provenance.json).
// The native loader ships it; `npm run native` writes it to src/data/native-recorded/, the
// fallback the loader ships where the compiler or a library is missing.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { ALLOCATORS, resolveArenaBytes, type Trace } from "../lib/index.js";
import { toArrowBytes } from "../lib/arrow.js";
import { NATIVE_ALLOCATORS, NATIVE_LIBRARIES, findAllocators } from "./allocators.js";
import { compilerAvailable } from "./compile.js";
import { KNOB_CONFIGS } from "./configs.js";
import { runNative, runStaircases } from "./run.js";
import { timeSimulated } from "./simulated-timing.js";
import {
  nativeCountersTable, nativeFootprintTable, nativeLatencyTable, nativeSummaryTable, occupancyTable, simulatedTimingTable, staircaseTable, type NativeSourceResult,
} from "./tables.js";

export interface NativeSource { source: string; kind: "workload" | "trace"; trace: () => Trace; arenaBytes: number | "auto" | undefined }

/** Where the data came from; the page prints it. */
export interface NativeProvenance {
  origin: "measured" | "recorded";
  /** ISO date and time of the measurement. */
  measuredAt: string;
  machine: string;
  /** Debian package → version, for glibc and the three preloaded allocators. */
  packages: Record<string, string>;
  rounds: number;
  warmup: number;
  sampleEvery: number;
  occupancyTicks: number;
  /** The knob settings measured beside the defaults, and what each is expected to do. */
  settings: Array<{ allocator: string; config: string; why: string }>;
  /** Why recorded figures are shown instead of this build's own (origin "recorded" only). */
  reason?: string;
}

export const METHOD = { rounds: 5, warmup: 1, sampleEvery: 8, occupancyTicks: 32 } as const;
export const PROVENANCE_FILE = "provenance.json";

/** Why this machine cannot measure all four allocators, or undefined when it can. */
export function nativeUnavailableReason(): string | undefined {
  if (!compilerAvailable()) return "no C compiler (apt-get install gcc)";
  const { missing } = findAllocators(NATIVE_ALLOCATORS);
  if (missing.length) return `missing ${missing.map((m) => `${m.file} (apt-get install ${m.package})`).join(", ")}`;
  return undefined;
}

function packageVersion(name: string): string {
  try {
    return execFileSync("dpkg-query", ["-W", "-f", "${Version}", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || "unknown";
  } catch {
    return "unknown";
  }
}

function describeMachine(): string {
  const cpu = cpus();
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  return `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, Linux ${release()}${glibc ? `, glibc ${glibc}` : ""}`;
}

export function occupancyFile(source: string): string {
  return `occupancy-${source}.arrow`;
}

/** Measures every source; a lane that fails is reported through onLine and left out. */
export async function measureNativeDataset(sources: readonly NativeSource[], onLine: (line: string) => void = (l) => console.error(l)): Promise<Map<string, Uint8Array>> {
  const results: NativeSourceResult[] = [];
  for (const { source, kind, trace: load, arenaBytes } of sources) {
    const started = Date.now();
    const trace = load();
    const run = await runNative(trace, { touch: [true, false], knobs: true, detail: true, occupancyTicks: METHOD.occupancyTicks, rounds: METHOD.rounds, warmup: METHOD.warmup, sampleEvery: METHOD.sampleEvery, onLine });
    const simulated = await timeSimulated(trace, ALLOCATORS, resolveArenaBytes(trace, arenaBytes), METHOD.rounds);
    results.push({ source, sourceKind: kind, lanes: run.lanes, simulated });
    onLine(`native: ${source}: ${run.lanes.length} lanes and ${simulated.length} simulated timings in ${Date.now() - started} ms`);
  }
  const staircases = await runStaircases({ onLine });
  const provenance: NativeProvenance = {
    origin: "measured", measuredAt: new Date().toISOString(), machine: describeMachine(),
    packages: Object.fromEntries(["libc6", ...Object.values(NATIVE_LIBRARIES).map((l) => l.package)].map((p) => [p, packageVersion(p)])),
    rounds: METHOD.rounds, warmup: METHOD.warmup, sampleEvery: METHOD.sampleEvery, occupancyTicks: METHOD.occupancyTicks,
    settings: KNOB_CONFIGS.map(({ allocator, config, why }) => ({ allocator, config, why })),
  };
  const files = new Map<string, Uint8Array>([
    ["summary.arrow", toArrowBytes(nativeSummaryTable(results))],
    ["footprint.arrow", toArrowBytes(nativeFootprintTable(results))],
    ["latency.arrow", toArrowBytes(nativeLatencyTable(results))],
    ["counters.arrow", toArrowBytes(nativeCountersTable(results))],
    ["simulated.arrow", toArrowBytes(simulatedTimingTable(results))],
    ["staircase.arrow", toArrowBytes(staircaseTable(staircases.rows))],
    ...results.map((r): [string, Uint8Array] => [occupancyFile(r.source), toArrowBytes(occupancyTable(r))]),
    [PROVENANCE_FILE, new TextEncoder().encode(JSON.stringify(provenance, null, 2) + "\n")],
  ]);
  return files;
}

/** The committed recording, with its provenance turned to origin "recorded" and the reason why. */
export function readRecordedDataset(directory: string, reason: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(directory).sort()) {
    if (!name.endsWith(".arrow") && name !== PROVENANCE_FILE) continue;
    files.set(name, readFileSync(join(directory, name)));
  }
  const raw = files.get(PROVENANCE_FILE);
  if (!raw) throw new Error(`the native recording has no ${PROVENANCE_FILE}: run npm run native on a machine with gcc and the allocator libraries`);
  const provenance = { ...(JSON.parse(new TextDecoder().decode(raw)) as NativeProvenance), origin: "recorded" as const, reason };
  files.set(PROVENANCE_FILE, new TextEncoder().encode(JSON.stringify(provenance, null, 2) + "\n"));
  return files;
}
