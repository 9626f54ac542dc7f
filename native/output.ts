// Parses what the native replayer prints (one fact per line, "key value…"; see the header of
// replayer.c) into plain numbers. An unexpected or missing line is an error naming it: a replayer
// and a parser out of step must not produce a plausible-looking row.
import type { NativeOp } from "./results.js";

export interface TimeOutput { ops: number; cpuNs: number; peakRss: number; endRss: number; peakLive: number }

export interface DetailOutput {
  ops: number;
  clockOverheadNs: number;
  sampleEvery: number;
  histograms: Record<NativeOp, number[]>;
  footprint: Array<{ op: number; rss: number; live: number }>;
  peakRss: number;
  peakLive: number;
  endRss: number;
  rss100ms: number;
  rss1s: number;
  counters: Array<{ name: string; value: number }>;
}

export interface OccupancyFrame { tick: number; op: number; pages: number; resident: number; runs: Array<{ first: number; bytes: Uint8Array }> }

export class ReplayerOutputError extends Error {
  override name = "ReplayerOutputError";
}

function lines(text: string): string[][] {
  return text.split("\n").filter((l) => l.length > 0).map((l) => l.split(" "));
}

function number(key: string, value: string | undefined): number {
  const x = Number(value);
  if (value === undefined || value === "" || !Number.isFinite(x)) throw new ReplayerOutputError(`replayer printed ${key} ${JSON.stringify(value)}, not a number`);
  return x;
}

function scalars(rows: string[][], keys: string[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const row of rows) if (keys.includes(row[0])) found[row[0]] = number(row[0], row[1]);
  for (const key of keys) if (!(key in found)) throw new ReplayerOutputError(`replayer output has no ${key} line`);
  return found;
}

export function parseTimeOutput(text: string): TimeOutput {
  const s = scalars(lines(text), ["ops", "cpu_ns", "peak_rss", "end_rss", "peak_live"]);
  return { ops: s.ops, cpuNs: s.cpu_ns, peakRss: s.peak_rss, endRss: s.end_rss, peakLive: s.peak_live };
}

export function parseDetailOutput(text: string): DetailOutput {
  const rows = lines(text);
  const s = scalars(rows, ["ops", "clock_overhead_ns", "sample_every", "peak_rss", "peak_live", "end_rss", "rss_100ms", "rss_1s"]);
  const histograms: Record<NativeOp, number[]> = { malloc: [], free: [], realloc: [] };
  const footprint: DetailOutput["footprint"] = [];
  const counters: DetailOutput["counters"] = [];
  for (const row of rows) {
    if (row[0] === "hist") {
      const op = row[1] as NativeOp;
      if (!(op in histograms) || row.length !== 34) throw new ReplayerOutputError(`bad histogram line: ${JSON.stringify(row.join(" ").slice(0, 80))}`);
      histograms[op] = row.slice(2).map((v) => number("hist", v));
    } else if (row[0] === "rss") {
      footprint.push({ op: number("rss op", row[1]), rss: number("rss", row[2]), live: number("rss live", row[3]) });
    } else if (row[0] === "counter") {
      counters.push({ name: row[1], value: number(row[1], row[2]) });
    }
  }
  for (const op of ["malloc", "free", "realloc"] as const) if (histograms[op].length === 0) throw new ReplayerOutputError(`replayer output has no ${op} histogram`);
  return {
    ops: s.ops, clockOverheadNs: s.clock_overhead_ns, sampleEvery: s.sample_every, histograms, footprint,
    peakRss: s.peak_rss, peakLive: s.peak_live, endRss: s.end_rss, rss100ms: s.rss_100ms, rss1s: s.rss_1s, counters,
  };
}

function hexBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new ReplayerOutputError(`bad occupancy bytes ${JSON.stringify(hex.slice(0, 40))}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function parseOccupancyOutput(text: string): OccupancyFrame[] {
  const frames: OccupancyFrame[] = [];
  for (const row of lines(text)) {
    if (row[0] === "frame") {
      frames.push({ tick: number("tick", row[1]), op: number("op", row[2]), pages: number("pages", row[3]), resident: number("resident", row[4]), runs: [] });
    } else if (row[0] === "run") {
      const frame = frames.at(-1);
      if (!frame) throw new ReplayerOutputError("occupancy run before any frame");
      const bytes = hexBytes(row[3] ?? "");
      if (bytes.length !== number("run length", row[2])) throw new ReplayerOutputError(`occupancy run of ${row[2]} pages has ${bytes.length} bytes`);
      frame.runs.push({ first: number("run first page", row[1]), bytes });
    }
  }
  return frames;
}

/** The staircase, expanded to every requested size 1..65536, then the spot sizes. */
export function parseStaircaseOutput(text: string): Array<{ requested: number; usable: number }> {
  const steps: Array<[number, number]> = [];
  const spots: Array<{ requested: number; usable: number }> = [];
  for (const row of lines(text)) {
    if (row[0] === "stair") steps.push([number("stair", row[1]), number("stair usable", row[2])]);
    else if (row[0] === "spot") spots.push({ requested: number("spot", row[1]), usable: number("spot usable", row[2]) });
  }
  if (steps.length === 0 || steps[0][0] !== 1) throw new ReplayerOutputError("staircase output does not start at 1 byte");
  const out: Array<{ requested: number; usable: number }> = [];
  let step = 0;
  for (let r = 1; r <= 65536; r++) {
    while (step + 1 < steps.length && steps[step + 1][0] <= r) step++;
    out.push({ requested: r, usable: steps[step][1] });
  }
  return [...out, ...spots];
}
