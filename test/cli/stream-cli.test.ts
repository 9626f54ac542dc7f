// The CLI reads a trace file in 1 MiB pieces (cli/race.ts, lib/trace/stream.ts), holds its op log
// in memory or spills it to files (--stream, automatic for big files), and races in one thread or
// a worker per lane (--threads): its leaderboard must be exactly the one a sequential in-memory
// race of the whole text gives, in every combination.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { generateWorkload, parseTrace, race, tracePrefix, type RaceResult } from "../../lib/index.js";
import { writeGlibcMtrace } from "../../bench/glibc-mtrace.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Every column that does not depend on the clock.
const DETERMINISTIC = ["allocator", "ops", "opsRun", "failures", "errors", "corrupt", "utilization", "internalFragmentation", "peakFragmentation", "finalFragmentation", "peakLiveBytes", "highWater", "probesP50", "probesP90", "probesP99", "totalProbes"];

function runCli(args: string[]): void {
  const run = spawnSync(process.execPath, [join(ROOT, "scripts/race.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
}

/** The --out table's deterministic columns, one object per lane. */
function tableRows(file: string): Array<Record<string, unknown>> {
  return tableFromIPC(readFileSync(file)).toArray().map((r) => {
    const row = r.toJSON() as Record<string, unknown>;
    return Object.fromEntries(DETERMINISTIC.map((column) => [column, row[column]]));
  });
}

function expectedRows(memory: RaceResult): Array<Record<string, unknown>> {
  return memory.lanes.map((lane) => ({
    allocator: lane.allocator, ops: memory.ops, opsRun: lane.opsRun, failures: lane.failures, errors: lane.errors, corrupt: lane.corrupt,
    utilization: lane.utilization, internalFragmentation: lane.internalFragmentation, peakFragmentation: lane.peakFragmentation,
    finalFragmentation: lane.finalFragmentation, peakLiveBytes: lane.peakLiveBytes, highWater: lane.highWater,
    probesP50: lane.probes.p50, probesP90: lane.probes.p90, probesP99: lane.probes.p99, totalProbes: lane.totalProbes,
  }));
}

describe("npm run race -- --trace (streamed)", () => {
  const text = writeGlibcMtrace(generateWorkload("larson", { seed: 5, ops: 60_000 }), 5);
  const dir = mkdtempSync(join(tmpdir(), "heapforge-stream-cli-"));
  const file = join(dir, "big.mtrace");
  writeFileSync(file, text);
  const memory = race(parseTrace(text, "big.mtrace"), { arenaBytes: "auto" });

  it("spans several read chunks, so lines are split between them", () => {
    expect(text.length).toBeGreaterThan(3 << 20);
  });

  // Every way the CLI can race a file: in one thread or a worker per lane, the op log in memory
  // or spilled to files and read back in pieces. Each must print the sequential in-memory race.
  for (const mode of [["--threads", "1"], ["--threads", "lanes"], ["--stream", "--threads", "1"], ["--stream", "--threads", "lanes"]]) {
    it(`${mode.join(" ")} gives the leaderboard of a sequential in-memory race of the same text`, () => {
      const out = join(dir, `race${mode.join("")}.arrow`);
      runCli(["--trace", file, "--arena", "auto", "--out", out, ...mode]);
      expect(tableRows(out)).toEqual(expectedRows(memory));
    }, 120_000);
  }

  it("--stream --ops N gives the sequential in-memory race of the first N ops", () => {
    const out = join(dir, "prefix.arrow");
    runCli(["--trace", file, "--arena", "auto", "--out", out, "--stream", "--ops", "41234"]);
    const prefix = race(tracePrefix(parseTrace(text, "big.mtrace"), 41_234), { arenaBytes: "auto" });
    expect(tableRows(out)).toEqual(expectedRows(prefix));
    expect(prefix.ops).toBe(41_234);
  }, 120_000);
});
