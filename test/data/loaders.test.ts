// The data loaders as Framework runs them: real processes writing Arrow to stdout. Checks the
// schema of every table, that deterministic tables are byte-identical from run to run, and that
// all site data stays within its 31 MB budget.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tableFromIPC, type Table } from "apache-arrow";
import { ALLOCATORS } from "../../lib/allocators/index.js";
import { WORKLOADS } from "../../lib/workloads/index.js";
import { PACKED_CELL_BYTES } from "../../lib/arena.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SAMPLES = readdirSync(join(ROOT, "src/data/traces")).filter((f) => f.endsWith(".mtrace")).map((f) => f.replace(".mtrace", ""));
const SOURCES = [...WORKLOADS, ...SAMPLES];

function runLoader(file: string, ...args: string[]): Buffer {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/data", file), ...args], { cwd: ROOT, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${file} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function columns(table: Table): string[] {
  return table.schema.fields.map((f) => f.name);
}

const outputs = new Map<string, Buffer>();
function output(file: string, ...args: string[]): Buffer {
  const key = [file, ...args].join(" ");
  if (!outputs.has(key)) outputs.set(key, runLoader(file, ...args));
  return outputs.get(key)!;
}

describe("data loaders", () => {
  it("races.arrow: one leaderboard row per source and allocator, no lane stopped", () => {
    const table = tableFromIPC(output("races.arrow.ts"));
    expect(columns(table)).toEqual(expect.arrayContaining(["source", "kind", "allocator", "failures", "errors", "corrupt", "utilization", "internalFragmentation", "peakFragmentation", "finalFragmentation", "probesP50", "probesP99"]));
    expect(table.numRows).toBe(SOURCES.length * ALLOCATORS.length);
    expect(new Set(table.getChild("source")!.toArray())).toEqual(new Set(SOURCES));
    expect(table.getChild("corrupt")!.toArray().filter((x: string | null) => x !== null)).toEqual([]);
  });

  it("races.arrow, ticks.arrow, latency.arrow and workloads.arrow are byte-identical from run to run", () => {
    for (const file of ["races.arrow.ts", "ticks.arrow.ts", "latency.arrow.ts", "workloads.arrow.ts"]) {
      expect(runLoader(file).equals(output(file)), file).toBe(true);
    }
  });

  it("ticks.arrow: 64 ticks per source and allocator, ending at the last op", () => {
    const table = tableFromIPC(output("ticks.arrow.ts"));
    expect(columns(table)).toEqual(["source", "allocator", "label", "tick", "op", "liveBytes", "usedBytes", "headerBytes", "reservedBytes", "freeBytes", "largestFreeRun", "fragmentation", "highWater", "mappedBytes", "failures", "errors"]);
    expect(table.numRows).toBe(SOURCES.length * ALLOCATORS.length * 64);
    expect(table.getChild("op")!.get(63)).toBe(200_000);
  });

  it("frames-<source>.arrow: 32 frames per allocator as FixedSizeBinary(16384), at their own tick index", () => {
    const table = tableFromIPC(output("frames-[source].arrow.ts", "--source", "adversarial"));
    const cells = table.schema.fields.find((f) => f.name === "cells")!;
    expect(String(cells.type)).toBe(`FixedSizeBinary[${PACKED_CELL_BYTES}]`);
    expect(table.numRows).toBe(ALLOCATORS.length * 32);
    expect(table.getChild("cells")!.get(0).length).toBe(PACKED_CELL_BYTES);
    // Frames keep their tick index in the full race: every second tick, ending with the last.
    expect(Array.from(table.getChild("tick")!.toArray()).slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => 2 * i + 1));
  });

  it("last-frame-<source>.arrow: one row per allocator at the last tick, the very row frames-<source>.arrow has there", () => {
    const last = tableFromIPC(output("last-frame-[source].arrow.ts", "--source", "adversarial"));
    const frames = tableFromIPC(output("frames-[source].arrow.ts", "--source", "adversarial"));
    expect(columns(last)).toEqual(columns(frames));
    expect(last.numRows).toBe(ALLOCATORS.length);
    expect(new Set(last.getChild("tick")!.toArray())).toEqual(new Set([63]));
    const framesAtEnd = frames.toArray().filter((row) => row.tick === 63);
    last.toArray().forEach((row, i) => {
      const twin = framesAtEnd[i];
      expect(row.label).toBe(twin.label);
      expect(row.op).toBe(twin.op);
      expect(row.fragmentation).toBe(twin.fragmentation);
      expect(Buffer.from(row.cells).equals(Buffer.from(twin.cells)), row.label).toBe(true);
      expect(Buffer.from(row.mapped).equals(Buffer.from(twin.mapped)), row.label).toBe(true);
    });
    // What the race page loads first: a small fraction of the frames file it no longer needs at once.
    expect(output("last-frame-[source].arrow.ts", "--source", "adversarial").length).toBeLessThan(frames.numRows * PACKED_CELL_BYTES / 20);
  });

  it("frames-<source>.arrow: each frame carries its mapped blocks as page-rounded (bytes, requested) int32 pairs", () => {
    const table = tableFromIPC(output("frames-[source].arrow.ts", "--source", "python3-json"));
    expect(String(table.schema.fields.find((f) => f.name === "mapped")!.type)).toBe("Binary");
    const labels = table.getChild("label")!.toArray() as string[];
    const mapped = table.getChild("mapped")!;
    let blocks = 0;
    for (let row = 0; row < table.numRows; row++) {
      const raw = mapped.get(row) as Uint8Array;
      const pairs = new Int32Array(raw.slice().buffer);
      if (labels[row] === "bump") expect(pairs.length).toBe(0); // bump has no large-object path
      for (let i = 0; i < pairs.length; i += 2) {
        expect(pairs[i] % 4096).toBe(0);
        expect(pairs[i]).toBeGreaterThanOrEqual(pairs[i + 1] + 16);
        blocks++;
      }
    }
    expect(blocks).toBeGreaterThan(0); // the trace asks for 256 KiB twice, and slab maps above 2 KiB
  });

  it("latency.arrow and latency-ns.arrow: histogram buckets, probes and ns apart", () => {
    const probes = tableFromIPC(output("latency.arrow.ts"));
    expect(columns(probes)).toEqual(["source", "allocator", "label", "kind", "bucket", "upper", "count"]);
    expect(new Set(probes.getChild("kind")!.toArray())).toEqual(new Set(["all", "malloc", "free", "realloc"]));
    const ns = tableFromIPC(output("latency-ns.arrow.ts"));
    expect(new Set(ns.getChild("kind")!.toArray())).toEqual(new Set(["ns"]));
    expect(ns.numRows).toBeGreaterThan(0);
  });

  it("workloads.arrow: size and lifetime histograms, live series and summary rows for every source", () => {
    const table = tableFromIPC(output("workloads.arrow.ts"));
    expect(columns(table)).toEqual(["source", "metric", "x", "value"]);
    const metrics = new Set(table.getChild("metric")!.toArray());
    for (const m of ["size", "lifetime", "liveBytes", "liveBlocks", "peakLiveBytes"]) expect(metrics.has(m), m).toBe(true);
  });

  // 30 MB since the sixth lane (TLSF): frames are ~3.2 MB per source and a page loads one frames
  // file at a time, so the budget guards the dist/ size, not a page's load. 31 MB since the
  // last-frame files (~0.1 MB per source), which spare the race page's first load the frames file.
  it("all site data together stays within 31 MB", () => {
    let total = 0;
    for (const file of ["races.arrow.ts", "ticks.arrow.ts", "latency.arrow.ts", "latency-ns.arrow.ts", "workloads.arrow.ts"]) total += output(file).length;
    const oneFrameFile = output("frames-[source].arrow.ts", "--source", "adversarial").length;
    const oneLastFrameFile = output("last-frame-[source].arrow.ts", "--source", "adversarial").length;
    total += (oneFrameFile + oneLastFrameFile) * SOURCES.length; // every frames file has the same shape
    expect(total).toBeLessThanOrEqual(31_000_000);
  });
});
