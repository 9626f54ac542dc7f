// The free()-lookup lab's readouts: what each way of finding an object's class cost in this run
// (a table and a time-against-space chart), the lookup of one real object walked step by step,
// and the paragraphs that state the run's result. Every figure is read from the lab's payload.
import * as Plot from "@observablehq/plot";
import type { FreeLookupPayload } from "../worker/lab-offthread-protocol.js";
import type { LookupLaneFigures } from "../../lib/index.js";
import { formatBytes } from "../../lib/index.js";
import { LANE_COLORS } from "../core/palette.js";

export interface FreeLookupContext { spanBytes: number; tableLevels: number }

const hex = (n: number) => "0x" + n.toString(16).padStart(5, "0");
const two = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
const count = (n: number) => n.toLocaleString("en-US");

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The lanes' figures side by side. */
export function lookupTable(payload: FreeLookupPayload): HTMLElement {
  const wrapper = element("div", undefined, "lab-table");
  wrapper.style.overflowX = "auto";
  const table = element("table");
  const head = table.createTHead().insertRow();
  const titles = ["lane", "class lookup reads", "probes per free", "probes per malloc", "metadata (end)", "reserved (end)", "spans carved", "high-water", "failures"];
  for (const title of titles) head.append(element("th", title));
  const body = table.createTBody();
  for (const lane of payload.lanes) {
    const row = body.insertRow();
    const cells = [
      lane.label, two(lane.probesPerLookup), two(lane.probesPerFree), two(lane.probesPerMalloc),
      formatBytes(lane.metadataBytes), formatBytes(lane.reservedBytes), count(lane.spans), formatBytes(lane.highWater), count(lane.failures),
    ];
    cells.forEach((text, c) => {
      const cell = row.insertCell();
      cell.textContent = text;
      if (c > 0) cell.style.textAlign = "right";
    });
  }
  wrapper.append(table);
  return wrapper;
}

/** Time against space: probes per free() against the bytes each lane spends beyond the live data. */
export function lookupCostChart(payload: FreeLookupPayload, { width }: { width: number }): HTMLElement {
  const rows = payload.lanes.map((lane, i) => ({
    lane: lane.label,
    overhead: (lane.metadataBytes + lane.reservedBytes) / 1024,
    probes: lane.probesPerFree,
    color: LANE_COLORS[i % LANE_COLORS.length],
  }));
  const maxOverhead = Math.max(1, ...rows.map((r) => r.overhead));
  const maxProbes = Math.max(1, ...rows.map((r) => r.probes));
  const chart = Plot.plot({
    width, height: 260, marginLeft: 48, marginRight: 24,
    x: { label: "KiB spent beyond live data at the end (metadata + reserved)", domain: [0, maxOverhead * 1.25], grid: true },
    y: { label: "probes per free()", domain: [0, maxProbes * 1.3], grid: true },
    marks: [
      Plot.dot(rows, { x: "overhead", y: "probes", r: 7, fill: "color", stroke: "white", tip: true, title: (d: { lane: string; overhead: number; probes: number }) => `${d.lane}\n${two(d.probes)} probes per free\n${formatBytes(Math.round(d.overhead * 1024))} beyond live data` }),
      Plot.text(rows, { x: "overhead", y: "probes", text: "lane", dy: -14, fontSize: 12 }),
      Plot.ruleY([0]),
      Plot.ruleX([0]),
    ],
  });
  const root = element("div", undefined, "lab-cost-chart");
  root.style.maxWidth = "100%";
  root.style.overflowX = "auto";
  root.append(chart);
  return root;
}

/** One live object from the end of the run, and the reads each lane's free() makes to find its class. */
export function lookupWalkthrough(payload: FreeLookupPayload): HTMLElement {
  const root = element("div", undefined, "lab-walkthrough");
  root.style.display = "grid";
  root.style.gridTemplateColumns = "repeat(auto-fit, minmax(min(100%, 240px), 1fr))";
  root.style.gap = "0.75rem";
  for (const lane of payload.lanes) {
    const card = element("div", undefined, "card");
    card.style.margin = "0";
    card.append(element("h4", lane.label));
    if (lane.example.payload < 0) {
      card.append(element("p", "No object was live at the end of the run.", "race-status"));
      root.append(card);
      continue;
    }
    const call = element("code", `free(${hex(lane.example.payload)})`);
    const intro = element("p");
    intro.append(call);
    intro.append(document.createTextNode(lane.example.steps.length === 1 ? " reads one record:" : ` reads ${lane.example.steps.length} records, one after another:`));
    card.append(intro);
    const list = element("ol");
    list.style.paddingLeft = "1.2rem";
    list.style.margin = "0";
    for (const step of lane.example.steps) {
      const item = element("li");
      item.style.fontSize = "14px";
      item.append(element("code", `${step.bytes} B at ${hex(step.address)}`));
      item.append(document.createTextNode(` — ${step.what}`));
      list.append(item);
    }
    card.append(list);
    root.append(card);
  }
  return root;
}

function paragraph(text: string): HTMLElement {
  return element("p", text);
}

function lane(payload: FreeLookupPayload, lookup: LookupLaneFigures["lookup"]): LookupLaneFigures {
  return payload.lanes.find((l) => l.lookup === lookup)!;
}

/** What this run shows, every number from the payload. */
export function lookupFindings(payload: FreeLookupPayload, context: FreeLookupContext): HTMLElement {
  const header = lane(payload, "header"), aligned = lane(payload, "aligned"), table = lane(payload, "table");
  const root = element("div", undefined, "lab-findings");
  const span = formatBytes(context.spanBytes);
  root.append(paragraph(
    `To learn an object's class, free() read ${two(header.probesPerLookup)} record per call behind a header, ${two(aligned.probesPerLookup)} in aligned spans ` +
    `and ${two(table.probesPerLookup)} through the table — one per level. With the list upkeep that follows (relinking a span that was full, or handing back one that has just emptied), ` +
    `a free cost ${two(header.probesPerFree)} probes on average with headers, ${two(aligned.probesPerFree)} with aligned spans and ${two(table.probesPerFree)} with the table.`,
  ));
  const live = Math.max(1, header.liveBytes);
  root.append(paragraph(
    `Memory is where the three part ways. Headers are paid per object: at the end of the run the header lane held ${formatBytes(header.metadataBytes)} of headers ` +
    `for ${formatBytes(header.liveBytes)} of live data (${pct(header.metadataBytes / live)}). Aligned spans pay per span — a 32-byte descriptor in each of the ` +
    `${count(aligned.spans)} spans carved, ${formatBytes(aligned.metadataBytes)} of them in use at the end — and lose the room a descriptor takes from every ${span} span; the table pays ${formatBytes(table.tableBytes)} ` +
    `up front for every span the arena could hold, used or not. Reserved bytes (rounding up to the class, and span ends too short for one more object) came to ` +
    `${formatBytes(header.reservedBytes)}, ${formatBytes(aligned.reservedBytes)} and ${formatBytes(table.reservedBytes)}.`,
  ));
  const lowest = [...payload.lanes].sort((a, b) => a.highWater - b.highWater)[0];
  root.append(paragraph(
    `A header names the class but not the span, so the header lane can never give a span back: it carved ${count(header.spans)} spans against ` +
    `${count(aligned.spans)} and ${count(table.spans)} for the two lanes that return empty spans to a shared pool. High-water marks: ${formatBytes(header.highWater)}, ` +
    `${formatBytes(aligned.highWater)} and ${formatBytes(table.highWater)} — the ${lowest.label} lane touched the least memory in this run.`,
  ));
  if (payload.oversize > 0) {
    root.append(paragraph(`${count(payload.oversize)} requests were larger than the largest class (2 KiB) and failed in every lane alike; a real allocator would hand them to a page-level allocator.`));
  }
  return root;
}

/** Where this run agrees with the designs in the literature, and where the probe model falls short. */
export function lookupLiterature(payload: FreeLookupPayload, context: FreeLookupContext): HTMLElement {
  const aligned = lane(payload, "aligned"), table = lane(payload, "table");
  const root = element("div");
  const span = formatBytes(context.spanBytes);
  if (aligned.reservedBytes > 1.1 * table.reservedBytes) {
    root.append(paragraph(
      `This run shows why: aligned ${span} spans reserved ${formatBytes(aligned.reservedBytes)} against ${formatBytes(table.reservedBytes)} for the same objects in the table lane, ` +
      `because the 32-byte descriptor at the start of each span leaves room for one object fewer whenever the class divides the span exactly — for 2 KiB objects in 4 KiB spans, half of every span.`,
    ));
  } else {
    root.append(paragraph(
      `With these sizes and ${span} spans the descriptor costs the aligned lane little room: it reserved ${formatBytes(aligned.reservedBytes)} against ${formatBytes(table.reservedBytes)} ` +
      `for the table lane. Raise the largest size towards 2 KiB and shrink the spans to 4 KiB to see the case Bonwick moved off-slab.`,
    ));
  }
  return root;
}

/** Which lanes no other lane beats on both axes of the cost chart, in a sentence. */
export function lookupTradeoff(payload: FreeLookupPayload): HTMLElement {
  const points = payload.lanes.map((lane) => ({ lane, x: lane.metadataBytes + lane.reservedBytes, y: lane.probesPerFree }));
  const beats = (a: typeof points[number], b: typeof points[number]) => a.x <= b.x && a.y <= b.y && (a.x < b.x || a.y < b.y);
  const front = points.filter((p) => !points.some((q) => beats(q, p)));
  const beaten = points.filter((p) => !front.includes(p));
  let text: string;
  if (front.length === 1) {
    text = `In this run the ${front[0].lane.label} lane is best on both axes.`;
  } else {
    const names = front.map((p) => p.lane.label);
    text = `No lane is best on both axes: ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} each buy one with the other.`;
  }
  for (const p of beaten) {
    const winner = points.find((q) => beats(q, p))!;
    text += ` The ${p.lane.label} lane is beaten on both by ${winner.lane.label}.`;
  }
  return paragraph(`Lower and further left is better: fewer memory reads per free, fewer bytes spent on anything but the program's data. ${text}`);
}
