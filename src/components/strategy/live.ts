// Knobs, live: inputs generated from an allocator's KnobSpecs (lib/knobs.ts), and a small
// race run in the page with the knobs the reader chose — one lane with those knobs and, when they
// differ from the defaults, one lane with the defaults beside it — whose heat maps and figures
// update as the knobs move. A value the allocator rejects gets its message, never a blank.
import * as Inputs from "@observablehq/inputs";
import * as Plot from "@observablehq/plot";
import {
  ALLOCATOR_INFO, race, WORKLOAD_INFO, generateWorkload, type KnobSpec, type BuiltinAllocatorName, type AllocatorOptions, type LaneResult, type LaneSpec, type RaceResult, type WorkloadName,
} from "../../lib/index.js";
import { heapMap } from "../core/heap-map.js";
import { cellLegend } from "../core/legend.js";
import { LANE_COLORS } from "../core/palette.js";

type Knobs = Record<string, unknown>;

/** One input per knob (radio for a choice, number for an integer, toggle for a boolean), with its help; value: {knob: value}. */
export function knobForm(name: BuiltinAllocatorName): HTMLElement & { value: Knobs } {
  const knobs = ALLOCATOR_INFO[name].knobs;
  if (knobs.length === 0) {
    const note = document.createElement("p");
    note.className = "knob-none";
    note.textContent = `${ALLOCATOR_INFO[name].label} has no knobs: its block sizes are powers of two by definition. The arena, the stream and the seed below still change the race.`;
    return Object.assign(note, { value: {} as Knobs });
  }
  const inputs: Record<string, HTMLElement & { value: unknown }> = {};
  for (const knob of knobs) inputs[knob.name] = inputFor(knob);
  return Inputs.form(inputs, {
    template: (controls: Record<string, HTMLElement>) => {
      const box = document.createElement("div");
      box.className = "strategy-knob-form";
      for (const knob of knobs) {
        const help = document.createElement("div");
        help.className = "knob-help";
        help.textContent = knob.help;
        box.append(controls[knob.name], help);
      }
      return box;
    },
  }) as HTMLElement & { value: Knobs };
}

function inputFor(knob: KnobSpec): HTMLElement & { value: unknown } {
  switch (knob.kind) {
    case "choice":
      return Inputs.radio(knob.choices, { label: knob.label, value: knob.default });
    case "boolean":
      return Inputs.toggle({ label: knob.label, value: knob.default });
    case "integer":
      // No min/max here: an out-of-range number must reach the allocator, whose message names the range.
      return Inputs.number(undefined, { label: knob.label, value: knob.default, step: 1, validate: () => true, width: 120 });
  }
}

/** What is wrong with these knob values, in words, or null; the allocator itself has the last word. */
export function knobProblem(name: BuiltinAllocatorName, knobs: Knobs): string | null {
  for (const knob of ALLOCATOR_INFO[name].knobs) {
    const value = knobs[knob.name];
    if (knob.kind === "integer" && (typeof value !== "number" || !Number.isInteger(value) || value < knob.min || value > knob.max)) {
      return `${knob.label} must be a whole number from ${knob.min} to ${knob.max}${typeof value === "number" && !Number.isNaN(value) ? `, not ${value}` : ""}.`;
    }
  }
  return null;
}

function isDefault(name: BuiltinAllocatorName, knobs: Knobs): boolean {
  return ALLOCATOR_INFO[name].knobs.every((knob) => (knobs[knob.name] ?? knob.default) === knob.default);
}

function knobText(name: BuiltinAllocatorName, knobs: Knobs): string {
  const info = ALLOCATOR_INFO[name];
  if (info.knobs.length === 0) return "no knobs";
  return info.knobs.map((knob) => `${knob.label.toLowerCase()} ${String(knobs[knob.name] ?? knob.default)}`).join(", ");
}

/** Beyond this a synchronous race would hold the page up for seconds. */
const MAX_LIVE_OPS = 200_000;

export interface LiveRaceOptions {
  workload: WorkloadName; ops: number; seed: number; arenaBytes: number; width?: number;
  /** What the chart under the heat maps follows over the race. */
  series?: "fragmentation" | "failures";
}

/** Runs the race (synchronously: a few hundred ms at most at these sizes) and draws it. */
export function liveRace(name: BuiltinAllocatorName, knobs: Knobs, { workload, ops, seed, arenaBytes, width = 640, series = "fragmentation" }: LiveRaceOptions): HTMLElement {
  const root = document.createElement("div");
  root.className = "live-race";
  const problem = knobProblem(name, knobs);
  if (problem) return warn(root, problem);
  if (Number.isFinite(ops) && ops > MAX_LIVE_OPS) return warn(root, `${ops.toLocaleString("en-US")} operations is more than this page races on the spot; keep it to ${MAX_LIVE_OPS.toLocaleString("en-US")} or fewer.`);
  const info = ALLOCATOR_INFO[name];
  const label = info.knobs.length === 0 ? info.label : isDefault(name, knobs) ? "defaults" : "your knobs";
  const lanes: LaneSpec[] = [{ allocator: name, label, options: knobs as AllocatorOptions }];
  if (!isDefault(name, knobs)) lanes.push({ allocator: name, label: "defaults", options: {} });
  let result: RaceResult;
  const started = performance.now();
  try {
    result = race(generateWorkload(workload, { seed, ops, arenaBytes }), { lanes, arenaBytes, ticks: 32 });
  } catch (error) {
    return warn(root, `This race cannot run: ${(error as Error).message}`);
  }
  const elapsed = performance.now() - started;

  const heading = document.createElement("div");
  heading.className = "live-heading";
  heading.textContent = `${WORKLOAD_INFO[workload].title}, ${ops.toLocaleString("en-US")} ops, seed ${seed}, a ${kib(arenaBytes)} arena: raced in this page in ${elapsed.toFixed(0)} ms.`;
  root.append(heading);

  const cards = document.createElement("div");
  cards.className = "live-cards";
  result.lanes.forEach((lane, i) => {
    const card = document.createElement("div");
    card.className = "card live-card";
    const last = lane.ticks.at(-1);
    const title = info.knobs.length === 0 ? lane.label : `${lane.label}: ${knobText(name, i === 0 ? knobs : {})}`;
    if (last && last.cells.length) card.append(heapMap(last.cells, { title, width: 300, caption: `at the end, op ${last.op.toLocaleString("en-US")}` }));
    else card.append(text("div", "live-title", title));
    if (lane.corrupt) card.append(text("p", "live-warning", `Stopped: ${lane.corrupt}`));
    cards.append(card);
  });
  cards.append(figuresTable(result.lanes));
  root.append(cards, cellLegend(), seriesChart(result.lanes, series, width));
  return root;
}

const FIGURES: { label: string; value: (lane: LaneResult) => string }[] = [
  { label: "failed mallocs", value: (l) => l.failures.toLocaleString("en-US") },
  { label: "utilization", value: (l) => percent(l.utilization) },
  { label: "internal fragmentation", value: (l) => percent(l.internalFragmentation) },
  { label: "peak fragmentation", value: (l) => percent(l.peakFragmentation) },
  { label: "final fragmentation", value: (l) => percent(l.finalFragmentation) },
  { label: "probes per op, p50 / p99", value: (l) => `${l.probes.p50} / ${l.probes.p99}` },
  { label: "probes in all", value: (l) => l.totalProbes.toLocaleString("en-US") },
];

function figuresTable(lanes: readonly LaneResult[]): HTMLElement {
  const table = document.createElement("table");
  table.className = "live-figures";
  const head = table.createTHead().insertRow();
  head.append(text("th", "", ""));
  for (const lane of lanes) head.append(text("th", "", lane.label));
  const body = table.createTBody();
  for (const figure of FIGURES) {
    const row = body.insertRow();
    row.append(text("th", "", figure.label));
    for (const lane of lanes) row.append(text("td", "", figure.value(lane)));
  }
  const wrap = document.createElement("div");
  wrap.className = "live-table-wrap";
  wrap.append(table);
  return wrap;
}

function seriesChart(lanes: readonly LaneResult[], series: "fragmentation" | "failures", width: number): HTMLElement | SVGSVGElement {
  const data = lanes.flatMap((lane) => lane.ticks.map((tick) => ({ lane: lane.label, op: tick.op, value: tick[series] })));
  return Plot.plot({
    width,
    height: 180,
    marginLeft: 48,
    x: { label: "ops replayed →", tickFormat: "s" },
    y: series === "fragmentation"
      ? { label: "↑ fragmentation", tickFormat: "%", domain: [0, 1], grid: true }
      : { label: "↑ failed mallocs so far", grid: true, nice: true, tickFormat: "s" },
    color: { domain: lanes.map((lane) => lane.label), range: [LANE_COLORS[1], "#999999"], legend: lanes.length > 1 },
    marks: [Plot.ruleY([0]), Plot.line(data, { x: "op", y: "value", stroke: "lane", strokeWidth: 2, tip: true })],
  });
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

function text<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, content: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = content;
  return node;
}

function warn(root: HTMLElement, message: string): HTMLElement {
  const p = text("p", "live-warning", message);
  p.setAttribute("role", "alert");
  root.append(p);
  return root;
}

/** Arena sizes the live race offers: the 64 KiB minimum up to the 2 MiB the build-time races use. */
export const LIVE_ARENAS: ReadonlyMap<string, number> = new Map([64, 128, 256, 512, 1024, 2048].map((kib) => [kib < 1024 ? `${kib} KiB` : `${kib / 1024} MiB`, kib * 1024]));

export interface LiveControls { workload: WorkloadName; arenaBytes: number; ops: number; seed: number }

/** The stream, arena, length and seed of the live race; value: LiveControls. */
export function liveControls({ workload = "larson", arenaBytes = 256 * 1024, ops = 20_000, seed = 1 }: Partial<LiveControls> = {}): HTMLElement & { value: LiveControls } {
  const arenaLabel = [...LIVE_ARENAS].find(([, bytes]) => bytes === arenaBytes)?.[0] ?? "256 KiB";
  return Inputs.form({
    workload: Inputs.select(Object.keys(WORKLOAD_INFO), { label: "stream", value: workload, format: (name: WorkloadName) => WORKLOAD_INFO[name].title }),
    arenaBytes: Inputs.select(new Map(LIVE_ARENAS), { label: "arena", value: LIVE_ARENAS.get(arenaLabel) }),
    // Unbounded here, so a bad number reaches generateWorkload and its message says what is allowed.
    ops: Inputs.number(undefined, { label: "operations", value: ops, step: 1000, validate: () => true, width: 120 }),
    seed: Inputs.number(undefined, { label: "seed", value: seed, step: 1, validate: () => true, width: 120 }),
  }) as HTMLElement & { value: LiveControls };
}
