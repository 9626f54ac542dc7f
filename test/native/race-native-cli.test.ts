// `npm run race -- --native` as a user runs it: a held-out real trace (one no build-time loader
// replays) gets four native rows; --out carries them with kind "native"; a missing library is
// one line; no compiler is one message and exit 1.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tableFromIPC } from "apache-arrow";
import { parseTrace } from "../../lib/index.js";
import { nativeSkipReason } from "./availability.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HELD_OUT = fileURLToPath(new URL("../../../shared/traces/malloclab/binary2-bal.rep", import.meta.url));
const SKIP = nativeSkipReason();
if (SKIP) console.warn(`race --native tests skipped: ${SKIP}`);
if (!existsSync(HELD_OUT)) console.warn(`race --native held-out trace test skipped: ${HELD_OUT} is absent (the malloc-lab traces are not part of the repository)`);

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/race.mjs"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const nativeRow = (out: string, name: string) => new RegExp(`^${name}\\s+\\d+\\.\\d\\s+[\\d.]+ [KM]?i?B\\s+[\\d.]+ [KM]?i?B\\s+[\\d.]+×\\s+—\\s+—$`, "m").test(out);

describe.skipIf(SKIP !== undefined)("npm run race -- --native", () => {
  it.skipIf(!existsSync(HELD_OUT))("gives a held-out malloc-lab trace four plausible native rows, also in --out", () => {
    const out = join(mkdtempSync(join(tmpdir(), "heapforge-native-cli-")), "race.arrow");
    const run = cli(["--trace", HELD_OUT, "--arena", "auto", "--native", "--out", out]);
    expect(run.code, run.err).toBe(0);
    for (const name of ["glibc", "jemalloc", "mimalloc", "tcmalloc"]) expect(nativeRow(run.out, name), run.out).toBe(true);
    const table = tableFromIPC(readFileSync(out));
    const rows = table.toArray().map((r) => r.toJSON());
    const native = rows.filter((r) => r.kind === "native");
    expect(rows.filter((r) => r.kind === "simulated").length).toBeGreaterThanOrEqual(5);
    expect(native.map((r) => r.allocator)).toEqual(["glibc", "jemalloc", "mimalloc", "tcmalloc"]);
    const trace = parseTrace(readFileSync(HELD_OUT, "utf8"), "binary2-bal.rep");
    for (const r of native) {
      expect(r.ops).toBe(trace.length);
      expect(r.nsPerOp).toBeGreaterThan(1);
      expect(r.peakRssBytes).toBeGreaterThanOrEqual(r.peakLiveBytes);
      expect(r.sourceKind).toBe("trace");
    }
    expect(new Set(native.map((r) => r.nsPerOp)).size).toBe(4);
  });

  it("prints one line per missing library and keeps the rest", () => {
    const empty = mkdtempSync(join(tmpdir(), "heapforge-nolibs-"));
    const run = cli(["--workload", "larson", "--ops", "3000", "--allocators", "segfit", "--native"], { HEAPFORGE_NATIVE_LIBDIRS: empty });
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/^native: jemalloc skipped: libjemalloc\.so\.2 not found \(apt-get install libjemalloc2\)$/m);
    expect(run.err).toMatch(/^native: mimalloc skipped: libmimalloc\.so\.2 not found \(apt-get install libmimalloc2\.0\)$/m);
    expect(run.err).toMatch(/^native: tcmalloc skipped: libtcmalloc_minimal\.so\.4 not found \(apt-get install libtcmalloc-minimal4\)$/m);
    expect(nativeRow(run.out, "glibc")).toBe(true);
    expect(run.out).not.toMatch(/^jemalloc\s/m);
  });

  it("exits 1 with one message when there is no C compiler", () => {
    const cache = mkdtempSync(join(tmpdir(), "heapforge-nocache-"));
    const run = cli(["--workload", "larson", "--ops", "2000", "--allocators", "segfit", "--native"], { CC: "/nonexistent/cc", HEAPFORGE_NATIVE_CACHE: cache });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^heapforge: --native cannot run: no C compiler \("\/nonexistent\/cc" not found\): apt-get install gcc$/m);
  });
});
