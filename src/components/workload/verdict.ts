// "Who wins and why", written from the numbers: the ranked leaderboard of one race, a paragraph that
// says which criterion of the ranking rule decided each place, and a note per allocator that ties
// its figures to how its strategy works. Nothing here is typed in by hand as a measurement: every
// figure is read from the race and the stream it raced.
import {
  ALLOCATOR_INFO, BUDDY_HEADER_BYTES, MIN_ORDER as BUDDY_MIN_ORDER, SLAB_CLASS_PRESETS, ALLOCATORS, type BuiltinAllocatorName,
} from "../../lib/index.js";
import { CELL_COLORS, LANE_COLORS } from "../core/palette.js";
import {
  countAbove, decidingCriterion, firstFailureTick, lastTickOf,
  type LaneTick, type RankedLane, type StreamShape,
} from "./data.js";
import { formatBytes, formatCount, pct, share } from "../core/format.js";

function laneColor(allocator: string): string {
  const i = (ALLOCATORS as readonly string[]).indexOf(allocator);
  return i < 0 ? CELL_COLORS[0] : LANE_COLORS[i];
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The allocator's name with its lane colour, as in the charts' legend. */
function laneName(lane: { allocator: string; label: string }): HTMLElement {
  const span = element("span", "workload-lane");
  span.style.whiteSpace = "nowrap";
  const swatch = element("i");
  swatch.style.cssText = `display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;background:${laneColor(lane.allocator)}`;
  span.append(swatch, lane.label);
  return span;
}

export interface RankingTableOptions {
  /** Mallocs plus reallocs of the stream, to show failures as a share of requests. */
  requests?: number;
}

/** The leaderboard in ranking order, with the criterion that put each lane below the one above. */
export function rankingTable(ranked: readonly RankedLane[], { requests }: RankingTableOptions = {}): HTMLElement {
  const wrap = element("div", "workload-table");
  wrap.style.cssText = "overflow-x:auto;max-width:100%";
  const table = element("table");
  table.style.cssText = "font-variant-numeric:tabular-nums;max-width:none";
  const head = element("thead");
  const headRow = element("tr");
  const columns = ["#", "allocator", "failures", "utilization", "peak frag.", "internal frag.", "high water", "probes p50 / p99", "behind the one above on"];
  for (const [i, name] of columns.entries()) {
    const th = element("th", undefined, name);
    if (i >= 2 && i <= 7) th.style.textAlign = "right";
    headRow.append(th);
  }
  head.append(headRow);
  const body = element("tbody");
  ranked.forEach((lane, i) => {
    const row = element("tr");
    const cells: (string | HTMLElement)[] = [
      String(lane.rank),
      laneName(lane),
      lane.failures === 0 ? "0" : `${formatCount(lane.failures)}${requests ? ` (${share(lane.failures, requests)})` : ""}`,
      pct(lane.utilization),
      pct(lane.peakFragmentation),
      pct(lane.internalFragmentation),
      formatBytes(lane.highWater),
      `${formatCount(lane.probesP50)} / ${formatCount(lane.probesP99)}`,
      i === 0 ? "—" : (decidingCriterion(ranked[i - 1], lane)?.label ?? "a full tie"),
    ];
    cells.forEach((cell, c) => {
      const td = element("td");
      if (c >= 2 && c <= 7) td.style.cssText = "text-align:right;white-space:nowrap";
      td.append(cell);
      row.append(td);
    });
    body.append(row);
    if (lane.corrupt) {
      const warning = element("tr");
      const td = element("td", "workload-warning", `${lane.label} was stopped: ${lane.corrupt}`);
      td.style.color = "var(--theme-red)";
      td.colSpan = columns.length;
      warning.append(td);
      body.append(warning);
    }
  });
  table.append(head, body);
  wrap.append(table);
  return wrap;
}

function names(lanes: readonly { label: string }[]): string {
  const labels = lanes.map((lane) => lane.label);
  return labels.length <= 1 ? labels.join("") : `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

/** A lane's value on one ranking criterion, as the verdict quotes it. */
function criterionValue(key: string, lane: RankedLane): string {
  switch (key) {
    case "failures": return formatCount(lane.failures);
    case "utilization": return pct(lane.utilization);
    case "peakFragmentation": return pct(lane.peakFragmentation);
    case "probesP99": return formatCount(lane.probesP99);
    case "totalProbes": return formatCount(lane.totalProbes);
    default: return lane.corrupt ? "stopped" : "finished";
  }
}

/** One paragraph: who served every request, who came first and on which criterion, who failed. */
export function verdict(ranked: readonly RankedLane[], shape: StreamShape): HTMLElement {
  const p = element("p", "workload-verdict");
  if (ranked.length === 0) { p.textContent = "No allocator raced this stream."; return p; }
  const requests = shape.summary.mallocs + shape.summary.reallocs;
  const what = shape.summary.reallocs > 0 ? "requests (mallocs and reallocs)" : "mallocs";
  const [first, second] = ranked;
  const clean = ranked.filter((lane) => lane.failures === 0 && lane.corrupt === null);
  const sentences: string[] = [];

  if (clean.length === 0) {
    sentences.push(`No allocator served all ${formatCount(requests)} ${what}; ${first.label} failed the fewest, ${formatCount(first.failures)} (${share(first.failures, requests)}).`);
  } else if (clean.length === 1) {
    sentences.push(`${first.label} is the only allocator that served all ${formatCount(requests)} ${what}, with a utilization of ${pct(first.utilization)}.`);
  } else {
    sentences.push(`${names(clean)} served all ${formatCount(requests)} ${what}.`);
  }
  if (second && clean.length !== 1) {
    const criterion = decidingCriterion(first, second);
    if (criterion === null) {
      sentences.push(`${first.label} and ${second.label} tie on every criterion; ${first.label} is listed first only by the site's allocator order.`);
    } else {
      sentences.push(`${first.label} ranks first on ${criterion.label}: ${criterionValue(criterion.key, first)} against ${criterionValue(criterion.key, second)} for ${second.label}.`);
    }
    const twins = clean.filter((lane) => lane !== first && lane.utilization === first.utilization && lane.peakFragmentation === first.peakFragmentation);
    if (criterion !== null && twins.length > 0) {
      sentences.push(`${names(twins)} matched it in utilization and peak fragmentation to the last digit; only the cost of the searches told them apart.`);
    }
  }
  const failing = ranked.filter((lane) => lane.failures > 0 && lane.corrupt === null);
  if (failing.length > 0) {
    sentences.push(`Failed requests: ${failing.map((lane) => `${lane.label} ${formatCount(lane.failures)} (${share(lane.failures, requests)})`).join(", ")}.`);
  }
  for (const lane of ranked.filter((l) => l.corrupt !== null)) sentences.push(`${lane.label} was stopped: ${lane.corrupt}.`);
  p.textContent = sentences.join(" ");
  return p;
}

function knobDefault(allocator: BuiltinAllocatorName, knob: string): string {
  const spec = ALLOCATOR_INFO[allocator].knobs.find((k) => k.name === knob);
  return spec ? String(spec.default) : "?";
}

/** The fullest the arena ever was for one lane, and how the free bytes looked at the end. */
function endState(ticks: readonly LaneTick[], lane: RankedLane): string {
  const last = lastTickOf(ticks, lane.allocator);
  if (!last) return "";
  const largest = last.freeBytes > 0 ? ` and its largest free run ${formatBytes(last.largestFreeRun)}` : "";
  return ` At the end ${formatBytes(last.freeBytes)} of the arena were free${largest}.`;
}

function failureText(ticks: readonly LaneTick[], lane: RankedLane): string {
  if (lane.failures === 0) return "It never failed.";
  const first = firstFailureTick(ticks, lane.allocator);
  const when = first ? ` The first came before op ${formatCount(first.op)}.` : "";
  return `It failed ${formatCount(lane.failures)} requests.${when}`;
}

/** Why each allocator placed where it did: its mechanism, then the figures that show it at work. */
export function laneNotes(ranked: readonly RankedLane[], shape: StreamShape, ticks: readonly LaneTick[]): HTMLElement {
  const list = element("ul", "workload-notes");
  const minLiveBlocks = shape.live.length > 1 ? Math.min(...shape.live.slice(1).map((point) => point.liveBlocks)) : 0;
  const largestSlabClass = SLAB_CLASS_PRESETS[knobDefault("slab", "classes") as keyof typeof SLAB_CLASS_PRESETS]?.at(-1) ?? 2048;
  for (const lane of ranked) {
    const item = element("li");
    const title = element("strong");
    title.append(laneName(lane));
    let text = "";
    const held = 1 - lane.peakFragmentation;
    const peak = `peak fragmentation ${pct(lane.peakFragmentation)} (at worst the largest free run held ${pct(held, held < 0.1 ? 1 : 0)} of the free bytes)`;
    switch (lane.allocator) {
      case "bump":
        text = `reuses nothing while any block is live: the cursor only moves forward, and the arena resets only when the last block dies. `
          + (minLiveBlocks > 0 ? `At every sample of this stream after the first, at least ${formatCount(minLiveBlocks)} blocks are live; the cursor reached ${formatBytes(lane.highWater)} of ${formatBytes(lane.arenaBytes)}. ` : `The cursor reached ${formatBytes(lane.highWater)} of ${formatBytes(lane.arenaBytes)}. `)
          + `${failureText(ticks, lane)} Its fragmentation score stays at ${pct(lane.peakFragmentation, 0)} by construction — dead objects are not free, they count as reserved — so the loss shows as ${pct(lane.internalFragmentation)} internal fragmentation instead.`;
        break;
      case "freelist":
        text = `keeps one list of free blocks and, with the defaults (${knobDefault("freelist", "placement")} fit, ${knobDefault("freelist", "order").replace("lifo", "LIFO")} order), gives each request the first block on the list that fits, splitting it; a freed block goes to the front and merges with free neighbours at once. `
          + `A request of any size may carve up the block that the next large request needed: ${peak}, high water ${formatBytes(lane.highWater)}, utilization ${pct(lane.utilization)}. ${failureText(ticks, lane)}`;
        break;
      case "segfit":
        text = `files free blocks in twelve size classes and looks in the request's own class first (up to ${knobDefault("segfit", "searchLimit")} blocks), then takes the smallest non-empty larger class from a bitmap: small requests reuse small holes and big free blocks stay whole, while neighbours still coalesce. `
          + `Here: ${peak}, high water ${formatBytes(lane.highWater)}, utilization ${pct(lane.utilization)}. ${failureText(ticks, lane)}`;
        break;
      case "buddy":
        text = `rounds each request plus its ${BUDDY_HEADER_BYTES}-byte header up to a power of two (${2 ** BUDDY_MIN_ORDER} B at least), and merges a freed block only with its own buddy. `
          + `The rounding shows as ${pct(lane.internalFragmentation)} internal fragmentation; the merging rule as ${peak}. ${failureText(ticks, lane)}`;
        break;
      case "slab": {
        const over = countAbove(shape.size, largestSlabClass);
        const large = over === 0
          ? `None of this stream's requests is larger. `
          : `This stream makes ${formatCount(over)} requests over ${formatBytes(largestSlabClass)}${lane.failures === over ? ", exactly its failures" : ""}. `;
        text = `serves fixed object classes up to ${formatBytes(largestSlabClass)} from 16 KiB slabs with no per-object header, and fails anything larger. `
          + large
          + `Rounding up to a class costs ${pct(lane.internalFragmentation)} internal fragmentation; ${peak}. ${lane.failures === over && over > 0 ? "" : failureText(ticks, lane)}`;
        break;
      }
      default:
        text = `utilization ${pct(lane.utilization)}, ${peak}. ${failureText(ticks, lane)}`;
    }
    item.append(title, " ", text.trim() + (lane.allocator === "bump" ? "" : endState(ticks, lane)));
    list.append(item);
  }
  return list;
}
