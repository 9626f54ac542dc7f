// The sortable leaderboard of a race (click a column header to sort by it).
import * as Inputs from "@observablehq/inputs";
import type { RaceView } from "../core/race-view.js";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
// A column that does not apply to a row (a native lane has no probes or arena) holds this string:
// Inputs.table leaves null and NaN cells blank without calling the format, and a blank cell
// reads as "missing" rather than "not applicable".
const NOT_APPLICABLE = "—";
const num = (x: number | null) => (x === null || Number.isNaN(x) ? "—" : x.toLocaleString("en-US"));

/**
 * A production allocator measured natively on the same stream (native.md): it has sampled ns per
 * op but no probes and no arena, so those columns read "—".
 */
export interface NativeLeaderboardRow { allocator: string; origin: "measured" | "recorded"; ns: { p50: number; p99: number } | null }

/** A column format that passes the not-applicable mark through unchanged. */
function cell<T>(format: (x: T) => string): (x: T | typeof NOT_APPLICABLE) => string {
  return (x) => (x === NOT_APPLICABLE ? NOT_APPLICABLE : format(x as T));
}

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
    mmaps: lane.mmaps,
    munmaps: lane.munmaps,
    status: lane.corrupt ? `stopped: ${lane.corrupt}` : lane.opsRun < view.ops ? "unfinished" : "ok",
  }));
  const measured = native.map((row) => ({
    allocator: row.allocator, kind: `native, ${row.origin}`,
    failures: NOT_APPLICABLE, errors: NOT_APPLICABLE, probesP50: NOT_APPLICABLE, probesP99: NOT_APPLICABLE,
    nsP50: row.ns ? row.ns.p50 : null, nsP99: row.ns ? row.ns.p99 : null,
    peakFragmentation: NOT_APPLICABLE, finalFragmentation: NOT_APPLICABLE, internalFragmentation: NOT_APPLICABLE, utilization: NOT_APPLICABLE,
    // The C replayer counts no mappings (glibc's own mmaps are its business), so these do not apply.
    mmaps: NOT_APPLICABLE, munmaps: NOT_APPLICABLE, status: "ok",
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
      peakFragmentation: "peak frag.", finalFragmentation: "final frag.", internalFragmentation: "int. frag.", // short: the row must fit 1440 px with the mapping counts
    },
    format: {
      kind: (k: string) => k,
      failures: cell(num), errors: cell(num), probesP50: cell(num), probesP99: cell(num), nsP50: num, nsP99: num,
      peakFragmentation: cell(pct), finalFragmentation: cell(pct), internalFragmentation: cell(pct), utilization: cell(pct),
      mmaps: cell(num), munmaps: cell(num),
    },
  }) as unknown as HTMLElement;
}
