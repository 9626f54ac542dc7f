// The mixing-lifetimes lab's readouts: the paragraph that states what this run shows (every figure
// read from the run), the summary table, and the check against the literature. The race itself
// runs in the lab worker (lab-offthread.ts); these only read its payload.
import type { LifetimesPayload } from "../worker/lab-offthread-protocol.js";
import type { LaneView } from "../core/race-view.js";
import { formatKiB } from "./footprint-chart.js";

export interface LifetimesContext {
  /** The knobs the run used, for sentences that name them. */
  chunkBytes: number;
  arenaBytes: number;
  concurrency: number;
  pinEvery: number;
  pinLifetime: number;
}

export interface LifetimesFigures {
  peakLive: number;
  general: LaneView; regions: LaneView; segregated: LaneView;
  /** High-water marks halfway through and at the end, per lane. */
  halfway: [number, number, number];
  end: [number, number, number];
  /** Regions still owning chunks when the stream ended (every request has finished by then). */
  regionsAtEnd: number;
  /** The most regions alive at once in the request-arena lane. */
  regionsPeak: number;
  climbing: boolean;
}

export function lifetimesFigures(payload: LifetimesPayload): LifetimesFigures {
  const [general, regions, segregated] = payload.view.lanes;
  const mid = (lane: LaneView) => lane.ticks[Math.floor((lane.ticks.length - 1) / 2)]?.highWater ?? 0;
  const last = (lane: LaneView) => lane.ticks[lane.ticks.length - 1]?.highWater ?? 0;
  const halfway: [number, number, number] = [mid(general), mid(regions), mid(segregated)];
  const end: [number, number, number] = [last(general), last(regions), last(segregated)];
  const alive = payload.regionsAlive[1] ?? [];
  return {
    peakLive: Math.max(...payload.view.lanes.map((lane) => lane.peakLiveBytes)),
    general, regions, segregated, halfway, end,
    regionsAtEnd: alive[alive.length - 1] ?? 0,
    regionsPeak: Math.max(0, ...alive),
    climbing: end[1] > 1.25 * halfway[1],
  };
}

const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×` : "—");
const count = (n: number) => n.toLocaleString("en-US");

function paragraph(text: string): HTMLElement {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

/** What this run shows, in sentences whose every number comes from the payload. */
export function lifetimesFindings(payload: LifetimesPayload, context: LifetimesContext): HTMLElement {
  const f = lifetimesFigures(payload);
  const root = document.createElement("div");
  root.className = "lab-findings";
  const chunk = formatKiB(context.chunkBytes);
  if (payload.longLived === 0) {
    root.append(paragraph(
      `No request in this run keeps anything past its end, so every region gives its chunks back when its request finishes: ` +
      `the request arenas' high-water mark ends at ${formatKiB(f.end[1])}, about what ${context.concurrency} request${context.concurrency > 1 ? "s" : ""} in flight need ` +
      `in ${chunk} chunks, against ${formatKiB(f.end[0])} for one general heap. Set “one long-lived object every … requests” above 0 to see what a single survivor does.`,
    ));
  } else {
    const lifetime = context.pinLifetime === 0 ? "that is never freed" : `that lives on for ${count(context.pinLifetime)} more requests`;
    root.append(paragraph(
      `${count(payload.longLived)} of ${count(payload.requests)} requests allocated one object ${lifetime}; ` +
      `${count(payload.longLivedAtEnd)} of them were still live when the stream ended. Each keeps its whole region: after the last request finished, ` +
      `${count(f.regionsAtEnd)} region${f.regionsAtEnd === 1 ? " was" : "s were"} still holding ${chunk} chunks, and the request arenas' high-water mark had reached ` +
      `${formatKiB(f.end[1])} — ${times(f.end[1], f.peakLive)} the ${formatKiB(f.peakLive)} the program ever had live` +
      (f.climbing
        ? `, and still climbing (${formatKiB(f.halfway[1])} halfway through).`
        : context.pinLifetime > 0 ? `; it levelled off once the long-lived objects began to die as fast as new ones arrived.` : `.`),
    ));
    root.append(paragraph(
      `Give the long-lived objects a heap of their own and the regions go back to dying with their requests: the segregated lane ends at ` +
      `${formatKiB(f.end[2])}` + (f.end[2] < f.end[1] ? `, ${times(f.end[1], f.end[2])} less than the mixed request arenas` : `, no less than the mixed request arenas (${formatKiB(f.end[1])})`) +
      `. One general heap for everything ends at ${formatKiB(f.end[0])}` +
      (f.end[0] > 1.25 * f.halfway[0]
        ? ` and creeps up too (${formatKiB(f.halfway[0])} halfway): each survivor is a wall in the middle of what the requests around it freed.`
        : `.`),
    ));
  }
  const failing = payload.view.lanes.filter((lane) => lane.failures > 0);
  if (failing.length) {
    const why = (lane: LaneView) => (lane === f.general ? "no free block was large enough" : "no free chunk was left");
    root.append(paragraph(
      `Out of memory in a ${formatKiB(context.arenaBytes)} arena: ` +
      failing.map((lane) => `${lane.label} failed ${count(lane.failures)} mallocs (${why(lane)})`).join("; ") + ".",
    ));
  }
  return root;
}

/** The check against the literature: where the lab agrees that segregating lifetimes pays, and where it does not. */
export function lifetimesLiterature(payload: LifetimesPayload, context: LifetimesContext): HTMLElement {
  const f = lifetimesFigures(payload);
  const root = document.createElement("div");
  const probes = (lane: LaneView) => `${lane.probes.p50} (p99 ${lane.probes.p99})`;
  if (f.end[2] <= f.end[0]) {
    root.append(paragraph(
      `In this run the segregated heap wins on memory as well as on work: ${formatKiB(f.end[2])} against ${formatKiB(f.end[0])} for the general heap, ` +
      `with probes per operation at p50 ${probes(f.segregated)} against ${probes(f.general)}.`,
    ));
  } else {
    root.append(paragraph(
      `Here the lab parts from the simple story: one general heap needs less memory than the segregated one (${formatKiB(f.end[0])} against ${formatKiB(f.end[2])}). ` +
      `A region holds whole ${formatKiB(context.chunkBytes)} chunks, and each of the ${context.concurrency} request${context.concurrency > 1 ? "s" : ""} in flight holds at least one, mostly empty, ` +
      `while a general heap packs the same objects to the byte. What segregation buys here is work, not space: probes per operation at p50 ${probes(f.segregated)} against ${probes(f.general)}, ` +
      `and a request's objects die in one pass over its chunks. Try smaller chunks or fewer requests in flight, and the gap closes.`,
    ));
  }
  return root;
}

/** One row per lane: the figures the findings quote, side by side. */
export function lifetimesTable(payload: LifetimesPayload): HTMLElement {
  const f = lifetimesFigures(payload);
  const wrapper = document.createElement("div");
  wrapper.className = "lab-table";
  wrapper.style.overflowX = "auto";
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const title of ["lane", "high-water (end)", "÷ peak live", "regions alive (end)", "probes/op p50 · p99", "failures"]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  payload.view.lanes.forEach((lane, i) => {
    const row = body.insertRow();
    const alive = payload.regionsAlive[i] ?? [];
    const cells = [
      lane.label,
      formatKiB(f.end[i]),
      times(f.end[i], f.peakLive),
      i === 0 ? "—" : count(alive[alive.length - 1] ?? 0),
      `${lane.probes.p50} · ${lane.probes.p99}`,
      count(lane.failures),
    ];
    cells.forEach((text, c) => {
      const cell = row.insertCell();
      cell.textContent = text;
      if (c > 0) cell.style.textAlign = "right";
    });
  });
  wrapper.append(table);
  return wrapper;
}
