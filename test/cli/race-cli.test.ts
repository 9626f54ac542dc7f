// The command line as a user runs it: real processes, real exit codes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tableFromIPC } from "apache-arrow";
import { ALLOCATORS } from "../../lib/allocators/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/race.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe("npm run race", () => {
  it("prints a leaderboard of every allocator for a workload", () => {
    const { code, out } = cli("--workload", "larson", "--ops", "3000", "--ticks", "4");
    expect(code).toBe(0);
    expect(out).toMatch(/larson: 3000 ops, 2 MiB arena per allocator/);
    for (const name of ALLOCATORS) expect(out).toMatch(new RegExp(`^${name}\\s`, "m"));
    expect(out).toMatch(/probes p50\/p99/);
  });

  it("writes the leaderboard as Arrow with --out", () => {
    const dir = mkdtempSync(join(tmpdir(), "heapforge-cli-"));
    const out = join(dir, "race.arrow");
    const { code } = cli("--workload", "redis_cache", "--ops", "2000", "--allocators", "segfit,buddy", "--out", out);
    expect(code).toBe(0);
    const table = tableFromIPC(readFileSync(out));
    expect(table.numRows).toBe(2);
    expect(table.getChild("allocator")!.toArray()).toEqual(["segfit", "buddy"]);
    expect(table.getChild("kind")!.get(0)).toBe("simulated");
    expect(table.getChild("sourceKind")!.get(0)).toBe("workload");
  });

  it("dumps every block of every heap with --dump-at", () => {
    const { code, out } = cli("--workload", "python_repl", "--ops", "500", "--allocators", "freelist", "--dump-at", "100", "--arena", "64KiB");
    expect(code).toBe(0);
    expect(out).toMatch(/== freelist \(64 KiB arena\) ==/);
    expect(out).toMatch(/^0x[0-9a-f]{8}\s+\d+\s+used\s+\d+$/m);
    expect(out).toMatch(/^0x[0-9a-f]{8}\s+\d+\s+free$/m);
  });

  it("races a trace file with an auto-sized arena", () => {
    const dir = mkdtempSync(join(tmpdir(), "heapforge-cli-"));
    const file = join(dir, "tiny.rep");
    writeFileSync(file, "20000\n3\n6\n1\na 0 5000000\na 1 100\nf 0\na 2 30\nf 1\nf 2\n");
    const { code, out } = cli("--trace", file, "--arena", "auto", "--allocators", "buddy");
    expect(code).toBe(0);
    expect(out).toMatch(/tiny\.rep: 6 ops, 16 MiB arena per allocator/);
  });

  it("races one allocator twice with different knobs, with distinct labels in the leaderboard and --out", () => {
    const dir = mkdtempSync(join(tmpdir(), "heapforge-cli-"));
    const out = join(dir, "race.arrow");
    const { code, out: text } = cli("--workload", "larson:minSize=64,maxSize=512", "--ops", "3000", "--ticks", "4",
      "--allocators", "freelist:placement=best,order=address,freelist,segfit:searchLimit=0", "--out", out);
    expect(code).toBe(0);
    expect(text).toMatch(/^freelist:placement=best,order=address\s/m);
    expect(text).toMatch(/^freelist\s/m);
    expect(text).toMatch(/^segfit:searchLimit=0\s/m);
    const table = tableFromIPC(readFileSync(out));
    expect(table.getChild("allocator")!.toArray()).toEqual(["freelist", "freelist", "segfit"]);
    expect(table.getChild("label")!.toArray()).toEqual(["freelist:placement=best,order=address", "freelist", "segfit:searchLimit=0"]);
    // The knobs reached the lanes: best fit with address order differs from the default first fit.
    const util = table.getChild("utilization")!.toArray();
    expect(util[0]).not.toBe(util[1]);
  });

  it("--list prints every allocator's and workload's knobs with defaults and exits 0", () => {
    const { code, out } = cli("--list");
    expect(code).toBe(0);
    expect(out).toMatch(/^ +placement +first \| next \| best +\(default first\)$/m);
    expect(out).toMatch(/^ +maxSize +1\.\.65536 +\(default 1000\)$/m);
  });

  it("--help documents the knob syntax and --list", () => {
    const { code, out } = cli("--help");
    expect(code).toBe(0);
    expect(out).toMatch(/--allocators freelist:placement=best,order=address/);
    expect(out).toMatch(/--list/);
  });

  it("a bad knob exits 2 naming it", () => {
    const { code, err } = cli("--workload", "larson", "--ops", "100", "--allocators", "freelist:placement=worst");
    expect(code).toBe(2);
    expect(err).toMatch(/invalid freelist knob placement: "worst"/);
  });

  it("exits 2 with the usage on bad arguments", () => {
    for (const args of [[], ["--workload", "nope"], ["--workload", "larson", "--allocators", "tcmalloc"], ["--workload", "larson", "--arena", "3000"], ["--bogus"], ["--workload", "larson", "--trace", "x.rep"], ["--workload", "larson", "--ops", "-5"]]) {
      const { code, err } = cli(...args);
      expect(code, args.join(" ")).toBe(2);
      expect(err).toMatch(/^heapforge: /);
      expect(err).toMatch(/usage: npm run race/);
    }
  });

  it("exits 1 naming the file and line for a malformed trace, and for a missing file", () => {
    const dir = mkdtempSync(join(tmpdir(), "heapforge-cli-"));
    const file = join(dir, "bad.rep");
    writeFileSync(file, "20000\n2\n3\n1\na 0 10\nq 1 2\nf 0\n");
    const bad = cli("--trace", file);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad\.rep: line 6/);
    expect(bad.err.trim().split("\n")).toHaveLength(1);
    const missing = cli("--trace", join(dir, "missing.rep"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*missing\.rep: ENOENT/);
  });
});
