// The TLSF page's comparison table (data/tlsf-fit.arrow, lanes in lib/labs/tlsf-fit.ts): one row
// per trace, one utilization column per lane, the best of each row in bold.
import type { RaceRow } from "./figures.js";
import { sourceLabel } from "./figures.js";

export function tlsfFitTable(rows: readonly RaceRow[]): HTMLTableElement {
  const labels = [...new Set(rows.map((r) => r.label))];
  const sources = [...new Set(rows.map((r) => r.source))];
  const table = document.createElement("table");
  table.className = "method-table tlsf-fit";
  const head = table.createTHead().insertRow();
  for (const text of ["trace", ...labels]) head.append(Object.assign(document.createElement("th"), { textContent: text }));
  const body = table.createTBody();
  for (const source of sources) {
    const tr = body.insertRow();
    tr.insertCell().textContent = sourceLabel(source, "trace");
    const lanes = labels.map((label) => rows.find((r) => r.source === source && r.label === label)!);
    const best = Math.max(...lanes.map((r) => r.utilization));
    for (const lane of lanes) {
      const cell = tr.insertCell();
      cell.textContent = `${(100 * lane.utilization).toFixed(1)} %` + (lane.failures ? ` (${lane.failures} failed)` : "");
      cell.style.whiteSpace = "nowrap"; // seven columns: a figure must not break before its %
      if (lane.utilization === best) cell.style.fontWeight = "bold";
    }
  }
  return table;
}

/** The largest gap, in points, by which TLSF with 32 lists trails the free list's best fit (negative: TLSF is ahead everywhere). */
export function tlsfGapPoints(rows: readonly RaceRow[], tlsfLabel = "tlsf 32", reference = "freelist best/address"): number {
  const sources = [...new Set(rows.map((r) => r.source))];
  return Math.max(...sources.map((source) => {
    const tlsf = rows.find((r) => r.source === source && r.label === tlsfLabel)!;
    const ref = rows.find((r) => r.source === source && r.label === reference)!;
    return 100 * (ref.utilization - tlsf.utilization);
  }));
}
