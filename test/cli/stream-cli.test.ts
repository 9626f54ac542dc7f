// The CLI reads a trace file in 1 MiB pieces (cli/race.ts, lib/trace/stream.ts): its leaderboard
// must be exactly the one an in-memory race of the whole text gives. The file here spans several
// read chunks, so lines are split between them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { generateWorkload, parseTrace, race } from "../../lib/index.js";
import { writeGlibcMtrace } from "../../bench/glibc-mtrace.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Every column that does not depend on the clock.
const DETERMINISTIC = ["allocator", "ops", "opsRun", "failures", "errors", "corrupt", "utilization", "internalFragmentation", "peakFragmentation", "finalFragmentation", "peakLiveBytes", "highWater", "probesP50", "probesP90", "probesP99", "totalProbes"];

describe("npm run race -- --trace (streamed)", () => {
  it("gives the leaderboard of an in-memory race of the same text, on a file of several read chunks", () => {
    const text = writeGlibcMtrace(generateWorkload("larson", { seed: 5, ops: 60_000 }), 5);
    expect(text.length).toBeGreaterThan(3 << 20);
    const dir = mkdtempSync(join(tmpdir(), "heapforge-stream-cli-"));
    const file = join(dir, "big.mtrace");
    const out = join(dir, "race.arrow");
    writeFileSync(file, text);
    const run = spawnSync(process.execPath, [join(ROOT, "scripts/race.mjs"), "--trace", file, "--arena", "auto", "--out", out], { cwd: ROOT, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const streamed = tableFromIPC(readFileSync(out)).toArray().map((r) => r.toJSON());
    const memory = race(parseTrace(text, "big.mtrace"), { arenaBytes: "auto" });
    expect(streamed).toHaveLength(memory.lanes.length);
    for (const [i, lane] of memory.lanes.entries()) {
      const row = streamed[i];
      const expected: Record<string, unknown> = {
        allocator: lane.allocator, ops: memory.ops, opsRun: lane.opsRun, failures: lane.failures, errors: lane.errors, corrupt: lane.corrupt,
        utilization: lane.utilization, internalFragmentation: lane.internalFragmentation, peakFragmentation: lane.peakFragmentation,
        finalFragmentation: lane.finalFragmentation, peakLiveBytes: lane.peakLiveBytes, highWater: lane.highWater,
        probesP50: lane.probes.p50, probesP90: lane.probes.p90, probesP99: lane.probes.p99, totalProbes: lane.totalProbes,
      };
      for (const column of DETERMINISTIC) expect(row[column], `${lane.allocator} ${column}`).toEqual(expected[column]);
    }
  }, 120_000);
});
