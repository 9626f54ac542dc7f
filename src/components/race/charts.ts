// The race's charts: metrics over time with a rule that follows the scrubber, and latency
// histograms with p50/p90/p99 marked. The time charts are drawn once per race; moving the rule
// only moves one absolutely positioned line, so scrubbing never re-renders a Plot.
import * as Plot from "@observablehq/plot";
import { HISTOGRAM_BUCKETS, bucketUpperBound, percentilesOf } from "../../lib/page-api.js";
import { LANE_COLORS } from "../core/palette.js";
import type { RaceView, TickRow } from "../core/race-view.js";
import { tickRule } from "../core/tick-rule.js";

export interface TimelineOptions {
  metric: keyof TickRow;
  label: string;
  width: number;
  height?: number;
  percent?: boolean;
  bytes?: boolean;
}

export interface TimelineElement extends HTMLElement { setTick(tick: number): void }

export function laneColorScale(view: RaceView) {
  return { domain: view.lanes.map((l) => l.label), range: view.lanes.map((_, i) => LANE_COLORS[i % LANE_COLORS.length]) };
}

const MiB = 1 << 20;

export function timelineChart(view: RaceView, { metric, label, width, height = 220, percent = false, bytes = false }: TimelineOptions): TimelineElement {
  const rows = view.lanes.flatMap((lane) => lane.ticks.map((t, tick) => ({ lane: lane.label, op: t.op, tick, value: Number(t[metric]) })));
  const plot = Plot.plot({
    width, height,
    marginLeft: 52,
    x: { label: "operations", tickFormat: "~s" },
    y: { label, grid: true, percent, tickFormat: bytes ? (d: number) => `${+(d / MiB).toFixed(2)} MiB` : undefined, zero: true },
    color: { ...laneColorScale(view), legend: true },
    marks: [Plot.lineY(rows, { x: "op", y: "value", stroke: "lane", strokeWidth: 1.5, tip: { format: { y: percent ? (d: number) => `${(100 * d).toFixed(1)}%` : bytes ? (d: number) => `${(d / 1024).toFixed(1)} KiB` : true } } })],
  }) as Element;

  const root = document.createElement("div") as unknown as TimelineElement;
  root.append(plot);
  root.setTick = tickRule(plot, view, height);
  return root;
}

export interface LatencyOptions { mode: "probes" | "ns"; kind?: "all" | "malloc" | "free" | "realloc"; width: number }

function powersOfTwoUpTo(max: number): number[] {
  const ticks: number[] = [];
  for (let x = 1; x <= max; x *= 4) ticks.push(x);
  return ticks;
}

/** One histogram per lane (log2 buckets), with its p50, p90 and p99 as rules. */
export function latencyChart(view: RaceView, { mode, kind = "all", width }: LatencyOptions): HTMLElement {
  const rows: Array<{ lane: string; lower: number; upper: number; share: number }> = [];
  const marks: Array<{ lane: string; q: string; x: number }> = [];
  const missing: string[] = [];
  for (const lane of view.lanes) {
    const h = mode === "ns" ? lane.histograms.ns : lane.histograms[kind];
    const total = h ? h.reduce((a, b) => a + b, 0) : 0;
    if (!h || total === 0) { missing.push(lane.label); continue; }
    for (let b = 0; b < HISTOGRAM_BUCKETS; b++) {
      if (h[b] > 0) rows.push({ lane: lane.label, lower: b === 0 ? 0.5 : bucketUpperBound(b - 1), upper: bucketUpperBound(b), share: h[b] / total });
    }
    const p = percentilesOf(h);
    marks.push({ lane: lane.label, q: "p50", x: p.p50 }, { lane: lane.label, q: "p90", x: p.p90 }, { lane: lane.label, q: "p99", x: p.p99 });
  }
  const root = document.createElement("div");
  if (rows.length === 0) {
    root.className = "race-status";
    root.textContent = mode === "ns"
      ? "Wall-clock times exist only for build-time races: they are measured in Node at build time, because a browser clock is far too coarse to time one operation (see Methodology)."
      : `No ${kind} operations in this race.`;
    return root;
  }
  const lanes = view.lanes.map((l) => l.label).filter((l) => !missing.includes(l));
  root.append(Plot.plot({
    width,
    height: 70 * lanes.length + 50,
    marginLeft: 90,
    x: { type: "log", base: 2, label: mode === "ns" ? "ns per op (sampled 1 in 64) →" : "probes per op →", tickFormat: "~s", ticks: powersOfTwoUpTo(Math.max(...rows.map((r) => r.upper))) },
    y: { label: null, axis: null, domain: [0, 1] },
    fy: { label: null, domain: lanes },
    color: laneColorScale(view),
    marks: [
      Plot.rectY(rows, { x1: "lower", x2: "upper", y: "share", fy: "lane", fill: "lane", fillOpacity: 0.8, insetLeft: 0.5, tip: { format: { y: (d: number) => `${(100 * d).toFixed(1)}% of ops`, x1: false, fill: false } } }),
      Plot.ruleX(marks.filter((m) => m.q === "p50"), { x: "x", fy: "lane", stroke: "currentColor" }),
      Plot.ruleX(marks.filter((m) => m.q === "p90"), { x: "x", fy: "lane", stroke: "currentColor", strokeDasharray: "4,2" }),
      Plot.ruleX(marks.filter((m) => m.q === "p99"), { x: "x", fy: "lane", stroke: "currentColor", strokeDasharray: "1,2" }),
      Plot.text(marks, { x: "x", fy: "lane", text: "q", frameAnchor: "top", dy: -2, fontSize: 9, dx: 3, textAnchor: "start" }),
      Plot.frame({ stroke: "var(--theme-foreground-faintest)" }),
    ],
  }));
  if (missing.length) {
    const note = document.createElement("div");
    note.className = "race-status";
    note.textContent = `No data for ${missing.join(", ")}.`;
    root.append(note);
  }
  return root;
}
