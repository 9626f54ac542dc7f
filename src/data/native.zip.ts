// native.zip — the production allocators on the build-time streams: glibc, jemalloc, mimalloc and
// tcmalloc replayed natively (native/), the simulated allocators timed on the same streams, and
// the usable-size staircases. Measured here when a C compiler and all three Debian allocator
// libraries are present; otherwise the committed recording in native-recorded/ (written by
// `npm run native`), marked origin "recorded" with the reason in provenance.json. Pages read its
// members as data/native/<file> (tables listed in docs/native-arrow.md).
// HEAPFORGE_NATIVE=recorded ships the recording even where measuring is possible.
import JSZip from "jszip";
import { fileURLToPath } from "node:url";
import { measureNativeDataset, nativeUnavailableReason, readRecordedDataset } from "../../native/dataset.js";
import { nativeSources } from "./native-sources.js";

const RECORDED = fileURLToPath(new URL("./native-recorded/", import.meta.url));

const forced = process.env.HEAPFORGE_NATIVE === "recorded" ? "HEAPFORGE_NATIVE=recorded was set for this build" : undefined;
const unavailable = forced ?? nativeUnavailableReason();
let files: Map<string, Uint8Array>;
if (unavailable) {
  console.error(`native: showing the committed recording: ${unavailable}`);
  files = readRecordedDataset(RECORDED, unavailable);
} else {
  files = await measureNativeDataset(nativeSources());
}
const zip = new JSZip();
// A fixed date keeps the archive's bytes a function of its contents.
for (const [name, bytes] of files) zip.file(name, bytes, { date: new Date(Date.UTC(2026, 0, 1)) });
process.stdout.write(await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" }));
