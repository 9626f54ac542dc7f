// `npm run bench:native`: the production allocators on every build-time stream, as markdown for
// bench/README.md — CPU ns/op with and without touching the payload, peak RSS above the baseline,
// peak live bytes, and the simulated allocators' ns/op on the same streams. One run of the
// native data set (native/dataset.ts: 5 interleaved rounds in fresh processes after a warm-up).
// `--recorded` formats the committed recording instead of measuring.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { measureNativeDataset, nativeUnavailableReason } from "../native/dataset.js";
import { nativeSources } from "../src/data/native-sources.js";

const { values } = parseArgs({ options: { recorded: { type: "boolean", default: false } } });
const RECORDED = fileURLToPath(new URL("../src/data/native-recorded/", import.meta.url));

type Row = Record<string, unknown>;
const rowsOf = (bytes: Uint8Array): Row[] => tableFromIPC(bytes).toArray().map((r: { toJSON(): Row }) => r.toJSON());

let files: Map<string, Uint8Array>;
if (values.recorded) {
  files = new Map(["summary.arrow", "simulated.arrow", "provenance.json"].map((f) => [f, readFileSync(RECORDED + f)]));
} else {
  const unavailable = nativeUnavailableReason();
  if (unavailable) {
    console.error(`bench:native: cannot measure here: ${unavailable}`);
    process.exit(1);
  }
  files = await measureNativeDataset(nativeSources(), () => {});
}
const summary = rowsOf(files.get("summary.arrow")!);
const simulated = rowsOf(files.get("simulated.arrow")!);
const provenance = JSON.parse(new TextDecoder().decode(files.get("provenance.json")));
const NATIVE = ["glibc", "jemalloc", "mimalloc", "tcmalloc"];
const sources = [...new Set(summary.map((r) => String(r.source)))];
const mib = (b: number) => (b / 1048576).toFixed(2);
const find = (source: string, allocator: string, touch: boolean) => summary.find((r) => r.source === source && r.allocator === allocator && r.config === "default" && r.touch === touch);

console.log(`Measured ${provenance.measuredAt.slice(0, 16).replace("T", " ")} UTC on ${provenance.machine}; ${Object.entries(provenance.packages).map(([p, v]) => `${p} ${v}`).join(", ")}.\n`);
console.log("CPU ns/op, touch / no touch (median of 5 rounds):\n");
console.log(`| stream | ${NATIVE.join(" | ")} |`);
console.log(`|---|${NATIVE.map(() => "---:").join("|")}|`);
for (const s of sources) console.log(`| ${s} | ${NATIVE.map((a) => `${Number(find(s, a, true)?.nsPerOp).toFixed(1)} / ${Number(find(s, a, false)?.nsPerOp).toFixed(1)}`).join(" | ")} |`);
console.log("\nPeak RSS above the pre-loop baseline in MiB, touch / no touch, and the stream's peak live bytes:\n");
console.log(`| stream | peak live | ${NATIVE.join(" | ")} |`);
console.log(`|---|---:|${NATIVE.map(() => "---:").join("|")}|`);
for (const s of sources) console.log(`| ${s} | ${mib(Number(find(s, "glibc", true)?.peakLiveBytes))} | ${NATIVE.map((a) => `${mib(Number(find(s, a, true)?.peakRssBytes))} / ${mib(Number(find(s, a, false)?.peakRssBytes))}`).join(" | ")} |`);
const SIM = [...new Set(simulated.map((r) => String(r.allocator)))];
console.log("\nThe simulated allocators on the same streams, ns/op (bare replay, each in a fresh worker thread, fastest of 5 wall-clock rounds):\n");
console.log(`| stream | ${SIM.join(" | ")} |`);
console.log(`|---|${SIM.map(() => "---:").join("|")}|`);
for (const s of sources) console.log(`| ${s} | ${SIM.map((a) => Number(simulated.find((r) => r.source === s && r.allocator === a)?.nsPerOp).toFixed(1)).join(" | ")} |`);
