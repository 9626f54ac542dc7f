// Footprint over time for the lab pages: each lane's high-water mark as a solid line and, when
// asked, the program's live bytes as a dashed one — the two curves whose gap is the memory the
// allocator holds beyond what the program uses. A rule follows the scrubber without re-rendering.
import * as Plot from "@observablehq/plot";
import { tickRule } from "../core/tick-rule.js";
import { LANE_COLORS } from "../core/palette.js";
import type { RaceView } from "../core/race-view.js";
import { formatBytes } from "../../lib/index.js";

export interface FootprintChartOptions {
  width: number;
  height?: number;
  /** Draw live requested bytes (from the first lane) as a dashed line. */
  live?: boolean;
  /** One colour per lane (default: LANE_COLORS by lane index). */
  colors?: readonly string[];
  /** The y axis label. */
  label?: string;
}

export interface FootprintChartElement extends HTMLElement { setTick(tick: number): void }

export const LIVE_LABEL = "live bytes (the program)";
const LIVE_COLOR = "currentColor";

export function formatKiB(bytes: number): string {
  return formatBytes(bytes, bytes >= 1 << 20 ? 2 : 0);
}

export function footprintChart(view: RaceView, { width, height = 240, live = true, colors, label = "bytes" }: FootprintChartOptions): FootprintChartElement {
  const series = view.lanes.map((lane) => `${lane.label}: high-water`);
  const rows = view.lanes.flatMap((lane, i) => lane.ticks.map((t) => ({ series: series[i], op: t.op, value: t.highWater })));
  const liveRows = live && view.lanes[0] ? view.lanes[0].ticks.map((t) => ({ series: LIVE_LABEL, op: t.op, value: t.liveBytes })) : [];
  const domain = [...series, ...(live ? [LIVE_LABEL] : [])];
  const range = [...view.lanes.map((_, i) => colors?.[i] ?? LANE_COLORS[i % LANE_COLORS.length]), ...(live ? [LIVE_COLOR] : [])];
  const plot = Plot.plot({
    width, height,
    marginLeft: 56,
    x: { label: "operations", tickFormat: "~s" },
    y: { label, grid: true, zero: true, tickFormat: formatKiB },
    color: { domain, range, legend: true },
    marks: [
      Plot.lineY(rows, { x: "op", y: "value", stroke: "series", strokeWidth: 2, tip: { format: { y: formatKiB, x: (x: number) => x.toLocaleString("en-US") } } }),
      Plot.lineY(liveRows, { x: "op", y: "value", stroke: "series", strokeWidth: 1.5, strokeDasharray: "5,3" }),
    ],
  });

  const root = document.createElement("div") as unknown as FootprintChartElement;
  root.className = "lab-footprint-chart";
  root.style.maxWidth = "100%";
  root.style.overflowX = "auto";
  root.append(plot);
  root.setTick = tickRule(plot, view, height);
  return root;
}
