// The size-class lab's figures: waste against probes for every spacing, the waste saw-tooth of one
// class table over the stream's request sizes, and the sentences that read them.
import * as Inputs from "@observablehq/inputs";
import * as Plot from "@observablehq/plot";
import { roundToClass, roundingWasteOfCounts, spacingLabel, worstCaseWaste, type ClassSpacing, type SizeClassPoint, type AllocatorName, type AllocatorOptions, formatBytes } from "../../lib/index.js";
import { CELL_COLORS, LANE_COLORS } from "../core/palette.js";

/** The spacings every run compares, from none at all to very coarse. */
export const SWEEP_SPACINGS: readonly ClassSpacing[] = [
  { kind: "exact" },
  { kind: "geometric", perDoubling: 8 },
  { kind: "geometric", perDoubling: 4 },
  { kind: "geometric", perDoubling: 2 },
  { kind: "geometric", perDoubling: 1 },
  { kind: "linear", step: 64 },
  { kind: "linear", step: 256 },
];

/** The allocators a class table can sit in front of, by the name the page shows. */
export const BACKENDS: ReadonlyMap<string, { backend: AllocatorName; options: AllocatorOptions }> = new Map([
  ["free list · best fit · LIFO", { backend: "freelist", options: { placement: "best", order: "lifo" } }],
  ["free list · best fit · address-ordered", { backend: "freelist", options: { placement: "best", order: "address" } }],
  ["free list · first fit · address-ordered", { backend: "freelist", options: { placement: "first", order: "address" } }],
  ["free list · first fit · LIFO", { backend: "freelist", options: { placement: "first", order: "lifo" } }],
  ["segregated fit", { backend: "segfit", options: {} }],
]);

/** Requests are counted exactly up to this size for the saw-tooth and the rounding figures. */
export const SIZE_LIMIT = 65536;
/** The worst case is quoted above this size, where 16-byte alignment no longer dominates any table. */
export const WORST_CASE_FROM = 257;

const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}%`;
const probes = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: x < 10 ? 2 : 1 });

export function sameSpacing(a: ClassSpacing, b: ClassSpacing): boolean {
  return spacingLabel(a) === spacingLabel(b);
}

export interface SpacingFacts {
  classes: number;
  /** Classes at or below 64 KiB: the ones a typical stream can meet. */
  classesUpTo64K: number;
  roundingWaste: number;
  worstCase: number;
}

export function spacingFacts(table: Int32Array, counts: Int32Array | null): SpacingFacts {
  let upTo = 0;
  for (const c of table) if (c <= SIZE_LIMIT) upTo++;
  return {
    classes: table.length,
    classesUpTo64K: upTo,
    roundingWaste: counts ? roundingWasteOfCounts(counts, table) : 0,
    worstCase: worstCaseWaste(table, WORST_CASE_FROM),
  };
}

export interface WasteProbeOptions { width: number; highlight?: string; height?: number }

/** Waste (up) against probes per operation (across), one dot per spacing; the chosen one is ringed. */
export function wasteProbeChart(points: readonly SizeClassPoint[], { width, highlight, height = 340 }: WasteProbeOptions): HTMLElement | SVGSVGElement {
  const geometric = ["exact (16 B)", "8 per doubling", "4 per doubling", "2 per doubling", "powers of two"];
  const path = geometric.map((label) => points.find((p) => p.label === label)).filter((p): p is SizeClassPoint => p !== undefined);
  const chosen = points.filter((p) => p.label === highlight);
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    marginRight: 90,
    x: { type: "log", label: "mean probes per operation (slower) →", grid: true, nice: true },
    y: { label: "↑ internal fragmentation (waste)", percent: true, grid: true, zero: true },
    marks: [
      Plot.line(path, { x: "probesPerOp", y: "waste", stroke: "currentColor", strokeOpacity: 0.35, strokeDasharray: "3,3" }),
      Plot.dot(chosen, { x: "probesPerOp", y: "waste", r: 11, stroke: LANE_COLORS[3], strokeWidth: 2.5 }),
      Plot.dot(points, { x: "probesPerOp", y: "waste", r: 5, fill: (p: SizeClassPoint) => (p.label.startsWith("linear") ? LANE_COLORS[2] : LANE_COLORS[1]) }),
      Plot.text(points, { x: "probesPerOp", y: "waste", text: "label", dx: 9, textAnchor: "start", fontSize: 11 }),
      Plot.tip(points, Plot.pointer({
        x: "probesPerOp", y: "waste",
        title: (p: SizeClassPoint) => `${p.label}\n${probes(p.probesPerOp)} probes per op · ${pct(p.waste)} waste\nhigh-water mark ${formatBytes(p.highWater)}${p.failures ? ` · ${p.failures} failed` : ""}`,
      })),
    ],
  }) as HTMLElement | SVGSVGElement;
}

/**
 * Two stacked plots over request size: how often the stream asks for each size (log2 buckets split in
 * eight), and what share of its class a request of that size wastes under the table.
 */
export function sawtoothChart(table: Int32Array, counts: Int32Array | null, { width, maxBytes = 4096 }: { width: number; maxBytes?: number }): HTMLElement {
  const root = document.createElement("div");
  const curve: Array<{ size: number; waste: number }> = [];
  for (let n = 1; n <= maxBytes; n++) {
    const c = roundToClass(table, n);
    curve.push({ size: n, waste: (c - n) / c });
  }
  if (counts) {
    const bins = new Map<number, number>();
    let total = 0;
    for (let n = 1; n <= maxBytes && n < counts.length - 1; n++) {
      if (!counts[n]) continue;
      // Eight bins per doubling, so they look even on the log axis.
      const bin = 2 ** (Math.floor(Math.log2(n) * 8) / 8);
      bins.set(bin, (bins.get(bin) ?? 0) + counts[n]);
      total += counts[n];
    }
    const rows = [...bins].map(([from, count]) => ({ from, to: from * 2 ** (1 / 8), share: total ? count / total : 0 }));
    root.append(Plot.plot({
      width, height: 110, marginLeft: 50, marginRight: 20,
      x: { type: "log", domain: [1, maxBytes], axis: null },
      y: { label: "↑ requests", percent: true, ticks: 2 },
      marks: [
        Plot.rectY(rows, { x1: "from", x2: "to", y: "share", fill: CELL_COLORS[1], fillOpacity: 0.7 }),
        Plot.ruleY([0]),
      ],
    }) as unknown as Node);
  }
  root.append(Plot.plot({
    width, height: 200, marginLeft: 50, marginRight: 20,
    x: { type: "log", domain: [1, maxBytes], label: "request size (bytes) →", tickFormat: "~s" },
    y: { label: "↑ share of the class wasted", percent: true, domain: [0, 100], grid: true },
    marks: [
      Plot.areaY(curve, { x: "size", y: "waste", fill: CELL_COLORS[3], fillOpacity: 0.45, curve: "step-after" }),
      Plot.lineY(curve, { x: "size", y: "waste", stroke: CELL_COLORS[3], strokeWidth: 1, curve: "step-after" }),
      Plot.tip(curve, Plot.pointerX({ x: "size", y: "waste", title: (d: { size: number; waste: number }) => `malloc(${d.size}) → ${roundToClass(table, d.size)} B class, ${pct(d.waste)} wasted` })),
    ],
  }) as unknown as Node);
  return root;
}

export function sizeClassTable(points: readonly SizeClassPoint[]): HTMLElement {
  const rows = points.map((p) => ({
    spacing: p.label, probesPerOp: p.probesPerOp, probesP99: p.probesP99, waste: p.waste,
    highWater: p.highWater, utilization: p.utilization, failures: p.failures,
  }));
  return Inputs.table(rows, {
    rows: rows.length + 1,
    layout: "auto",
    maxWidth: 1200,
    sort: undefined,
    header: { probesPerOp: "probes / op", probesP99: "probes p99", waste: "waste", highWater: "high-water mark" },
    format: { probesPerOp: probes, probesP99: probes, waste: (x: number) => pct(x), highWater: formatBytes, utilization: (x: number) => pct(x, 0) },
  }) as unknown as HTMLElement;
}

/** What the sweep shows on this stream and allocator, from its end points. */
export function sweepSentence(points: readonly SizeClassPoint[], backendName: string, streamName: string): string {
  const exact = points.find((p) => p.label === "exact (16 B)");
  const pow2 = points.find((p) => p.label === "powers of two");
  if (!exact || !pow2) return "";
  const failing = points.filter((p) => p.failures > 0 || p.corrupt);
  const ratio = exact.probesPerOp / pow2.probesPerOp;
  const head = `Behind ${backendName} on ${streamName}, going from no classes to powers of two raises the waste from ${pct(exact.waste)} to ${pct(pow2.waste)}`;
  const tail = ratio >= 1.25
    ? ` and cuts the probes per operation from ${probes(exact.probesPerOp)} to ${probes(pow2.probesPerOp)}: with fewer distinct block sizes, a freed block fits the next request of its class exactly, and the search stops sooner.`
    : ratio <= 0.8
      ? `, and the probes per operation rise from ${probes(exact.probesPerOp)} to ${probes(pow2.probesPerOp)}: here coarse classes make the search longer, not shorter.`
      : `, while the probes per operation barely move (${probes(exact.probesPerOp)} against ${probes(pow2.probesPerOp)}): this allocator already finds a block in a few probes, so rounding buys it no speed, only waste.`;
  const failed = failing.length ? ` ${failing.map((p) => p.label).join(", ")} failed requests, so ${failing.length === 1 ? "its" : "their"} figures describe less work.` : "";
  return head + tail + failed;
}

/** Where the reader's spacing sits: its rounding on this stream and its worst case. */
export function spacingSentence(spacing: ClassSpacing, facts: SpacingFacts, point: SizeClassPoint | undefined): string {
  const label = spacingLabel(spacing);
  if (spacing.kind === "exact") {
    return `Without classes every request is only rounded to the 16-byte granule, which adds ${pct(facts.roundingWaste)} to the bytes this stream asks for.`;
  }
  return `${label[0].toUpperCase()}${label.slice(1)} makes ${facts.classesUpTo64K.toLocaleString("en-US")} classes up to 64 KiB. Rounding to them adds ${pct(facts.roundingWaste)} to the bytes this stream asks for; above 256 bytes no request wastes more than ${pct(facts.worstCase)} of its class${point ? `, and in the race the allocator's waste, its own rounding and tags included, came to ${pct(point.waste)} at ${probes(point.probesPerOp)} probes per operation` : ""}.`;
}
