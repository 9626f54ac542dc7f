// A race as files to take away: the leaderboard and the per-tick metrics, each as Arrow IPC and
// as CSV, built in the page (nothing is uploaded anywhere).
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from "apache-arrow";
import { leaderboardRows } from "./leaderboard.js";
import type { RaceView, TickRow } from "../core/race-view.js";

type Cell = string | number | null;
type Rows = Array<Record<string, Cell>>;

export function summaryRows(view: RaceView): Rows {
  return leaderboardRows(view).map((row) => ({ source: view.source, arenaBytes: view.arenaBytes, ops: view.ops, ...row }));
}

export function tickRows(view: RaceView): Rows {
  return view.lanes.flatMap((lane) => lane.ticks.map((t: TickRow, tick) => ({ source: view.source, allocator: lane.label, tick, ...t })));
}

function csvCell(value: Cell): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Rows): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]);
  return [columns.join(","), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(","))].join("\n") + "\n";
}

/** Columns typed from their values: integers as Int32, other numbers as Float64, the rest as text. */
export function toArrow(rows: Rows): Uint8Array {
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const vectors: Record<string, Vector> = {};
  for (const column of columns) {
    const values = rows.map((row) => row[column]);
    const numeric = values.every((v) => v === null || typeof v === "number");
    const integral = numeric && values.every((v) => v === null || (Number.isInteger(v) && Math.abs(v as number) < 2 ** 31));
    vectors[column] = vectorFromArray(values as never[], (integral ? new Int32() : numeric ? new Float64() : new Utf8()) as never);
  }
  return tableToIPC(new Table(vectors), "file");
}

/** A link that downloads `content` as `filename`; the object URL is made on click and released after. */
export function downloadLink(label: string, filename: string, content: () => Uint8Array | string, type: string): HTMLAnchorElement {
  const link = document.createElement("a");
  link.textContent = label;
  link.href = "#";
  link.download = filename;
  link.className = "download-link";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const data = content();
    const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = filename;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return link;
}

export function raceDownloads(view: RaceView): HTMLElement {
  const root = document.createElement("p");
  root.className = "race-downloads";
  const base = view.source.replace(/[^\w.-]+/g, "_");
  root.append(
    "Download the leaderboard as ",
    downloadLink("Arrow", `${base}-leaderboard.arrow`, () => toArrow(summaryRows(view)), "application/vnd.apache.arrow.file"),
    " or ",
    downloadLink("CSV", `${base}-leaderboard.csv`, () => toCsv(summaryRows(view)), "text/csv"),
    "; every tick's metrics as ",
    downloadLink("Arrow", `${base}-ticks.arrow`, () => toArrow(tickRows(view)), "application/vnd.apache.arrow.file"),
    " or ",
    downloadLink("CSV", `${base}-ticks.csv`, () => toCsv(tickRows(view)), "text/csv"),
    ".",
  );
  return root;
}
