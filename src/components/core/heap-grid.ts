// Every lane's arena side by side, repainted in place as the scrubber moves and as a race's later
// views arrive (no DOM is rebuilt, so a scrub frame or a progress frame costs a few putImageData
// calls; new canvases for six maps every 150 ms cost a 600k-op race ~0.3 s of main thread, on the
// cores the lane workers need). Hovering a pixel names its cell state at once, then the block
// under it — address, size, state, requested bytes — once `inspect` answers.
import { CELL_STATE_NAMES, GRID_SIDE, cellAt, formatBytes, pixelBytesOf } from "../../lib/page-api.js";
import type { BlockInfo } from "../worker/race-protocol.js";
import { frameIndexAt, type RaceView } from "./race-view.js";
import { heapMap, paintCells } from "./heap-map.js";
import { mappedStrip, mappedStripScale } from "./mapped-strip.js";

export interface HeapGridOptions {
  /** Looks up the block at `address` in lane `lane` after `op` ops; resolves null when unknown. */
  inspect?: (lane: number, op: number, address: number) => Promise<{ block: BlockInfo | null } | null>;
  tick?: number;
}

export interface HeapGridElement extends HTMLElement {
  /** Repaints every lane at a tick. */
  update(tick: number): void;
  /**
   * Shows another view of the same race in place — a later partial view while the lanes race, or
   * the finished one — repainting only the maps whose frame changed. False (and nothing changed)
   * when the view cannot be drawn on this grid: other lanes, another arena or strip scale.
   */
  show(view: RaceView, options?: HeapGridOptions): boolean;
}

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(5, "0");
}

function bytes(n: number): string {
  return formatBytes(n, n >= 1 << 20 ? 2 : 1);
}

export function describeBlock(block: BlockInfo): string {
  const head = `${block.state} block ${hex(block.start)} · ${bytes(block.bytes)}`;
  if (block.state === "used") return `${head}\nrequested ${block.requested} B at ${hex(block.payload)} · header ${block.payload - block.start} B · reserved ${block.bytes - (block.payload - block.start) - block.requested} B`;
  if (block.state === "metadata") return `${head}\nallocator metadata`;
  if (block.state === "dead") return `${head}\nfreed, not reclaimed`;
  return head;
}

export function heapGrid(initialView: RaceView, { inspect: initialInspect, tick = 0 }: HeapGridOptions = {}): HeapGridElement {
  const grid = document.createElement("div") as unknown as HeapGridElement;
  grid.className = "heap-grid";
  let view = initialView;
  let inspect = initialInspect;
  const pixelBytes = pixelBytesOf(view.arenaBytes);
  const stripScale = mappedStripScale(view);
  let currentTick = tick;
  const panels = view.lanes.map((lane, index) => {
    const shown = lane.frames[frameIndexAt(lane, currentTick)] ?? null;
    const figure = heapMap(shown ?? new Uint8Array(GRID_SIDE * GRID_SIDE / 4), { title: lane.label, caption: "" });
    const canvas = figure.querySelector("canvas")!;
    const caption = figure.querySelector("figcaption")!;
    const strip = mappedStrip(stripScale, { label: lane.label });
    canvas.after(strip);
    const tooltip = document.createElement("div");
    tooltip.className = "heap-tooltip";
    tooltip.hidden = true;
    figure.append(tooltip);
    attachHover(canvas, tooltip, index);
    grid.append(figure);
    // heapMap painted `shown` already; the strip and caption are filled by the first update.
    return { figure, canvas, caption, strip, shownCells: shown, shownView: view, shownMapped: null as Int32Array | null | undefined, warning: null as HTMLElement | null };
  });

  function attachHover(canvas: HTMLCanvasElement, tooltip: HTMLElement, laneIndex: number): void {
    let request = 0;
    canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; request++; });
    canvas.addEventListener("mousemove", (event) => {
      const rect = canvas.getBoundingClientRect();
      const x = Math.floor(((event.clientX - rect.left) / rect.width) * GRID_SIDE);
      const y = Math.floor(((event.clientY - rect.top) / rect.height) * GRID_SIDE);
      if (x < 0 || y < 0 || x >= GRID_SIDE || y >= GRID_SIDE) return;
      const pixel = y * GRID_SIDE + x;
      const lane = view.lanes[laneIndex];
      const frame = lane.frames[frameIndexAt(lane, currentTick)];
      const address = pixel * pixelBytes;
      const op = lane.ticks[Math.min(lane.frameTicks[frameIndexAt(lane, currentTick)] ?? currentTick, lane.ticks.length - 1)]?.op ?? 0;
      tooltip.textContent = `${hex(address)}: ${frame ? CELL_STATE_NAMES[cellAt(frame, pixel)] : "?"} (pixel ${x},${y} = ${pixelBytes} B)`;
      tooltip.hidden = false;
      const figureRect = canvas.parentElement!.getBoundingClientRect();
      const left = event.clientX - figureRect.left + 12;
      tooltip.style.left = `${Math.min(left, figureRect.width - 160)}px`;
      tooltip.style.top = `${event.clientY - figureRect.top + 12}px`;
      if (!inspect) return;
      const mine = ++request;
      inspect(laneIndex, op, address).then((answer) => {
        if (mine !== request || !answer?.block) return;
        tooltip.textContent = `after op ${op.toLocaleString("en-US")}\n${describeBlock(answer.block)}`;
        tooltip.style.whiteSpace = "pre";
      }, () => undefined);
    });
  }

  grid.update = (tick: number) => {
    currentTick = tick;
    view.lanes.forEach((lane, i) => {
      const panel = panels[i];
      const f = frameIndexAt(lane, tick);
      const cells = lane.frames[f];
      // Frames of another view are compared by content: the finished race brings new arrays for
      // the frames a partial view already showed, and repainting them all is the cost this
      // avoids. A scrub step (same view) compares nothing.
      if (cells && cells !== panel.shownCells && (view === panel.shownView || !sameBytes(cells, panel.shownCells))) {
        paintCells(panel.canvas, cells);
      }
      if (cells) { panel.shownCells = cells; panel.shownView = view; }
      if (cells && lane.mappedFrames[f] !== panel.shownMapped) {
        panel.strip.update(lane.mappedFrames[f]);
        panel.shownMapped = lane.mappedFrames[f];
      }
      // The warning follows the view shown: a later race on this grid may have no corrupt lane.
      if (lane.corrupt && !panel.warning) {
        panel.warning = document.createElement("div");
        panel.warning.className = "race-error";
        panel.figure.append(panel.warning);
      }
      if (panel.warning) {
        panel.warning.hidden = !lane.corrupt;
        panel.warning.textContent = lane.corrupt ? `stopped: ${lane.corrupt}` : "";
      }
      const row = lane.ticks[Math.min(tick, lane.ticks.length - 1)];
      panel.caption.textContent = row
        ? `op ${row.op.toLocaleString("en-US")} · live ${bytes(row.liveBytes)} · frag ${(100 * row.fragmentation).toFixed(0)}% · failures ${row.failures}`
        : "no snapshot";
    });
  };

  grid.show = (next: RaceView, options: HeapGridOptions = {}) => {
    const fits = next.arenaBytes === view.arenaBytes && next.lanes.length === view.lanes.length
      && next.lanes.every((lane, i) => lane.label === view.lanes[i].label)
      && mappedStripScale(next) === stripScale;
    if (!fits) return false;
    view = next;
    if (options.inspect) inspect = options.inspect;
    grid.update(options.tick ?? currentTick);
    return true;
  };

  grid.update(currentTick);
  return grid;
}

/**
 * A page's one heat-map grid for a sequence of views (partial views, the finished race, the next
 * race): each call shows `view` on the grid it returned last when it fits (HeapGridElement.show),
 * else returns a new grid.
 */
export function heapGridKeeper(): (view: RaceView, options?: HeapGridOptions) => HeapGridElement {
  let shown: HeapGridElement | null = null;
  return (view, options = {}) => (shown = shown?.show(view, options) ? shown : heapGrid(view, options));
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
