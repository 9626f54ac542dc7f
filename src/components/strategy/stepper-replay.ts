// The model behind the step-by-step widget (stepper.ts): a short scripted trace replayed on a real
// allocator from lib in the smallest arena, with the heap recorded after every step as walk() sees
// it, and a caption and a plain-language account of the step derived from what actually changed —
// never written by hand, so a script or a knob can change without the words going wrong.
//
// A script is a list of lines:  "malloc 48"  ·  "free #2"  ·  "realloc #2 96"
// where #k names the pointer returned by the k-th malloc line (1-based); a realloc keeps its name.
//
// What a strategy keeps in its own bookkeeping (lists, bitmaps, the cursor) comes from the
// allocator's detail(), never from its private fields; the index math comes from the strategy's
// exported functions.
import {
  createAllocator, ALLOCATOR_INFO, MIN_ARENA_BYTES, HeapError, segfitClassOf, segfitClassFloor, SEGFIT_CLASSES, SLAB_BYTES, orderFor, tlsfBlockSizeFor, tlsfGeometry, tlsfListFloor, tlsfListOf, tlsfSearchListOf, blockSizeFor, TAG_HEADER_BYTES, MIN_BLOCK,
  type Allocator, type AllocatorDetail, type AllocatorOptions, type AllocatorStats, type BuiltinAllocatorName, type TlsfGeometry,
} from "../../lib/index.js";

export type StepOp =
  | { kind: "malloc"; size: number; ref: number }
  | { kind: "free"; ref: number }
  | { kind: "realloc"; ref: number; size: number };

/** One block as walk() reports it: [start, payload) metadata, then `requested` bytes, then reserved; requested -1 = free. */
export interface WalkBlock { start: number; bytes: number; payload: number; requested: number }

export interface StepState {
  /** 0 is the arena before the first op; step i shows it after script op i. */
  index: number;
  op: StepOp | null;
  /** `malloc(48) → 0x0140`, `free(0x0140)`, `malloc(4000) → NULL` */
  caption: string;
  /** What happened inside the heap, in a sentence or two derived from the walks before and after. */
  effect: string;
  blocks: WalkBlock[];
  stats: AllocatorStats;
  /** The block this step handed out, freed or resized, to outline in the drawing. */
  focus: WalkBlock | null;
  /** Per-strategy bookkeeping worth showing: free lists, class bitmap, slabs. */
  detail: StateDetail;
}

export type StateDetail =
  | { kind: "bump"; cursor: number; emptyCursor: number; live: number; dead: number; deadBytes: number }
  | { kind: "freelist"; placement: string; order: string; list: WalkBlock[] }
  | { kind: "segfit"; bitmap: number; searchLimit: number; classes: { k: number; floor: number; ceiling: number; list: WalkBlock[] }[] }
  | { kind: "buddy"; orders: { order: number; blocks: WalkBlock[] }[] }
  | { kind: "slab"; slabs: SlabSummary[]; largestClass: number }
  | { kind: "tlsf"; secondLevel: number; geometry: TlsfGeometry; controlBytes: number; sentinelBytes: number; flBitmap: number; lists: TlsfListSummary[] };

/** The detail of the kind `kind`; anything else is a bug in the caller (the stepper switches on the allocator's name). */
function detailOfKind<K extends StateDetail["kind"]>(detail: StateDetail, kind: K): Extract<StateDetail, { kind: K }> {
  if (detail.kind !== kind) throw new TypeError(`expected ${kind} detail, got ${detail.kind}`);
  return detail as Extract<StateDetail, { kind: K }>;
}

/** One non-empty TLSF list: its (fl, sl) and the block sizes it holds, [floor, ceiling]. */
export interface TlsfListSummary { fl: number; sl: number; floor: number; ceiling: number; slBitmap: number; list: WalkBlock[] }

export interface SlabSummary { start: number; state: "classed" | "pooled" | "never carved"; objectBytes: number; live: number; capacity: number }

export interface Replay {
  allocator: BuiltinAllocatorName;
  arenaBytes: number;
  states: StepState[];
}

// ---------------------------------------------------------------------------------------------

const LINE = /^\s*(?:(malloc)\s+(\d+)|(free)\s+#(\d+)|(realloc)\s+#(\d+)\s+(\d+))\s*$/i;

/** Parses script lines; throws a RangeError quoting the first bad line. */
export function parseScript(script: string | readonly string[]): StepOp[] {
  const lines = (typeof script === "string" ? script.split("\n") : [...script]).map((line) => line.replace(/\/\/.*$/, "")).filter((line) => line.trim() !== "");
  const ops: StepOp[] = [];
  let mallocs = 0;
  lines.forEach((line, i) => {
    const match = LINE.exec(line);
    if (!match) throw new RangeError(`invalid step ${i + 1}: ${JSON.stringify(line.trim())} (expected "malloc N", "free #K" or "realloc #K N")`);
    if (match[1]) {
      ops.push({ kind: "malloc", size: Number(match[2]), ref: ++mallocs });
      return;
    }
    const ref = Number(match[4] ?? match[6]);
    if (ref < 1 || ref > mallocs) throw new RangeError(`invalid step ${i + 1}: ${JSON.stringify(line.trim())} (#${ref} names no earlier malloc)`);
    ops.push(match[3] ? { kind: "free", ref } : { kind: "realloc", ref, size: Number(match[7]) });
  });
  if (ops.length === 0) throw new RangeError("a script needs at least one step");
  return ops;
}

/** Replays `script` on a fresh `name` allocator (knobs in `options`) and records every step. */
export function replay(name: BuiltinAllocatorName, options: AllocatorOptions, script: string | readonly string[], arenaBytes = MIN_ARENA_BYTES): Replay {
  const ops = parseScript(script);
  const allocator = createAllocator(name, { ...options, arenaBytes });
  const pointers = new Map<number, number>(); // #k → payload address, -1 for NULL
  let blocks = walkOf(allocator);
  let detail = detailOf(allocator, blocks);
  const states: StepState[] = [{
    index: 0, op: null, caption: "the empty arena", blocks, stats: { ...allocator.stats }, focus: null,
    effect: emptyArenaEffect(name, allocator, blocks, detail), detail,
  }];
  ops.forEach((op, i) => {
    const before = blocks;
    const detailBefore = detail;
    const statsBefore = { ...allocator.stats };
    const step = perform(allocator, op, pointers);
    blocks = walkOf(allocator);
    detail = detailOf(allocator, blocks);
    const stats = { ...allocator.stats };
    const context: StepContext = { allocator, op, before, after: blocks, detailBefore, detailAfter: detail, largeThreshold: allocatorDetail(allocator).largeThreshold, statsBefore, stats, ...step };
    states.push({
      index: i + 1, op, caption: step.caption, blocks, stats,
      focus: step.result >= 0 ? blockAt(blocks, step.result) : step.freed ? blockAt(blocks, step.freed.start) : null,
      effect: step.error ?? describeStep(context), detail,
    });
  });
  return { allocator: name, arenaBytes, states };
}

interface StepOutcome {
  caption: string;
  /** The payload the op returned (malloc, realloc), or -1. */
  result: number;
  /** The block before it was freed or moved (free, a realloc that moved). */
  freed: WalkBlock | null;
  /** The block a realloc started from. */
  old: WalkBlock | null;
  error: string | null;
}

function perform(allocator: Allocator, op: StepOp, pointers: Map<number, number>): StepOutcome {
  const outcome: StepOutcome = { caption: "", result: -1, freed: null, old: null, error: null };
  if (op.kind === "malloc") {
    outcome.result = allocator.malloc(op.size);
    pointers.set(op.ref, outcome.result);
    outcome.caption = `malloc(${op.size}) → ${addressText(outcome.result)}`;
    return outcome;
  }
  const addr = pointers.get(op.ref) ?? -1;
  const old = addr >= 0 ? blockAt(walkOf(allocator), addr) ?? mappedBlockOf(allocator, addr) : null;
  try {
    if (op.kind === "free") {
      outcome.caption = `free(${addressText(addr)})`;
      allocator.free(addr);
      outcome.freed = old;
      if (addr >= 0) pointers.set(op.ref, -1);
      return outcome;
    }
    outcome.result = allocator.realloc(addr, op.size);
    outcome.caption = `realloc(${addressText(addr)}, ${op.size}) → ${addressText(outcome.result)}`;
    outcome.old = old;
    if (outcome.result >= 0) {
      pointers.set(op.ref, outcome.result);
      if (addr >= 0 && outcome.result !== addr) outcome.freed = old;
    }
  } catch (error) {
    if (!(error instanceof HeapError)) throw error;
    outcome.caption += ` → ${error.code}`;
    outcome.error = error.message;
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Reading the heap

export function walkOf(allocator: Allocator): WalkBlock[] {
  const blocks: WalkBlock[] = [];
  allocator.walk((start, bytes, payload, requested) => { blocks.push({ start, bytes, payload, requested }); });
  return blocks;
}

/** The mapped block (large-object path, outside the arena) whose payload is `addr`, or null. */
export function mappedBlockOf(allocator: Allocator, addr: number): WalkBlock | null {
  let found: WalkBlock | null = null;
  allocator.walkMapped?.((start, bytes, payload, requested) => { if (payload === addr) found = { start, bytes, payload, requested }; });
  return found;
}

/** The block containing byte `addr`. */
export function blockAt(blocks: readonly WalkBlock[], addr: number): WalkBlock | null {
  let lo = 0, hi = blocks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = blocks[mid];
    if (addr < b.start) hi = mid - 1;
    else if (addr >= b.start + b.bytes) lo = mid + 1;
    else return b;
  }
  return null;
}

export const isFree = (b: WalkBlock) => b.requested < 0;
/** A metadata region: a slab header or tail (payload at its end, nothing requested). */
export const isMetadata = (b: WalkBlock) => b.requested === 0 && b.payload === b.start + b.bytes;
/** An object freed but not reclaimed (bump): all of it counts as reserved. */
export const isDead = (b: WalkBlock) => b.requested === 0 && b.payload === b.start && b.bytes > 0;
export const isLive = (b: WalkBlock) => b.requested >= 0 && !isMetadata(b) && !isDead(b);

function largestFree(blocks: readonly WalkBlock[]): number {
  return blocks.reduce((max, b) => (isFree(b) && b.bytes > max ? b.bytes : max), 0);
}

function allocatorDetail(allocator: Allocator): AllocatorDetail {
  if (!allocator.detail) throw new TypeError(`the stepper needs detail() from ${allocator.name}`);
  return allocator.detail();
}

/** The allocator's own bookkeeping, with its block offsets resolved to the blocks walk() reports. */
function detailOf(allocator: Allocator, blocks: readonly WalkBlock[]): StateDetail {
  const blocksOf = (nodes: readonly number[]) => nodes.map((h) => blockAt(blocks, h)).filter((b): b is WalkBlock => b !== null);
  const d = allocatorDetail(allocator);
  switch (d.kind) {
    case "bump": {
      const dead = blocks.filter(isDead);
      return {
        kind: "bump", cursor: d.cursor, emptyCursor: d.emptyCursor, live: blocks.filter(isLive).length,
        dead: dead.length, deadBytes: dead.reduce((sum, b) => sum + b.bytes, 0),
      };
    }
    case "freelist":
      return { kind: "freelist", placement: d.placement, order: d.order, list: blocksOf(d.freeList) };
    case "segfit":
      return {
        kind: "segfit", bitmap: d.classBitmap, searchLimit: d.searchLimit,
        classes: d.classes.map((entry, k) => ({ k, floor: entry.floor, ceiling: entry.ceiling, list: blocksOf(entry.freeList) })),
      };
    case "buddy":
      return { kind: "buddy", orders: d.orders.filter((entry) => entry.freeList.length > 0).map((entry) => ({ order: entry.order, blocks: blocksOf(entry.freeList) })) };
    case "slab":
      return { kind: "slab", slabs: slabsOf(blocks, allocator, d), largestClass: Math.max(...d.classes.map((c) => c.objectBytes)) };
    case "tlsf":
      return {
        kind: "tlsf", secondLevel: d.slCount, geometry: tlsfGeometry(d.slCount, allocator.arenaBytes), controlBytes: d.controlBytes,
        sentinelBytes: d.sentinelBytes, flBitmap: d.flBitmap,
        lists: d.lists.map((entry) => ({ fl: entry.fl, sl: entry.sl, floor: entry.floor, ceiling: entry.ceiling, slBitmap: d.slBitmaps[entry.fl], list: blocksOf(entry.freeList) })),
      };
  }
}

type TlsfDetail = Extract<StateDetail, { kind: "tlsf" }>;

/** A TLSF block's own size: walk() folds the sentinel into the last block. */
function tlsfSizeOf(tlsf: TlsfDetail, arenaBytes: number, b: WalkBlock): number {
  return b.start + b.bytes === arenaBytes ? b.bytes - tlsf.sentinelBytes : b.bytes;
}

/** "list (2, 31), 1008–1023 B" */
function tlsfListText(tlsf: TlsfDetail, fl: number, sl: number): string {
  const g = tlsf.geometry;
  const floor = tlsfListFloor(g, fl, sl);
  const next = sl + 1 < g.slCount ? tlsfListFloor(g, fl, sl + 1) : tlsfListFloor(g, fl + 1, 0);
  return `list (${fl}, ${sl}), ${floor}–${next - 1} B`;
}

/** Every slab-sized stretch of the arena, classed or not, read from walk() and the high-water mark. */
function slabsOf(blocks: readonly WalkBlock[], allocator: Allocator, slab: Extract<AllocatorDetail, { kind: "slab" }>): SlabSummary[] {
  const slabs: SlabSummary[] = [];
  for (let start = 0; start < allocator.arenaBytes; start += SLAB_BYTES) {
    const first = blockAt(blocks, start)!;
    if (isMetadata(first) && first.start === start) {
      const objects = blocks.filter((b) => b.start >= first.payload && b.start < start + SLAB_BYTES && !isMetadata(b));
      const objectBytes = objects[0]?.bytes ?? 0;
      const layout = slab.classes.find((c) => c.objectBytes === objectBytes);
      slabs.push({ start, state: "classed", objectBytes, live: objects.filter((b) => b.requested >= 0).length, capacity: layout?.capacity ?? 0 });
    } else {
      // A slab's worth of free bytes below the high-water mark was carved once: it sits in the pool.
      slabs.push({ start, state: start < allocator.stats.highWater ? "pooled" : "never carved", objectBytes: 0, live: 0, capacity: 0 });
    }
  }
  return slabs;
}

// ---------------------------------------------------------------------------------------------
// Words

export function hex(addr: number): string {
  return "0x" + addr.toString(16).padStart(4, "0");
}

function addressText(addr: number): string {
  return addr < 0 ? "NULL" : hex(addr);
}

/** Exact below 8 KiB (a request reads as asked), KiB above. */
export function bytesText(n: number): string {
  if (n < 8192) return `${n} B`;
  const kib = n / 1024;
  return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
}

function times(n: number): string {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;
}

function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

function listText(items: string[], limit = 4): string {
  const shown = items.length > limit ? [...items.slice(0, limit), "…"] : items;
  return shown.join(", ");
}

/** "64–127 B", "1–2 KiB", "64 KiB and up", as segfit.ts writes its classes. */
function classRange(k: number): string {
  const floor = segfitClassFloor(k);
  if (k === SEGFIT_CLASSES - 1) return `${bytesText(floor)} and up`;
  const next = segfitClassFloor(k + 1);
  return next <= 1024 ? `${floor}–${next - 1} B` : `${floor / 1024}–${next / 1024} KiB`;
}

function emptyArenaEffect(name: BuiltinAllocatorName, allocator: Allocator, blocks: readonly WalkBlock[], detail: StateDetail): string {
  const size = bytesText(allocator.arenaBytes);
  switch (name) {
    case "bump": return `A ${size} arena with the cursor at ${hex(detailOfKind(detail, "bump").cursor)}: everything past it is free.`;
    case "freelist": return `One free block covers the ${size} arena, and it is the only node on the free list. Press next, or use the arrow keys.`;
    case "segfit": {
      const k = detailOfKind(detail, "segfit").bitmap.toString(2).length - 1;
      return `One free block covers the ${size} arena; it sits on the list of class ${k} (${classRange(k)}), and bit ${k} is the only bit set in the bitmap.`;
    }
    case "buddy": return `The ${size} arena is a single free block of order ${Math.log2(allocator.arenaBytes)}: every block to come is a power-of-two piece of it.`;
    case "slab": return `No slab has been carved yet: the ${size} arena is room for ${allocator.arenaBytes / SLAB_BYTES} slabs of ${bytesText(SLAB_BYTES)}.`;
    case "tlsf": {
      const tlsf = detailOfKind(detail, "tlsf");
      const free = tlsfSizeOf(tlsf, allocator.arenaBytes, blocks.find(isFree)!);
      const { fl, sl } = tlsfListOf(tlsf.geometry, free);
      return `The first ${bytesText(tlsf.controlBytes)} hold the control block (two bitmaps and ${tlsf.geometry.flCount} × ${tlsf.geometry.slCount} list heads); one free block of ${bytesText(free)} covers the rest and sits on ${tlsfListText(tlsf, fl, sl)}. Bit ${fl} of the first-level bitmap and bit ${sl} of second-level word ${fl} are the only bits set.`;
    }
  }
}

interface StepContext extends StepOutcome {
  allocator: Allocator;
  op: StepOp;
  before: WalkBlock[];
  after: WalkBlock[];
  detailBefore: StateDetail;
  detailAfter: StateDetail;
  /** The large-object path's threshold after the step (0: none). */
  largeThreshold: number;
  statsBefore: AllocatorStats;
  stats: AllocatorStats;
}

function describeStep(c: StepContext): string {
  const arena = c.allocator.arenaBytes;
  if (c.op.kind === "malloc") return c.result >= arena ? describeMapping(c, c.result) : c.result >= 0 ? describePlacement(c, c.result) : describeFailure(c, c.op.size);
  if (c.op.kind === "free") {
    if (c.freed && c.freed.start >= arena) return `A mapped block: it is unmapped at once and its ${bytesText(c.freed.bytes)} go back to the system. The arena does not change.`;
    return c.freed ? describeRelease(c, c.freed) : "free(NULL) does nothing: that malloc failed, so there is no block to give back.";
  }
  // realloc
  if (c.result < 0) return `${describeFailure(c, c.op.size)} The old block stays where it was, untouched.`;
  if (c.result >= arena || (c.old && c.old.start >= arena)) {
    const to = c.result >= arena ? describeMapping(c, c.result) : `The block comes back into the arena: ${describePlacement(c, c.result)}`;
    return c.old && c.old.start >= arena && c.result !== c.old.payload ? `${to} The first ${bytesText(Math.min(c.old.requested, c.op.size))} were copied across and the old mapping was unmapped.` : to;
  }
  if (!c.old) return `realloc(NULL, n) is malloc(n). ${describePlacement(c, c.result)}`;
  if (c.result === c.old.payload) {
    const now = blockAt(c.after, c.result)!;
    const verb = now.bytes > c.old.bytes ? "grew" : now.bytes < c.old.bytes ? "shrank" : "kept its size";
    const how = c.allocator.name === "bump" && now.bytes !== c.old.bytes ? " by moving the cursor" : "";
    return `In place: the block ${verb}${how}, from ${bytesText(c.old.bytes)} to ${bytesText(now.bytes)}, and the payload did not move.`;
  }
  return `It had to move. ${describePlacement(c, c.result)} The first ${bytesText(Math.min(c.old.requested, c.op.size))} were copied across; then the old block was released: ${describeRelease(c, c.old, true)}`;
}

/** A block the large-object path mapped outside the arena. */
function describeMapping(c: StepContext, payload: number): string {
  const mapping = mappedBlockOf(c.allocator, payload)!;
  const size = c.op.kind === "free" ? 0 : c.op.size;
  return `${bytesText(size)} is at or above the large threshold (${bytesText(c.largeThreshold)}), so it is not taken from the arena: it is mapped outside it at ${hex(mapping.start)}, ${bytesText(mapping.bytes)} rounded up to whole 4 KiB pages, with a 16 B header slice before the payload. The arena does not change.`;
}

/** "8 B header, 48 B asked for, 8 B reserved"; `from` trims an alignment pad walk() folds into a first block. */
function blockParts(b: WalkBlock, from = b.start): string {
  const header = b.payload - from;
  const reserved = b.start + b.bytes - b.payload - b.requested;
  const parts = [`${bytesText(header)} header`, `${bytesText(b.requested)} asked for`];
  if (reserved > 0) parts.push(`${bytesText(reserved)} reserved`);
  return parts.join(", ");
}

function describePlacement(c: StepContext, payload: number): string {
  const block = blockAt(c.after, payload)!;
  const source = blockAt(c.before, block.start);
  const splits = c.stats.splits - c.statsBefore.splits;
  const probes = c.stats.probes - c.statsBefore.probes;
  switch (c.allocator.name as BuiltinAllocatorName) { // the steppers show the built-in six
    case "bump": {
      const cursorBefore = detailOfKind(c.detailBefore, "bump").cursor;
      const cursorAfter = detailOfKind(c.detailAfter, "bump").cursor;
      return `The block is simply the next ${bytesText(cursorAfter - cursorBefore)} at the cursor (${blockParts(block, cursorBefore)}); the cursor moves from ${hex(cursorBefore)} to ${hex(cursorAfter)}. No list, no search.`;
    }
    case "freelist": {
      const detail = detailOfKind(c.detailAfter, "freelist");
      const from = source && isFree(source) ? `the ${bytesText(source.bytes)} hole at ${hex(source.start)}` : "a free block";
      const rest = splits > 0 && source ? `; the other ${bytesText(source.bytes - block.bytes)} are split off and stay on the list` : "";
      return `${capitalize(detail.placement)} fit looked at ${plural(probes, "list node")} and took ${from}${rest}. The block: ${blockParts(block, block.payload - TAG_HEADER_BYTES)}.`;
    }
    case "segfit":
      return describeSegfitPlacement(c, block, source, splits);
    case "buddy": {
      const order = Math.log2(block.bytes);
      const need = c.op.kind === "free" ? 0 : c.op.size;
      const rounding = `${bytesText(need)} plus the ${bytesText(block.payload - block.start)} header rounds up to ${bytesText(block.bytes)}, order ${order}`;
      if (splits === 0) return `${capitalize(rounding)}, and a free block of that order was waiting on its list: no split.`;
      const halves = [];
      for (let k = order + splits - 1; k >= order; k--) halves.push(hex(block.start + (1 << k)));
      return `${capitalize(rounding)}. Nothing that small was free, so a ${bytesText(block.bytes << splits)} block was halved ${times(splits)}; the upper halves (${listText(halves)}) go on the free lists and the lowest piece is handed out.`;
    }
    case "slab":
      return describeSlabPlacement(c, block);
    case "tlsf":
      return describeTlsfPlacement(c, block, source, splits);
  }
}

function describeTlsfPlacement(c: StepContext, block: WalkBlock, source: WalkBlock | null, splits: number): string {
  const tlsf = detailOfKind(c.detailBefore, "tlsf");
  const arena = c.allocator.arenaBytes;
  const g = tlsf.geometry;
  const size = c.op.kind === "free" ? 0 : c.op.size;
  const need = tlsfBlockSizeFor(size);
  const search = tlsfSearchListOf(g, need);
  const taken = source ? tlsfListOf(g, tlsfSizeOf(tlsf, arena, source)) : search;
  const rounding = need < g.smallBlock
    ? `${bytesText(size)} plus the 8 B header is a ${bytesText(need)} block, small enough for the exact linear ${tlsfListText(tlsf, search.fl, search.sl)}`
    : `${bytesText(size)} plus the 8 B header is a ${bytesText(need)} block; rounded up to a list boundary the search starts at ${tlsfListText(tlsf, search.fl, search.sl)}, where every block fits`;
  const found = taken.fl === search.fl && taken.sl === search.sl
    ? "that list had a block"
    : `that list was empty, so find-first-set on the bitmaps found ${tlsfListText(tlsf, taken.fl, taken.sl)}`;
  const restBlock = blockAt(c.after, block.start + block.bytes);
  const rest = splits > 0 && restBlock && isFree(restBlock)
    ? `; the other ${bytesText(tlsfSizeOf(tlsf, arena, restBlock))} are split off and filed on ${tlsfListText(tlsf, tlsfListOf(g, tlsfSizeOf(tlsf, arena, restBlock)).fl, tlsfListOf(g, tlsfSizeOf(tlsf, arena, restBlock)).sl)}`
    : splits === 0 && source && tlsfSizeOf(tlsf, arena, source) > need ? `; what is left over is under the 16 B minimum block, so the whole block is handed out` : "";
  return `${capitalize(rounding)}: ${found}${rest}. No list was walked. The block: ${blockParts(block)}.`;
}

function describeSegfitPlacement(c: StepContext, block: WalkBlock, source: WalkBlock | null, splits: number): string {
  const size = c.op.kind === "free" ? 0 : c.op.size;
  const k = segfitClassOf(blockSizeFor(size));
  const segfitBefore = detailOfKind(c.detailBefore, "segfit");
  const lists = segfitBefore.classes;
  const j = lists.findIndex((entry) => entry.list.some((b) => b.start === source?.start));
  const head = lists[k].list[0];
  const own = `class ${k} (${classRange(k)})`;
  let route: string;
  if (j === k && head === lists[k].list.find((b) => b.start === source?.start)) route = `Fast path: the head of the list of ${own} fits`;
  else if (j === k) route = `The head of the list of ${own} holds only ${bytesText(head.bytes)}, too small; first fit within the class found a ${bytesText(source!.bytes)} block further down`;
  else if (head && segfitBefore.searchLimit === 0) route = `With search limit 0 the allocator does not search ${own} at all: one read of the bitmap found class ${j} (${classRange(j)}), the first non-empty class above`;
  else if (head) route = `Nothing on the list of ${own} fits, so one read of the bitmap found class ${j} (${classRange(j)}), the first non-empty class above`;
  else route = `${capitalize(own)} is empty, so one read of the bitmap found class ${j} (${classRange(j)}), the first non-empty class above`;
  const after = detailOfKind(c.detailAfter, "segfit").classes;
  const restClass = after.findIndex((entry) => entry.list.some((b) => b.start === block.start + block.bytes));
  const rest = splits > 0 && restClass >= 0 ? `; the rest is split off and filed under class ${restClass}` : "";
  const whole = splits === 0 && source && blockSizeFor(size) < block.bytes ? `; what is left over would be under the ${MIN_BLOCK} B minimum block, so the whole block is handed out` : "";
  return `${route}${rest}${whole}. The block: ${blockParts(block, block.payload - TAG_HEADER_BYTES)}.`;
}

function describeSlabPlacement(c: StepContext, block: WalkBlock): string {
  const slab = block.start & -SLAB_BYTES;
  const header = blockAt(c.after, slab)!;
  const index = (block.start - header.payload) / block.bytes;
  const requested = c.op.kind === "free" ? 0 : c.op.size;
  const classText = `${bytesText(requested)} goes in the ${bytesText(block.bytes)} class`;
  const previous = blockAt(c.before, slab)!;
  if (!(isMetadata(previous) && previous.start === slab)) {
    const how = slab < c.statsBefore.highWater ? `took the empty slab at ${hex(slab)} back from the pool` : `carved a new slab at ${hex(slab)} from the arena`;
    return `${capitalize(classText)}, which had no slab with room, so the allocator ${how} and wrote its header: ${bytesText(header.bytes)} of fields, bitmap and size table. The object is the slab's first, with no header of its own.`;
  }
  const source = blockAt(c.before, block.start)!;
  const reused = isFree(source) && source.start === block.start && source.bytes === block.bytes && index < slabCarved(c.before, slab, block.bytes);
  return `${capitalize(classText)}: object ${index} of the slab at ${hex(slab)}, ${reused ? "popped off the slab's free list" : "the next never-used object of the slab"}. No header: free() will find the slab by masking the address.`;
}

/** How many objects of the slab have ever been handed out: up to the start of its never-used run. */
function slabCarved(blocks: readonly WalkBlock[], slab: number, objectBytes: number): number {
  const header = blockAt(blocks, slab)!;
  let count = 0;
  for (let b = blockAt(blocks, header.payload); b && b.start < slab + SLAB_BYTES && b.bytes === objectBytes; b = blockAt(blocks, b.start + b.bytes)) count++;
  return count;
}

function describeFailure(c: StepContext, size: number): string {
  const largest = largestFree(c.after);
  switch (c.allocator.name as BuiltinAllocatorName) { // the steppers show the built-in six
    case "slab": {
      const largestClass = detailOfKind(c.detailAfter, "slab").largestClass;
      if (size > largestClass) return `No class holds ${bytesText(size)}: the largest is ${bytesText(largestClass)}, and a pure slab allocator has nowhere else to put it. NULL.`;
      return `Every slab of the class is full and no slab is left in the pool or the arena. NULL.`;
    }
    case "buddy": {
      const order = orderFor(size);
      const free = c.after.filter(isFree).reduce((sum, b) => sum + b.bytes, 0);
      return `It needs a free block of ${bytesText(2 ** order)} (order ${order}), but the largest free block is ${bytesText(largest)}, although ${bytesText(free)} are free in all: free blocks merge only with their own buddies. NULL.`;
    }
    case "bump":
      return `Only ${bytesText(c.allocator.arenaBytes - detailOfKind(c.detailAfter, "bump").cursor)} remain past the cursor, and a bump allocator looks nowhere else. NULL.`;
    default:
      return `No free block is big enough: the largest hole is ${bytesText(largest)}. NULL.`;
  }
}

function describeRelease(c: StepContext, old: WalkBlock, lowercase = false): string {
  const text = releaseText(c, old);
  return lowercase ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function releaseText(c: StepContext, old: WalkBlock): string {
  const now = blockAt(c.after, old.start)!;
  switch (c.allocator.name as BuiltinAllocatorName) { // the steppers show the built-in six
    case "bump": {
      const detail = detailOfKind(c.detailAfter, "bump");
      if (detail.live === 0 && detail.cursor === detail.emptyCursor && isFree(now)) {
        return `That was the last live object: the cursor jumps back to ${hex(detail.cursor)} and the whole arena is free again at once.`;
      }
      if (detail.live === 0) return `That was the last live object, but with reset off the cursor stays at ${hex(detail.cursor)}: the dead bytes are never reused.`;
      return `The block is only marked dead: its ${bytesText(old.bytes)} stay reserved until every object has died (${plural(detail.live, "live object")} left).`;
    }
    case "freelist":
    case "segfit": {
      const prev = now.start < old.start;
      const next = now.start + now.bytes > old.start + old.bytes;
      const merged = prev && next ? "both neighbours were free: it coalesced with the block before it and the block after it"
        : prev ? "the block before it was free: they coalesced" : next ? "the block after it was free: they coalesced" : "neither neighbour was free, so nothing coalesced";
      const k = c.allocator.name === "segfit"
        ? detailOfKind(c.detailAfter, "segfit").classes.findIndex((entry) => entry.list.some((b) => b.start === now.start))
        : -1;
      const filed = c.allocator.name === "segfit"
        ? `filed under class ${k} (${classRange(k)})`
        : detailOfKind(c.detailAfter, "freelist").order === "address" ? "put on the list in address order" : "pushed on the front of the list (LIFO)";
      return `Its boundary tags show ${merged}. The ${bytesText(now.bytes)} hole at ${hex(now.start)} is ${filed}.`;
    }
    case "buddy": {
      const order = Math.log2(old.bytes);
      const reached = Math.log2(now.bytes);
      const buddy = old.start ^ old.bytes;
      if (reached === order) {
        const neighbours = [blockAt(c.after, old.start - 1), blockAt(c.after, old.start + old.bytes)].filter((b) => b && isFree(b) && b.start !== buddy);
        const apart = neighbours.length ? ` The free block next to it at ${hex(neighbours[0]!.start)} is not its buddy, so the two stay apart.` : "";
        return `Its buddy ${hex(old.start)} ^ ${hex(old.bytes)} = ${hex(buddy)} is not a free block of order ${order}, so nothing merges.${apart}`;
      }
      const steps = [];
      for (let k = order, start = old.start; k < reached; k++) {
        const partner = start ^ (1 << k);
        steps.push(`${hex(start)} ^ ${hex(1 << k)} = ${hex(partner)}`);
        start &= partner;
      }
      return `It merged ${times(reached - order)} with a free buddy (${listText(steps, 5)}) into one ${bytesText(now.bytes)} block at ${hex(now.start)}.`;
    }
    case "slab": {
      const slab = old.start & -SLAB_BYTES;
      const header = blockAt(c.after, slab)!;
      if (!(isMetadata(header) && header.start === slab)) return `That was the last live object in its slab, so the whole slab at ${hex(slab)} goes back to the pool, ready for any class.`;
      return `The slab's header is found by masking the address (${hex(old.start)} & ~${hex(SLAB_BYTES - 1)} = ${hex(slab)}); the object goes on the front of that slab's free list.`;
    }
    case "tlsf": {
      const tlsf = detailOfKind(c.detailAfter, "tlsf");
      const prev = now.start < old.start;
      const next = now.start + now.bytes > old.start + old.bytes;
      const merged = prev && next ? "Its PREV_FREE bit said the block before it was free (its start is in the word just before the header), and the next header's FREE bit said the same of the block after: it coalesced with both"
        : prev ? "Its PREV_FREE bit said the block before it was free, whose start sits in the word just before the header: they coalesced"
          : next ? "The next header's FREE bit said the block after it was free: they coalesced"
            : "Neither neighbour was free, so nothing coalesced";
      const { fl, sl } = tlsfListOf(tlsf.geometry, tlsfSizeOf(tlsf, c.allocator.arenaBytes, now));
      return `${merged}. The ${bytesText(tlsfSizeOf(tlsf, c.allocator.arenaBytes, now))} free block at ${hex(now.start)} goes on the front of ${tlsfListText(tlsf, fl, sl)}, and the next block's PREV_FREE bit is set.`;
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The knob values a replay used, for a caption. */
export function knobSummary(name: BuiltinAllocatorName, options: AllocatorOptions): string {
  return ALLOCATOR_INFO[name].knobs.map((knob) => `${knob.label.toLowerCase()}: ${String(options[knob.name] ?? knob.default)}`).join(", ");
}
