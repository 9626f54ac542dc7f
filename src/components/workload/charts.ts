// Charts of one allocation stream (what it asks for) and of its race (how each allocator coped):
// log2 histograms of sizes and lifetimes, live bytes over time, and one line per allocator for a
// per-tick metric. Each is (data, options) => Element, called from pages inside resize().
import * as Plot from "@observablehq/plot";
import { ALLOCATORS } from "../../lib/index.js";
import type { Bucket, LaneTick, LivePoint } from "./data.js";
import { formatBytes, formatCount, formatPowerOfTwoBytes, formatPowerOfTwoCount, pct } from "../core/format.js";
import { CELL_COLORS, LANE_COLORS } from "../core/palette.js";

/** Requested bytes are drawn in the colour of "used" cells, so a reader links them to the heat maps. */
export const REQUESTED_COLOR = CELL_COLORS[1];
/** Lifetimes: Okabe–Ito sky blue, a hue no allocator uses. */
export const LIFETIME_COLOR = "#56b4e9";

export interface BucketChartOptions {
  width?: number;
  height?: number;
  /** What the values are: sizes in bytes, or lifetimes in ops. */
  unit?: "bytes" | "ops";
  /** What is being counted, for the axis and the tips ("requests", "blocks"). */
  noun?: string;
  color?: string;
}

/** The integer range a log2 bucket holds: "17–32 B", "1,025 B–2 KiB", "≤ 1 op", "33–64 ops". */
export function bucketRange(upper: number, unit: "bytes" | "ops"): string {
  const lower = upper / 2 + 1;
  if (unit === "ops") {
    if (upper <= 1) return "≤ 1 op";
    return upper === 2 ? "2 ops" : `${formatCount(lower)}–${formatCount(upper)} ops`;
  }
  if (upper <= 1) return "≤ 1 B";
  if (upper === 2) return "2 B";
  return upper <= 1024 ? `${lower}–${upper} B` : `${formatCount(lower)} B–${formatBytes(upper, 0)}`;
}

// resize() can report a sliver of a width while a page lays out; below the margins Plot would draw
// bars of negative width, so charts never go narrower than this.
const MIN_WIDTH = 200;
function atLeast(width: number): number {
  return Number.isFinite(width) ? Math.max(MIN_WIDTH, width) : MIN_WIDTH;
}

/** Powers of two from lo to hi, thinned to at most `most` ticks (every 2nd, 4th, … power). */
function powerTicks(lo: number, hi: number, most: number): number[] {
  const first = Math.ceil(Math.log2(lo)), last = Math.floor(Math.log2(hi));
  const step = Math.max(1, Math.ceil((last - first + 1) / Math.max(2, most)));
  const ticks: number[] = [];
  for (let e = last; e >= first; e -= step) ticks.unshift(2 ** e);
  return ticks;
}

/**
 * A log2 histogram: one bar per bucket (upper / 2, upper], equal widths on a log2 axis, heights as
 * shares of all values so that streams of different lengths compare.
 */
export function bucketChart(buckets: readonly Bucket[], options: BucketChartOptions = {}): Element {
  const { width: requested = 640, height = 220, unit = "bytes", noun = unit === "bytes" ? "requests" : "blocks", color = unit === "bytes" ? REQUESTED_COLOR : LIFETIME_COLOR } = options;
  const width = atLeast(requested);
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return note(unit === "bytes" ? "No requests in this stream." : "No block was freed, so no lifetime is known.");
  const data = buckets.map((bucket) => ({
    lower: bucket.upper / 2, upper: bucket.upper, count: bucket.count, share: bucket.count / total,
    range: bucketRange(bucket.upper, unit),
  }));
  const lo = data[0].lower, hi = data[data.length - 1].upper;
  const format = unit === "bytes" ? formatPowerOfTwoBytes : formatPowerOfTwoCount;
  return Plot.plot({
    width, height,
    marginLeft: 44, marginBottom: 36,
    x: {
      type: "log", base: 2, domain: [lo, hi], ticks: powerTicks(lo, hi, Math.floor(width / 64)), tickFormat: format,
      label: unit === "bytes" ? "requested size →" : "lifetime (ops from malloc to free) →",
    },
    y: { label: `↑ share of ${noun}`, tickFormat: (x: number) => pct(x, 0), grid: true, nice: true },
    marks: [
      Plot.rectY(data, {
        x1: "lower", x2: "upper", y: "share", fill: color, insetLeft: 1, insetRight: 1,
        channels: { range: { value: "range", label: unit === "bytes" ? "size" : "lifetime" }, count: { value: "count", label: noun } },
        tip: { format: { x1: false, x2: false, y: (x: number) => pct(x), range: true, count: (n: number) => formatCount(n) } },
      }),
      Plot.ruleY([0]),
    ],
  });
}

export interface LiveChartOptions {
  width?: number; height?: number; color?: string;
  /** The true peak from the profile: the series is sampled, so its highest point can fall short of it. */
  peakLiveBytes?: number;
}

/** Requested bytes live after each op: the stream's phase shape (ramp, peaks, plateau). */
export function liveChart(points: readonly LivePoint[], options: LiveChartOptions = {}): Element {
  const { height = 220, color = REQUESTED_COLOR } = options;
  const width = atLeast(options.width ?? 640);
  if (points.length === 0) return note("No ops in this stream.");
  const sampled = points.reduce((best, point) => (point.liveBytes > best.liveBytes ? point : best), points[0]);
  const peakBytes = Math.max(sampled.liveBytes, options.peakLiveBytes ?? 0);
  const between = peakBytes > sampled.liveBytes;
  const data = [{ op: 0, liveBytes: 0, liveBlocks: 0 }, ...points];
  const lastOp = points[points.length - 1].op;
  return Plot.plot({
    width, height,
    marginLeft: 64, marginRight: 16, marginBottom: 36,
    x: { label: "op →", tickFormat: (n: number) => formatOps(n), ticks: Math.max(2, Math.floor(width / 90)) },
    y: { label: "↑ requested bytes live", domain: [0, peakBytes * 1.12], ticks: byteTicks(peakBytes, Math.max(2, Math.floor(height / 45))), tickFormat: (n: number) => formatBytes(n), grid: true },
    marks: [
      Plot.areaY(data, { x: "op", y: "liveBytes", fill: color, fillOpacity: 0.25, curve: "step-before" }),
      Plot.lineY(data, { x: "op", y: "liveBytes", stroke: color, strokeWidth: 1.5, curve: "step-before" }),
      // A peak that fell between two samples is drawn as a line at its height, not as a point.
      between
        ? Plot.ruleY([peakBytes], { stroke: color, strokeDasharray: "4,3" })
        : Plot.dot([sampled], { x: "op", y: "liveBytes", fill: color, r: 3 }),
      between
        ? Plot.text([peakBytes], { y: (d: number) => d, text: () => `peak ${formatBytes(peakBytes)} (between samples)`, frameAnchor: "right", dy: -7, fill: "currentColor" })
        : Plot.text([sampled], {
          x: "op", y: "liveBytes", text: () => `peak ${formatBytes(peakBytes)}`, dy: -8,
          textAnchor: sampled.op > 0.75 * lastOp ? "end" : "start", fill: "currentColor",
        }),
      Plot.ruleY([0]),
      Plot.tip(data, Plot.pointerX({
        x: "op", y: "liveBytes",
        title: (d: LivePoint) => `after op ${formatCount(d.op)}\n${formatBytes(d.liveBytes)} live in ${formatCount(d.liveBlocks)} blocks`,
      })),
    ],
  });
}

/** Multiples of a power of two from 0 to max, at most about `count` of them: bytes read best in binary steps. */
export function byteTicks(max: number, count: number): number[] {
  if (!(max > 0)) return [0];
  const step = 2 ** Math.ceil(Math.log2(max / Math.max(1, count)));
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += step) ticks.push(t);
  return ticks;
}

function formatOps(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(0)}k`;
  return String(n);
}

/** The per-tick metrics a lane chart can draw, with their axis label and format. */
export const LANE_METRICS = {
  fragmentation: { label: "fragmentation score", format: (x: number) => pct(x, 0), tip: (x: number) => pct(x) },
  liveBytes: { label: "requested bytes live", format: (x: number) => formatBytes(x), tip: (x: number) => formatBytes(x) },
  highWater: { label: "high-water mark", format: (x: number) => formatBytes(x), tip: (x: number) => formatBytes(x) },
  failures: { label: "failures so far", format: (x: number) => formatOps(x), tip: (x: number) => formatCount(x) },
} as const;
export type LaneMetric = keyof typeof LANE_METRICS;

export interface LaneChartOptions { width?: number; height?: number; metric?: LaneMetric; arenaBytes?: number }

/** One line per allocator, coloured as everywhere on the site (LANE_COLORS in ALLOCATORS order). */
export function laneChart(ticks: readonly LaneTick[], options: LaneChartOptions = {}): Element {
  const { height = 260, metric = "fragmentation", arenaBytes } = options;
  const width = atLeast(options.width ?? 640);
  const spec = LANE_METRICS[metric];
  if (!spec) return note(`Unknown metric ${JSON.stringify(metric)} (must be one of ${Object.keys(LANE_METRICS).join(", ")}).`);
  if (ticks.length === 0) return note("No ticks were recorded for this race.");
  const ceiling = metric === "highWater" && arenaBytes ? [arenaBytes] : [];
  return Plot.plot({
    width, height,
    marginLeft: 64, marginRight: 16, marginBottom: 36,
    color: { type: "ordinal", domain: [...ALLOCATORS], range: LANE_COLORS.slice(0, ALLOCATORS.length) as string[], legend: true },
    x: { label: "op →", tickFormat: (n: number) => formatOps(n), ticks: Math.max(2, Math.floor(width / 90)) },
    y: { label: `↑ ${spec.label}${metric === "failures" ? " (symlog scale)" : ""}`, tickFormat: spec.format, grid: true, ...yScaleOf(metric, ticks, height, ceiling[0]) },
    marks: [
      Plot.ruleY([0]),
      Plot.ruleY(ceiling, { stroke: "currentColor", strokeDasharray: "4,3", strokeOpacity: 0.6 }),
      Plot.text(ceiling, { y: (d: number) => d, text: () => "end of the arena", frameAnchor: "left", dy: -7, dx: 4, fill: "currentColor", fillOpacity: 0.7 }),
      Plot.lineY(ticks, { x: "op", y: metric, stroke: "allocator", z: "allocator", strokeWidth: 1.75 }),
      Plot.tip(ticks, Plot.pointer({
        x: "op", y: metric, stroke: "allocator",
        title: (d: LaneTick) => `${d.label} after op ${formatCount(d.op)}\n${spec.label}: ${spec.tip(d[metric])}`,
      })),
    ],
  });
}

function yScaleOf(metric: LaneMetric, ticks: readonly LaneTick[], height: number, ceiling = 0): Record<string, unknown> {
  if (metric === "fragmentation") return { domain: [0, 1] };
  const max = Math.max(ceiling, ...ticks.map((tick) => tick[metric]));
  // Symlog: one allocator's tens of thousands of failures must not flatten another's dozens.
  if (metric === "failures") {
    const top = Math.max(1, max);
    const powers = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000].filter((t) => t <= top * 1.5);
    return { type: "symlog", domain: [0, top * 1.5], ticks: powers };
  }
  return { domain: [0, Math.max(1, max) * 1.05], ticks: byteTicks(max, Math.max(2, Math.floor(height / 45))) };
}

/** A muted one-line note that stands in for a chart that has nothing to draw. */
export function note(text: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "workload-note";
  p.style.cssText = "color:var(--theme-foreground-muted);font-style:italic";
  p.textContent = text;
  return p;
}
