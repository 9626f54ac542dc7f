// A 256×256 heat map of one arena snapshot: one pixel per grid cell, painted straight into
// ImageData from the packed 2-bit cells, scaled up by CSS with crisp (pixelated) edges.
import { GRID_SIDE, PACKED_CELL_BYTES } from "../../lib/page-api.js";
import { CELL_RGBA } from "./palette.js";

export interface HeapMapOptions {
  caption?: string;
  /** Largest CSS width in px (it shrinks with its container); the canvas keeps its 256×256 resolution. */
  width?: number;
  title?: string;
}

export function heapMap(cells: Uint8Array, { caption, width, title }: HeapMapOptions = {}): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "heap-map";
  figure.style.margin = "0";
  if (title) {
    const heading = document.createElement("div");
    heading.style.font = "600 13px var(--sans-serif)";
    heading.textContent = title;
    figure.append(heading);
  }
  const canvas = document.createElement("canvas");
  canvas.width = GRID_SIDE;
  canvas.height = GRID_SIDE;
  canvas.style.width = "100%";
  if (width) canvas.style.maxWidth = `${width}px`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${title ?? "arena"} heat map`);
  paintCells(canvas, cells);
  figure.append(canvas);
  if (caption !== undefined) {
    const figcaption = document.createElement("figcaption");
    figcaption.textContent = caption;
    figure.append(figcaption);
  }
  return figure;
}

let scratch: ImageData | null = null;

/** Repaints a canvas in place: cheap enough to call on every scrubber frame. */
export function paintCells(canvas: HTMLCanvasElement, cells: Uint8Array): void {
  if (cells.length !== PACKED_CELL_BYTES) throw new RangeError(`expected ${PACKED_CELL_BYTES} packed cell bytes, got ${cells.length}`);
  const context = canvas.getContext("2d");
  if (!context) return;
  scratch ??= context.createImageData(GRID_SIDE, GRID_SIDE);
  const rgba = new Uint32Array(scratch.data.buffer);
  const colors = CELL_RGBA.map(([r, g, b, a]) => (a << 24) | (b << 16) | (g << 8) | r); // little-endian RGBA
  for (let i = 0; i < PACKED_CELL_BYTES; i++) {
    const byte = cells[i];
    const pixel = i << 2;
    rgba[pixel] = colors[byte & 3];
    rgba[pixel + 1] = colors[(byte >> 2) & 3];
    rgba[pixel + 2] = colors[(byte >> 4) & 3];
    rgba[pixel + 3] = colors[(byte >> 6) & 3];
  }
  context.putImageData(scratch, 0, 0);
}
