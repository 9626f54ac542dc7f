// Every lane's arena side by side, repainted in place as the scrubber moves (no DOM is rebuilt,
// so a scrub frame costs a few putImageData calls). Hovering a pixel names its cell state at
// once, then the block under it — address, size, state, requested bytes — once `inspect` answers.
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

export function heapGrid(view: RaceView, { inspect, tick = 0 }: HeapGridOptions = {}): HeapGridElement {
  const grid = document.createElement("div") as unknown as HeapGridElement;
  grid.className = "heap-grid";
  const pixelBytes = pixelBytesOf(view.arenaBytes);
  const stripScale = mappedStripScale(view);
  let currentTick = tick;
  const panels = view.lanes.map((lane, index) => {
    const frame = lane.frames[frameIndexAt(lane, currentTick)];
    const figure = heapMap(frame ?? new Uint8Array(GRID_SIDE * GRID_SIDE / 4), { title: lane.label, caption: "" });
    const canvas = figure.querySelector("canvas")!;
    const caption = figure.querySelector("figcaption")!;
    const strip = mappedStrip(stripScale, { label: lane.label });
    canvas.after(strip);
    const tooltip = document.createElement("div");
    tooltip.className = "heap-tooltip";
    tooltip.hidden = true;
    figure.append(tooltip);
    if (lane.corrupt) {
      const warning = document.createElement("div");
      warning.className = "race-error";
      warning.textContent = `stopped: ${lane.corrupt}`;
      figure.append(warning);
    }
    attachHover(canvas, tooltip, index);
    grid.append(figure);
    return { canvas, caption, strip, shownFrame: -1 };
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
      if (lane.frames[f] && panel.shownFrame !== f) {
        paintCells(panel.canvas, lane.frames[f]);
        panel.strip.update(lane.mappedFrames[f]);
        panel.shownFrame = f;
      }
      const row = lane.ticks[Math.min(tick, lane.ticks.length - 1)];
      panel.caption.textContent = row
        ? `op ${row.op.toLocaleString("en-US")} · live ${bytes(row.liveBytes)} · frag ${(100 * row.fragmentation).toFixed(0)}% · failures ${row.failures}`
        : "no snapshot";
    });
  };
  grid.update(currentTick);
  return grid;
}
