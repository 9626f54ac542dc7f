// The build-time races as RaceViews, assembled from the loaders' Arrow tables. Kept apart from
// race-view.ts so the race worker, which never reads Arrow, does not bundle apache-arrow.
import { HISTOGRAM_BUCKETS, percentilesOf } from "../../lib/page-api.js";
import type { AllocatorName } from "../../lib/index.js";
import { arrowRows } from "./arrow-rows.js";
import { tickRowOf, type RaceView } from "./race-view.js";

export interface BuildTables {
  races: ArrayBuffer | Uint8Array;
  /** Every tick's figures (ticks.arrow), or only some (last-frame-<source>.arrow); without them a view has no ticks. */
  ticks?: ArrayBuffer | Uint8Array | null;
  /** Probe histograms; without them a view has empty histograms (e.g. before the latency table loads). */
  latency?: ArrayBuffer | Uint8Array | null;
  latencyNs?: ArrayBuffer | Uint8Array | null;
  /** The frames table of this one source (frames-<source>.arrow, or last-frame-<source>.arrow). */
  frames?: ArrayBuffer | Uint8Array | null;
}

type Row = Record<string, unknown>;

/** The build-time race of one source, assembled from the loaders' tables. */
export function fromBuildTables(tables: BuildTables, source: string): RaceView {
  const races = arrowRows<Row>(tables.races).filter((r) => r.source === source);
  if (races.length === 0) throw new Error(`no build-time race named ${JSON.stringify(source)}`);
  const ticks = tables.ticks ? arrowRows<Row>(tables.ticks).filter((r) => r.source === source) : [];
  const latency = tables.latency ? arrowRows<Row>(tables.latency).filter((r) => r.source === source) : [];
  const latencyNs = tables.latencyNs ? arrowRows<Row>(tables.latencyNs).filter((r) => r.source === source) : [];
  const frames = tables.frames ? arrowRows<Row>(tables.frames).filter((r) => r.source === source) : [];

  const histogram = (rows: Row[], label: string, kind: string) => {
    const h = new Float64Array(HISTOGRAM_BUCKETS);
    for (const r of rows) if (r.label === label && r.kind === kind) h[Number(r.bucket)] = Number(r.count);
    return h;
  };

  return {
    source, origin: "build",
    kind: races[0].kind as "workload" | "trace",
    arenaBytes: Number(races[0].arenaBytes),
    ops: Number(races[0].ops),
    lanes: races.map((r) => {
      const label = String(r.label);
      const laneFrames = frames.filter((f) => f.label === label);
      const ns = latencyNs.some((row) => row.label === label) ? histogram(latencyNs, label, "ns") : null;
      return {
        allocator: r.allocator as AllocatorName, label,
        failures: Number(r.failures), errors: Number(r.errors), corrupt: (r.corrupt as string | null) ?? null, opsRun: Number(r.opsRun),
        utilization: Number(r.utilization), internalFragmentation: Number(r.internalFragmentation),
        peakFragmentation: Number(r.peakFragmentation), finalFragmentation: Number(r.finalFragmentation),
        peakLiveBytes: Number(r.peakLiveBytes), highWater: Number(r.highWater),
        peakMappedBytes: Number(r.peakMappedBytes), mmaps: Number(r.mmaps), munmaps: Number(r.munmaps), footprint: Number(r.footprint),
        probes: { p50: Number(r.probesP50), p90: Number(r.probesP90), p99: Number(r.probesP99) },
        ns: ns ? percentilesOf(ns) : null,
        ticks: ticks.filter((t) => t.label === label).sort((a, b) => Number(a.tick) - Number(b.tick)).map(tickRowOf),
        frames: laneFrames.map((f) => f.cells as Uint8Array),
        frameTicks: laneFrames.map((f) => Number(f.tick)),
        mappedFrames: laneFrames.map((f) => mappedPairsOf(f.mapped)),
        histograms: {
          all: histogram(latency, label, "all"), malloc: histogram(latency, label, "malloc"),
          free: histogram(latency, label, "free"), realloc: histogram(latency, label, "realloc"), ns,
        },
      };
    }),
  };
}

const NO_MAPPED = new Int32Array(0);

/** A frame's `mapped` column (little-endian int32 pairs) as an Int32Array; copied, as Arrow's slice may not be 4-aligned. */
function mappedPairsOf(raw: unknown): Int32Array {
  if (!(raw instanceof Uint8Array) || raw.byteLength === 0) return NO_MAPPED;
  return new Int32Array(raw.slice().buffer);
}
