// `npm run native`: re-measures the native data set (every build-time workload and sample trace
// through glibc, jemalloc, mimalloc and tcmalloc) and rewrites the committed recording in
// src/data/native-recorded/, which the native loader ships where it cannot measure.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureNativeDataset, nativeUnavailableReason } from "../native/dataset.js";
import { nativeSources } from "../src/data/native-sources.js";

const target = fileURLToPath(new URL("../src/data/native-recorded/", import.meta.url));
const unavailable = nativeUnavailableReason();
if (unavailable) {
  console.error(`npm run native: cannot measure here: ${unavailable}`);
  process.exit(1);
}
const files = await measureNativeDataset(nativeSources());
mkdirSync(target, { recursive: true });
for (const old of readdirSync(target)) if (old.endsWith(".arrow") || old.endsWith(".json")) rmSync(join(target, old));
let total = 0;
for (const [name, bytes] of files) {
  writeFileSync(join(target, name), bytes);
  total += bytes.length;
}
console.error(`npm run native: wrote ${files.size} files (${(total / 1024).toFixed(0)} KiB) to src/data/native-recorded/`);
