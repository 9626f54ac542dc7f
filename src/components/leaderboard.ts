// The sortable leaderboard of a race (click a column header to sort by it).
import * as Inputs from "@observablehq/inputs";
import type { RaceView } from "./race-view.js";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number | null) => (x === null || Number.isNaN(x) ? "—" : x.toLocaleString("en-US"));

export function leaderboardRows(view: RaceView) {
  return view.lanes.map((lane) => ({
    allocator: lane.label,
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
}

export function leaderboard(view: RaceView, { sort = "failures" }: { sort?: string } = {}): HTMLElement {
  const root = document.createElement("div");
  root.className = "leaderboard";
  root.append(table(view, sort));
  return root;
}

function table(view: RaceView, sort: string): HTMLElement {
  return Inputs.table(leaderboardRows(view), {
    sort,
    rows: view.lanes.length + 1,
    layout: "auto",
    maxWidth: 1200,
    header: {
      probesP50: "probes p50", probesP99: "probes p99", nsP50: "ns p50", nsP99: "ns p99",
      peakFragmentation: "peak frag.", finalFragmentation: "final frag.", internalFragmentation: "internal frag.",
    },
    format: {
      failures: num, errors: num, probesP50: num, probesP99: num, nsP50: num, nsP99: num,
      peakFragmentation: pct, finalFragmentation: pct, internalFragmentation: pct, utilization: pct,
    },
  }) as unknown as HTMLElement;
}
