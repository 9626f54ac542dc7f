// Block-layout diagrams for the strategy pages: the words of a header, footer, links and slab
// header as boxes in the cell palette, sized and numbered from the constants each allocator file
// exports (or, where a constant is private, measured on a real allocator through walk()), so a
// diagram cannot disagree with the code it describes. Plus two pictures of arrangement: the buddy
// tree (buddyOf = addr ^ size) and the segregated-fit size classes.
import {
  createAllocator, FOOTER_BYTES, TAG_HEADER_BYTES, MIN_BLOCK, NEXT_LINK, PREV_LINK, BUDDY_HEADER_BYTES, MIN_ORDER, buddyOf, SEGFIT_CLASSES, segfitClassFloor, SLAB_BYTES, SLAB_CLASS_PRESETS, parseSlabClasses, slabLayoutOf, TLSF_HEADER_BYTES, TLSF_MIN_BLOCK, type BuiltinAllocatorName,
} from "../../lib/index.js";
import { CELL_COLORS } from "../core/palette.js";

type State = 0 | 1 | 2 | 3; // free, used, header, reserved — the palette's order

export interface Field {
  name: string;
  /** Its size, e.g. "4 B", "n B", "0–15 B". */
  size: string;
  state: State;
  /** Where it starts, relative to the block, e.g. "h+4". */
  at?: string;
  /** Takes the room left over, like a payload. */
  grow?: boolean;
  note?: string;
}

export interface LayoutRow { title: string; fields: Field[] }

/** Rows of fields, each a box in its cell colour; boxes wrap on a narrow screen rather than shrink past reading. */
export function layoutDiagram(rows: readonly LayoutRow[], { caption }: { caption?: string } = {}): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "layout-diagram";
  for (const row of rows) {
    const title = document.createElement("div");
    title.className = "layout-title";
    title.textContent = row.title;
    const fields = document.createElement("div");
    fields.className = "layout-fields";
    for (const field of row.fields) {
      const box = document.createElement("div");
      box.className = `layout-field state-${field.state}${field.grow ? " grow" : ""}`;
      box.style.background = CELL_COLORS[field.state];
      if (field.at) box.append(span("layout-at", field.at));
      box.append(span("layout-name", field.name), span("layout-size", field.size));
      if (field.note) box.title = field.note;
      fields.append(box);
    }
    figure.append(title, fields);
  }
  if (caption) {
    const figcaption = document.createElement("figcaption");
    figcaption.textContent = caption;
    figure.append(figcaption);
  }
  return figure;
}

/** The header bytes in front of a payload, measured: the second block's payload minus its start. */
export function measuredHeaderBytes(name: BuiltinAllocatorName): number {
  const allocator = createAllocator(name, { arenaBytes: 64 * 1024 });
  allocator.malloc(1);
  const second = allocator.malloc(1);
  let header = -1;
  allocator.walk((start, _bytes, payload) => { if (payload === second) header = payload - start; });
  return header;
}

/** The block layouts of one allocator, from its constants. */
export function blockLayout(name: BuiltinAllocatorName, { slabClass = 64, classes = "pow2" }: { slabClass?: number; classes?: string } = {}): HTMLElement {
  switch (name) {
    case "bump": {
      const header = measuredHeaderBytes("bump");
      return layoutDiagram([
        {
          title: "every object (start ≡ 8 mod 16, so the payload is 16-aligned)",
          fields: [
            { name: "check", size: `${header / 2} B`, state: 2, at: "start", note: "BUMP_MAGIC ^ payload: a forged address fails this test" },
            { name: "dead bit | requested", size: `${header / 2} B`, state: 2, at: `start+${header / 2}` },
            { name: "payload", size: "requested bytes", state: 1, at: `start+${header}`, grow: true },
            { name: "rounding", size: "0–15 B", state: 3 },
          ],
        },
        {
          title: "the arena",
          fields: [
            { name: "pad", size: "8 B", state: 2, at: "0" },
            { name: "object", size: "", state: 1 },
            { name: "dead object", size: "kept", state: 3 },
            { name: "object", size: "", state: 1, grow: true },
            { name: "free", size: "never touched", state: 0, at: "cursor", grow: true },
          ],
        },
      ], { caption: `An ${header}-byte header and nothing else: no footer, no links, no size classes. free() sets the dead bit; the space returns only when the last live object dies and the cursor jumps back to the start.` });
    }
    case "freelist":
    case "segfit": {
      const word = FOOTER_BYTES;
      return layoutDiagram([
        {
          title: "a used block at h (h ≡ 8 mod 16)",
          fields: [
            { name: "size | 1", size: `${word} B`, state: 2, at: "h" },
            { name: "requested", size: `${TAG_HEADER_BYTES - word} B`, state: 2, at: `h+${word}` },
            { name: "payload", size: "requested bytes", state: 1, at: `h+${TAG_HEADER_BYTES}`, grow: true },
            { name: "rounding", size: "0–15 B", state: 3 },
            { name: "size | 1", size: `${FOOTER_BYTES} B`, state: 3, at: "h+size−4", note: "the footer: walk() counts it as reserved" },
          ],
        },
        {
          title: `a free block (at least ${MIN_BLOCK} B)`,
          fields: [
            { name: "size | 0", size: `${word} B`, state: 0, at: "h" },
            { name: "prev link", size: `${NEXT_LINK - PREV_LINK} B`, state: 0, at: `h+${PREV_LINK}` },
            { name: "next link", size: `${NEXT_LINK - PREV_LINK} B`, state: 0, at: `h+${NEXT_LINK}` },
            { name: "unused", size: "", state: 0, grow: true },
            { name: "size | 0", size: `${FOOTER_BYTES} B`, state: 0, at: "h+size−4" },
          ],
        },
      ], {
        caption: `Knuth's boundary tags: the size sits at both ends of every block, so free() reads the word just before h (the previous block's footer) and the word just past the block (the next block's header) and merges with whichever is free. A free block's links live where its payload was: the ${name === "segfit" ? "size-class lists cost" : "free list costs"} no memory of its own. Free blocks are drawn free (grey) because they are available; the tags are still there.`,
      });
    }
    case "buddy":
      return layoutDiagram([
        {
          title: "a used block of order k at h (h a multiple of 2^k)",
          fields: [
            { name: "magic | order", size: "4 B", state: 2, at: "h" },
            { name: "h ^ salt", size: "4 B", state: 2, at: "h+4", note: "a header only verifies at its own address" },
            { name: "requested", size: "4 B", state: 2, at: "h+8" },
            { name: "0", size: `${BUDDY_HEADER_BYTES - 12} B`, state: 2, at: "h+12" },
            { name: "payload", size: "requested bytes", state: 1, at: `h+${BUDDY_HEADER_BYTES}`, grow: true },
            { name: "rounding up to 2^k", size: "up to half the block", state: 3, grow: true },
          ],
        },
        {
          title: "a free block of order k",
          fields: [
            { name: "magic | free | order", size: "4 B", state: 0, at: "h" },
            { name: "h ^ salt", size: "4 B", state: 0, at: "h+4" },
            { name: "next", size: "4 B", state: 0, at: "h+8" },
            { name: "prev", size: "4 B", state: 0, at: "h+12" },
            { name: "free", size: "", state: 0, grow: true },
          ],
        },
      ], { caption: `A ${BUDDY_HEADER_BYTES}-byte header and no footer: a block never needs to find its physical neighbour, only its buddy, whose address is arithmetic. The smallest block is ${2 ** MIN_ORDER} B (order ${MIN_ORDER}); every block is a power of two aligned to its own size.` });
    case "slab": {
      const layout = slabLayoutOf(slabClass);
      const bitmapBytes = 4 * Math.ceil(layout.capacity / 32);
      const fixed = layout.tableOffset - bitmapBytes;
      const names = ["magic ^ slab", "class", "live", "freeHead", "carved", "capacity", "next", "prev", "objectBytes", "data", "table", "reciprocal"];
      const fixedFields: Field[] = fixed === names.length * 4
        ? [{ name: "fixed header", size: `${fixed} B`, state: 2, at: "slab", note: names.join(", ") }]
        : [{ name: "fixed header", size: `${fixed} B`, state: 2, at: "slab" }];
      const presetNote = (SLAB_CLASS_PRESETS as Record<string, readonly number[]>)[classes] ? ` (classes: ${classes})` : "";
      return layoutDiagram([
        {
          title: `one ${SLAB_BYTES / 1024} KiB slab of the ${slabClass} B class${presetNote}, at a multiple of ${SLAB_BYTES / 1024} KiB`,
          fields: [
            ...fixedFields,
            { name: "bitmap", size: `${bitmapBytes} B`, state: 2, at: `+${layout.tableOffset - bitmapBytes}`, note: "one bit per object: allocated or not" },
            { name: "requested sizes", size: `${2 * layout.capacity} B`, state: 2, at: `+${layout.tableOffset}`, note: "a u16 per object" },
            { name: "rounding", size: `${layout.dataOffset - layout.tableOffset - 2 * layout.capacity} B`, state: 2 },
            { name: "object 0", size: `${slabClass} B`, state: 1, at: `+${layout.dataOffset}` },
            { name: "object 1", size: `${slabClass} B`, state: 1 },
            { name: `… object ${layout.capacity - 1}`, size: `${layout.capacity} objects in all`, state: 1, grow: true },
            { name: "tail", size: `${layout.tailBytes} B`, state: 2, note: "less than one object: never used" },
          ],
        },
      ], { caption: `No per-object header at all: free(p) finds the slab's header at p & ~${(SLAB_BYTES - 1).toString(16)} and the object's index by one multiply. A free object's first word holds the index of the next free object of its slab. The fixed header's twelve words: ${names.join(", ")}.` });
    }
    case "tlsf":
      return layoutDiagram([
        {
          title: "a used block at h (h ≡ 8 mod 16)",
          fields: [
            { name: "size | bits", size: "4 B", state: 2, at: "h", note: "bit 0 FREE (clear), bit 1 PREV_FREE" },
            { name: "requested", size: "4 B", state: 2, at: "h+4" },
            { name: "payload", size: "requested bytes", state: 1, at: `h+${TLSF_HEADER_BYTES}`, grow: true },
            { name: "rounding", size: "0–15 B", state: 3 },
          ],
        },
        {
          title: `a free block (at least ${TLSF_MIN_BLOCK} B)`,
          fields: [
            { name: "size | FREE", size: "4 B", state: 0, at: "h" },
            { name: "next free", size: "4 B", state: 0, at: "h+4" },
            { name: "prev free", size: "4 B", state: 0, at: "h+8" },
            { name: "unused", size: "", state: 0, grow: true },
            { name: "h", size: "4 B", state: 0, at: "h+size−4", note: "the next block's prev-physical pointer" },
          ],
        },
        {
          title: "the arena",
          fields: [
            { name: "control", size: "bitmaps, list heads", state: 2, at: "0" },
            { name: "blocks", size: "", state: 1, grow: true },
            { name: "sentinel", size: "8 B", state: 2, at: "N−8", note: "a used block of size 0" },
          ],
        },
      ], { caption: `One ${TLSF_HEADER_BYTES}-byte header on a used block and no footer: the word before a header belongs to the previous block and holds that block's start only while it is free, which the PREV_FREE bit says. free() so finds both neighbours in O(1) without paying a footer on every used block. The control block at the start of the arena is the reference's tlsf_create_with_pool: the first-level bitmap, one second-level word per first level, and a list head for every (fl, sl).` });
  }
}

export interface SlabClassRow { objectBytes: number; capacity: number; headerBytes: number; tailBytes: number; overhead: number }

/** Every class of a `classes` knob value with its slab layout: what a preset costs before any object is stored. */
export function slabClassRows(classes: unknown): SlabClassRow[] {
  return parseSlabClasses(classes).map((objectBytes) => {
    const layout = slabLayoutOf(objectBytes);
    return {
      objectBytes, capacity: layout.capacity, headerBytes: layout.dataOffset, tailBytes: layout.tailBytes,
      overhead: (SLAB_BYTES - layout.capacity * objectBytes) / SLAB_BYTES,
    };
  });
}

/** The classes of a `classes` knob value as a table: objects per slab, header, tail and overhead. */
export function slabClassTable(classes: unknown): HTMLElement {
  let rows: SlabClassRow[];
  try {
    rows = slabClassRows(classes);
  } catch (error) {
    const p = document.createElement("p");
    p.className = "layout-warning";
    p.textContent = (error as Error).message;
    return p;
  }
  const table = document.createElement("table");
  table.className = "slab-classes";
  const head = table.createTHead().insertRow();
  for (const title of ["object", "objects per slab", "header", "tail", "not objects"]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const value of [`${row.objectBytes} B`, String(row.capacity), `${row.headerBytes} B`, `${row.tailBytes} B`, `${(100 * row.overhead).toFixed(1)}%`]) {
      tr.insertCell().textContent = value;
    }
  }
  const wrap = document.createElement("div");
  wrap.className = "slab-classes-wrap";
  wrap.append(table);
  return wrap;
}

/**
 * The buddy tree over a small span: one row per order, each block a box with its address. The
 * path of `focus` (a block of the smallest order shown) is outlined, with its buddy at every level.
 */
export function buddyTree({ focus = 0x140, spanBytes = 512, width = 640 }: { focus?: number; spanBytes?: number; width?: number } = {}): HTMLElement {
  const top = Math.log2(spanBytes);
  const figure = document.createElement("figure");
  figure.className = "buddy-tree";
  const narrow = width < 520;
  for (let order = top; order >= MIN_ORDER; order--) {
    const size = 2 ** order;
    const row = document.createElement("div");
    row.className = "buddy-row";
    const label = span("buddy-order", `order ${order} · ${size} B`);
    const blocks = document.createElement("div");
    blocks.className = "buddy-blocks";
    const mine = focus & -size;
    const buddy = order < top ? buddyOf(mine, order) : -1;
    for (let start = 0; start < spanBytes; start += size) {
      const box = document.createElement("div");
      box.className = `buddy-block${start === mine ? " mine" : start === buddy ? " buddy" : ""}`;
      box.textContent = narrow && order === MIN_ORDER ? `${start.toString(16)}` : `0x${start.toString(16).padStart(3, "0")}`;
      box.title = start === buddy ? `buddy of 0x${mine.toString(16)}: 0x${mine.toString(16)} ^ 0x${size.toString(16)}` : "";
      blocks.append(box);
    }
    row.append(label, blocks);
    figure.append(row);
  }
  const caption = document.createElement("figcaption");
  const address = (n: number) => `0x${n.toString(16).padStart(3, "0")}`;
  const steps = [];
  for (let order = MIN_ORDER, start = focus & -(2 ** MIN_ORDER); order < top; order++) {
    steps.push(`${address(start)} ^ ${address(2 ** order)} = ${address(buddyOf(start, order))}`);
    start &= buddyOf(start, order);
  }
  caption.textContent = `The first ${spanBytes} bytes of an arena, split down to ${2 ** MIN_ORDER}-byte blocks. In blue, the block at ${address(focus & -(2 ** MIN_ORDER))} and the blocks it merges into, order by order; outlined, its buddy at each order: ${steps.join(", ")}. Flipping bit k of an address is all it takes.`;
  figure.append(caption);
  return figure;
}

/** The twelve size classes of segfit as a strip of boxes, with the bitmap bit that says each is non-empty. */
export function segfitClasses({ bitmap = 0 }: { bitmap?: number } = {}): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "segfit-classes";
  const strip = document.createElement("div");
  strip.className = "segfit-strip";
  for (let k = 0; k < SEGFIT_CLASSES; k++) {
    const floor = segfitClassFloor(k);
    const next = k < SEGFIT_CLASSES - 1 ? segfitClassFloor(k + 1) : Infinity;
    const box = document.createElement("div");
    box.className = `segfit-class${(bitmap >>> k) & 1 ? " on" : ""}`;
    box.append(span("segfit-k", `class ${k}`), span("segfit-range", rangeText(floor, next)));
    strip.append(box);
  }
  figure.append(strip);
  const caption = document.createElement("figcaption");
  caption.textContent = `Class k holds free blocks of ${MIN_BLOCK}·2^k up to ${MIN_BLOCK}·2^(k+1) bytes; the last takes everything larger. Bit k of one bitmap word is set while class k's list is non-empty, so "the first non-empty class above k" is a mask and a count-trailing-zeros: one read, however many classes are empty.`;
  figure.append(caption);
  return figure;
}

function rangeText(floor: number, next: number): string {
  const text = (n: number) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
  return Number.isFinite(next) ? `${text(floor)}–${next <= 1024 ? `${next - 1} B` : text(next)}` : `${text(floor)}+`;
}

function span(className: string, text: string): HTMLSpanElement {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  return node;
}
