// Race results as Apache Arrow tables: the format the build-time loaders write, the CLI's --out
// writes, and the pages read. Column order and types are fixed here, once; deterministic tables
// (no wall-clock column) serialize to identical bytes for identical races.
//
// Not re-exported from lib/index.ts, so the page worker does not bundle apache-arrow.

import { Binary, Float64, FixedSizeBinary, Int32, Table, Utf8, vectorFromArray, tableToIPC, type Vector } from "apache-arrow";
import { PACKED_CELL_BYTES } from "../arena.js";
import { HISTOGRAM_BUCKETS, bucketUpperBound } from "../histogram.js";
import type { RaceResult } from "./race.js";

/** One race and what it raced: a workload by name, or a trace file. */
export interface LabelledRace { source: string; kind: "workload" | "trace"; result: RaceResult }

function table(columns: Record<string, { values: unknown[]; type: Int32 | Float64 | Utf8 | FixedSizeBinary | Binary }>): Table {
  const vectors: Record<string, Vector> = {};
  for (const [name, { values, type }] of Object.entries(columns)) vectors[name] = vectorFromArray(values as never[], type as never);
  return new Table(vectors);
}

const i32 = () => new Int32();
const f64 = () => new Float64();
const utf8 = () => new Utf8();

/** One row per lane: the leaderboard. */
export function raceSummaryTable(races: LabelledRace[]): Table {
  const rows = races.flatMap(({ source, kind, result }) => result.lanes.map((lane) => ({ source, kind, result, lane })));
  return table({
    source: { type: utf8(), values: rows.map((r) => r.source) },
    kind: { type: utf8(), values: rows.map((r) => r.kind) },
    allocator: { type: utf8(), values: rows.map((r) => r.lane.allocator) },
    label: { type: utf8(), values: rows.map((r) => r.lane.label) },
    arenaBytes: { type: i32(), values: rows.map((r) => r.result.arenaBytes) },
    ops: { type: i32(), values: rows.map((r) => r.result.ops) },
    opsRun: { type: i32(), values: rows.map((r) => r.lane.opsRun) },
    failures: { type: i32(), values: rows.map((r) => r.lane.failures) },
    errors: { type: i32(), values: rows.map((r) => r.lane.errors) },
    corrupt: { type: utf8(), values: rows.map((r) => r.lane.corrupt) },
    utilization: { type: f64(), values: rows.map((r) => r.lane.utilization) },
    internalFragmentation: { type: f64(), values: rows.map((r) => r.lane.internalFragmentation) },
    peakFragmentation: { type: f64(), values: rows.map((r) => r.lane.peakFragmentation) },
    finalFragmentation: { type: f64(), values: rows.map((r) => r.lane.finalFragmentation) },
    peakLiveBytes: { type: f64(), values: rows.map((r) => r.lane.peakLiveBytes) },
    highWater: { type: f64(), values: rows.map((r) => r.lane.highWater) },
    peakMappedBytes: { type: f64(), values: rows.map((r) => r.lane.peakMappedBytes) },
    mmaps: { type: i32(), values: rows.map((r) => r.lane.mmaps) },
    munmaps: { type: i32(), values: rows.map((r) => r.lane.munmaps) },
    footprint: { type: f64(), values: rows.map((r) => r.lane.footprint) },
    probesP50: { type: f64(), values: rows.map((r) => r.lane.probes.p50) },
    probesP90: { type: f64(), values: rows.map((r) => r.lane.probes.p90) },
    probesP99: { type: f64(), values: rows.map((r) => r.lane.probes.p99) },
    totalProbes: { type: f64(), values: rows.map((r) => r.lane.totalProbes) },
  });
}

/**
 * One row per lane and tick; `cells` holds the packed snapshot and `mapped` the mapped blocks when
 * `frames` is true. `keep`
 * selects ticks by index (e.g. every second one for the heat-map frames); kept rows keep their
 * original tick index.
 */
export function ticksTable(races: LabelledRace[], { frames = true, keep = (_index: number): boolean => true } = {}): Table {
  const rows = races.flatMap(({ source, result }) =>
    result.lanes.flatMap((lane) => lane.ticks.map((tick, index) => ({ source, lane, tick, index })).filter((r) => keep(r.index))));
  const columns: Parameters<typeof table>[0] = {
    source: { type: utf8(), values: rows.map((r) => r.source) },
    allocator: { type: utf8(), values: rows.map((r) => r.lane.allocator) },
    label: { type: utf8(), values: rows.map((r) => r.lane.label) },
    tick: { type: i32(), values: rows.map((r) => r.index) },
    op: { type: i32(), values: rows.map((r) => r.tick.op) },
    liveBytes: { type: f64(), values: rows.map((r) => r.tick.liveBytes) },
    usedBytes: { type: f64(), values: rows.map((r) => r.tick.usedBytes) },
    headerBytes: { type: f64(), values: rows.map((r) => r.tick.headerBytes) },
    reservedBytes: { type: f64(), values: rows.map((r) => r.tick.reservedBytes) },
    freeBytes: { type: f64(), values: rows.map((r) => r.tick.freeBytes) },
    largestFreeRun: { type: f64(), values: rows.map((r) => r.tick.largestFreeRun) },
    fragmentation: { type: f64(), values: rows.map((r) => r.tick.fragmentation) },
    highWater: { type: f64(), values: rows.map((r) => r.tick.highWater) },
    mappedBytes: { type: f64(), values: rows.map((r) => r.tick.mappedBytes) },
    failures: { type: i32(), values: rows.map((r) => r.tick.failures) },
    errors: { type: i32(), values: rows.map((r) => r.tick.errors) },
  };
  if (frames) {
    columns.cells = { type: new FixedSizeBinary(PACKED_CELL_BYTES), values: rows.map((r) => r.tick.cells) };
    // The mapped blocks beside the frame: little-endian int32 (bytes, requested) pairs, address order.
    columns.mapped = { type: new Binary(), values: rows.map((r) => new Uint8Array(r.tick.mapped.buffer, r.tick.mapped.byteOffset, r.tick.mapped.byteLength)) };
  }
  return table(columns);
}

type ProbeKind = "all" | "malloc" | "free" | "realloc";
const PROBE_KINDS: ProbeKind[] = ["all", "malloc", "free", "realloc"];

/** Probe-count histograms (deterministic): one row per lane, op kind and bucket. */
export function latencyTable(races: LabelledRace[]): Table {
  const rows: Array<{ source: string; allocator: string; label: string; kind: string; bucket: number; count: number }> = [];
  for (const { source, result } of races) {
    for (const lane of result.lanes) {
      for (const kind of PROBE_KINDS) {
        const histogram = lane.probeHistograms[kind];
        for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
          if (histogram[bucket] > 0) rows.push({ source, allocator: lane.allocator, label: lane.label, kind, bucket, count: histogram[bucket] });
        }
      }
    }
  }
  return bucketTable(rows);
}

/** Sampled wall-clock ns histograms (Node only, varies from run to run): kept in their own table. */
export function latencyNsTable(races: LabelledRace[]): Table {
  const rows: Array<{ source: string; allocator: string; label: string; kind: string; bucket: number; count: number }> = [];
  for (const { source, result } of races) {
    for (const lane of result.lanes) {
      const histogram = lane.nsHistogram;
      if (!histogram) continue;
      for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
        if (histogram[bucket] > 0) rows.push({ source, allocator: lane.allocator, label: lane.label, kind: "ns", bucket, count: histogram[bucket] });
      }
    }
  }
  return bucketTable(rows);
}

function bucketTable(rows: Array<{ source: string; allocator: string; label: string; kind: string; bucket: number; count: number }>): Table {
  return table({
    source: { type: utf8(), values: rows.map((r) => r.source) },
    allocator: { type: utf8(), values: rows.map((r) => r.allocator) },
    label: { type: utf8(), values: rows.map((r) => r.label) },
    kind: { type: utf8(), values: rows.map((r) => r.kind) },
    bucket: { type: i32(), values: rows.map((r) => r.bucket) },
    upper: { type: f64(), values: rows.map((r) => bucketUpperBound(r.bucket)) },
    count: { type: f64(), values: rows.map((r) => r.count) },
  });
}

/** Arrow IPC file bytes. */
export function toArrowBytes(t: Table): Uint8Array {
  return tableToIPC(t, "file");
}
