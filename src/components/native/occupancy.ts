// Page-occupancy maps: for each production allocator, every 4 KiB page it has handed out so far,
// one cell per page in address order, shaded by the share of the page covered by live blocks.
// A run of consecutive pages is followed by one blank cell, so separate mappings stay apart.
// Painted like the arena heat maps: one canvas per allocator, repainted in place per frame.
import { formatBytes } from "../../lib/index.js";
import type { OccupancyFrame } from "./data.js";

const COLUMNS = 48;
const CELL = 8;
const EMPTY: readonly number[] = [0xf1, 0xe4, 0xd8]; // handed out, no live byte on it
const FULL: readonly number[] = [0x00, 0x72, 0xb2];  // covered by live blocks (the arenas' "used" blue)

/** Cells in the map for a frame: one per page plus one gap after every run. */
export function mapCells(frame: OccupancyFrame): number {
  return frame.runs.reduce((n, run) => n + run.cells.length + 1, 0);
}

function paint(canvas: HTMLCanvasElement, frame: OccupancyFrame, rows: number): void {
  const context = canvas.getContext("2d");
  if (!context) return;
  const image = context.createImageData(COLUMNS, rows);
  const data = image.data;
  let k = 0;
  for (const run of frame.runs) {
    for (const c of run.cells) {
      const t = c / 255;
      for (let ch = 0; ch < 3; ch++) data[4 * k + ch] = Math.round(EMPTY[ch] + (FULL[ch] - EMPTY[ch]) * t);
      data[4 * k + 3] = 255;
      k++;
    }
    k++; // the gap stays transparent
  }
  // Scale up without smoothing: one image pixel per page, drawn as a CELL × CELL square.
  const scratch = document.createElement("canvas");
  scratch.width = COLUMNS;
  scratch.height = rows;
  scratch.getContext("2d")?.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.drawImage(scratch, 0, 0, COLUMNS * CELL, rows * CELL);
}

export interface OccupancyMapElement extends HTMLElement { update(tick: number): void }

/** The maps of every allocator in `frames` side by side; update(tick) repaints them all. */
export function occupancyMaps(frames: readonly OccupancyFrame[], { tick }: { tick: number }): OccupancyMapElement {
  const root = document.createElement("div") as unknown as OccupancyMapElement;
  root.className = "occupancy-maps";
  const allocators = [...new Set(frames.map((f) => f.allocator))];
  const panels = allocators.map((allocator) => {
    const mine = frames.filter((f) => f.allocator === allocator).sort((a, b) => a.tick - b.tick);
    // Every frame of a lane fits the canvas of its last (largest) frame: pages are only added.
    const rows = Math.max(1, Math.ceil(Math.max(...mine.map(mapCells)) / COLUMNS));
    const figure = document.createElement("figure");
    figure.className = "occupancy-map";
    const canvas = document.createElement("canvas");
    canvas.width = COLUMNS * CELL;
    canvas.height = rows * CELL;
    canvas.setAttribute("role", "img");
    const caption = document.createElement("figcaption");
    figure.append(canvas, caption);
    root.append(figure);
    return { allocator, mine, canvas, caption };
  });
  root.update = (t: number) => {
    for (const { allocator, mine, canvas, caption } of panels) {
      const frame = mine[Math.min(Math.max(0, t), mine.length - 1)];
      if (!frame) continue;
      paint(canvas, frame, canvas.height / CELL);
      let live = 0;
      for (const run of frame.runs) for (const c of run.cells) live += c;
      const usedShare = frame.pages ? live / 255 / frame.pages : 0;
      caption.innerHTML = "";
      const name = document.createElement("strong");
      name.textContent = allocator;
      caption.append(name, ` · op ${frame.op.toLocaleString("en-US")} · ${frame.pages.toLocaleString("en-US")} pages handed out (${formatBytes(frame.pages * 4096)}), ${frame.resident.toLocaleString("en-US")} resident · live blocks cover ${(100 * usedShare).toFixed(0)}% of them`);
      canvas.setAttribute("aria-label", `${allocator}: page occupancy at op ${frame.op}`);
      canvas.dataset.pages = String(frame.pages);
    }
  };
  root.update(tick);
  return root;
}

/** The colour key under the maps. */
export function occupancyLegend(): HTMLElement {
  const root = document.createElement("div");
  root.className = "occupancy-legend";
  const swatch = (rgb: readonly number[], text: string) => {
    const s = document.createElement("span");
    s.className = "swatch";
    s.style.background = `rgb(${rgb.join(",")})`;
    root.append(s, ` ${text}  `);
  };
  swatch(EMPTY, "page handed out, no live block on it");
  swatch(EMPTY.map((e, i) => Math.round((e + FULL[i]) / 2)), "half covered");
  swatch(FULL, "covered by live blocks");
  root.append("· a blank cell separates runs of pages that are not adjacent in memory");
  return root;
}
