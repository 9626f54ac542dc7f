import { describe, expect, it } from "vitest";
import {
  CELL_FREE, CELL_HEADER, CELL_RESERVED, CELL_USED, GRID_PIXELS, PACKED_CELL_BYTES,
  cellAt, censusOf, fragmentationScore, internalFragmentationOf, takeSnapshot, unpackCells,
} from "../../lib/arena.js";
import { HeapError } from "../../lib/allocators/types.js";

type Block = [start: number, bytes: number, payload: number, requested: number];

/** A stand-in allocator whose walk() reports exactly the given blocks. */
function fakeArena(arenaBytes: number, blocks: Block[]) {
  return { name: "bump" as const, arenaBytes, walk: (visit: (...b: Block) => void) => blocks.forEach((b) => visit(...b)) };
}

const MiB2 = 2 * 1024 * 1024; // 32 bytes per pixel

describe("snapshot grid", () => {
  it("classifies header, used, reserved and free bytes of each block", () => {
    const arena = fakeArena(MiB2, [
      [0, 64, 16, 40],             // 16 header, 40 used, 8 reserved
      [64, 64, 64 + 64, 0],        // pure metadata: all header
      [128, 64, 128, 0],           // dead bump object: all reserved
      [192, MiB2 - 192, 0, -1],    // free, tags included
    ]);
    const census = censusOf(arena);
    expect(census).toMatchObject({ headerBytes: 80, usedBytes: 40, reservedBytes: 72, freeBytes: MiB2 - 192 });
    expect(census.largestFreeRun).toBe(MiB2 - 192);
    expect(census.fragmentation).toBe(0);
    expect(census.internalFragmentation).toBeCloseTo(72 / 112);
  });

  it("gives each pixel the state covering most of its bytes, ties going header > used > reserved > free", () => {
    const arena = fakeArena(MiB2, [
      [0, 32, 16, 16],          // pixel 0: 16 header vs 16 used → tie → header
      [32, 32, 48, 4],          // pixel 1: 16 header, 4 used, 12 reserved → header
      [64, 64, 80, 48],         // pixel 2: 16 header + 16 used → header; pixel 3: 32 used → used
      [128, 32, 128, 0],        // pixel 4: dead object → reserved
      [160, MiB2 - 160, 0, -1], // free
    ]);
    const { cells } = takeSnapshot(arena);
    expect(cells.length).toBe(PACKED_CELL_BYTES);
    expect([0, 1, 2, 3, 4, 5].map((p) => cellAt(cells, p))).toEqual([CELL_HEADER, CELL_HEADER, CELL_HEADER, CELL_USED, CELL_RESERVED, CELL_FREE]);
    const unpacked = unpackCells(cells);
    expect(unpacked.length).toBe(GRID_PIXELS);
    expect(unpacked[3]).toBe(CELL_USED);
    expect(unpacked[GRID_PIXELS - 1]).toBe(CELL_FREE);
  });

  it("lets the majority win inside a pixel even against a header", () => {
    const arena = fakeArena(MiB2, [[0, 16, 16, 0], [16, 16, 16, -1], [32, MiB2 - 32, 32, 0]]);
    // pixel 0: 16 header + 16 free → tie → header; pixel 1..: reserved
    const { cells } = takeSnapshot(arena);
    expect(cellAt(cells, 0)).toBe(CELL_HEADER);
    expect(cellAt(cells, 1)).toBe(CELL_RESERVED);
  });

  it("downsamples a 64 MiB arena at 1 KiB per pixel", () => {
    const arenaBytes = 64 * 1024 * 1024;
    const arena = fakeArena(arenaBytes, [[0, 1024 * 10, 16, 1024 * 10 - 16], [10240, arenaBytes - 10240, 0, -1]]);
    const { cells } = takeSnapshot(arena);
    expect(cellAt(cells, 9)).toBe(CELL_USED);
    expect(cellAt(cells, 10)).toBe(CELL_FREE);
  });

  it("merges adjacent free blocks into one run and scores fragmentation as 1 − largest run / free", () => {
    const arena = fakeArena(MiB2, [
      [0, 1024, 0, -1], [1024, 1024, 0, -1], // one 2 KiB run
      [2048, 64, 2064, 16],
      [2112, MiB2 - 2112 - 4096, 0, -1],
      [MiB2 - 4096, 4096, MiB2 - 4080, 100],
    ]);
    const census = censusOf(arena);
    expect(census.largestFreeRun).toBe(MiB2 - 2112 - 4096);
    expect(census.fragmentation).toBeCloseTo(fragmentationScore(MiB2 - 6208, 2048 + MiB2 - 6208));
  });

  it("reports a walk that skips or repeats bytes as corruption", () => {
    expect(() => censusOf(fakeArena(MiB2, [[0, 64, 16, 0], [128, MiB2 - 128, 0, -1]]))).toThrow(HeapError);
    expect(() => censusOf(fakeArena(MiB2, [[0, 64, 16, 0]]))).toThrow(/cover the whole arena/);
  });

  it("defines the metrics at their edges", () => {
    expect(fragmentationScore(0, 0)).toBe(0);
    expect(fragmentationScore(100, 100)).toBe(0);
    expect(fragmentationScore(25, 100)).toBe(0.75);
    expect(internalFragmentationOf(0, 0)).toBe(0);
    expect(internalFragmentationOf(30, 10)).toBe(0.25);
  });
});

describe("snapshot grid against a byte-by-byte reference", () => {
  // The reference: the state of every byte, then the majority per pixel, ties header > used > reserved > free.
  function referenceCells(arenaBytes: number, blocks: Block[]): number[] {
    const byteState = new Uint8Array(arenaBytes);
    for (const [start, bytes, payload, requested] of blocks) {
      for (let b = start; b < start + bytes; b++) {
        if (requested < 0) byteState[b] = CELL_FREE;
        else if (requested === 0 && payload === start + bytes) byteState[b] = CELL_HEADER;
        else byteState[b] = b < payload ? CELL_HEADER : b < payload + requested ? CELL_USED : CELL_RESERVED;
      }
    }
    const pixelBytes = arenaBytes / GRID_PIXELS;
    const states: number[] = [];
    for (let p = 0; p < GRID_PIXELS; p++) {
      const count = [0, 0, 0, 0];
      for (let b = p * pixelBytes; b < (p + 1) * pixelBytes; b++) count[byteState[b]]++;
      let best = CELL_HEADER;
      for (const s of [CELL_USED, CELL_RESERVED, CELL_FREE]) if (count[s] > count[best]) best = s;
      states.push(best);
    }
    return states;
  }

  function randomBlocks(arenaBytes: number, seed: number): Block[] {
    let x = seed;
    const next = (n: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % n);
    const blocks: Block[] = [];
    let at = 0;
    while (at < arenaBytes) {
      const bytes = Math.min(arenaBytes - at, 1 + next(next(4) === 0 ? 4096 : 96));
      const kind = next(4);
      if (kind === 0) blocks.push([at, bytes, at, -1]);
      else if (kind === 1) blocks.push([at, bytes, at + bytes, 0]);
      else {
        const header = Math.min(bytes, next(24));
        const requested = next(bytes - header + 1);
        blocks.push([at, bytes, at + header, requested]);
      }
      at += bytes;
    }
    return blocks;
  }

  for (const [arenaBytes, seed] of [[64 * 1024, 1], [2 * 1024 * 1024, 2], [2 * 1024 * 1024, 3], [8 * 1024 * 1024, 4]] as const) {
    it(`matches the reference on a random layout (${arenaBytes / 1024} KiB arena, seed ${seed})`, () => {
      const blocks = randomBlocks(arenaBytes, seed);
      const { cells } = takeSnapshot(fakeArena(arenaBytes, blocks));
      expect(Array.from(unpackCells(cells))).toEqual(referenceCells(arenaBytes, blocks));
    });
  }

  it("gives the same cells when a snapshot reuses its scratch space after a different arena", () => {
    const a = randomBlocks(2 * 1024 * 1024, 7);
    const first = takeSnapshot(fakeArena(2 * 1024 * 1024, a)).cells.slice();
    takeSnapshot(fakeArena(64 * 1024, randomBlocks(64 * 1024, 8)));
    expect(takeSnapshot(fakeArena(2 * 1024 * 1024, a)).cells).toEqual(first);
  });
});
