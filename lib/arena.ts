// The arena as the pages see it: every byte is free, used, header or reserved, and the whole arena
// is folded into a 256×256 grid of pixels packed 2 bits each (16,384 bytes) for snapshots.
//
//   walk() block:  [start ........ payload ............ payload+requested ........ start+bytes)
//                   \__ header __/ \_______ used ________/ \_______ reserved ______/
//   free block (requested = -1): all of it free, tags included (free = available to a request)
//   metadata region (requested = 0, payload = start + bytes): all header
//   dead bump object (requested = 0, payload = start): all reserved
//
// A pixel covers arenaBytes / 65536 bytes (32 B at the default 2 MiB) and takes the state that
// covers most of its bytes; ties go header > used > reserved > free, so a 16-byte header never
// disappears into its payload at the default scale.

import type { Allocator } from "./allocators/types.js";
import { HeapError } from "./allocators/types.js";

export const CELL_FREE = 0;
export const CELL_USED = 1;
export const CELL_HEADER = 2;
export const CELL_RESERVED = 3;
export type CellState = typeof CELL_FREE | typeof CELL_USED | typeof CELL_HEADER | typeof CELL_RESERVED;
export const CELL_STATE_NAMES = ["free", "used", "header", "reserved"] as const;

export const GRID_SIDE = 256;
export const GRID_PIXELS = GRID_SIDE * GRID_SIDE;
/** 2 bits per pixel. */
export const PACKED_CELL_BYTES = GRID_PIXELS / 4;

/** Byte counts of one arena by state, and the fragmentation metrics derived from them (docs/architecture.md, "Metrics"). */
export interface ArenaCensus {
  usedBytes: number;
  headerBytes: number;
  reservedBytes: number;
  freeBytes: number;
  largestFreeRun: number;
  /** 1 − largest free run / total free bytes; 0 when there is one free run or none. */
  fragmentation: number;
  /** reserved / (used + reserved); 0 when nothing is allocated. */
  internalFragmentation: number;
}

/** What a block that walk() visits is: see blockKind. */
export type BlockKind = "free" | "used" | "metadata" | "dead";

/**
 * Decodes the sentinels walk() encodes a block's kind in (the allocator contract): requested −1
 * is a free block; requested 0 with the payload at the block's end is pure metadata (a slab
 * header, a bitmap); requested 0 with the payload at its start is an object that is dead but not
 * reclaimed (bump); anything else is a live block. The one decoder: dumps, hovers and steppers
 * all call it, so they cannot disagree.
 */
export function blockKind(start: number, bytes: number, payload: number, requested: number): BlockKind {
  if (requested < 0) return "free";
  if (requested === 0 && payload === start + bytes) return "metadata";
  if (requested === 0 && payload === start) return "dead";
  return "used";
}

export interface Snapshot extends ArenaCensus {
  /** GRID_PIXELS pixels, 2 bits each, pixel i at byte i >> 2, bits (i & 3) * 2. */
  cells: Uint8Array;
}

export function fragmentationScore(largestFreeRun: number, freeBytes: number): number {
  return freeBytes > 0 ? 1 - largestFreeRun / freeBytes : 0;
}

export function internalFragmentationOf(usedBytes: number, reservedBytes: number): number {
  const allocated = usedBytes + reservedBytes;
  return allocated > 0 ? reservedBytes / allocated : 0;
}

type Walkable = Pick<Allocator, "walk" | "arenaBytes" | "name">;

/** Counts bytes by state without drawing anything: the cheap half of a snapshot. */
export function censusOf(allocator: Walkable): ArenaCensus {
  return survey(allocator, null);
}

/** The census plus the packed 256×256 grid. `into` (PACKED_CELL_BYTES long) is reused when given. */
export function takeSnapshot(allocator: Walkable, into?: Uint8Array): Snapshot {
  const cells = into ?? new Uint8Array(PACKED_CELL_BYTES);
  if (cells.length !== PACKED_CELL_BYTES) throw new RangeError(`snapshot buffer must be ${PACKED_CELL_BYTES} bytes, got ${cells.length}`);
  const census = survey(allocator, cells);
  return { ...census, cells };
}

/**
 * The large-object path's blocks outside the arena (Allocator.walkMapped), in address order, as
 * (bytes, requested) pairs: bytes is the page-rounded mapping, header slice included. Empty for
 * an allocator without the path or with nothing mapped. The race keeps one per frame, for the
 * mapped-block strip beside each heat map.
 */
export function mappedBlocksOf(allocator: { walkMapped?: Allocator["walkMapped"] }): Int32Array {
  if (!allocator.walkMapped) return NO_MAPPED_BLOCKS;
  const pairs: number[] = [];
  allocator.walkMapped((_start, bytes, _payload, requested) => { pairs.push(bytes, requested); });
  return pairs.length ? Int32Array.from(pairs) : NO_MAPPED_BLOCKS;
}

const NO_MAPPED_BLOCKS = new Int32Array(0);

// The snapshot's rasterizer. walk() visits the arena's blocks in address order, each block one to
// three runs of a state (header, used, reserved, or free), so the pixels fill strictly left to
// right: a pixel wholly inside one run takes its state directly (a native fill for long runs);
// the pixel a run ends inside collects byte counts per state until a later run completes it, and
// then takes the state with the most bytes, ties going header > used > reserved > free. One pass,
// no per-pixel scratch to clear (an earlier version kept counts for every pixel and resolved the
// mixed ones after the walk, which cost about as much as the walk itself). Scratch space is reused
// between snapshots (lib is single-threaded per realm).
const pixelState = new Uint8Array(GRID_PIXELS);
const pixelCounts = new Int32Array(4);
/** The pixel being filled, the arena offset the runs have reached, and log2 of a pixel's bytes. */
let rasterPixel = 0;
let rasterAt = 0;
let rasterShift = 0;

function startRaster(pixelShift: number): void {
  rasterPixel = 0;
  rasterAt = 0;
  rasterShift = pixelShift;
  pixelCounts.fill(0);
}

// The next run: [rasterAt, to) is `state`.
function rasterize(state: number, to: number): void {
  const at = rasterAt;
  if (to <= at) return;
  rasterAt = to;
  const shift = rasterShift;
  let pixel = rasterPixel;
  const pixelEnd = (pixel + 1) << shift;
  if (to < pixelEnd) { pixelCounts[state] += to - at; return; }
  if (at !== pixel << shift) {
    // The pixel began in an earlier run: this run completes it.
    pixelCounts[state] += pixelEnd - at;
    pixelState[pixel++] = majorityState();
  }
  const whole = to >>> shift; // pixels pixel .. whole-1 lie wholly inside the run
  if (whole - pixel > 16) pixelState.fill(state, pixel, whole);
  else for (let p = pixel; p < whole; p++) pixelState[p] = state; // short runs: a loop beats the call
  rasterPixel = whole;
  const rest = to - (whole << shift);
  if (rest > 0) pixelCounts[state] += rest;
}

// The state with the most bytes in the completed pixel, ties header > used > reserved > free; clears the counts.
function majorityState(): number {
  let state = CELL_HEADER;
  let best = pixelCounts[CELL_HEADER];
  if (pixelCounts[CELL_USED] > best) { state = CELL_USED; best = pixelCounts[CELL_USED]; }
  if (pixelCounts[CELL_RESERVED] > best) { state = CELL_RESERVED; best = pixelCounts[CELL_RESERVED]; }
  if (pixelCounts[CELL_FREE] > best) state = CELL_FREE;
  pixelCounts[0] = 0; pixelCounts[1] = 0; pixelCounts[2] = 0; pixelCounts[3] = 0;
  return state;
}

function survey(allocator: Walkable, cells: Uint8Array | null): ArenaCensus {
  const arenaBytes = allocator.arenaBytes;
  if (cells) startRaster(31 - Math.clz32(Math.max(1, arenaBytes / GRID_PIXELS)));

  let usedBytes = 0, headerBytes = 0, reservedBytes = 0, freeBytes = 0;
  let largestFreeRun = 0, currentFreeRun = 0;
  let cursor = 0;

  allocator.walk((start, bytes, payload, requested) => {
    if (start !== cursor || bytes <= 0) {
      throw new HeapError("corrupt", start, `${allocator.name}: walk should visit every byte once, in order: expected a block at 0x${cursor.toString(16)}, got ${bytes} bytes at 0x${start.toString(16)}`);
    }
    const end = start + bytes;
    cursor = end;
    if (requested < 0) {
      freeBytes += bytes;
      currentFreeRun += bytes;
      if (currentFreeRun > largestFreeRun) largestFreeRun = currentFreeRun;
      if (cells) rasterize(CELL_FREE, end);
      return;
    }
    currentFreeRun = 0;
    if (requested === 0 && payload === end) {
      headerBytes += bytes;
      if (cells) rasterize(CELL_HEADER, end);
      return;
    }
    const header = payload - start;
    const reserved = bytes - header - requested;
    headerBytes += header;
    usedBytes += requested;
    reservedBytes += reserved;
    if (cells) {
      rasterize(CELL_HEADER, payload);
      rasterize(CELL_USED, payload + requested);
      rasterize(CELL_RESERVED, end);
    }
  });
  if (cursor !== arenaBytes) {
    throw new HeapError("corrupt", cursor, `${allocator.name}: walk should cover the whole arena: it stopped at 0x${cursor.toString(16)} of 0x${arenaBytes.toString(16)}`);
  }

  if (cells) packStates(cells);
  return {
    usedBytes, headerBytes, reservedBytes, freeBytes, largestFreeRun,
    fragmentation: fragmentationScore(largestFreeRun, freeBytes),
    internalFragmentation: internalFragmentationOf(usedBytes, reservedBytes),
  };
}

function packStates(cells: Uint8Array): void {
  for (let i = 0, pixel = 0; i < PACKED_CELL_BYTES; i++, pixel += 4) {
    cells[i] = pixelState[pixel] | (pixelState[pixel + 1] << 2) | (pixelState[pixel + 2] << 4) | (pixelState[pixel + 3] << 6);
  }
}

export function cellAt(cells: Uint8Array, pixel: number): CellState {
  return ((cells[pixel >> 2] >> ((pixel & 3) * 2)) & 3) as CellState;
}

/** One byte per pixel, for drawing and tests. */
export function unpackCells(cells: Uint8Array, into: Uint8Array = new Uint8Array(GRID_PIXELS)): Uint8Array {
  for (let i = 0; i < PACKED_CELL_BYTES; i++) {
    const byte = cells[i];
    const pixel = i * 4;
    into[pixel] = byte & 3;
    into[pixel + 1] = (byte >> 2) & 3;
    into[pixel + 2] = (byte >> 4) & 3;
    into[pixel + 3] = (byte >> 6) & 3;
  }
  return into;
}

/** Bytes of arena one pixel stands for. */
export function pixelBytesOf(arenaBytes: number): number {
  return arenaBytes / GRID_PIXELS;
}
