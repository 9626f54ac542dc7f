// One allocator's arena at one tick: the heat map, a caption of the op it shows, and the
// numbers a reader checks against the picture (live, free, largest free run, fragmentation).
import { formatBytes } from "../../lib/page-api.js";
import type { LaneResult } from "../../lib/index.js";
import { heapMap } from "./heap-map.js";

export interface LaneCardOptions { tick: number; width?: number; title?: string; description?: string }

export function laneCard(lane: LaneResult, { tick, width, title, description }: LaneCardOptions): HTMLElement {
  const card = document.createElement("div");
  card.className = "card lane-card";
  card.style.margin = "0";
  const frame = lane.ticks[Math.min(tick, lane.ticks.length - 1)];
  if (!frame) {
    card.append(message(`${lane.label}: no snapshot${lane.corrupt ? ` — ${lane.corrupt}` : ""}`));
    return card;
  }
  card.append(heapMap(frame.cells, {
    title: title ?? lane.label,
    width,
    caption: `after op ${frame.op.toLocaleString("en-US")}`,
  }));
  const stats = document.createElement("div");
  stats.className = "stat-line";
  stats.textContent = [
    `live ${kib(frame.liveBytes)}`,
    `free ${kib(frame.freeBytes)}`,
    `largest hole ${kib(frame.largestFreeRun)}`,
    `frag ${(100 * frame.fragmentation).toFixed(0)}%`,
    `failures ${frame.failures}`,
  ].join(" · ");
  card.append(stats);
  if (lane.corrupt) card.append(message(lane.corrupt));
  if (description) {
    const p = document.createElement("p");
    p.style.fontSize = "14px";
    p.textContent = description;
    card.append(p);
  }
  return card;
}

function kib(bytes: number): string {
  return formatBytes(bytes, 1);
}

function message(text: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "warning";
  p.style.color = "var(--theme-red)";
  p.textContent = text;
  return p;
}
