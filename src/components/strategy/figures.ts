// "Where it wins and where it falls apart": one allocator against the other four in the build-time
// races (data/races.arrow, ticks.arrow, latency.arrow), as Plot charts, and the handful of facts a
// strategy page quotes in its prose — computed here from the same rows, so a sentence can never
// drift from its chart.
import * as Plot from "@observablehq/plot";
import { ALLOCATORS, ALLOCATOR_INFO, WORKLOAD_INFO, isWorkloadName, type BuiltinAllocatorName } from "../../lib/index.js";
import { LANE_COLORS } from "../core/palette.js";

/** A row of data/races.arrow (lib/race/tables.ts, raceSummaryTable). */
export interface RaceRow {
  source: string; kind: "workload" | "trace"; allocator: BuiltinAllocatorName; label: string;
  arenaBytes: number; ops: number; opsRun: number; failures: number; errors: number; corrupt: string | null;
  utilization: number; internalFragmentation: number; peakFragmentation: number; finalFragmentation: number;
  peakLiveBytes: number; highWater: number; probesP50: number; probesP90: number; probesP99: number; totalProbes: number;
}

/** A row of data/ticks.arrow. */
export interface TickRow {
  source: string; allocator: BuiltinAllocatorName; label: string; tick: number; op: number;
  liveBytes: number; usedBytes: number; headerBytes: number; reservedBytes: number; freeBytes: number;
  largestFreeRun: number; fragmentation: number; highWater: number; failures: number; errors: number;
}

/** A row of data/latency.arrow. */
export interface LatencyRow { source: string; allocator: BuiltinAllocatorName; label: string; kind: string; bucket: number; upper: number; count: number }

export interface Metric {
  key: string;
  label: string;
  /** What the number means, and which way is better: a chart's caption. */
  meaning: string;
  /** The chart's axis, with its direction. */
  axis: string;
  lowerIsBetter: boolean;
  value: (row: RaceRow) => number;
  format: (value: number) => string;
  log?: boolean;
}

export const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.01 ? 2 : x < 0.1 ? 1 : 0)}%`;

export const METRICS: Record<"failures" | "peakFragmentation" | "internalFragmentation" | "utilization" | "probesP99", Metric> = {
  failures: {
    key: "failures", label: "failed mallocs", meaning: "mallocs that returned NULL, per 1,000 operations; fewer is better", axis: "failed mallocs per 1,000 ops →", lowerIsBetter: true,
    value: (r) => (1000 * r.failures) / Math.max(1, r.opsRun), format: (x) => (x === 0 ? "none" : `${x < 10 ? x.toFixed(1) : x.toFixed(0)} per 1,000 ops`),
  },
  peakFragmentation: {
    key: "peakFragmentation", label: "peak fragmentation", meaning: "the worst moment of 1 − largest hole ÷ free bytes; lower is better", axis: "peak fragmentation →", lowerIsBetter: true,
    value: (r) => r.peakFragmentation, format: pct,
  },
  internalFragmentation: {
    key: "internalFragmentation", label: "internal fragmentation", meaning: "reserved ÷ (asked-for + reserved) bytes at the end: rounding, footers, dead objects; lower is better", axis: "internal fragmentation →", lowerIsBetter: true,
    value: (r) => r.internalFragmentation, format: pct,
  },
  utilization: {
    key: "utilization", label: "utilization", meaning: "peak live bytes ÷ the highest address ever used; higher is better", axis: "utilization →", lowerIsBetter: false,
    value: (r) => r.utilization, format: pct,
  },
  probesP99: {
    key: "probesP99", label: "p99 probes per op", meaning: "headers, list nodes and bitmap words the slowest 1% of operations touched; fewer is better", axis: "99th-percentile probes per op →", lowerIsBetter: true,
    value: (r) => r.probesP99, format: (x) => `${x}`, log: true,
  },
};

/** "Redis cache", or a trace's name with "(trace)". */
export function sourceLabel(source: string, kind?: string): string {
  if (isWorkloadName(source)) return WORKLOAD_INFO[source].title;
  return kind === "workload" ? source : `${source} (trace)`;
}

const laneColor = (name: BuiltinAllocatorName) => LANE_COLORS[ALLOCATORS.indexOf(name)];

export interface ScorecardOptions { allocator: BuiltinAllocatorName; metric: Metric; width?: number; title?: string }

/**
 * One row per build-time stream: the six allocators' values of one metric as dots, this
 * allocator's large and labelled, the others small; a thin rule spans the field.
 */
export function raceScorecard(rows: readonly RaceRow[], { allocator, metric, width = 640, title }: ScorecardOptions): HTMLElement | SVGSVGElement {
  const data = rows.map((r) => ({ ...r, sourceLabel: sourceLabel(r.source, r.kind), value: metric.value(r), mine: r.allocator === allocator, name: ALLOCATOR_INFO[r.allocator].label }));
  const order = [...new Set(data.map((d) => d.sourceLabel))];
  const narrow = width < 520;
  const logFloor = 0.5;
  return Plot.plot({
    title,
    caption: metric.meaning,
    width,
    height: 44 + order.length * 28,
    marginTop: 8,
    marginLeft: narrow ? 118 : 150,
    marginRight: narrow ? 28 : 90,
    x: metric.log
      ? { type: "log", base: 2, label: metric.axis, grid: true, domain: [logFloor, Math.max(2, ...data.map((d) => d.value)) * 1.2] }
      : { label: metric.axis, grid: true, nice: true, zero: true, tickFormat: metric.key === "failures" ? undefined : "%" },
    y: { domain: order, label: null, tickSize: 0 },
    color: { domain: ALLOCATORS.map((name) => ALLOCATOR_INFO[name].label), range: [...LANE_COLORS.slice(0, ALLOCATORS.length)], legend: true },
    marks: [
      Plot.ruleY(order, { stroke: "var(--theme-foreground-faintest)" }),
      Plot.dot(data.filter((d) => !d.mine), { x: (d) => (metric.log ? Math.max(logFloor, d.value) : d.value), y: "sourceLabel", fill: "name", r: 3.5, fillOpacity: 0.75, tip: true, title: (d) => `${d.name} on ${d.sourceLabel}: ${metric.format(d.value)}` }),
      Plot.dot(data.filter((d) => d.mine), { x: (d) => (metric.log ? Math.max(logFloor, d.value) : d.value), y: "sourceLabel", fill: "name", r: 7, stroke: "var(--theme-foreground)", strokeWidth: 1.5, tip: true, title: (d) => `${d.name} on ${d.sourceLabel}: ${metric.format(d.value)}` }),
      narrow ? null : Plot.text(data.filter((d) => d.mine), { x: (d) => (metric.log ? Math.max(logFloor, d.value) : d.value), y: "sourceLabel", text: (d) => metric.format(d.value), dx: 11, textAnchor: "start", fontSize: 10, fill: "var(--theme-foreground)" }),
    ],
  });
}

export interface TickChartOptions { allocator: BuiltinAllocatorName; source: string; metric?: "fragmentation" | "failures" | "freeBytes" | "liveBytes"; width?: number; title?: string }

const TICK_METRICS = {
  fragmentation: { label: "↑ external fragmentation", percent: true },
  failures: { label: "↑ failed mallocs so far", percent: false },
  freeBytes: { label: "↑ free bytes", percent: false },
  liveBytes: { label: "↑ live requested bytes", percent: false },
} as const;

/** One metric over a build-time race, every allocator a line, this one drawn heavy. */
export function tickChart(ticks: readonly TickRow[], { allocator, source, metric = "fragmentation", width = 640, title }: TickChartOptions): HTMLElement | SVGSVGElement {
  const data = ticks.filter((t) => t.source === source).map((t) => ({ ...t, name: ALLOCATOR_INFO[t.allocator].label, mine: t.allocator === allocator }));
  const spec = TICK_METRICS[metric];
  return Plot.plot({
    title,
    width,
    height: 240,
    marginLeft: 52,
    x: { label: "ops replayed →", tickFormat: "s" },
    y: { label: spec.label, grid: true, tickFormat: spec.percent ? "%" : "s", nice: true },
    color: { domain: ALLOCATORS.map((name) => ALLOCATOR_INFO[name].label), range: [...LANE_COLORS.slice(0, ALLOCATORS.length)], legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.line(data.filter((d) => !d.mine), { x: "op", y: metric, stroke: "name", strokeWidth: 1.25, strokeOpacity: 0.6 }),
      Plot.line(data.filter((d) => d.mine), { x: "op", y: metric, stroke: "name", strokeWidth: 3 }),
      Plot.tip(data, Plot.pointer({ x: "op", y: metric, title: (d) => `${d.name}, op ${d.op.toLocaleString("en-US")}: ${spec.percent ? pct(d[metric]) : d[metric].toLocaleString("en-US")}` })),
    ],
  });
}

export interface ProbeChartOptions { allocator: BuiltinAllocatorName; source: string; kind?: "all" | "malloc" | "free" | "realloc"; width?: number; title?: string }

/**
 * How many probes one op took, as a cumulative share: at x, the share of ops that touched at most
 * x headers, nodes or bitmap words (log₂ buckets). A line that reaches 100% early is a fast allocator.
 */
export function probeChart(latency: readonly LatencyRow[], { allocator, source, kind = "malloc", width = 640, title }: ProbeChartOptions): HTMLElement | SVGSVGElement {
  const rows = latency.filter((r) => r.source === source && r.kind === kind);
  const top = Math.max(2, ...rows.map((r) => r.upper));
  const data = ALLOCATORS.flatMap((name) => {
    const mine = rows.filter((r) => r.allocator === name).sort((a, b) => a.bucket - b.bucket);
    const total = mine.reduce((sum, r) => sum + r.count, 0);
    if (total === 0) return [];
    let running = 0;
    const points = mine.map((r) => ({ upper: r.upper, share: (running += r.count) / total }));
    // Start at the first bucket's floor and run on to the right edge, so every line spans the chart.
    return [{ upper: Math.max(0.5, points[0].upper / 2), share: 0 }, ...points, { upper: top, share: 1 }]
      .map((p) => ({ ...p, name: ALLOCATOR_INFO[name].label, mine: name === allocator }));
  });
  const what = kind === "all" ? "ops" : `${kind}s`;
  return Plot.plot({
    title,
    caption: `At x, the share of ${what} that touched at most x headers, list nodes or bitmap words. Further up and further left is faster.`,
    width,
    height: 240,
    marginLeft: 52,
    x: { type: "log", base: 2, label: `probes per ${kind === "all" ? "op" : kind} →`, grid: true },
    y: { label: `↑ share of ${what}`, tickFormat: "%", grid: true, domain: [0, 1] },
    color: { domain: ALLOCATORS.map((name) => ALLOCATOR_INFO[name].label), range: [...LANE_COLORS.slice(0, ALLOCATORS.length)], legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.line(data.filter((d) => !d.mine), { x: "upper", y: "share", z: "name", stroke: "name", strokeOpacity: 0.6, curve: "step-after" }),
      Plot.line(data.filter((d) => d.mine), { x: "upper", y: "share", z: "name", stroke: "name", strokeWidth: 3, curve: "step-after" }),
      Plot.tip(data, Plot.pointer({ x: "upper", y: "share", title: (d) => `${d.name}: ${pct(d.share)} of ${what} took ≤ ${d.upper} probes` })),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Facts for prose

export interface SourceScore { source: string; label: string; kind: string; row: RaceRow; value: number; rank: number; best: boolean; worst: boolean }

export interface StrategyFacts {
  allocator: BuiltinAllocatorName;
  /** How many build-time streams there are. */
  count: number;
  /** This allocator's score on every stream for a metric, with its rank among them (1 = best). */
  scores(metric: Metric): SourceScore[];
  /** The streams where it came first (ties included) / last. */
  winsOn(metric: Metric): SourceScore[];
  losesOn(metric: Metric): SourceScore[];
  /** Its best and worst stream for a metric. */
  best(metric: Metric): SourceScore;
  worst(metric: Metric): SourceScore;
  /** Streams where at least one malloc failed, worst first. */
  failing: SourceScore[];
  /** The median over streams of a metric for this allocator and for the field. */
  median(metric: Metric, who?: BuiltinAllocatorName): number;
  row(source: string, who?: BuiltinAllocatorName): RaceRow | undefined;
}

export function strategyFacts(rows: readonly RaceRow[], allocator: BuiltinAllocatorName): StrategyFacts {
  const sources = [...new Set(rows.map((r) => r.source))];
  const rowOf = (source: string, who: BuiltinAllocatorName = allocator) => rows.find((r) => r.source === source && r.allocator === who);
  const better = (metric: Metric, a: number, b: number) => (metric.lowerIsBetter ? a - b : b - a);
  const scores = (metric: Metric): SourceScore[] => sources.flatMap((source) => {
    const mine = rowOf(source);
    if (!mine) return [];
    const value = metric.value(mine);
    const field = rows.filter((r) => r.source === source).map(metric.value);
    const rank = 1 + field.filter((v) => better(metric, v, value) < 0).length;
    const worstRank = field.filter((v) => better(metric, v, value) <= 0).length;
    return [{ source, label: sourceLabel(source, mine.kind), kind: mine.kind, row: mine, value, rank, best: rank === 1, worst: worstRank === field.length && field.some((v) => v !== value) }];
  });
  const median = (metric: Metric, who: BuiltinAllocatorName = allocator) => {
    const values = sources.map((s) => rowOf(s, who)).filter((r): r is RaceRow => !!r).map(metric.value).sort((a, b) => a - b);
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  };
  const ordered = (metric: Metric) => scores(metric).sort((a, b) => better(metric, a.value, b.value));
  return {
    allocator,
    count: sources.length,
    scores,
    winsOn: (metric) => scores(metric).filter((s) => s.best),
    losesOn: (metric) => scores(metric).filter((s) => s.worst),
    best: (metric) => ordered(metric)[0],
    worst: (metric) => ordered(metric).at(-1)!,
    failing: scores(METRICS.failures).filter((s) => s.row.failures > 0).sort((a, b) => b.value - a.value),
    median,
    row: rowOf,
  };
}

/** "Redis cache, nginx requests and Larson server" */
export function listOf(items: readonly string[], none = "none"): string {
  if (items.length === 0) return none;
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "three of nine" */
export function countText(n: number): string {
  return ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"][n] ?? String(n);
}
