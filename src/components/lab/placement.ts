// The placement lab's figures: speed against fragmentation with the Pareto front, the table of one
// stream's policies, and the classic results checked across every stream.
import * as Inputs from "@observablehq/inputs";
import * as Plot from "@observablehq/plot";
import { tickRule } from "../core/tick-rule.js";
import { CLAIM_TEXT, FRAGMENTATION_TIE, PLACEMENT_POLICIES, isComparable, placementFront, type ClaimTally, type PlacementPoint, formatBytes } from "../../lib/index.js";
import { LANE_COLORS } from "../core/palette.js";
import type { SweepRow } from "../worker/lab-races.js";
import type { RaceView } from "../core/race-view.js";

const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}%`;
const probes = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: x < 10 ? 2 : 1 });

/** Colour by placement, fill by list order (filled: address-ordered, ring: LIFO); the reference is a black square. */
export const PLACEMENT_COLORS: Readonly<Record<"first" | "next" | "best", string>> = { first: LANE_COLORS[1], next: LANE_COLORS[2], best: LANE_COLORS[3] };
const REFERENCE_COLOR = LANE_COLORS[6];
const PLACEMENT_NAMES = { first: "first fit", next: "next fit", best: "best fit" } as const;

function colorOf(point: Pick<PlacementPoint, "policy">): string {
  return point.policy ? PLACEMENT_COLORS[point.policy.placement] : REFERENCE_COLOR;
}

/** The key the two placement charts share, as HTML: three colours, two fills, one square. */
export function placementKey(): HTMLElement {
  const key = document.createElement("div");
  key.className = "heap-legend";
  const item = (swatch: (i: HTMLElement) => void, text: string) => {
    const span = document.createElement("span");
    const i = document.createElement("i");
    swatch(i);
    span.append(i, text);
    key.append(span);
  };
  for (const placement of ["first", "next", "best"] as const) item((i) => { i.style.background = PLACEMENT_COLORS[placement]; i.style.borderRadius = "50%"; }, PLACEMENT_NAMES[placement]);
  item((i) => { i.style.background = "currentColor"; i.style.borderRadius = "50%"; }, "filled / solid: address-ordered list");
  item((i) => { i.style.border = "2.5px solid currentColor"; i.style.borderRadius = "50%"; i.style.boxSizing = "border-box"; }, "ring / dashed: LIFO list");
  item((i) => { i.style.background = REFERENCE_COLOR; }, "segregated fit (reference)");
  return key;
}

export interface ParetoChartOptions { width: number; height?: number }

export function paretoChart(points: readonly PlacementPoint[], { width, height = 360 }: ParetoChartOptions): HTMLElement | SVGSVGElement {
  const front = placementFront(points);
  const data = points.map((p) => ({ ...p, onFront: front.includes(p), color: colorOf(p) }));
  const lifo = data.filter((d) => d.policy?.order === "lifo");
  const address = data.filter((d) => d.policy?.order === "address");
  const reference = data.filter((d) => d.policy === null);
  return Plot.plot({
    width,
    height,
    marginLeft: 56,
    marginRight: 20,
    x: { type: "log", label: "mean probes per operation (slower) →", grid: true, nice: true },
    y: { label: "↑ fragmentation (more memory)", percent: true, grid: true, zero: true },
    marks: [
      Plot.line(front, { x: "probesPerOp", y: "fragmentation", curve: "step-after", stroke: "currentColor", strokeOpacity: 0.45, strokeDasharray: "4,3" }),
      Plot.dot(data.filter((d) => d.onFront), { x: "probesPerOp", y: "fragmentation", r: 13, stroke: "currentColor", strokeOpacity: 0.35 }),
      // Rings first and larger, so a filled dot at the same spot sits inside its ring.
      Plot.dot(lifo, { x: "probesPerOp", y: "fragmentation", r: 9, stroke: "color", strokeWidth: 3, fill: "var(--theme-background, white)" }),
      Plot.dot(address, { x: "probesPerOp", y: "fragmentation", r: 5.5, fill: "color" }),
      Plot.dot(reference, { x: "probesPerOp", y: "fragmentation", r: 6, symbol: "square", fill: "color" }),
      Plot.tip(data, Plot.pointer({
        x: "probesPerOp", y: "fragmentation",
        title: (d: PlacementPoint & { onFront: boolean }) => `${d.label}${d.onFront ? " (on the front)" : ""}\n${probes(d.probesPerOp)} probes per op · ${pct(d.fragmentation)} fragmentation${d.failures ? `\n${d.failures} failed requests` : ""}`,
      })),
    ],
  }) as HTMLElement | SVGSVGElement;
}

export interface HighWaterElement extends HTMLElement { setTick(tick: number): void }

/** Each lane's high-water mark over the race, in the placement colours, with a rule at the scrubbed tick. */
export function highWaterChart(view: RaceView, { width, height = 260 }: { width: number; height?: number }): HighWaterElement {
  const policies = new Map(PLACEMENT_POLICIES.map((policy) => [policy.label, policy]));
  const rows = view.lanes.flatMap((lane) => {
    const policy = policies.get(lane.label) ?? null;
    return lane.ticks.map((t) => ({ lane: lane.label, op: t.op, highWater: t.highWater, color: colorOf({ policy }), dash: policy?.order === "lifo" ? "5,3" : policy ? "none" : "1,2" }));
  });
  const byLane = d3group(rows, (r) => r.lane);
  const plot = Plot.plot({
    width, height, marginLeft: 60,
    x: { label: "operations →", tickFormat: "~s" },
    y: { label: "↑ high-water mark", grid: true, zero: true, tickFormat: (d: number) => `${+(d / 1048576).toFixed(2)} MiB` },
    marks: [
      ...[...byLane.values()].map((laneRows) => Plot.line(laneRows, { x: "op", y: "highWater", stroke: laneRows[0].color, strokeWidth: 1.8, strokeDasharray: laneRows[0].dash })),
      Plot.tip(rows, Plot.pointer({ x: "op", y: "highWater", title: (d: { lane: string; op: number; highWater: number }) => `${d.lane}\nafter op ${d.op.toLocaleString("en-US")}: ${formatBytes(d.highWater)}` })),
    ],
  });
  const root = document.createElement("div") as unknown as HighWaterElement;
  root.append(plot);
  root.setTick = tickRule(plot, view, height);
  return root;
}

function d3group<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row); else groups.set(k, [row]);
  }
  return groups;
}

export function placementTable(points: readonly PlacementPoint[]): HTMLElement {
  const front = placementFront(points);
  const rows = points.map((p) => ({
    policy: p.label,
    front: front.includes(p) ? "●" : "",
    probesPerOp: p.probesPerOp,
    probesP99: p.probesP99,
    fragmentation: p.fragmentation,
    highWater: p.highWater,
    failures: p.failures,
  }));
  return Inputs.table(rows, {
    rows: rows.length + 1,
    layout: "auto",
    maxWidth: 1200,
    header: {
      front: "front", probesPerOp: "probes / op", probesP99: "probes p99", fragmentation: "fragmentation",
      highWater: "high-water mark",
    },
    format: { probesPerOp: probes, probesP99: probes, fragmentation: (x: number) => pct(x), highWater: formatBytes },
  }) as unknown as HTMLElement;
}

/** The sentences under the chart: who is fastest, who fragments least, what the front holds. */
export function placementSummary(points: readonly PlacementPoint[], streamName: string): string {
  const policies = points.filter((p) => p.policy !== null && isComparable(p));
  const failing = points.filter((p) => !isComparable(p));
  if (policies.length === 0) return `Every policy failed requests on ${streamName}: the arena is too small for it.`;
  const fastest = policies.reduce((a, b) => (b.probesPerOp < a.probesPerOp ? b : a));
  const tightest = policies.reduce((a, b) => (b.fragmentation < a.fragmentation ? b : a));
  const loosest = policies.reduce((a, b) => (b.fragmentation > a.fragmentation ? b : a));
  const front = placementFront(points);
  const reference = points.find((p) => p.policy === null);
  const parts = [
    `On ${streamName}, ${fastest.label} is the fastest policy (${probes(fastest.probesPerOp)} probes per operation) and ${tightest.label} fragments least (${pct(tightest.fragmentation)}); ${loosest.label} fragments most (${pct(loosest.fragmentation)}).`,
    front.length === 1
      ? `${front[0].label} is both, so it alone is on the front.`
      : `The front — the policies no other beats on both counts — holds ${front.map((p) => p.label).join(", ")}: moving along it buys less fragmentation with more probes.`,
  ];
  if (reference && isComparable(reference)) {
    parts.push(`Segregated fit, the reference, takes ${probes(reference.probesPerOp)} probes per operation for ${pct(reference.fragmentation)} fragmentation: its size classes find a fit without walking one long list.`);
  }
  if (failing.length) parts.push(`${failing.map((p) => p.label).join(", ")} failed requests or stopped, so ${failing.length === 1 ? "its figures describe" : "their figures describe"} less work and ${failing.length === 1 ? "it is" : "they are"} left off the front.`);
  return parts.join(" ");
}

/** The fragmentation of every policy on every stream; the least in each row is bold. */
export function sweepTable(rows: readonly SweepRow[], { streamName = (s: string) => s }: { streamName?: (source: string) => string } = {}): HTMLElement {
  const wrapper = document.createElement("div");
  wrapper.style.overflowX = "auto";
  wrapper.style.maxWidth = "100%";
  const table = document.createElement("table");
  table.style.fontVariantNumeric = "tabular-nums";
  table.style.maxWidth = "none";
  const labels = rows[0]?.points.map((p) => p.label) ?? [];
  const head = table.createTHead().insertRow();
  for (const text of ["stream", "ops", ...labels]) {
    const th = document.createElement("th");
    th.textContent = text;
    th.style.textAlign = text === "stream" ? "left" : "right";
    th.style.verticalAlign = "bottom";
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    const least = Math.min(...row.points.filter((p) => p.policy !== null && p.failures === 0 && p.corrupt === null).map((p) => p.fragmentation));
    const name = tr.insertCell();
    name.textContent = `${streamName(row.source)}${row.kind === "trace" ? " (recorded)" : ""}`;
    name.style.whiteSpace = "nowrap";
    const ops = tr.insertCell();
    ops.textContent = row.ops.toLocaleString("en-US");
    ops.style.textAlign = "right";
    for (const p of row.points) {
      const cell = tr.insertCell();
      cell.style.textAlign = "right";
      cell.textContent = p.corrupt ? "stopped" : p.failures ? `${pct(p.fragmentation)}*` : pct(p.fragmentation);
      if (p.policy !== null && p.failures === 0 && !p.corrupt && p.fragmentation <= least + FRAGMENTATION_TIE) cell.style.fontWeight = "700";
      cell.title = `${p.label}: ${probes(p.probesPerOp)} probes per op${p.failures ? `, ${p.failures} failed requests` : ""}`;
    }
  }
  wrapper.append(table);
  return wrapper;
}

export function claimsTable(tallies: readonly ClaimTally[], { streamName = (s: string) => s }: { streamName?: (source: string) => string } = {}): HTMLElement {
  const wrapper = document.createElement("div");
  wrapper.style.overflowX = "auto";
  const table = document.createElement("table");
  table.style.maxWidth = "none";
  const head = table.createTHead().insertRow();
  for (const [text, align] of [["Johnstone and Wilson (1998)", "left"], ["recorded programs", "right"], ["synthetic streams", "right"], ["where it does not hold", "left"]]) {
    const th = document.createElement("th");
    th.textContent = text;
    th.style.textAlign = align;
    th.style.verticalAlign = "bottom";
    head.append(th);
  }
  const body = table.createTBody();
  for (const t of tallies) {
    const tr = body.insertRow();
    const cells = [CLAIM_TEXT[t.claim], `${t.recorded.holds} of ${t.recorded.of}`, `${t.synthetic.holds} of ${t.synthetic.of}`, t.exceptions.map(streamName).join(", ") || "—"];
    cells.forEach((text, i) => {
      const td = tr.insertCell();
      td.textContent = text;
      td.style.textAlign = i === 1 || i === 2 ? "right" : "left";
      if (i === 0) td.style.minWidth = "16rem";
      if (i === 1 || i === 2) td.style.whiteSpace = "nowrap";
    });
  }
  wrapper.append(table);
  return wrapper;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n === 0 ? 0 : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function leastOf(row: SweepRow): number {
  return Math.min(...row.points.filter((p) => p.policy !== null && isComparable(p)).map((p) => p.fragmentation));
}

/** "Near zero" in Johnstone and Wilson's sense: under one percent. */
const NEAR_ZERO = 0.01;
/** Policies this close (absolute) agree. */
const AGREE = 0.01;

/** Where the lab's levels match the paper's "almost nothing" and where they do not, with the figures. */
export function levelNotes(rows: readonly SweepRow[], { streamName = (s: string) => s }: { streamName?: (source: string) => string } = {}): string {
  const recorded = rows.filter((row) => row.kind === "trace");
  const synthetic = rows.filter((row) => row.kind === "workload");
  const parts: string[] = [];
  if (recorded.length) {
    parts.push(`On the recorded programs the least fragmented policy wasted ${recorded.map((row) => `${pct(leastOf(row))} on ${streamName(row.source)}`).join(", ")}.`);
    const near = recorded.filter((row) => leastOf(row) < NEAR_ZERO);
    if (near.length) parts.push(`${near.length === recorded.length ? "All of them are" : `${near.map((row) => streamName(row.source)).join(" and ")} ${near.length === 1 ? "is" : "are"}`} in the paper's territory of almost nothing (read here as under one percent).`);
    const agreeing: string[] = [];
    const bigRequests: string[] = [];
    for (const row of recorded.filter((r) => leastOf(r) >= NEAR_ZERO)) {
      const good = row.points.filter((p) => isComparable(p) && (p.policy === null || p.policy.placement === "best" || (p.policy.placement === "first" && p.policy.order === "address")));
      const low = Math.min(...good.map((p) => p.fragmentation));
      const high = Math.max(...good.map((p) => p.fragmentation));
      const peakLive = Math.max(...row.points.map((p) => p.peakLiveBytes));
      const share = peakLive > 0 ? row.largestRequest / peakLive : 0;
      if (high - low <= AGREE) {
        agreeing.push(`${streamName(row.source)} (${pct(low)} to ${pct(high)})`);
        if (share >= low / 2 && share <= 2 * high) {
          bigRequests.push(`The largest single request of ${streamName(row.source)} is ${row.largestRequest.toLocaleString("en-US")} bytes, ${pct(share, 0)} of its peak live bytes: one block that size, arriving when no hole can take it, goes on top of the heap and opens a gap of that order by itself.`);
        }
      } else {
        parts.push(`${streamName(row.source)} is above it, and there placement still matters: its good policies range from ${pct(low)} to ${pct(high)}.`);
      }
    }
    if (agreeing.length) {
      parts.push(`${agreeing.length === 1 ? agreeing[0] : `${agreeing.slice(0, -1).join(", ")} and ${agreeing[agreeing.length - 1]}`} ${agreeing.length === 1 ? "is" : "are"} above it, yet there address-ordered first fit, both best fits and segregated fit land within a point of each other. When policies this different agree, the gap is not a placement mistake any of them could have avoided but a property of the stream.`, ...bigRequests);
    }
  }
  if (synthetic.length && recorded.length) {
    parts.push(`On the synthetic streams the least fragmented policy wasted ${pct(median(synthetic.map(leastOf)))} on the median stream, against ${pct(median(recorded.map(leastOf)))} on the median recorded program.`);
  }
  return parts.join(" ");
}

/** Best fit's price in this implementation, against the reference, over every stream. */
export function costNote(rows: readonly SweepRow[], { streamName = (s: string) => s }: { streamName?: (source: string) => string } = {}): string {
  const probesOf = (row: SweepRow, test: (p: PlacementPoint) => boolean) => row.points.find(test)?.probesPerOp ?? NaN;
  const isBest = (p: PlacementPoint) => p.policy?.placement === "best" && p.policy.order === "lifo";
  const isAoFirst = (p: PlacementPoint) => p.policy?.placement === "first" && p.policy.order === "address";
  const isReference = (p: PlacementPoint) => p.policy === null;
  const best = median(rows.map((row) => probesOf(row, isBest)));
  const aoFirst = median(rows.map((row) => probesOf(row, isAoFirst)));
  const reference = median(rows.map((row) => probesOf(row, isReference)));
  const close = rows.filter((row) => {
    const ref = row.points.find(isReference);
    const bestPoint = row.points.find(isBest);
    return ref && bestPoint && isComparable(ref) && ref.fragmentation <= bestPoint.fragmentation + 0.02;
  });
  const others = rows.filter((row) => !close.includes(row)).map((row) => streamName(row.source));
  const verdict = close.length * 2 >= rows.length
    ? "much of best fit's benefit is available without its search"
    : "its power-of-two classes are too coarse to stand in for a true best fit on most of them";
  return `Where the lab parts from the paper is cost, and for a reason the literature spells out: a policy is not its mechanism (Wilson et al. 1995). Best fit here searches one unsorted list, and on the median stream it examines ${probes(best)} probes per operation, address-ordered first fit ${probes(aoFirst)}, while segregated fit — an approximation of best fit through size classes — needs ${probes(reference)}. Segregated fit fragments within two points of best fit on ${close.length} of the ${rows.length} streams${others.length ? ` (not on ${others.join(", ")})` : ""}: ${verdict}. A best fit kept in a size-ordered tree would find the same blocks as this one without walking past every smaller block.`;
}
