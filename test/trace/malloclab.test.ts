// The CS:APP malloc-lab traces, checked against the figures in their README. They live outside
// the repository (../shared/traces/malloclab from the repo root); without them this suite skips.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseTrace } from "../../lib/trace/parse.js";
import { formatRep, peakLiveBytes } from "../../lib/trace/rep.js";
import { OP_FREE, OP_MALLOC, type Trace } from "../../lib/trace/types.js";

const DIR = fileURLToPath(new URL("../../../shared/traces/malloclab/", import.meta.url));
const PRESENT = existsSync(DIR + "README.md");
if (!PRESENT) console.warn(`malloclab: skipped, the CS:APP traces are not at ${DIR} (they are not part of the repository)`);

interface Expected { ops: number; allocs: number; frees: number; reallocs: number; peakLiveBytes: number; header: number[] }

// Rows of the README's "Per-file figures" table: | file | ops | allocs | frees | reallocs | peak live bytes | ...
function readExpectations(): Map<string, Expected> {
  const table = new Map<string, Expected>();
  for (const line of readFileSync(DIR + "README.md", "utf8").split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 11 || !cells[1].endsWith(".rep")) continue;
    const [ops, allocs, frees, reallocs, peak] = cells.slice(2, 7).map(Number);
    table.set(cells[1], { ops, allocs, frees, reallocs, peakLiveBytes: peak, header: cells[10].split(/\s+/).map(Number) });
  }
  return table;
}

function countOps(trace: Trace): { allocs: number; frees: number; reallocs: number } {
  let allocs = 0, frees = 0, reallocs = 0;
  for (let i = 0; i < trace.length; i++) {
    if (trace.op[i] === OP_MALLOC) allocs++;
    else if (trace.op[i] === OP_FREE) frees++;
    else reallocs++;
  }
  return { allocs, frees, reallocs };
}

describe.skipIf(!PRESENT)("malloclab traces", () => {
  const expected = PRESENT ? readExpectations() : new Map<string, Expected>();
  const files = PRESENT ? readdirSync(DIR).filter((file) => file.endsWith(".rep")).sort() : [];

  it("malloclab: the README has a row for every .rep file", () => {
    expect(files.length).toBeGreaterThan(0);
    expect([...expected.keys()].sort()).toEqual(files);
  });

  for (const file of files) {
    it(`malloclab: ${file} parses to the README's ops, allocs, frees, reallocs and peak live bytes`, () => {
      const row = expected.get(file)!;
      const trace = parseTrace(readFileSync(DIR + file, "utf8"), file);
      expect(trace.length).toBe(row.ops);
      expect(countOps(trace)).toEqual({ allocs: row.allocs, frees: row.frees, reallocs: row.reallocs });
      expect(trace.droppedFrees).toBe(0);
      expect(peakLiveBytes(trace)).toBe(row.peakLiveBytes);
      // Every id is allocated once, so the dense ids are exactly the header's 0..ids-1.
      expect(Math.max(...trace.id) + 1).toBe(row.header[1]);
    });

    it(`malloclab: ${file} survives formatRep and parse unchanged`, () => {
      const trace = parseTrace(readFileSync(DIR + file, "utf8"), file);
      const again = parseTrace(formatRep(trace), file);
      expect(Array.from(again.op)).toEqual(Array.from(trace.op));
      expect(Array.from(again.id)).toEqual(Array.from(trace.id));
      expect(Array.from(again.size)).toEqual(Array.from(trace.size));
    });
  }

  it("malloclab: the 2-line header copies of these traces read the same as the 4-line originals", () => {
    for (const file of files) {
      const text = readFileSync(DIR + file, "utf8");
      const lines = text.split("\n");
      const twoLine = [lines[1], lines[2], ...lines.slice(4)].join("\n");
      const four = parseTrace(text);
      const two = parseTrace(twoLine);
      expect(Array.from(two.size)).toEqual(Array.from(four.size));
      expect(Array.from(two.id)).toEqual(Array.from(four.id));
    }
  });
});
