// The native measurements as Apache Arrow tables: what the native loader (src/data/native.zip.ts)
// writes, what `npm run native` commits as the fallback, and what the page reads. Columns are
// fixed here, once; docs/native-arrow.md lists them. Every table keys its rows by source (the
// build-time workload or sample trace), allocator, config ("default" or the exact environment
// setting) and touch (payload written after each malloc/realloc, or not).
import { Binary, Bool, Dictionary, Float64, Int16, Int32, Table, Utf8, vectorFromArray, type DataType, type Vector } from "apache-arrow";
import { bucketUpperBound } from "../lib/index.js";
import type { NativeAllocator } from "./allocators.js";
import type { NativeLaneResult, NativeOp } from "./results.js";
import type { SimulatedTiming } from "./simulated-timing.js";

/** Everything measured on one build-time source. */
export interface NativeSourceResult {
  source: string;
  sourceKind: "workload" | "trace";
  lanes: NativeLaneResult[];
  simulated: SimulatedTiming[];
}

export interface StaircaseRow { allocator: NativeAllocator; requested: number; usable: number }

function table(columns: Record<string, { type: DataType; values: unknown[] }>): Table {
  const vectors: Record<string, Vector> = {};
  for (const [name, { type, values }] of Object.entries(columns)) vectors[name] = vectorFromArray(values as never[], type as never);
  return new Table(vectors);
}

// Key columns repeat a handful of strings over thousands of rows: dictionary-encoded, they cost
// an index each instead of the string.
const key = () => new Dictionary(new Utf8(), new Int16());

interface LaneKey { source: string; allocator: string; config: string; touch: boolean }

function keyColumns(rows: LaneKey[]) {
  return {
    source: { type: key(), values: rows.map((r) => r.source) },
    allocator: { type: key(), values: rows.map((r) => r.allocator) },
    config: { type: key(), values: rows.map((r) => r.config) },
    touch: { type: new Bool(), values: rows.map((r) => r.touch) },
  };
}

function lanesOf(results: readonly NativeSourceResult[]) {
  return results.flatMap((r) => r.lanes.map((lane) => ({ source: r.source, sourceKind: r.sourceKind, lane })));
}

/** One row per lane: CPU ns/op (median, min, max of the rounds), peak and end RSS, RSS after the end. */
export function nativeSummaryTable(results: readonly NativeSourceResult[]): Table {
  const rows = lanesOf(results);
  const keys = rows.map(({ source, lane }) => ({ source, allocator: lane.allocator, config: lane.config, touch: lane.touch }));
  const f64 = (pick: (lane: NativeLaneResult) => number | null | undefined) => ({ type: new Float64(), values: rows.map((r) => pick(r.lane) ?? null) });
  return table({
    ...keyColumns(keys),
    sourceKind: { type: new Utf8(), values: rows.map((r) => r.sourceKind) },
    ops: { type: new Int32(), values: rows.map((r) => r.lane.ops) },
    nsPerOp: f64((l) => l.nsPerOp),
    nsPerOpMin: f64((l) => Math.min(...l.roundsNsPerOp)),
    nsPerOpMax: f64((l) => Math.max(...l.roundsNsPerOp)),
    rounds: { type: new Int32(), values: rows.map((r) => r.lane.roundsNsPerOp.length) },
    peakRssBytes: f64((l) => l.peakRssBytes),
    peakLiveBytes: f64((l) => l.peakLiveBytes),
    endRssBytes: f64((l) => l.endRssBytes),
    rss100msBytes: f64((l) => l.detail?.rss100ms),
    rss1sBytes: f64((l) => l.detail?.rss1s),
    clockOverheadNs: f64((l) => l.detail?.clockOverheadNs),
    sampleEvery: f64((l) => l.detail?.sampleEvery),
  });
}

/** RSS above the pre-loop baseline and live requested bytes, every N ops (detail runs). */
export function nativeFootprintTable(results: readonly NativeSourceResult[]): Table {
  const rows = lanesOf(results).flatMap(({ source, lane }) => (lane.detail?.footprint ?? []).map((p) => ({ source, allocator: lane.allocator, config: lane.config, touch: lane.touch, ...p })));
  return table({
    ...keyColumns(rows),
    op: { type: new Int32(), values: rows.map((r) => r.op) },
    rssBytes: { type: new Float64(), values: rows.map((r) => r.rss) },
    liveBytes: { type: new Float64(), values: rows.map((r) => r.live) },
  });
}

/** Sampled ns per op (1 in N, clock cost subtracted) in the simulated lanes' log2 buckets. */
export function nativeLatencyTable(results: readonly NativeSourceResult[]): Table {
  const rows: Array<LaneKey & { op: NativeOp; bucket: number; count: number }> = [];
  for (const { source, lane } of lanesOf(results)) {
    if (!lane.detail) continue;
    for (const op of ["malloc", "free", "realloc"] as const) {
      lane.detail.histograms[op].forEach((count, bucket) => {
        if (count > 0) rows.push({ source, allocator: lane.allocator, config: lane.config, touch: lane.touch, op, bucket, count });
      });
    }
  }
  return table({
    ...keyColumns(rows),
    op: { type: key(), values: rows.map((r) => r.op) },
    bucket: { type: new Int32(), values: rows.map((r) => r.bucket) },
    upper: { type: new Float64(), values: rows.map((r) => bucketUpperBound(r.bucket)) },
    count: { type: new Float64(), values: rows.map((r) => r.count) },
  });
}

/** Each allocator's own counters at the stream's end (names are the allocator's own). */
export function nativeCountersTable(results: readonly NativeSourceResult[]): Table {
  const rows = lanesOf(results).flatMap(({ source, lane }) => (lane.detail?.counters ?? []).map((c) => ({ source, allocator: lane.allocator, config: lane.config, touch: lane.touch, ...c })));
  return table({
    ...keyColumns(rows),
    name: { type: key(), values: rows.map((r) => r.name) },
    value: { type: new Float64(), values: rows.map((r) => r.value) },
  });
}

/** ns/op of the simulated allocators on the same streams (each in a fresh worker thread). */
export function simulatedTimingTable(results: readonly NativeSourceResult[]): Table {
  const rows = results.flatMap((r) => r.simulated.map((s) => ({ source: r.source, ...s })));
  return table({
    source: { type: new Utf8(), values: rows.map((r) => r.source) },
    allocator: { type: new Utf8(), values: rows.map((r) => r.allocator) },
    nsPerOp: { type: new Float64(), values: rows.map((r) => r.nsPerOp) },
    nsPerOpMin: { type: new Float64(), values: rows.map((r) => Math.min(...r.roundsNsPerOp)) },
    nsPerOpMax: { type: new Float64(), values: rows.map((r) => Math.max(...r.roundsNsPerOp)) },
  });
}

/**
 * The usable-size staircase as steps: one row where usable size changes (requested = the first
 * size of the step), plus the spot sizes above 64 KiB. 262,000 rows become a few hundred.
 */
export function staircaseTable(rows: readonly StaircaseRow[]): Table {
  const steps: Array<StaircaseRow & { spot: boolean }> = [];
  for (const row of rows) {
    const last = steps.at(-1);
    const spot = row.requested > 65536;
    if (spot || !last || last.allocator !== row.allocator || last.usable !== row.usable) steps.push({ ...row, spot });
  }
  return table({
    allocator: { type: key(), values: steps.map((r) => r.allocator) },
    requested: { type: new Float64(), values: steps.map((r) => r.requested) },
    usable: { type: new Float64(), values: steps.map((r) => r.usable) },
    spot: { type: new Bool(), values: steps.map((r) => r.spot) },
  });
}

/**
 * Page occupancy frames of one source: one row per frame and run of consecutive pages, `cells`
 * holding one byte per page (0 = no live block on it, 255 = covered by live blocks).
 */
export function occupancyTable(result: NativeSourceResult): Table {
  const rows = result.lanes.flatMap((lane) => (lane.occupancy ?? []).flatMap((frame) => frame.runs.map((run, index) => ({
    allocator: lane.allocator, tick: frame.tick, op: frame.op, pages: frame.pages, resident: frame.resident, run: index, firstPage: run.first, cells: run.bytes,
  }))));
  return table({
    allocator: { type: key(), values: rows.map((r) => r.allocator) },
    tick: { type: new Int32(), values: rows.map((r) => r.tick) },
    op: { type: new Int32(), values: rows.map((r) => r.op) },
    pages: { type: new Int32(), values: rows.map((r) => r.pages) },
    resident: { type: new Int32(), values: rows.map((r) => r.resident) },
    run: { type: new Int32(), values: rows.map((r) => r.run) },
    firstPage: { type: new Float64(), values: rows.map((r) => r.firstPage) },
    cells: { type: new Binary(), values: rows.map((r) => r.cells) },
  });
}
