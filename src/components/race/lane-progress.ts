// One progress bar per lane while a race runs in the lane workers: how many ops each lane has
// raced, updated in place as the workers report (no DOM is rebuilt per report). Reports come with
// every tick of every lane, hundreds a second; the bars take the latest at most every
// REPAINT_INTERVAL_MS. Set on every report they cost a 600k-op race ~150 ms of main-thread script
// (a CPU profile; ~40 ms now), plus the style and layout of each frame, on the cores the lane
// workers need.
import type { LaneProgress } from "../worker/race-client.js";

const REPAINT_INTERVAL_MS = 100;

export interface LaneProgressElement extends HTMLElement {
  update(lanes: LaneProgress[]): void;
}

export function laneProgressBars(labels: readonly string[]): LaneProgressElement {
  const root = document.createElement("div") as unknown as LaneProgressElement;
  root.className = "lane-progress";
  const rows = labels.map((label) => {
    const row = document.createElement("div");
    row.className = "lane-progress-row";
    const name = document.createElement("span");
    name.className = "lane-progress-label";
    name.textContent = label;
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `${label}: ops raced`);
    const figure = document.createElement("span");
    figure.className = "lane-progress-figure";
    figure.textContent = "waiting";
    row.append(name, bar, figure);
    root.append(row);
    return { bar, figure };
  });
  let latest: LaneProgress[] | null = null;
  let painted = -Infinity;
  const paint = () => {
    const lanes = latest;
    latest = null;
    painted = performance.now();
    lanes?.forEach((lane, i) => {
      const row = rows[i];
      if (!row) return;
      row.bar.value = lane.total ? lane.done / lane.total : 0;
      row.figure.textContent = lane.finished ? "done" : `${lane.done.toLocaleString("en-US")} ops`;
    });
  };
  root.update = (lanes) => {
    if (latest === null) setTimeout(() => requestAnimationFrame(paint), Math.max(0, painted + REPAINT_INTERVAL_MS - performance.now()));
    latest = lanes;
  };
  return root;
}
