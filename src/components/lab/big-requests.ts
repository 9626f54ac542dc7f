// The "Where big requests go" lab's charts: the threshold each lane applies over the stream with
// every big request placed against it, what each lane holds over time (the heap in use, the heap
// held free below its top, and the mapped bytes), and the layout of both heaps after one op.
// The model is lib/labs/big-requests.ts; the page only wires inputs to these.
import * as Plot from "@observablehq/plot";
import type { BigRequestsLab } from "../../lib/index.js";
import { CELL_COLORS } from "../core/palette.js";

const [FREE, USED, HEADER] = CELL_COLORS;
const RESERVED = CELL_COLORS[3];
const kib = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString("en-US")} KiB`;
const WHERE_COLORS = { mapped: "#cc79a7", heap: USED } as const;
// Each lane is a facet row, named inside its frame: a facet axis on the right is cut off on a
// narrow screen, and the names are long.
const laneName = (lab: BigRequestsLab) => Plot.text(lab.lanes.map((lane) => lane.label), {
  fy: (d: string) => d, text: (d: string) => d, frameAnchor: "top-left", dx: 6, dy: 6, fontWeight: 600, fill: "currentColor",
});

export interface BigChartOptions { width: number; op: number }

/** Per lane, the threshold in force after each op (a step line) and each big request as a dot, coloured by where it went. */
export function thresholdChart(lab: BigRequestsLab, { width, op }: BigChartOptions): SVGSVGElement | HTMLElement {
  const thresholds = lab.lanes.flatMap((lane) => lane.steps.map((s) => ({ lane: lane.label, op: s.op, threshold: s.threshold / 1024 })));
  const requests = lab.lanes.flatMap((lane) => lane.steps.filter((s) => s.bigSize > 0).map((s) => ({ lane: lane.label, op: s.op, size: s.bigSize / 1024, where: s.where === "mapped" ? "mapped" : "from the heap" })));
  const top = Math.max(...thresholds.map((t) => t.threshold), ...requests.map((r) => r.size));
  return Plot.plot({
    width, height: 320, marginLeft: 48, marginRight: 12,
    fy: { axis: null, padding: 0.12 },
    x: { label: "operation", domain: [0, lab.stream.trace.length + 1] },
    y: { label: "KiB", grid: true, domain: [0, top * 1.3], ticks: 4 },
    color: { domain: ["mapped", "from the heap"], range: [WHERE_COLORS.mapped, WHERE_COLORS.heap], legend: true },
    marks: [
      Plot.frame({ stroke: "var(--theme-foreground-faintest)" }),
      laneName(lab),
      Plot.lineY(thresholds, { x: "op", y: "threshold", fy: "lane", curve: "step-after", stroke: "currentColor", strokeWidth: 1.5 }),
      Plot.text(thresholds, Plot.selectFirst({ x: "op", y: "threshold", fy: "lane", text: () => "threshold", dx: 4, dy: 8, textAnchor: "start", fill: "currentColor" })),
      Plot.dot(requests, { x: "op", y: "size", fy: "lane", fill: "where", r: 5, stroke: "white", tip: true, title: (d) => `${d.lane}\nop ${d.op}: malloc(${Math.round(d.size)} KiB) ${d.where}` }),
      Plot.ruleX([op], { stroke: "var(--theme-foreground-focus, steelblue)", strokeWidth: 1.5 }),
    ],
  });
}

/** Per lane, what it holds after each op, stacked: heap in use, heap free below its top (held, not returnable), mapped. */
export function heldChart(lab: BigRequestsLab, { width, op }: BigChartOptions): SVGSVGElement | HTMLElement {
  const parts = ["heap in use", "heap held free", "mapped"] as const;
  const rows = lab.lanes.flatMap((lane) => lane.steps.flatMap((s) => [
    { lane: lane.label, op: s.op, part: parts[0], kib: (s.heapTop - s.heldFree) / 1024 },
    { lane: lane.label, op: s.op, part: parts[1], kib: s.heldFree / 1024 },
    { lane: lane.label, op: s.op, part: parts[2], kib: s.mappedBytes / 1024 },
  ]));
  const top = Math.max(...lab.lanes.flatMap((lane) => lane.steps.map((s) => s.held / 1024)));
  return Plot.plot({
    width, height: 320, marginLeft: 48, marginRight: 12,
    fy: { axis: null, padding: 0.12 },
    x: { label: "operation", domain: [0, lab.stream.trace.length + 1] },
    y: { label: "KiB held", grid: true, domain: [0, top * 1.3], ticks: 4 },
    color: { domain: [...parts], range: [USED, RESERVED, WHERE_COLORS.mapped], legend: true },
    marks: [
      Plot.frame({ stroke: "var(--theme-foreground-faintest)" }),
      Plot.areaY(rows, Plot.stackY({ x: "op", y: "kib", fy: "lane", fill: "part", order: [...parts], curve: "step-after" })),
      laneName(lab),
      Plot.ruleX([op], { stroke: "var(--theme-foreground-focus, steelblue)", strokeWidth: 1.5 }),
    ],
  });
}

const KIND_COLORS: Record<string, string> = { used: USED, free: FREE, metadata: HEADER, mapped: WHERE_COLORS.mapped };

/**
 * Both lanes' memory after op `op`, a row each: the heap from its start to its top now (the
 * axis runs to the highest top either lane reaches), then — past a gap — the mapped blocks, each
 * on its own. Blocks too small to see at this scale are drawn 2 px wide.
 */
export function layoutChart(lab: BigRequestsLab, { width, op }: BigChartOptions): SVGSVGElement | HTMLElement {
  const heapEnd = Math.max(...lab.lanes.flatMap((lane) => lane.steps.map((s) => s.heapTop)), 64 * 1024);
  const mappedMost = Math.max(...lab.lanes.flatMap((lane) => lane.steps.map((s) => s.mappedBytes)), 0);
  const gap = Math.max(heapEnd, mappedMost) * 0.08;
  const end = heapEnd + gap + Math.max(mappedMost, heapEnd * 0.2) * 1.05;
  const minWidth = (2 * end) / Math.max(width - 24, 100);
  const tops = lab.lanes.map((lane) => ({ lane: lane.label, top: lane.steps[op - 1]?.heapTop ?? 0, mapped: lane.steps[op - 1]?.mappedBytes ?? 0 }));
  const rows = lab.lanes.flatMap((lane) => {
    let mappedX = heapEnd + gap;
    return (lane.layouts[op - 1] ?? []).map((b) => {
      const x1 = b.kind === "mapped" ? mappedX : b.start;
      const drawn = b.kind === "free" ? b.bytes : Math.max(b.bytes, minWidth);
      if (b.kind === "mapped") mappedX += b.bytes + gap / 8;
      return { lane: lane.label, kind: b.kind === "dead" ? "used" : b.kind, x1, x2: x1 + drawn, bytes: b.bytes, start: b.start };
    });
  });
  return Plot.plot({
    width, height: 170, marginLeft: 12, marginRight: 12, marginTop: 8,
    fy: { axis: null, domain: lab.lanes.map((l) => l.label), padding: 0.1 },
    x: { domain: [0, end], axis: null },
    y: { axis: null, domain: [0, 1] },
    color: { domain: Object.keys(KIND_COLORS), range: Object.values(KIND_COLORS), legend: true },
    marks: [
      Plot.text(tops, { fy: "lane", text: (d) => `${d.lane}: heap ${kib(d.top)}${d.mapped ? ` · mapped ${kib(d.mapped)}` : ""}`, frameAnchor: "top-left", fontWeight: 600, fill: "currentColor" }),
      Plot.rect(tops, { x1: 0, x2: "top", y1: 0.15, y2: 0.6, fy: "lane", fill: FREE, stroke: "var(--theme-foreground-faint)" }),
      Plot.rect(rows, { x1: "x1", x2: "x2", y1: 0.15, y2: 0.6, fy: "lane", fill: "kind", stroke: (d) => (d.kind === "mapped" ? "currentColor" : "none"), title: (d) => `${d.kind} ${kib(d.bytes)} at 0x${d.start.toString(16)}` }),
      Plot.ruleX([heapEnd + gap / 2], { y1: 0.05, y2: 0.7, stroke: "var(--theme-foreground-faint)", strokeDasharray: "3 3" }),
      Plot.text([lab.lanes[1].label], { fy: (d: string) => d, x: () => heapEnd + gap / 2, y: 0.72, text: () => "arena | mapped", textAnchor: "middle", fill: "var(--theme-foreground-muted)", fontSize: 10 }),
    ],
  });
}
