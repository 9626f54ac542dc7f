// The external-fragmentation lab's figures: its three phase snapshots as a race view (so the race
// page's heat-map grid and scrubber draw them), where the free bytes went when the large requests
// came, a table of every figure, and one sentence per allocator.
import * as Inputs from "@observablehq/inputs";
import * as Plot from "@observablehq/plot";
import {
  blockSizeFor, coalescedRunNeeded, allocatorInfo, GRID_PIXELS, cellAt, formatBytes, type KeepSweepRow, type LatticeLane, type LatticeResult,
} from "../../lib/index.js";
import { CELL_COLORS, CELL_RGBA, LANE_COLORS } from "../core/palette.js";
import type { LaneView, RaceView } from "../core/race-view.js";

const ZERO_PERCENTILES = { p50: 0, p90: 0, p99: 0 };
const EMPTY_HISTOGRAM = new Float64Array(32);

/** The three phase snapshots of every lane as a RaceView: tick i is the end of phase i. */
export function latticeView(result: LatticeResult): RaceView {
  const { settings } = result;
  return {
    source: "lattice", kind: "workload", origin: "live", arenaBytes: settings.arenaBytes,
    ops: settings.fillOps + settings.freeOps + settings.askOps,
    lanes: result.lanes.map((lane): LaneView => {
      let failures = 0;
      const ticks = lane.phases.map((phase) => {
        failures += phase.failures;
        return {
          op: phase.op, liveBytes: phase.liveBytes, usedBytes: phase.usedBytes, headerBytes: phase.headerBytes,
          reservedBytes: phase.reservedBytes, freeBytes: phase.freeBytes, largestFreeRun: phase.largestFreeRun,
          fragmentation: phase.fragmentation, highWater: 0, mappedBytes: 0, failures, errors: 0,
        };
      });
      return {
        allocator: lane.allocator, label: lane.label, failures, errors: 0, corrupt: lane.corrupt,
        opsRun: ticks.length ? ticks[ticks.length - 1].op : 0,
        utilization: 0, internalFragmentation: 0, peakFragmentation: Math.max(0, ...ticks.map((t) => t.fragmentation)),
        finalFragmentation: ticks.length ? ticks[ticks.length - 1].fragmentation : 0,
        peakLiveBytes: Math.max(0, ...ticks.map((t) => t.liveBytes)), highWater: 0,
        peakMappedBytes: 0, mmaps: 0, munmaps: 0, footprint: 0, // the lattice keeps every block in the heap
        probes: ZERO_PERCENTILES, ns: null, ticks,
        frames: lane.phases.map((phase) => phase.cells),
        frameTicks: lane.phases.map((_, i) => i),
        mappedFrames: [],
        histograms: { all: EMPTY_HISTOGRAM, malloc: EMPTY_HISTOGRAM, free: EMPTY_HISTOGRAM, realloc: EMPTY_HISTOGRAM, ns: null },
      };
    }),
  };
}

/** What the caption under the scrubber says at each phase. */
export function latticePhaseText(result: LatticeResult, phase: number): string {
  const s = result.settings;
  const keep = s.keepEvery === 2 ? "every other block" : `${s.keepEvery - 1} of every ${s.keepEvery} blocks`;
  return [
    `1 · fill: malloc(${s.smallBytes}) × ${s.fillOps.toLocaleString("en-US")}, until the arena is full`,
    `2 · free ${keep}`,
    `3 · malloc(${s.largeBytes}) until it returns NULL`,
  ][phase] ?? "";
}

/** Where the bytes free after phase 2 went in phase 3: served, spent on the new blocks' overhead, or left unusable. */
export function latticeBudget(lane: LatticeLane, largeBytes: number): { served: number; overhead: number; unusable: number } {
  const served = lane.served * largeBytes;
  const unusable = lane.unusableBytes;
  return { served, overhead: Math.max(0, lane.freeBytes - served - unusable), unusable };
}

export interface LatticeChartOptions { width: number }

/** One bar per allocator: the bytes free after phase 2, split by what phase 3 could do with them. */
export function latticeChart(result: LatticeResult, { width }: LatticeChartOptions): HTMLElement | SVGSVGElement {
  const parts = ["served to the large requests", "their headers and rounding", "free but unusable"];
  const rows = result.lanes.flatMap((lane) => {
    const budget = latticeBudget(lane, result.settings.largeBytes);
    return [
      { lane: lane.label, part: parts[0], bytes: budget.served },
      { lane: lane.label, part: parts[1], bytes: budget.overhead },
      { lane: lane.label, part: parts[2], bytes: budget.unusable },
    ];
  });
  return Plot.plot({
    width,
    height: 50 + 34 * result.lanes.length,
    marginLeft: 70,
    x: { label: "bytes free after step 2 →", tickFormat: (d: number) => formatBytes(d), grid: true },
    y: { label: null, domain: result.lanes.map((lane) => lane.label) },
    color: { domain: parts, range: [CELL_COLORS[1], CELL_COLORS[2], "#bdbdbd"], legend: true },
    marks: [
      Plot.barX(rows, {
        x: "bytes", y: "lane", fill: "part", order: parts,
        title: (d: { lane: string; part: string; bytes: number }) => `${d.lane}: ${formatBytes(d.bytes)} ${d.part}`,
      }),
      Plot.ruleX([0]),
    ],
  }) as HTMLElement | SVGSVGElement;
}

// Whole percents, except near 0 and 100, where a rounded "100%" would hide what little was served.
const pct = (x: number) => `${(100 * x).toFixed(x > 0 && (x < 0.01 || (x > 0.99 && x < 1)) ? 1 : 0)}%`;
const count = (x: number) => x.toLocaleString("en-US");

export function latticeTable(result: LatticeResult): HTMLElement {
  const rows = result.lanes.map((lane) => {
    const free = lane.phases[1];
    return {
      allocator: lane.label,
      placed: lane.placed,
      free: lane.freeBytes,
      hole: free ? free.largestFreeRun : 0,
      merges: free ? free.coalesces : 0,
      served: lane.served,
      bound: lane.compactBound,
      unusable: lane.unusableShare,
      status: lane.corrupt ? `stopped: ${lane.corrupt}` : "ok",
    };
  });
  const stopped = rows.some((row) => row.status !== "ok");
  return Inputs.table(rows, {
    columns: Object.keys(rows[0] ?? {}).filter((key) => key !== "status" || stopped),
    rows: rows.length + 1,
    layout: "auto",
    maxWidth: 1200,
    header: {
      placed: "blocks placed", free: "free after 2", hole: "largest run", merges: "merges in 2",
      served: "large served", bound: "one-run bound", unusable: "unusable",
    },
    format: { placed: count, free: formatBytes, hole: formatBytes, merges: count, served: count, bound: count, unusable: pct },
  }) as unknown as HTMLElement;
}

/** How prose names a lane: the allocator's title when the lane is a registry allocator at its defaults. */
function nameOf(lane: LatticeLane): string {
  return lane.label === lane.allocator ? allocatorInfo(lane.allocator).label : lane.label;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether the last small block that fitted was freed in step 2 (it may then merge with the arena's unused end). */
function endMerge(lane: LatticeLane, s: LatticeResult["settings"]): boolean {
  return lane.placed > 0 && (lane.placed - 1) % s.keepEvery !== s.keepEvery - 1;
}

function times(n: number): string {
  return n === 1 ? "once" : n === 2 ? "twice" : `${count(n)} times`;
}

function listText(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "none";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The paragraph over the verdicts: what step 2 handed back, who merged, who could serve nothing. */
export function latticeSummary(result: LatticeResult): string {
  const s = result.settings;
  const lanes = result.lanes.filter((lane) => !lane.corrupt);
  if (lanes.length === 0) return "Every allocator was stopped; see the messages above.";
  const freed = lanes.map((lane) => lane.freed * s.smallBytes);
  // One merge can be the last freed block meeting the unused end of the arena, not a hole meeting a hole.
  const mergers = lanes.filter((lane) => (lane.phases[1]?.coalesces ?? 0) > (endMerge(lane, s) ? 1 : 0)).map((lane) => nameOf(lane).toLowerCase());
  const none = lanes.filter((lane) => lane.served === 0).map((lane) => nameOf(lane).toLowerCase());
  const share = (100 * (s.keepEvery - 1)) / s.keepEvery;
  const freedText = Math.min(...freed) === Math.max(...freed) ? formatBytes(freed[0]) : `between ${formatBytes(Math.min(...freed))} and ${formatBytes(Math.max(...freed))}`;
  const merged = mergers.length
    ? `${mergers.length === lanes.length ? "Every allocator" : `Only ${listText(mergers)}`} merged freed blocks with a free neighbour.`
    : "No allocator merged one freed block with another: every hole is walled in by blocks that stay.";
  const served = none.length === lanes.length
    ? `Not one allocator could then serve a single malloc(${s.largeBytes}).`
    : none.length
      ? `${capitalized(listText(none))} could not serve a single malloc(${s.largeBytes}).`
      : `Every allocator served at least one malloc(${s.largeBytes}).`;
  return `Step 2 handed back ${freedText} in each arena — ${share.toFixed(0)}% of the small blocks that fitted. ${merged} ${served}`;
}

/** One sentence per allocator about phase 3, from its figures. */
export function latticeVerdict(lane: LatticeLane, result: LatticeResult): string {
  const s = result.settings;
  const name = nameOf(lane);
  if (lane.corrupt) return `${name} was stopped: ${lane.corrupt}.`;
  const free = lane.phases[1];
  if (!free) return `${name} has no snapshot after step 2.`;
  const merged = free.coalesces === 0
    ? "merged no freed blocks"
    : free.coalesces === 1 && endMerge(lane, s)
      ? "merged a freed block only once, where the last one freed touched the unused end of the arena"
      : `merged free neighbours ${times(free.coalesces)}`;
  if (lane.allocator === "bump" && lane.freeBytes < lane.freed * s.smallBytes) {
    return `${name} reclaimed none of the ${formatBytes(lane.freed * s.smallBytes)} freed (the freed blocks stay dead until every block is), so only ${formatBytes(lane.freeBytes)} past its cursor was free, and it served ${count(lane.served)} large requests.`;
  }
  const served = lane.served === 0
    ? `could not serve a single malloc(${s.largeBytes})`
    : `served ${count(lane.served)} malloc(${s.largeBytes}) of the ${count(lane.compactBound)} that ${formatBytes(lane.freeBytes)} in one run would hold`;
  return `${name} ${merged}, so its largest free run was ${formatBytes(free.largestFreeRun)}; it ${served}, leaving ${pct(lane.unusableShare)} of its free memory unusable for the request.`;
}

/** What the k sweep shows, per allocator, and the run length a boundary-tag allocator needs. */
export function keepSweepSummary(rows: readonly KeepSweepRow[], labels: readonly string[], result: LatticeResult): string {
  const s = result.settings;
  const firsts = result.lanes.filter((lane) => labels.includes(lane.label)).map((lane) => {
    const k = rows.find((row) => row.label === lane.label && row.served > 0)?.keepEvery;
    const name = nameOf(lane).toLowerCase();
    return k === undefined ? `${name} served none at any of these k` : `${name} served its first at k = ${k}`;
  });
  const run = coalescedRunNeeded(s.smallBytes, s.largeBytes);
  return `For malloc(${s.largeBytes}): ${firsts.join("; ")}. The free list and segregated fit need ${run === 1 ? "a single freed block" : `a run of ${run} freed neighbours`} to hold one: a ${blockSizeFor(s.largeBytes)}-byte block (the request with its 12 bytes of header and footer, rounded to 16), in holes made of ${blockSizeFor(s.smallBytes)}-byte blocks — so k − 1 ≥ ${run}, k ≥ ${run + 1}.`;
}

/** A line per allocator: the share of free memory unusable as the runs of freed neighbours grow. */
export function keepSweepChart(rows: readonly KeepSweepRow[], labels: readonly string[], { width }: { width: number }): HTMLElement | SVGSVGElement {
  return Plot.plot({
    width,
    height: 260,
    marginLeft: 50,
    x: { label: "keep one block in every k →", ticks: [...new Set(rows.map((r) => r.keepEvery))], tickFormat: "d" },
    y: { label: "↑ free memory unusable for the large request", percent: true, domain: [0, 100], grid: true },
    color: { domain: labels, range: labels.map((_, i) => LANE_COLORS[i % LANE_COLORS.length]), legend: true },
    marks: [
      Plot.lineY(rows, { x: "keepEvery", y: "unusableShare", stroke: "label", strokeWidth: 2, marker: "circle-stroke" }),
      Plot.tip(rows, Plot.pointer({ x: "keepEvery", y: "unusableShare", title: (d: { label: string; keepEvery: number; unusableShare: number }) => `${d.label}, k = ${d.keepEvery}: ${pct(d.unusableShare)} unusable` })),
    ],
  }) as HTMLElement | SVGSVGElement;
}

export interface StripElement extends HTMLElement { update(phase: number): void }

/**
 * A magnifier: the first `pixels` heat-map pixels of every lane (at a 64 KiB arena, the first
 * `pixels` bytes), one stretched row each, so single headers, blocks and holes can be told apart.
 */
export function latticeStrips(result: LatticeResult, { pixels = 1024, phase = 0 }: { pixels?: number; phase?: number } = {}): StripElement {
  const count = Math.min(pixels, GRID_PIXELS);
  const bytesPerPixel = result.settings.arenaBytes / GRID_PIXELS;
  const root = document.createElement("div") as unknown as StripElement;
  root.style.display = "grid";
  root.style.gridTemplateColumns = "max-content minmax(0, 1fr)";
  root.style.gap = "0.3rem 0.6rem";
  root.style.alignItems = "center";
  root.style.font = "12px var(--sans-serif)";
  const canvases = result.lanes.map((lane) => {
    const name = document.createElement("span");
    name.textContent = lane.label;
    const canvas = document.createElement("canvas");
    canvas.width = count;
    canvas.height = 1;
    canvas.style.width = "100%";
    canvas.style.height = "22px";
    canvas.style.imageRendering = "pixelated";
    canvas.style.borderRadius = "2px";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${lane.label}: the first ${count * bytesPerPixel} bytes of the arena`);
    root.append(name, canvas);
    return { lane, canvas };
  });
  const ruler = document.createElement("div");
  ruler.className = "stat-line";
  ruler.style.gridColumn = "2";
  ruler.style.display = "flex";
  ruler.style.justifyContent = "space-between";
  for (const at of [0, count / 2, count]) {
    const mark = document.createElement("span");
    mark.textContent = `${at * bytesPerPixel} B`;
    ruler.append(mark);
  }
  root.append(document.createElement("span"), ruler);
  root.update = (p: number) => {
    for (const { lane, canvas } of canvases) {
      const cells = lane.phases[Math.min(p, lane.phases.length - 1)]?.cells;
      const context = canvas.getContext("2d");
      if (!context) continue;
      const image = context.createImageData(count, 1);
      for (let i = 0; i < count; i++) {
        const [r, g, b, a] = cells ? CELL_RGBA[cellAt(cells, i)] : [255, 255, 255, 0];
        image.data.set([r, g, b, a], i * 4);
      }
      context.putImageData(image, 0, 0);
    }
  };
  root.update(phase);
  return root;
}
