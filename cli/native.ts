// `npm run race -- … --native`: the same stream replayed through glibc, jemalloc, mimalloc and
// tcmalloc by the native replayer, printed as a second leaderboard, and the table `--out` writes
// (one row per lane, simulated or native; docs/race-arrow.md). Kept apart from cli/race.ts so the
// command itself only calls in here.
import { Bool, Float64, Table, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import type { Trace } from "../lib/index.js";
import { raceSummaryTable, type LabelledRace } from "../lib/arrow.js";
import { NativeUnavailable } from "../native/compile.js";
import type { NativeLaneResult } from "../native/results.js";
import { runNative, type NativeRun } from "../native/run.js";
import { formatBytes } from "./args.js";

/** Replays the trace natively; exits 1 with one line when nothing native can run here. */
export async function nativeRowsFor(trace: Trace): Promise<NativeRun> {
  let run: NativeRun;
  try {
    run = await runNative(trace, { touch: [true], rounds: 5, warmup: 1 });
  } catch (error) {
    if (error instanceof NativeUnavailable) {
      console.error(`heapforge: --native cannot run: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  if (run.lanes.length === 0) {
    console.error("heapforge: --native produced no rows: every allocator was missing or failed (see the lines above)");
    process.exit(1);
  }
  return run;
}

export function nativeLeaderboard(lanes: readonly NativeLaneResult[]): string {
  const header = ["native, measured", "ns/op", "peak RSS", "peak live", "RSS/live", "probes", "arena frag"];
  const rows = lanes.map((lane) => [
    lane.allocator, lane.nsPerOp.toFixed(1), formatBytes(Math.max(0, lane.peakRssBytes)), formatBytes(lane.peakLiveBytes),
    lane.peakLiveBytes > 0 ? `${(lane.peakRssBytes / lane.peakLiveBytes).toFixed(2)}×` : "—", "—", "—",
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function nativeFootnote(lanes: readonly NativeLaneResult[]): string {
  const ops = lanes[0]?.ops ?? 0;
  return `native: median CPU ns/op of 5 rounds (fresh process each, after 1 warm-up), payload touched; peak RSS = VmHWM above the pre-loop RSS; ${ops} ops`;
}

/**
 * The --out table: every column of the simulated leaderboard, plus `kind` ("simulated" or
 * "native"), `sourceKind` ("workload" or "trace", what `kind` meant before native rows existed),
 * `nsPerOp` and `peakRssBytes` (native rows only; null for simulated ones). Columns that do not
 * apply to a native row are null.
 */
export function laneTable(race: LabelledRace, native: readonly NativeLaneResult[]): Table {
  const simulated = raceSummaryTable([race]);
  const nSim = simulated.numRows, nNat = native.length;
  const vectors: Record<string, Vector> = {};
  vectors.kind = vectorFromArray([...Array(nSim).fill("simulated"), ...Array(nNat).fill("native")], new Utf8());
  for (const field of simulated.schema.fields) {
    const column = simulated.getChild(field.name)!;
    const values: unknown[] = [];
    for (let i = 0; i < nSim; i++) values.push(column.get(i));
    const name = field.name === "kind" ? "sourceKind" : field.name;
    for (const lane of native) values.push(nativeValue(name, lane, race));
    vectors[name] = vectorFromArray(values as never[], field.type as never);
  }
  vectors.nsPerOp = vectorFromArray([...Array(nSim).fill(null), ...native.map((l) => l.nsPerOp)], new Float64());
  vectors.peakRssBytes = vectorFromArray([...Array(nSim).fill(null), ...native.map((l) => l.peakRssBytes)], new Float64());
  vectors.touch = vectorFromArray([...Array(nSim).fill(null), ...native.map((l) => l.touch)], new Bool());
  return new Table(vectors);
}

function nativeValue(column: string, lane: NativeLaneResult, race: LabelledRace): unknown {
  switch (column) {
    case "source": return race.source;
    case "sourceKind": return race.kind;
    case "allocator": return lane.allocator;
    case "label": return `${lane.allocator} (native)`;
    case "ops": case "opsRun": return lane.ops;
    case "peakLiveBytes": return lane.peakLiveBytes;
    default: return null;
  }
}

