// The "over time" panel shared by the race page and the trace page: four timelines in a grid,
// each with a rule that follows the scrubber.
import { timelineChart, type TimelineElement } from "./charts.js";
import type { RaceView } from "../core/race-view.js";

export interface TimelinePanel extends HTMLElement { setTick(tick: number): void }

const PANELS = [
  { title: "Fragmentation score", metric: "fragmentation", label: "fragmentation", percent: true },
  { title: "Live bytes", metric: "liveBytes", label: "live bytes", bytes: true },
  { title: "High-water mark", metric: "highWater", label: "high-water mark", bytes: true },
  { title: "Failures", metric: "failures", label: "failures so far" },
] as const;

export function timelinePanel(view: RaceView, { width }: { width: number }): TimelinePanel {
  const root = document.createElement("div") as unknown as TimelinePanel;
  root.className = "grid grid-cols-2";
  // Two columns side by side above Framework's narrow-screen breakpoint, one column below it.
  const chartWidth = Math.max(280, Math.min(640, width > 720 ? width / 2 - 16 : width));
  const charts: TimelineElement[] = PANELS.map((panel) => {
    const cell = document.createElement("div");
    const heading = document.createElement("h3");
    heading.textContent = panel.title;
    const chart = timelineChart(view, { ...panel, width: chartWidth });
    cell.append(heading, chart);
    root.append(cell);
    return chart;
  });
  root.setTick = (tick) => charts.forEach((chart) => chart.setTick(tick));
  return root;
}
