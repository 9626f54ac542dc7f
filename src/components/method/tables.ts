// Tables for the methodology page, read from the build-time Arrow tables: the races the build ran
// (source, kind, ops, arena), and the sampled wall-clock latency of every allocator next to its
// probe counts, percentiles read from the 32-bucket log2 histograms exactly as the race reads them.
import { ALLOCATORS, HISTOGRAM_BUCKETS, percentilesOf, type Percentiles } from "../../lib/index.js";
import { formatBytes, formatCount } from "../core/format.js";

type Row = Record<string, unknown>;

function cell(tag: "td" | "th", content: string, numeric: boolean): HTMLTableCellElement {
  const node = document.createElement(tag);
  node.textContent = content;
  if (numeric) node.style.cssText = "text-align:right;white-space:nowrap";
  return node;
}

/** A plain table in a horizontally scrolling wrapper: narrow screens scroll the table, not the page. */
export function simpleTable(columns: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): HTMLElement {
  const wrap = document.createElement("div");
  wrap.className = "method-table";
  wrap.style.cssText = "overflow-x:auto;max-width:100%";
  const table = document.createElement("table");
  table.style.cssText = "font-variant-numeric:tabular-nums;max-width:none";
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  columns.forEach((name, i) => headRow.append(cell("th", name, numeric[i] ?? false)));
  head.append(headRow);
  const body = document.createElement("tbody");
  for (const values of rows) {
    const tr = document.createElement("tr");
    values.forEach((value, i) => tr.append(cell("td", value, numeric[i] ?? false)));
    body.append(tr);
  }
  table.append(head, body);
  wrap.append(table);
  return wrap;
}

/** One row per build-time race: what was raced, how long, in what arena. */
export function buildRacesTable(raceRows: readonly Row[]): HTMLElement {
  const seen = new Map<string, Row>();
  for (const row of raceRows) if (!seen.has(String(row.source))) seen.set(String(row.source), row);
  const rows = [...seen.values()].map((row) => [
    String(row.source), String(row.kind), formatCount(Number(row.ops)), formatBytes(Number(row.arenaBytes)),
  ]);
  return simpleTable(["source", "kind", "ops", "arena per allocator"], rows, [false, false, true, true]);
}

/** Sums the histogram rows of one kind by allocator, over one source or (source = null) all of them. */
export function histogramsByAllocator(rows: readonly Row[], { kind, source = null }: { kind: string; source?: string | null }): Map<string, Float64Array> {
  const histograms = new Map<string, Float64Array>();
  for (const row of rows) {
    if (row.kind !== kind || (source !== null && row.source !== source)) continue;
    const allocator = String(row.allocator);
    let histogram = histograms.get(allocator);
    if (!histogram) histograms.set(allocator, (histogram = new Float64Array(HISTOGRAM_BUCKETS)));
    histogram[Number(row.bucket)] += Number(row.count);
  }
  return histograms;
}

/** Percentiles of every sample of every allocator pooled together (the page quotes its median). */
export function pooledPercentiles(rows: readonly Row[], kind: string): Percentiles & { samples: number } {
  const pooled = new Float64Array(HISTOGRAM_BUCKETS);
  let samples = 0;
  for (const histogram of histogramsByAllocator(rows, { kind }).values()) {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) { pooled[i] += histogram[i]; samples += histogram[i]; }
  }
  return { ...percentilesOf(pooled), samples };
}

/**
 * Wall-clock ns (sampled, latency-ns.arrow) beside probes per op (every op, latency.arrow) for one
 * source, allocator by allocator in ALLOCATORS order.
 */
export function latencyTable(nsRows: readonly Row[], probeRows: readonly Row[], source: string): HTMLElement {
  const ns = histogramsByAllocator(nsRows, { kind: "ns", source });
  const probes = histogramsByAllocator(probeRows, { kind: "all", source });
  const rows = ALLOCATORS.filter((name) => ns.has(name) || probes.has(name)).map((name) => {
    const timed = ns.get(name);
    const t = timed ? percentilesOf(timed) : null;
    const p = probes.has(name) ? percentilesOf(probes.get(name)!) : null;
    const samples = timed ? timed.reduce((sum, n) => sum + n, 0) : 0;
    return [
      name, formatCount(samples),
      t ? `≤ ${formatCount(t.p50)}` : "—", t ? `≤ ${formatCount(t.p90)}` : "—", t ? `≤ ${formatCount(t.p99)}` : "—",
      p ? `≤ ${formatCount(p.p50)}` : "—", p ? `≤ ${formatCount(p.p99)}` : "—",
    ];
  });
  return simpleTable(
    ["allocator", "ops timed", "ns p50", "ns p90", "ns p99", "probes p50", "probes p99"],
    rows, [false, true, true, true, true, true, true],
  );
}

/** One allocator over every build-time race: its worst peak fragmentation and all its failures. */
export function allocatorExtremes(raceRows: readonly Row[], allocator: string): { races: number; maxPeakFragmentation: number; failures: number; racesWithFailures: number; maxInternalFragmentation: number } {
  const mine = raceRows.filter((row) => row.allocator === allocator);
  return {
    races: mine.length,
    maxPeakFragmentation: Math.max(0, ...mine.map((row) => Number(row.peakFragmentation))),
    failures: mine.reduce((sum, row) => sum + Number(row.failures), 0),
    racesWithFailures: mine.filter((row) => Number(row.failures) > 0).length,
    maxInternalFragmentation: Math.max(0, ...mine.map((row) => Number(row.internalFragmentation))),
  };
}
