// The leak-or-fragmentation lab's readouts: each stream's verdict with the figures behind it, the
// survey of both streams under every heap, and the paragraphs that compare them with the
// literature. Every number is read from the lab worker's payloads.
import { DIAGNOSIS_RULES, type Diagnosis, type SurveyRow, formatBytes } from "../../lib/index.js";
import type { LeakStreamsPayload } from "../worker/lab-offthread-protocol.js";

type StreamRun = LeakStreamsPayload["runs"][number];

const pct = (x: number) => `${Math.round(100 * x)}%`;
const times = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(1)}` : "—");
const count = (n: number) => n.toLocaleString("en-US");

export const VERDICT_TEXT: Record<Diagnosis["verdict"], string> = {
  leak: "reads as a leak",
  fragmentation: "reads as fragmentation",
  both: "reads as both: a leak and fragmentation",
  steady: "is not rising",
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The op count at a tick of a stream's run. */
function opAt(run: StreamRun, tick: number): number {
  return run.view.lanes[0]?.ticks[tick]?.op ?? 0;
}

/** One stream's verdict and the two rises it is read from. */
export function leakVerdict(run: StreamRun, { reveal }: { reveal: boolean }): HTMLElement {
  const root = element("div", undefined, "lab-verdict");
  if (!reveal) {
    root.append(element("p", "Verdict hidden: switch on live bytes to read it.", "race-status"));
    return root;
  }
  const d = run.diagnosis;
  const p = element("p");
  p.style.fontSize = "15px";
  p.append(element("strong", `Stream ${run.name === "leak" ? "A" : "B"} ${VERDICT_TEXT[d.verdict]}.`));
  const rise = d.highWaterTo - d.highWaterFrom;
  p.append(document.createTextNode(
    ` From op ${count(opAt(run, d.fromTick))} to the end the high-water mark rose ${formatBytes(Math.max(0, rise))} ` +
    `(${formatBytes(d.highWaterFrom)} → ${formatBytes(d.highWaterTo)}); live bytes ${d.liveTo >= d.liveFrom ? "rose" : "fell"} ${formatBytes(Math.abs(d.liveTo - d.liveFrom))} ` +
    `(${formatBytes(d.liveFrom)} → ${formatBytes(d.liveTo)})` +
    (rise > 0 ? `, ${pct(d.explainedByLive)} of the rise. ` : `. `) +
    `Live ÷ high-water went from ${pct(d.utilizationFrom)} to ${pct(d.utilizationTo)}.`,
  ));
  root.append(p);
  const failures = run.view.lanes[0]?.failures ?? 0;
  if (failures > 0) root.append(element("p", `${count(failures)} mallocs failed: the arena ran out, so live bytes here undercount what the program asked for.`, "race-error"));
  return root;
}

/** The rule the verdicts follow, with the thresholds as the lab applies them. */
export function diagnosisRule(): HTMLElement {
  const p = element("p");
  p.textContent =
    `The rule: leave out the first ${pct(DIAGNOSIS_RULES.warmUp)} of the stream as warm-up, then compare the rise of the high-water mark to the rise of live bytes. ` +
    `A high-water mark that grew less than ${pct(DIAGNOSIS_RULES.minRise)} is not rising. If live bytes account for at least ${pct(DIAGNOSIS_RULES.leakShare)} of the rise, ` +
    `the program is holding on to memory: a leak. If they account for at most ${pct(DIAGNOSIS_RULES.fragmentationShare)}, the memory is free but unusable: fragmentation. In between, both.`;
  return p;
}

/** Both streams under every heap: how much the high-water mark rose, and how much of that live bytes explain. */
export function surveyTable(rows: readonly SurveyRow[]): HTMLElement {
  const wrapper = element("div", undefined, "lab-table");
  wrapper.style.overflowX = "auto";
  const table = element("table");
  const head = table.createTHead();
  const top = head.insertRow();
  const blank = element("th");
  top.append(blank);
  for (const title of ["Stream A", "Stream B"]) {
    const th = element("th", title);
    th.colSpan = 3;
    th.style.textAlign = "center";
    top.append(th);
  }
  const second = head.insertRow();
  for (const title of ["heap", "high-water", "explained", "verdict", "high-water", "explained", "verdict"]) second.append(element("th", title));
  const body = table.createTBody();
  const heaps = [...new Set(rows.map((r) => r.heap))];
  for (const heap of heaps) {
    const row = body.insertRow();
    const a = rows.find((r) => r.heap === heap && r.stream === "leak");
    const b = rows.find((r) => r.heap === heap && r.stream === "fragmentation");
    row.insertCell().textContent = (a ?? b)!.label;
    for (const r of [a, b]) {
      const d = r?.diagnosis;
      const cells = d ? [times(d.highWaterTo, d.highWaterFrom), pct(d.explainedByLive), d.verdict + (r!.failures > 0 ? ` (${count(r!.failures)} failed)` : "")] : ["—", "—", "—"];
      cells.forEach((text, c) => {
        const cell = row.insertCell();
        cell.textContent = text;
        cell.style.textAlign = c < 2 ? "right" : "left";
      });
    }
  }
  wrapper.append(table);
  return wrapper;
}

function find(rows: readonly SurveyRow[], stream: SurveyRow["stream"], heap: string): SurveyRow | undefined {
  return rows.find((r) => r.stream === stream && r.heap === heap);
}

const growth = (r: SurveyRow | undefined) => (r ? times(r.diagnosis.highWaterTo, r.diagnosis.highWaterFrom) : "—");

/** What the survey shows: a leak follows the program, fragmentation follows the heap. */
export function surveyFindings(rows: readonly SurveyRow[]): HTMLElement {
  const root = element("div", undefined, "lab-findings");
  const reusing = rows.filter((r) => r.stream === "leak" && r.heap !== "bump");
  const leakLike = reusing.filter((r) => r.diagnosis.verdict === "leak" || r.diagnosis.verdict === "both");
  const rising = reusing.filter((r) => r.diagnosis.verdict !== "steady");
  if (rising.length === 0) {
    root.append(element("p", `With these knobs stream A rises under none of the ${reusing.length} heaps that reuse freed memory: it leaks too little to show.`));
  } else {
    const shares = rising.map((r) => r.diagnosis.explainedByLive);
    root.append(element("p",
      `Stream A reads as a leak (or partly one) under ${leakLike.length} of the ${reusing.length} heaps that reuse freed memory, and wherever its mark rises, live bytes explain ` +
      `${pct(Math.min(...shares))} to ${pct(Math.max(...shares))} of the rise: the program keeps what it allocates, and no allocator can give that back.`,
    ));
  }
  const bumps = rows.filter((r) => r.heap === "bump");
  if (bumps.length === 2) {
    const [a, b] = bumps;
    root.append(element("p",
      `Bump reuses nothing until every object is dead, so on both streams its mark ${a.diagnosis.verdict === "steady" && b.diagnosis.verdict === "steady" ? "hardly moves" : "climbs"}: ` +
      `stream A ${VERDICT_TEXT[a.diagnosis.verdict]} there and stream B ${VERDICT_TEXT[b.diagnosis.verdict]}` +
      (a.failures + b.failures > 0 ? `, with ${count(a.failures + b.failures)} mallocs failing once the arena was full.` : "."),
    ));
  }
  const b = rows.filter((r) => r.stream === "fragmentation" && r.heap !== "bump");
  const steady = b.filter((r) => r.diagnosis.verdict === "steady");
  const ratio = (r: SurveyRow) => r.diagnosis.highWaterTo / Math.max(1, r.diagnosis.highWaterFrom);
  const worst = [...b].sort((x, y) => ratio(y) - ratio(x))[0];
  if (!worst || worst.diagnosis.verdict === "steady") {
    root.append(element("p", `With these knobs stream B rises under none of the heaps: its buffers do not grow enough to outrun the holes the old ones leave.`));
  } else {
    root.append(element("p",
      `Stream B depends on the heap. Its mark climbs ${growth(worst)} under ${worst.label}` +
      (steady.length ? `, but stays flat under ${steady.map((r) => r.label).join(" and ")}: the same program, the same live bytes, a different heap. ` : `, and less under others. `) +
      `When a rise goes away under another allocator, it was never the program's.`,
    ));
  }
  return root;
}

/** The check against Johnstone and Wilson (1998): address-ordered first fit and best fit against LIFO first fit. */
export function surveyLiterature(rows: readonly SurveyRow[]): HTMLElement {
  const root = element("div");
  const lifo = find(rows, "fragmentation", "first-lifo");
  const address = find(rows, "fragmentation", "first-address");
  const best = find(rows, "fragmentation", "best-address");
  if (!lifo || !address || !best) return root;
  const rises = (r: SurveyRow) => r.diagnosis.verdict !== "steady";
  root.append(element("p",
    `On stream B, LIFO first fit climbs ${growth(lifo)}, address-ordered first fit ${growth(address)} and address-ordered best fit ${growth(best)}. ` +
    (!rises(address) && rises(lifo)
      ? `Address-ordered first fit agrees with the classic result: it keeps filling the lowest holes, so the memory behind the oldest records is reused as soon as they die. `
      : `Here the lab parts from the classic result for address-ordered first fit. `) +
    (rises(best)
      ? `Best fit does not fare as well as it did on Johnstone and Wilson's programs. Stream B is built so that every new buffer is larger than the holes the old ones left: a constructed case, not one of the real programs their result is about, and it separates two policies that behaved alike on those.`
      : `Best fit holds up as well, as it did on their programs.`),
  ));
  return root;
}

/** What the two runs on screen show, beyond each verdict: a leak fragments too. */
export function streamsFindings(payload: LeakStreamsPayload): HTMLElement {
  const root = element("div", undefined, "lab-findings");
  const a = payload.runs.find((r) => r.name === "leak");
  const b = payload.runs.find((r) => r.name === "fragmentation");
  if (!a || !b) return root;
  root.append(element("p",
    `Stream A lost ${count(a.leaked)} buffers, ${formatBytes(a.leakedBytes)} in all, over ${count(a.ops)} operations; stream B lost nothing, ` +
    `and its live bytes ended at ${formatBytes(b.diagnosis.liveTo)} against ${formatBytes(b.diagnosis.liveFrom)} after the warm-up. ` +
    `From the warm-up to the end, stream A's high-water mark went ${times(a.diagnosis.highWaterTo, a.diagnosis.highWaterFrom)} and stream B's ${times(b.diagnosis.highWaterTo, b.diagnosis.highWaterFrom)}.`,
  ));
  if (a.diagnosis.highWaterTo > a.diagnosis.highWaterFrom && a.diagnosis.explainedByLive < 0.9) {
    root.append(element("p",
      `Even the leak is not all leak: live bytes explain ${pct(a.diagnosis.explainedByLive)} of stream A's rise, not all of it. ` +
      `Every lost buffer stays where it was, a wall between holes that could otherwise have merged, so a leak brings some fragmentation with it.`,
    ));
  }
  return root;
}
