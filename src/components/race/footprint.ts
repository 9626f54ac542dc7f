// Footprint over time on the race and trace pages: per lane, the memory it has taken from the
// system — the arena's high-water mark plus the bytes the large-object path has mapped — as a
// solid line, and the arena's high water alone as a dashed line of the same colour. The gap
// between the two is what big requests cost outside the heap; where nothing is mapped they meet.
import * as Plot from "@observablehq/plot";
import type { RaceView } from "../core/race-view.js";
import { tickRule } from "../core/tick-rule.js";
import { laneColorScale } from "./charts.js";

export interface FootprintTimelineElement extends HTMLElement { setTick(tick: number): void }

export interface FootprintPoint { lane: string; op: number; tick: number; highWater: number; mapped: number; footprint: number }

/** One row per lane and tick: the arena's high water, the bytes mapped then, and their sum. */
export function footprintPoints(view: RaceView): FootprintPoint[] {
  return view.lanes.flatMap((lane) => lane.ticks.map((t, tick): FootprintPoint => ({
    lane: lane.label, op: t.op, tick, highWater: t.highWater, mapped: t.mappedBytes, footprint: t.highWater + t.mappedBytes,
  })));
}

const MiB = 1 << 20;
const kib = (d: number) => `${(d / 1024).toFixed(1)} KiB`;

export function footprintTimeline(view: RaceView, { width, height = 260 }: { width: number; height?: number }): FootprintTimelineElement {
  const rows = footprintPoints(view);
  const mapped = view.lanes.filter((lane) => lane.mmaps > 0).map((lane) => lane.label);
  const plot = Plot.plot({
    width, height,
    marginLeft: 56,
    x: { label: "operations", tickFormat: "~s" },
    y: { label: "bytes taken from the system", grid: true, zero: true, tickFormat: (d: number) => `${+(d / MiB).toFixed(2)} MiB` },
    color: { ...laneColorScale(view), legend: true },
    marks: [
      Plot.lineY(rows, { x: "op", y: "highWater", stroke: "lane", strokeWidth: 1, strokeDasharray: "4 3" }),
      Plot.lineY(rows, {
        x: "op", y: "footprint", stroke: "lane", strokeWidth: 1.75,
        channels: { "arena high water": "highWater", mapped: "mapped" },
        tip: { format: { y: kib, "arena high water": kib, mapped: kib } },
      }),
    ],
  }) as Element;

  const root = document.createElement("div") as unknown as FootprintTimelineElement;
  root.className = "footprint-timeline";
  const note = document.createElement("p");
  note.className = "footprint-note"; // not race-status: that line reports the race's progress
  note.textContent = mapped.length
    ? `Solid: arena high water + bytes mapped now; dashed: the arena's high water alone. Mapped blocks in this race: ${mapped.join(", ")}.`
    : "Solid: arena high water + bytes mapped now; dashed: the arena's high water alone. No lane mapped a block in this race, so the two lines meet.";
  root.append(plot, note);
  root.setTick = tickRule(plot, view, height);
  return root;
}
