// The strip under each heat map: the blocks the lane's large-object path has mapped outside the
// arena at this frame, in address order, each drawn page-rounded as it was mapped — its 16-byte
// header slice, the bytes the program asked for, and the page rounding after them, shaded as
// reserved. The strip's full width is one scale for every lane of the race (the arena's size, or
// the most any lane had mapped at once if that is more), so the strips compare across lanes and
// with the arena above them.
import { formatBytes } from "../../lib/page-api.js";
import { CELL_COLORS } from "./palette.js";
import type { RaceView } from "./race-view.js";

const [FREE, USED, HEADER, RESERVED] = CELL_COLORS;
const HEADER_SLICE = 16;
const WIDTH = 512;   // viewBox units; CSS stretches the strip to the map's width
const HEIGHT = 14;

export interface MappedBlockSummary { blocks: number; bytes: number; requested: number; rounding: number }

/** Counts and bytes of one frame's mapped blocks ((bytes, requested) pairs). */
export function summarizeMapped(pairs: Int32Array): MappedBlockSummary {
  let bytes = 0, requested = 0;
  for (let i = 0; i < pairs.length; i += 2) { bytes += pairs[i]; requested += pairs[i + 1]; }
  const blocks = pairs.length / 2;
  return { blocks, bytes, requested, rounding: bytes - requested - blocks * HEADER_SLICE };
}

/** The strips' common full width in bytes: the arena, or the most any lane mapped in one frame. */
export function mappedStripScale(view: RaceView): number {
  let most = 0;
  for (const lane of view.lanes) for (const pairs of lane.mappedFrames) most = Math.max(most, summarizeMapped(pairs).bytes);
  return Math.max(view.arenaBytes, most);
}

export interface MappedStripElement extends HTMLElement { update(pairs: Int32Array | undefined): void }

const SVG = "http://www.w3.org/2000/svg";
let strips = 0; // each strip's hatch pattern needs an id of its own in the document

// An SVG, not a canvas: a frame has a handful of mappings, and pages and tests count the heat
// maps by their canvases.
export function mappedStrip(scaleBytes: number, { label = "lane" }: { label?: string } = {}): MappedStripElement {
  const root = document.createElement("div") as unknown as MappedStripElement;
  root.className = "mapped-strip";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const hatchId = `mapped-strip-hatch-${++strips}`;
  svg.innerHTML = `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${RESERVED}"/><line x1="0" y1="0" x2="0" y2="6" stroke="rgba(0,0,0,0.35)" stroke-width="2"/></pattern></defs><rect width="${WIDTH}" height="${HEIGHT}" fill="${FREE}"/>`;
  const blocks = document.createElementNS(SVG, "g");
  svg.append(blocks);
  const caption = document.createElement("div");
  caption.className = "mapped-strip-caption";
  root.append(svg, caption);

  const rect = (x: number, width: number, fill: string) => {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", String(x));
    r.setAttribute("width", String(Math.max(0, width)));
    r.setAttribute("height", String(HEIGHT));
    r.setAttribute("fill", fill);
    return r;
  };

  root.update = (pairs) => {
    const mapped = pairs ?? new Int32Array(0);
    const summary = summarizeMapped(mapped);
    caption.textContent = summary.blocks === 0
      ? "mapped: nothing"
      : `mapped: ${summary.blocks} block${summary.blocks === 1 ? "" : "s"} · ${formatBytes(summary.bytes, 1)} · rounding ${formatBytes(summary.rounding, 1)}`;
    svg.setAttribute("aria-label", `${label}: ${caption.textContent} (strip width ${formatBytes(scaleBytes, 1)})`);
    root.dataset.blocks = String(summary.blocks);
    const px = WIDTH / scaleBytes;
    const parts: SVGRectElement[] = [];
    let x = 0;
    for (let i = 0; i < mapped.length && x < WIDTH; i += 2) {
      const bytes = mapped[i], requested = mapped[i + 1];
      // At least one unit a block, so a 4 KiB mapping in a 1 GiB scale still shows.
      const width = Math.max(1, bytes * px);
      const header = Math.min(width, Math.max(HEADER_SLICE * px, 0.5));
      const used = Math.min(width - header, requested * px);
      const block = document.createElementNS(SVG, "g");
      block.setAttribute("class", "mapped-block");
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${formatBytes(bytes, 1)} mapped for ${formatBytes(requested, 1)} asked: ${formatBytes(bytes - requested - HEADER_SLICE, 1)} of page rounding`;
      block.append(title, rect(x, header, HEADER), rect(x + header, used, USED), rect(x + header + used, width - header - used, `url(#${hatchId})`));
      parts.push(block as unknown as SVGRectElement);
      x += width + 1; // a one-unit gap where one mapping ends
    }
    blocks.replaceChildren(...parts);
  };
  root.update(undefined);
  return root;
}

/** The line under the grid that says what the strips are and what their full width is. */
export function mappedStripNote(view: RaceView): HTMLElement {
  const note = document.createElement("p");
  note.className = "mapped-strip-note"; // not race-status: that line reports the race's progress
  note.textContent = `Under each map, the blocks its large-object path has mapped outside the arena, page-rounded, in address order, in the map's colours: the 16-byte header slice as header, the bytes asked for as used, the page rounding as reserved (hatched). Full width: ${formatBytes(mappedStripScale(view), 1)}, the same for every lane.`;
  return note;
}
