// The sortable leaderboard of a race (click a column header to sort by it).
import * as Inputs from "@observablehq/inputs";
import type { RaceView } from "./race-view.js";

// NaN marks a column that does not apply to a row (a native lane has no probes): Inputs.table
// leaves null cells blank without calling the format, and a blank reads as "missing".
const pct = (x: number) => (Number.isNaN(x) ? "—" : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null) => (x === null || Number.isNaN(x) ? "—" : x.toLocaleString("en-US"));

/**
 * A production allocator measured natively on the same stream (native.md): it has sampled ns per
 * op but no probes and no arena, so those columns read "—".
 */
export interface NativeLeaderboardRow { allocator: string; origin: "measured" | "recorded"; ns: { p50: number; p99: number } | null }

export function leaderboardRows(view: RaceView, native: readonly NativeLeaderboardRow[] = []) {
  const simulated = view.lanes.map((lane) => ({
    allocator: lane.label,
    kind: "simulated",
    failures: lane.failures,
    errors: lane.errors,
    probesP50: lane.probes.p50,
    probesP99: lane.probes.p99,
    nsP50: lane.ns ? lane.ns.p50 : null,
    nsP99: lane.ns ? lane.ns.p99 : null,
    peakFragmentation: lane.peakFragmentation,
    finalFragmentation: lane.finalFragmentation,
    internalFragmentation: lane.internalFragmentation,
    utilization: lane.utilization,
    status: lane.corrupt ? `stopped: ${lane.corrupt}` : lane.opsRun < view.ops ? "unfinished" : "ok",
  }));
  const measured = native.map((row) => ({
    allocator: row.allocator, kind: `native, ${row.origin}`, failures: NaN, errors: NaN, probesP50: NaN, probesP99: NaN,
    nsP50: row.ns ? row.ns.p50 : null, nsP99: row.ns ? row.ns.p99 : null,
    peakFragmentation: NaN, finalFragmentation: NaN, internalFragmentation: NaN, utilization: NaN, status: "ok",
  }));
  return [...simulated, ...measured];
}

export function leaderboard(view: RaceView, { sort = "failures", native = [] }: { sort?: string; native?: readonly NativeLeaderboardRow[] } = {}): HTMLElement {
  const root = document.createElement("div");
  root.className = "leaderboard";
  root.append(table(view, sort, native));
  return root;
}

function table(view: RaceView, sort: string, native: readonly NativeLeaderboardRow[]): HTMLElement {
  const rows = leaderboardRows(view, native);
  return Inputs.table(rows, {
    sort,
    rows: rows.length + 1,
    layout: "auto",
    maxWidth: 1200,
    header: {
      probesP50: "probes p50", probesP99: "probes p99", nsP50: "ns p50", nsP99: "ns p99",
      peakFragmentation: "peak frag.", finalFragmentation: "final frag.", internalFragmentation: "internal frag.",
    },
    format: {
      kind: (k: string) => k,
      failures: num, errors: num, probesP50: num, probesP99: num, nsP50: num, nsP99: num,
      peakFragmentation: pct, finalFragmentation: pct, internalFragmentation: pct, utilization: pct,
    },
  }) as unknown as HTMLElement;
}
