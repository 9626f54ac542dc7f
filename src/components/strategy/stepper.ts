// The step-by-step widget: a short scripted trace replayed on a real allocator (stepper-replay.ts),
// one op per step, with the start of the arena drawn large — every block's header, payload,
// reserved and free bytes in the cell palette, block boundaries and addresses visible — a caption
// (`malloc(48) → 0x0140`), what happened, a line of stats and the strategy's own bookkeeping.
// The reader controls time: prev/next buttons, a step slider, the script's ops, and ←/→ (Home/End)
// while the widget has focus.
import type { BuiltinAllocatorName, AllocatorOptions } from "../../lib/index.js";
import { CELL_COLORS } from "../core/palette.js";
import { cellLegend } from "../core/legend.js";
import {
  replay, bytesText, hex, isDead, isFree, isMetadata, type Replay, type StateDetail, type StepOp, type StepState, type WalkBlock,
} from "./stepper-replay.js";

export interface StepperOptions {
  /** The allocator's knobs. */
  options?: AllocatorOptions;
  /** Script lines: "malloc 48", "free #1", "realloc #1 96". */
  script: string | readonly string[];
  /** How many bytes from the start of the arena to draw. */
  windowBytes?: number;
  /** Bytes per row of the drawing on a wide screen… */
  rowBytes?: number;
  /** …and below 560 px. */
  narrowRowBytes?: number;
  /** Leave a wider gap before every row that starts a new section of this many bytes (a slab). */
  sectionBytes?: number;
  /** The step shown first (0 = the empty arena). */
  step?: number;
  /** Called whenever the reader moves to another step (a page can keep it across re-renders). */
  onStep?: (step: number) => void;
  /** Names the widget for screen readers. */
  label?: string;
}

/** A replay with its controls; a script or knob the allocator rejects gives a message instead. */
export function stepper(name: BuiltinAllocatorName, { options = {}, script, windowBytes = 1024, rowBytes = 256, narrowRowBytes = rowBytes / 2, sectionBytes, step = 0, onStep, label }: StepperOptions): HTMLElement {
  let run: Replay;
  try {
    run = replay(name, options, script);
  } catch (error) {
    return message(`This step-by-step replay cannot run: ${(error as Error).message}`);
  }
  const last = run.states.length - 1;
  let current = Math.max(0, Math.min(last, Math.round(step)));

  const root = element("div", "stepper");
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", label ?? `${name}: step-by-step replay; use the left and right arrow keys to step`);

  const prev = button("← prev", "previous step");
  const next = button("next →", "next step");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(last);
  slider.step = "1";
  slider.setAttribute("aria-label", "step");
  const counter = element("span", "stepper-counter");
  const controls = element("div", "stepper-controls");
  controls.append(prev, next, slider, counter);

  const caption = element("div", "stepper-caption");
  caption.setAttribute("aria-live", "polite");
  const effect = element("p", "stepper-effect");
  const figure = element("figure", "stepper-figure");
  const drawing = element("div", "stepper-drawing");
  const figcaption = element("figcaption", "stepper-note");
  figure.append(drawing, figcaption);
  const stats = element("div", "stat-line stepper-stats");
  const detail = element("div", "stepper-detail");
  const chips = element("ol", "stepper-script");
  chips.setAttribute("aria-label", "the script");
  run.states.forEach((state) => {
    const item = document.createElement("li");
    const chip = button(state.op ? opText(state.op) : "start", `go to step ${state.index}`);
    chip.dataset.step = String(state.index);
    chip.addEventListener("click", () => show(state.index));
    item.append(chip);
    chips.append(item);
  });
  root.append(controls, caption, effect, figure, cellLegend(), stats, detail, chips);

  let width = 0;
  function draw(): void {
    const available = Math.floor(drawing.clientWidth || root.clientWidth || 640);
    width = available;
    const state = run.states[current];
    drawing.replaceChildren(arenaStrip(state, {
      windowBytes, width: available, rowBytes: available < 560 ? narrowRowBytes : rowBytes, markers: markersOf(state.detail), sectionBytes,
    }));
  }

  function show(index: number): void {
    const target = Math.max(0, Math.min(last, index));
    const changed = target !== current;
    current = target;
    const state = run.states[current];
    slider.value = String(current);
    counter.textContent = `step ${current} of ${last}`;
    prev.disabled = current === 0;
    next.disabled = current === last;
    caption.textContent = current === 0 ? state.caption : `${current}. ${state.caption}`;
    effect.textContent = state.effect;
    stats.textContent = statsText(state);
    detail.replaceChildren(...detailNodes(state.detail));
    for (const chip of chips.querySelectorAll<HTMLButtonElement>("button")) {
      const on = Number(chip.dataset.step) === current;
      chip.classList.toggle("current", on);
      if (on) chip.setAttribute("aria-current", "step");
      else chip.removeAttribute("aria-current");
    }
    draw();
    figcaption.textContent = windowNote(state.blocks, windowBytes, run.arenaBytes, width < 560 ? narrowRowBytes : rowBytes);
    if (changed) onStep?.(current);
  }

  prev.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  slider.addEventListener("input", () => show(Number(slider.value)));
  root.addEventListener("keydown", (event) => {
    if (event.target === slider) return; // the slider moves itself, then reports through "input"
    const to = event.key === "ArrowRight" ? current + 1 : event.key === "ArrowLeft" ? current - 1
      : event.key === "Home" ? 0 : event.key === "End" ? last : null;
    if (to === null) return;
    event.preventDefault();
    show(to);
  });
  // Redraw at the new width when the column changes size (a phone turned, a sidebar opened).
  if (typeof ResizeObserver !== "undefined") {
    let pending = false;
    new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (Math.floor(drawing.clientWidth) !== width) show(current);
      });
    }).observe(drawing);
  }
  show(current);
  return root;
}

export interface Variant { label: string; options: AllocatorOptions }

/** The same script under several knob settings, all frozen at one step: one small strip each. */
export function compareAtStep(name: BuiltinAllocatorName, variants: readonly Variant[], { script, step, windowBytes = 1024, rowBytes = 512, width = 640 }: {
  script: string | readonly string[]; step: number; windowBytes?: number; rowBytes?: number; width?: number;
}): HTMLElement {
  const root = element("div", "stepper-compare");
  for (const variant of variants) {
    const cell = element("figure", "stepper-figure");
    let state: StepState;
    try {
      const run = replay(name, variant.options, script);
      state = run.states[Math.max(0, Math.min(run.states.length - 1, step))];
    } catch (error) {
      cell.append(message(`${variant.label}: ${(error as Error).message}`));
      root.append(cell);
      continue;
    }
    const title = element("div", "stepper-compare-title");
    title.textContent = `${variant.label}: ${state.caption}`;
    const strip = arenaStrip(state, { windowBytes, width, rowBytes: width < 560 ? rowBytes / 2 : rowBytes, markers: [], labels: "focus" });
    cell.append(title, strip);
    root.append(cell);
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// The drawing

export interface Marker { addr: number; label: string }

export interface StripOptions {
  windowBytes: number;
  width: number;
  rowBytes: number;
  markers?: Marker[];
  /** "all": every block wide enough gets its address; "focus": only the focused block. */
  labels?: "all" | "focus";
  sectionBytes?: number;
}

const SVG = "http://www.w3.org/2000/svg";
const ROW_HEIGHT = 30;
const BAND = 16;
const GAP = 6;
const CHAR_WIDTH = 6.1; // 10 px monospace
const GUTTER = 44;
const SECTION_GAP = 12;

type Segment = { from: number; to: number; state: 0 | 1 | 2 | 3 };

/** The bytes of each block by cell state: header, what was asked for, reserved, or free. */
function segmentsOf(b: WalkBlock): Segment[] {
  const end = b.start + b.bytes;
  if (isFree(b)) return [{ from: b.start, to: end, state: 0 }];
  if (isMetadata(b)) return [{ from: b.start, to: end, state: 2 }];
  if (isDead(b)) return [{ from: b.start, to: end, state: 3 }];
  return [
    { from: b.start, to: b.payload, state: 2 },
    { from: b.payload, to: b.payload + b.requested, state: 1 },
    { from: b.payload + b.requested, to: end, state: 3 },
  ].filter((s) => s.to > s.from) as Segment[];
}

/** The first `windowBytes` of the arena as rows of `rowBytes`, addresses labelled above each row. */
export function arenaStrip(state: StepState, { windowBytes, width, rowBytes, markers = [], labels = "all", sectionBytes }: StripOptions): SVGSVGElement {
  const rows = Math.ceil(windowBytes / rowBytes);
  // A gutter on the left names the address each row starts at.
  const gutter = GUTTER;
  const scale = (width - gutter) / rowBytes;
  const sectionOf = (row: number) => (sectionBytes && sectionBytes > rowBytes ? Math.floor((row * rowBytes) / sectionBytes) : 0);
  const height = rows * (BAND + ROW_HEIGHT + GAP) - GAP + sectionOf(rows - 1) * SECTION_GAP;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `the first ${bytesText(windowBytes)} of the arena after ${state.caption}`);
  svg.style.maxWidth = "100%";
  svg.style.display = "block";
  const rowTop = (row: number) => row * (BAND + ROW_HEIGHT + GAP) + BAND + sectionOf(row) * SECTION_GAP;
  const xOf = (addr: number) => gutter + (addr % rowBytes) * scale;

  // Cut a byte range at row ends: one piece per row it touches.
  const pieces = (from: number, to: number, visit: (row: number, x0: number, x1: number) => void) => {
    for (let at = Math.max(0, from); at < Math.min(to, windowBytes);) {
      const row = Math.floor(at / rowBytes);
      const rowEnd = Math.min((row + 1) * rowBytes, to, windowBytes);
      visit(row, xOf(at), rowEnd === (row + 1) * rowBytes ? width : xOf(rowEnd));
      at = rowEnd;
    }
  };

  for (let row = 0; row < rows; row++) {
    const label = svgElement("text", { x: 0, y: rowTop(row) + ROW_HEIGHT / 2 + 3.5 });
    label.textContent = hex(row * rowBytes);
    label.setAttribute("class", "stepper-label");
    svg.append(label);
  }
  const visible = state.blocks.filter((b) => b.start < windowBytes);
  for (const b of visible) {
    for (const s of segmentsOf(b)) {
      pieces(s.from, s.to, (row, x0, x1) => svg.append(rect(x0, rowTop(row), x1 - x0, ROW_HEIGHT, CELL_COLORS[s.state])));
    }
  }
  // Block boundaries: a gap the colour of the page at every block start.
  for (const b of visible) {
    if (b.start === 0 || b.start % rowBytes === 0) continue;
    const line = svgElement("line", { x1: xOf(b.start), x2: xOf(b.start), y1: rowTop(Math.floor(b.start / rowBytes)), y2: rowTop(Math.floor(b.start / rowBytes)) + ROW_HEIGHT });
    line.style.stroke = "var(--theme-background, #fff)";
    line.style.strokeWidth = scale * 16 >= 6 ? "1.5" : "0.75";
    svg.append(line);
  }
  // The block this step touched.
  const focus = state.focus;
  if (focus) {
    pieces(focus.start, focus.start + focus.bytes, (row, x0, x1) => {
      // Never thinner than a few pixels: a 16-byte object in a 16 KiB row must still be findable.
      const inset = x1 - x0 > 6 ? 1 : -1.5;
      const outline = rect(x0 + inset, rowTop(row) + 1, Math.max(3, x1 - x0 - 2 * inset), ROW_HEIGHT - 2, "none");
      outline.style.stroke = "var(--theme-foreground, #1b1e23)";
      outline.style.strokeWidth = "2";
      outline.setAttribute("class", "stepper-focus");
      svg.append(outline);
    });
  }

  // Labels, most important first; one that would overlap a placed one is skipped.
  const taken: { row: number; x0: number; x1: number }[] = [];
  const place = (addr: number, text: string, strong: boolean) => {
    if (addr >= windowBytes) return;
    const row = Math.floor(addr / rowBytes);
    const x = xOf(addr);
    const textWidth = text.length * CHAR_WIDTH;
    const x0 = Math.min(Math.max(gutter, x - 1), width - textWidth);
    const x1 = x0 + textWidth;
    if (taken.some((t) => t.row === row && x0 < t.x1 + 4 && x1 > t.x0 - 4)) return;
    taken.push({ row, x0, x1 });
    const label = svgElement("text", { x: x0, y: rowTop(row) - 4 });
    label.textContent = text;
    label.setAttribute("class", strong ? "stepper-label strong" : "stepper-label");
    const tick = svgElement("line", { x1: x, x2: x, y1: rowTop(row) - 3, y2: rowTop(row) });
    tick.style.stroke = "currentColor";
    svg.append(label, tick);
  };
  const addressOf = (b: WalkBlock) => (isFree(b) || isMetadata(b) ? b.start : b.payload);
  if (focus) place(addressOf(focus), hex(addressOf(focus)), true);
  for (const marker of markers) place(marker.addr, marker.label, true);
  if (labels === "all") {
    for (const b of visible) if (b.bytes * scale >= 30) place(addressOf(b), hex(addressOf(b)), false);
  }
  for (const marker of markers) {
    if (marker.addr >= windowBytes) continue;
    const row = Math.floor(marker.addr / rowBytes);
    const line = svgElement("line", { x1: xOf(marker.addr), x2: xOf(marker.addr), y1: rowTop(row) - 2, y2: rowTop(row) + ROW_HEIGHT + 2 });
    line.style.stroke = "var(--theme-foreground, #1b1e23)";
    line.style.strokeWidth = "2";
    line.style.strokeDasharray = "3 2";
    svg.append(line);
  }
  return svg;
}

function markersOf(detail: StateDetail): Marker[] {
  return detail.kind === "bump" ? [{ addr: detail.cursor, label: "cursor" }] : [];
}

function windowNote(blocks: readonly WalkBlock[], windowBytes: number, arenaBytes: number, rowBytes: number): string {
  const shown = `Bytes ${hex(0)}–${hex(windowBytes)} of the ${bytesText(arenaBytes)} arena, ${bytesText(rowBytes)} per row; addresses are payloads (what malloc returns), or the first byte of a free block.`;
  const beyond = blocks.filter((b) => b.start + b.bytes > windowBytes);
  const allocated = beyond.filter((b) => !isFree(b)).length;
  const rest = allocated === 0 ? ` Past ${hex(windowBytes)} everything is free.` : ` Past ${hex(windowBytes)}: ${allocated} more allocated ${allocated === 1 ? "block or region" : "blocks or regions"}.`;
  return shown + rest;
}

function statsText(state: StepState): string {
  const free = state.blocks.filter(isFree);
  const freeBytes = free.reduce((sum, b) => sum + b.bytes, 0);
  const largest = free.reduce((max, b) => Math.max(max, b.bytes), 0);
  const s = state.stats;
  return [
    `live ${bytesText(s.liveBytes)}`, `free ${bytesText(freeBytes)}`, `largest hole ${bytesText(largest)}`,
    `splits ${s.splits}`, `coalesces ${s.coalesces}`, `probes ${s.probes}`, `failures ${s.failures}`,
  ].join(" · ");
}

function opText(op: StepOp): string {
  return op.kind === "malloc" ? `malloc(${op.size})` : op.kind === "free" ? `free(#${op.ref})` : `realloc(#${op.ref}, ${op.size})`;
}

// ---------------------------------------------------------------------------------------------
// The strategy's bookkeeping, in words and small boxes

function detailNodes(detail: StateDetail): Node[] {
  switch (detail.kind) {
    case "bump":
      return [line("cursor", `${hex(detail.cursor)} · ${detail.live} live, ${detail.dead} dead ${detail.dead === 1 ? "object" : "objects"}${detail.dead ? ` holding ${bytesText(detail.deadBytes)} that nothing can reuse yet` : ""}`)];
    case "freelist":
      return [line(`free list (${detail.order === "lifo" ? "LIFO" : "address order"}, ${detail.placement} fit)`, chain(detail.list))];
    case "segfit": {
      const bits = element("span", "stepper-bitmap");
      for (let k = detail.classes.length - 1; k >= 0; k--) {
        const bit = element("span", (detail.bitmap >>> k) & 1 ? "bit on" : "bit");
        bit.textContent = String((detail.bitmap >>> k) & 1);
        bit.title = `class ${k}`;
        bits.append(bit);
      }
      const nodes: Node[] = [line("bitmap (class 11 … 0)", bits)];
      for (const entry of detail.classes) {
        if (entry.list.length) nodes.push(line(`class ${entry.k} · ${rangeText(entry.floor, entry.ceiling)}`, chain(entry.list)));
      }
      return nodes;
    }
    case "buddy":
      return detail.orders.map(({ order, blocks }) => line(`order ${order} · ${bytesText(2 ** order)}`, blocks.map((b) => hex(b.start)).join(", ")));
    case "slab":
      return detail.slabs.map((slab) => line(`slab ${hex(slab.start)}`, slab.state === "classed"
        ? `${bytesText(slab.objectBytes)} objects · ${slab.live} of ${slab.capacity} live`
        : slab.state === "pooled" ? "empty, in the pool (any class can take it)" : "never carved"));
    case "tlsf": {
      const nodes: Node[] = [line("first-level bitmap", bitsOf(detail.flBitmap, 32 - Math.clz32(detail.flBitmap) || 1, "first level"))];
      for (const entry of detail.lists) {
        nodes.push(line(`list (${entry.fl}, ${entry.sl}) · ${rangeText(entry.floor, entry.ceiling)}`, chain(entry.list)));
      }
      return nodes;
    }
  }
}

/** A bitmap word as boxes, most significant of the `width` bits first. */
function bitsOf(word: number, width: number, name: string): HTMLElement {
  const bits = element("span", "stepper-bitmap");
  for (let k = width - 1; k >= 0; k--) {
    const bit = element("span", (word >>> k) & 1 ? "bit on" : "bit");
    bit.textContent = String((word >>> k) & 1);
    bit.title = `${name} ${k}`;
    bits.append(bit);
  }
  return bits;
}

function rangeText(floor: number, ceiling: number): string {
  if (!Number.isFinite(ceiling)) return `${bytesText(floor)} and up`;
  return ceiling < 1024 ? `${floor}–${ceiling} B` : `${floor / 1024}–${(ceiling + 1) / 1024} KiB`;
}

function chain(list: readonly WalkBlock[]): HTMLElement {
  const span = element("span", "stepper-chain");
  const limit = 8;
  const parts = list.slice(0, limit).map((b) => `${hex(b.start)} (${bytesText(b.bytes)})`);
  if (list.length > limit) parts.push(`${list.length - limit} more`);
  span.textContent = ["head", ...parts, "NIL"].join(" → ");
  return span;
}

function line(name: string, value: string | Node): HTMLElement {
  const row = element("div", "stepper-detail-line");
  const key = element("span", "stepper-detail-key");
  key.textContent = name;
  row.append(key, typeof value === "string" ? document.createTextNode(value) : value);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function button(text: string, label: string): HTMLButtonElement {
  const node = document.createElement("button");
  node.type = "button";
  node.textContent = text;
  node.setAttribute("aria-label", label);
  return node;
}

function svgElement(tag: string, attributes: Record<string, number | string>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function rect(x: number, y: number, width: number, height: number, fill: string): SVGElement {
  return svgElement("rect", { x, y, width: Math.max(0, width), height, fill });
}

function message(text: string): HTMLElement {
  const p = element("p", "stepper-message");
  p.setAttribute("role", "alert");
  p.textContent = text;
  return p;
}

