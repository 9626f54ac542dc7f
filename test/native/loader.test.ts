// The native loader as Framework runs it (a process writing a zip to stdout): it measures where it
// can, and where it cannot it ships the committed recording, saying so and why; and the data set
// it measures has every table the page reads.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import JSZip from "jszip";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { ALLOCATORS, parseTrace } from "../../lib/index.js";
import { measureNativeDataset, type NativeProvenance } from "../../native/dataset.js";
import { nativeSkipReason } from "./availability.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RECORDED = join(ROOT, "src/data/native-recorded");

async function runLoader(env: Record<string, string>): Promise<{ files: Map<string, Uint8Array>; stderr: string }> {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/data/native.zip.ts")], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`native.zip.ts exited ${result.status}: ${result.stderr}`);
  const zip = await JSZip.loadAsync(result.stdout);
  const files = new Map<string, Uint8Array>();
  for (const name of Object.keys(zip.files).sort()) files.set(name, await zip.file(name)!.async("uint8array"));
  return { files, stderr: String(result.stderr) };
}

const provenanceOf = (files: Map<string, Uint8Array>) => JSON.parse(new TextDecoder().decode(files.get("provenance.json"))) as NativeProvenance;

describe("native loader", () => {
  it("ships the committed recording, marked recorded with the reason, when told to", async () => {
    const { files, stderr } = await runLoader({ HEAPFORGE_NATIVE: "recorded" });
    expect([...files.keys()]).toEqual(readdirSync(RECORDED).filter((f) => f.endsWith(".arrow") || f.endsWith(".json")).sort());
    for (const [name, bytes] of files) if (name.endsWith(".arrow")) expect(Buffer.from(bytes).equals(readFileSync(join(RECORDED, name))), name).toBe(true);
    const provenance = provenanceOf(files);
    expect(provenance.origin).toBe("recorded");
    expect(provenance.reason).toContain("HEAPFORGE_NATIVE=recorded");
    expect(stderr).toContain("showing the committed recording");
  });

  it("falls back to the recording, naming the packages to install, when the libraries are missing", async () => {
    const { files } = await runLoader({ HEAPFORGE_NATIVE_LIBDIRS: join(ROOT, "no-such-directory") });
    const provenance = provenanceOf(files);
    expect(provenance.origin).toBe("recorded");
    expect(provenance.reason).toMatch(/apt-get install libjemalloc2.*apt-get install libmimalloc2\.0.*apt-get install libtcmalloc-minimal4/);
  });
});

const SKIP = nativeSkipReason();
if (SKIP) console.warn(`native data set measurement test skipped: ${SKIP}`);

describe.skipIf(SKIP !== undefined)("native data set", () => {
  it("measures every table the page reads, for every lane, on a short stream", async () => {
    const text = readFileSync(join(ROOT, "src/data/traces/python3-json.mtrace"), "utf8");
    const trace = parseTrace(text, "python3-json.mtrace");
    const lines: string[] = [];
    const files = await measureNativeDataset([{ source: "python3-json", kind: "trace", trace: () => trace, arenaBytes: "auto" }], (l) => lines.push(l));
    expect([...files.keys()].sort()).toEqual(["counters.arrow", "footprint.arrow", "latency.arrow", "occupancy-python3-json.arrow", "provenance.json", "simulated.arrow", "staircase.arrow", "summary.arrow"]);
    const summary = tableFromIPC(files.get("summary.arrow")!);
    const provenance = provenanceOf(files);
    expect(provenance.origin).toBe("measured");
    // 4 allocators × (touch, no touch) + one lane per documented setting.
    expect(summary.numRows).toBe(8 + provenance.settings.length);
    expect(tableFromIPC(files.get("simulated.arrow")!).numRows).toBe(ALLOCATORS.length);
    expect(lines.filter((l) => l.includes("failed"))).toEqual([]);
    const footprint = tableFromIPC(files.get("footprint.arrow")!);
    expect(new Set(footprint.getChild("allocator")!.toArray()).size).toBe(4);
    expect(tableFromIPC(files.get("occupancy-python3-json.arrow")!).numRows).toBeGreaterThan(4 * provenance.occupancyTicks - 1);
  }, 120_000);
});
