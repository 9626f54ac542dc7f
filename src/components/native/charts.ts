// The native page's charts: speed against footprint (native and simulated on one pair of axes),
// RSS and live bytes over the stream with a rule that follows the scrubber, memory after the end,
// each allocator's own counters, the usable-size staircases, the knob settings, and sampled
// latency. Each takes plain rows (native-data.ts) and returns an element.
import * as Plot from "@observablehq/plot";
import { formatBytes } from "../../lib/index.js";
import {
  DEFAULT_CONFIG, NATIVE_ALLOCATORS, type CounterRow, type FootprintRow, type NativeLatencyRow, type NativeSummaryRow, type SpeedFootprintPoint, type StaircaseRow,
} from "./data.js";

/** One colour per production allocator, from the Okabe–Ito set, kept apart from the lane colours' order. */
export const NATIVE_COLORS = { domain: [...NATIVE_ALLOCATORS], range: ["#0072b2", "#d55e00", "#009e73", "#cc79a7"] };

const bytesTick = (d: number) => formatBytes(d);

function frame(plot: Element, caption?: string): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "native-chart";
  figure.append(plot);
  if (caption) {
    const c = document.createElement("figcaption");
    c.textContent = caption;
    figure.append(c);
  }
  return figure;
}

/** ns/op against peak footprint, log–log; the Pareto front as a step line through its points. */
export function speedFootprintChart(points: readonly SpeedFootprintPoint[], { width }: { width: number }): HTMLElement {
  const front = points.filter((p) => p.onFront).sort((a, b) => a.nsPerOp - b.nsPerOp);
  const plot = Plot.plot({
    width, height: 380, marginLeft: 70, marginRight: 110, marginTop: 30, inset: 12,
    x: { type: "log", label: "ns per op →", grid: true, tickFormat: "~s" },
    y: { type: "log", label: "↑ peak footprint", grid: true, tickFormat: bytesTick },
    symbol: { legend: true, domain: ["native", "simulated"], range: ["circle", "square"] },
    marks: [
      Plot.line(front, { x: "nsPerOp", y: "footprintBytes", curve: "step-after", stroke: "var(--theme-foreground-muted)", strokeDasharray: "4,3" }),
      Plot.dot(points, {
        x: "nsPerOp", y: "footprintBytes", symbol: "kind", r: 6,
        fill: (d: SpeedFootprintPoint) => (d.kind === "native" ? "currentColor" : "none"),
        stroke: (d: SpeedFootprintPoint) => (d.failures ? "#d55e00" : "currentColor"), strokeWidth: 1.5,
        tip: { format: { symbol: true, x: (d: number) => `${d.toFixed(1)} ns`, y: bytesTick } },
        title: (d: SpeedFootprintPoint) => `${d.allocator} (${d.kind})${d.failures ? `: ${d.failures.toLocaleString("en-US")} failed mallocs, not comparable` : d.onFront ? ": on the Pareto front" : ""}`,
      }),
      Plot.text(points, {
        x: "nsPerOp", y: "footprintBytes", dx: 9, textAnchor: "start", fontSize: 11,
        text: (d: SpeedFootprintPoint) => `${d.allocator}${d.onFront ? " ★" : ""}${d.failures ? " (failed)" : ""}`,
      }),
    ],
  });
  return frame(plot, "★ marks the Pareto front (dashed): no other allocator is both faster and smaller. Filled circles are native (CPU time of the C loop, peak RSS above the process's baseline); hollow squares are the simulated allocators (a bare TypeScript replay in a fresh worker, the fastest of its rounds by the wall clock, and the arena high water). A lane outlined in vermillion failed mallocs and is left off the front.");
}

/** RSS above the baseline (line) and live requested bytes (area) over ops, one row per allocator. */
export function footprintChart(rows: readonly FootprintRow[], { width, op }: { width: number; op: number }): HTMLElement {
  const plot = Plot.plot({
    width, height: 110 * NATIVE_ALLOCATORS.length + 40, marginLeft: 70, marginRight: 80,
    x: { label: "operations →", tickFormat: "~s" },
    y: { label: "bytes", grid: true, tickFormat: bytesTick, ticks: 3 },
    fy: { label: null, domain: [...NATIVE_ALLOCATORS] },
    color: { ...NATIVE_COLORS, legend: false },
    marks: [
      Plot.areaY(rows, { x: "op", y: "liveBytes", fy: "allocator", fill: "var(--theme-foreground-faintest)", curve: "step-after" }),
      Plot.lineY(rows, { x: "op", y: "rssBytes", fy: "allocator", stroke: "allocator", strokeWidth: 1.5, curve: "step-after", tip: { format: { y: bytesTick, fy: true, stroke: false } } }),
      Plot.ruleX([op], { stroke: "var(--theme-foreground-focus, steelblue)", strokeWidth: 1.5 }),
      Plot.frame({ stroke: "var(--theme-foreground-faintest)" }),
    ],
  }) as Element;
  return frame(plot, "Line: resident memory above the process's baseline before the stream (RSS from /proc/self/statm). Grey area: the bytes the program had asked for and not freed. The gap between them is the allocator's footprint: headers, size-class rounding, free memory it keeps, pages it has not returned.");
}

/** RSS at the end of the stream, then 100 ms and 1 s later (memory returned to the OS while idle). */
export function afterEndChart(lanes: readonly NativeSummaryRow[], { width }: { width: number }): HTMLElement {
  const rows = lanes.flatMap((l) => [
    { allocator: l.allocator, when: "end of stream", bytes: l.endRssBytes },
    ...(l.rss100msBytes === null ? [] : [{ allocator: l.allocator, when: "+100 ms", bytes: l.rss100msBytes }]),
    ...(l.rss1sBytes === null ? [] : [{ allocator: l.allocator, when: "+1 s", bytes: l.rss1sBytes }]),
    { allocator: l.allocator, when: "peak", bytes: l.peakRssBytes },
  ]);
  const plot = Plot.plot({
    width, height: 60 * lanes.length + 60, marginLeft: 80,
    x: { label: "RSS above baseline →", grid: true, tickFormat: bytesTick, zero: true },
    y: { label: null, domain: lanes.map((l) => l.allocator) },
    symbol: { legend: true, domain: ["peak", "end of stream", "+100 ms", "+1 s"], range: ["triangle", "circle", "diamond", "square"] },
    marks: [
      Plot.ruleY(lanes, { y: "allocator", x1: (d: NativeSummaryRow) => Math.min(d.endRssBytes, d.rss1sBytes ?? d.endRssBytes), x2: "peakRssBytes", stroke: "var(--theme-foreground-faint)" }),
      Plot.dot(rows, { x: "bytes", y: "allocator", symbol: "when", stroke: "allocator", fill: "allocator", fillOpacity: 0.3, r: 5, tip: { format: { x: bytesTick } } }),
    ],
    color: NATIVE_COLORS,
  });
  return frame(plot);
}

/** What each allocator's own counters mean (they are never compared across allocators). */
export const COUNTER_NOTES: Record<string, string> = {
  "stats.allocated": "bytes in blocks the program holds",
  "stats.active": "bytes in pages holding at least one block",
  "stats.resident": "bytes in physically resident pages jemalloc maps, metadata included",
  "stats.mapped": "bytes in extents mapped by jemalloc",
  "stats.metadata": "jemalloc's own metadata",
  "stats.retained": "virtual memory kept mapped for reuse, not resident",
  "generic.current_allocated_bytes": "bytes in blocks the program holds",
  "generic.heap_size": "bytes tcmalloc obtained from the OS",
  "tcmalloc.pageheap_free_bytes": "free pages still mapped and resident",
  "tcmalloc.pageheap_unmapped_bytes": "free pages returned to the OS (still reserved)",
  "tcmalloc.central_cache_free_bytes": "free objects in the central size-class lists",
  "tcmalloc.thread_cache_free_bytes": "free objects in the thread cache",
  "tcmalloc.transfer_cache_free_bytes": "free objects in transit between caches",
  "mi.current_rss": "mimalloc 2.0 reports committed memory here, not true RSS",
  "mi.peak_rss": "peak of the above",
  "mi.current_commit": "memory mimalloc has committed",
  "mi.peak_commit": "peak committed",
  "mi.page_faults": "page faults of the process",
  "mallinfo2.arena": "bytes in the main arena obtained with sbrk",
  "mallinfo2.uordblks": "bytes in blocks in use",
  "mallinfo2.fordblks": "bytes in free chunks",
  "mallinfo2.hblkhd": "bytes in mmap'ed chunks",
  "mallinfo2.hblks": "number of mmap'ed chunks",
  "mallinfo2.keepcost": "free bytes at the top of the heap that trimming could return",
};

/** Each allocator's counters as its own small bar chart: its breakdown, in its own terms. */
export function countersChart(rows: readonly CounterRow[], allocator: string, { width }: { width: number }): HTMLElement {
  const mine = rows.filter((r) => r.allocator === allocator && !/hblks$|page_faults$/.test(r.name));
  const counts = rows.filter((r) => r.allocator === allocator && /hblks$|page_faults$/.test(r.name));
  const plot = Plot.plot({
    width, height: 26 * mine.length + 40, marginLeft: 230,
    x: { label: "bytes →", grid: true, tickFormat: bytesTick, zero: true },
    y: { label: null, domain: mine.map((r) => r.name) },
    marks: [
      Plot.barX(mine, { x: "value", y: "name", fill: NATIVE_COLORS.range[NATIVE_ALLOCATORS.indexOf(allocator as never)], tip: { format: { x: bytesTick } }, title: (d: CounterRow) => `${d.name}: ${formatBytes(d.value)} — ${COUNTER_NOTES[d.name] ?? ""}` }),
      Plot.text(mine, { x: "value", y: "name", text: (d: CounterRow) => formatBytes(d.value), dx: 4, textAnchor: "start", fontSize: 10 }),
    ],
  });
  const notes = mine.map((r) => `${r.name}: ${COUNTER_NOTES[r.name] ?? "as the allocator names it"}`).concat(counts.map((r) => `${r.name} = ${r.value.toLocaleString("en-US")} (${COUNTER_NOTES[r.name] ?? ""})`));
  return frame(plot, notes.join("; "));
}

/** Usable size against requested size, one step line per allocator. */
export function staircaseChart(rows: readonly StaircaseRow[], { width, maxRequested }: { width: number; maxRequested: number }): HTMLElement {
  const steps = rows.filter((r) => !r.spot && r.requested <= maxRequested);
  // Close each allocator's last step at the right edge so the final tread is drawn.
  const ends = NATIVE_ALLOCATORS.flatMap((a) => {
    const last = steps.filter((r) => r.allocator === a).at(-1);
    return last ? [{ ...last, requested: maxRequested }] : [];
  });
  const plot = Plot.plot({
    width, height: 380, marginLeft: 70,
    x: { label: "requested bytes →", tickFormat: bytesTick, domain: [0, maxRequested] },
    y: { label: "↑ usable bytes (malloc_usable_size)", grid: true, tickFormat: bytesTick, zero: true },
    color: { ...NATIVE_COLORS, legend: true },
    marks: [
      Plot.line([{ x: 0, y: 0 }, { x: maxRequested, y: maxRequested }], { x: "x", y: "y", stroke: "var(--theme-foreground-faint)", strokeDasharray: "2,3" }),
      Plot.line([...steps, ...ends].sort((a, b) => a.allocator.localeCompare(b.allocator) || a.requested - b.requested), { x: "requested", y: "usable", z: "allocator", stroke: "allocator", curve: "step-after", strokeWidth: 1.5, tip: { format: { x: bytesTick, y: bytesTick } } }),
    ],
  });
  return frame(plot, "Dotted: usable = requested, no waste. Each tread is a size class: every request on it gets the same block, and the height above the diagonal is internal fragmentation for that request.");
}

/** Peak, end and +1 s RSS of every setting of each allocator, default first. */
export function knobsChart(lanes: readonly NativeSummaryRow[], { width }: { width: number }): HTMLElement {
  const touched = lanes.filter((l) => l.touch);
  const label = (l: NativeSummaryRow) => `${l.allocator}: ${l.config === DEFAULT_CONFIG ? "default" : l.config} · ${l.nsPerOp.toFixed(0)} ns/op`;
  const order = NATIVE_ALLOCATORS.flatMap((a) => touched.filter((l) => l.allocator === a).sort((x, y) => (x.config === DEFAULT_CONFIG ? -1 : y.config === DEFAULT_CONFIG ? 1 : x.config.localeCompare(y.config))));
  const rows = order.flatMap((l) => [
    { setting: label(l), allocator: l.allocator, measure: "peak", bytes: l.peakRssBytes },
    { setting: label(l), allocator: l.allocator, measure: "end of stream", bytes: l.endRssBytes },
    ...(l.rss1sBytes === null ? [] : [{ setting: label(l), allocator: l.allocator, measure: "+1 s", bytes: l.rss1sBytes }]),
  ]);
  const plot = Plot.plot({
    width, height: 28 * order.length + 60, marginLeft: Math.min(440, width * 0.55),
    x: { label: "RSS above baseline →", grid: true, tickFormat: bytesTick, zero: true },
    y: { label: null, domain: order.map(label) },
    symbol: { legend: true, domain: ["peak", "end of stream", "+1 s"], range: ["triangle", "circle", "square"] },
    color: NATIVE_COLORS,
    marks: [
      Plot.dot(rows, { x: "bytes", y: "setting", symbol: "measure", stroke: "allocator", r: 5, tip: { format: { x: bytesTick } } }),
    ],
  });
  return frame(plot, "Each row is one run of the stream under one setting; the label gives its median CPU ns per op.");
}

/** The settings measured beside the defaults, as a table whose explanations wrap. */
export function settingsTable(settings: ReadonlyArray<{ allocator: string; config: string; why: string }>): HTMLElement {
  const table = document.createElement("table");
  table.className = "native-settings";
  const head = table.createTHead().insertRow();
  for (const h of ["allocator", "setting (environment)", "what it should do"]) head.append(Object.assign(document.createElement("th"), { textContent: h }));
  const body = table.createTBody();
  for (const s of settings) {
    const row = body.insertRow();
    row.insertCell().textContent = s.allocator;
    const code = document.createElement("code");
    code.textContent = s.config;
    row.insertCell().append(code);
    row.insertCell().textContent = s.why;
  }
  const wrap = document.createElement("div");
  wrap.className = "native-settings-wrap";
  wrap.append(table);
  return wrap;
}

/** Sampled ns per op (1 in N) by allocator, malloc and free overlaid. */
export function nativeLatencyChart(rows: readonly NativeLatencyRow[], { width }: { width: number }): HTMLElement {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(`${r.allocator}/${r.op}`, (totals.get(`${r.allocator}/${r.op}`) ?? 0) + r.count);
  const shares = rows.map((r) => ({ ...r, lower: r.bucket === 0 ? 0.5 : r.upper / 2, share: r.count / (totals.get(`${r.allocator}/${r.op}`) ?? 1) }));
  const plot = Plot.plot({
    width, height: 80 * NATIVE_ALLOCATORS.length + 50, marginLeft: 80,
    x: { type: "log", base: 2, label: "ns per op (sampled, clock cost subtracted) →", tickFormat: "~s" },
    y: { label: null, axis: null, domain: [0, 1] },
    fy: { label: null, domain: [...NATIVE_ALLOCATORS] },
    color: { domain: ["malloc", "free", "realloc"], range: ["#0072b2", "#e69f00", "#009e73"], legend: true },
    marks: [
      Plot.rectY(shares, { x1: "lower", x2: "upper", y: "share", fy: "allocator", fill: "op", fillOpacity: 0.55, mixBlendMode: "multiply", tip: { format: { y: (d: number) => `${(100 * d).toFixed(1)}% of sampled ops`, x1: false } } }),
      Plot.frame({ stroke: "var(--theme-foreground-faintest)" }),
    ],
  });
  return frame(plot, "Each bar is one log2 bucket (the same buckets as the simulated lanes' histograms), as a share of that operation's samples. Times below the clock's own resolution land in the first buckets.");
}
