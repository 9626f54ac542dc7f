// The native runner on real streams: four allocators, distinct plausible figures, and a failure
// under one allocator (or a corrupt op file) costs one line per lane, never the other rows.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { encodeOpFile, parseTrace } from "../../lib/index.js";
import { NATIVE_ALLOCATORS } from "../../native/allocators.js";
import { TEST_ABORT_ENV, runNative, runNativeOpFile, runStaircases } from "../../native/run.js";
import { nativeSkipReason } from "./availability.js";

const SKIP = nativeSkipReason();
if (SKIP) console.warn(`native runner tests skipped: ${SKIP}`);
const SAMPLE = fileURLToPath(new URL("../../src/data/traces/python3-json.mtrace", import.meta.url));

describe.skipIf(SKIP !== undefined)("native runner", () => {
  afterEach(() => { delete process.env[TEST_ABORT_ENV]; });

  it("gives four allocators plausible, distinct figures on a sample trace", async () => {
    const trace = parseTrace(readFileSync(SAMPLE, "utf8"), "python3-json.mtrace");
    const lines: string[] = [];
    const run = await runNative(trace, { rounds: 5, warmup: 1, detail: true, occupancyTicks: 8, onLine: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(run.lanes.map((l) => l.allocator)).toEqual([...NATIVE_ALLOCATORS]);
    for (const lane of run.lanes) {
      expect(lane.ops).toBe(trace.length);
      expect(lane.roundsNsPerOp).toHaveLength(5);
      expect(lane.nsPerOp).toBeGreaterThan(1);
      expect(new Set(lane.roundsNsPerOp).size).toBeGreaterThan(1); // measured, not constant
      expect(lane.peakRssBytes).toBeGreaterThanOrEqual(lane.peakLiveBytes); // touched bytes are resident
      const detail = lane.detail!;
      const samples = ["malloc", "free", "realloc"].reduce((n, op) => n + detail.histograms[op as "malloc"].reduce((a, b) => a + b, 0), 0);
      expect(samples).toBe(Math.ceil(trace.length / detail.sampleEvery));
      expect(detail.footprint.at(-1)!.op).toBe(trace.length);
      expect(detail.counters.length).toBeGreaterThan(0);
      const frames = lane.occupancy!;
      expect(frames).toHaveLength(8);
      expect(frames.at(-1)!.op).toBe(trace.length);
      for (const f of frames) expect(f.runs.reduce((n, r) => n + r.bytes.length, 0)).toBe(f.pages);
    }
    // The counters are each allocator's own: jemalloc's mallctl names, tcmalloc's properties, …
    const names = (a: string) => run.lanes.find((l) => l.allocator === a)!.detail!.counters.map((c) => c.name);
    expect(names("jemalloc")).toContain("stats.resident");
    expect(names("tcmalloc")).toContain("generic.current_allocated_bytes");
    expect(names("mimalloc")).toContain("mi.current_commit");
    expect(names("glibc")).toContain("mallinfo2.uordblks");
    expect(new Set(run.lanes.map((l) => l.peakRssBytes)).size).toBeGreaterThan(1);
  });

  it("keeps the other allocators' rows when one crashes", async () => {
    process.env[TEST_ABORT_ENV] = "mimalloc";
    const trace = parseTrace(readFileSync(SAMPLE, "utf8"), "python3-json.mtrace");
    const lines: string[] = [];
    const run = await runNative(trace, { rounds: 1, warmup: 0, onLine: (l) => lines.push(l) });
    expect(run.lanes.map((l) => l.allocator)).toEqual(["glibc", "jemalloc", "tcmalloc"]);
    expect(lines).toEqual(["native: mimalloc failed: replayer killed by SIGABRT"]);
  });

  it("gives one line per allocator for a corrupt op file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "heapforge-native-test-"));
    const file = join(dir, "bad.ops");
    const bytes = encodeOpFile(parseTrace("20000\n2\n2\n1\na 0 10\nf 0\n", "x.rep"));
    bytes[16] = 9; // op 0 becomes op 9
    writeFileSync(file, bytes);
    const lines: string[] = [];
    const run = await runNativeOpFile(file, { rounds: 1, warmup: 0, onLine: (l) => lines.push(l) });
    expect(run.lanes).toEqual([]);
    expect(lines).toHaveLength(4);
    for (const [i, a] of NATIVE_ALLOCATORS.entries()) expect(lines[i]).toBe(`native: ${a} failed: replayer exited with status 3: replayer: bad op file: op 0: op 9, id 0, size 10`);
  });

  it("reads each allocator's usable-size staircase", async () => {
    const { rows, failures } = await runStaircases();
    expect(failures).toEqual([]);
    for (const a of NATIVE_ALLOCATORS) {
      const mine = rows.filter((r) => r.allocator === a);
      expect(mine.filter((r) => r.requested <= 65536)).toHaveLength(65536);
      for (const r of mine) expect(r.usable).toBeGreaterThanOrEqual(r.requested);
    }
  });
});
