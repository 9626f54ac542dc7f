// The race CLI as plain JavaScript: cli/race.ts and its lane worker (cli/lane-worker.ts) bundled by
// esbuild into node_modules/.cache/heapforge-cli/, built on demand and rebuilt when a source file
// it was built from changes. Why: started through tsx, every process and every worker thread
// registers tsx's loader and transforms lib/ again — about a second of CPU per lane thread, more
// than racing a 600k-op trace costs. A bundle starts in tens of milliseconds.
// The bundle is a build artefact, never committed; `npm run race` (scripts/race.mjs) and the
// parallel race run from TypeScript sources (tests, benchmarks) both call ensureCliBundle().
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CLI_BUNDLE_DIR = join(ROOT, "node_modules", ".cache", "heapforge-cli");
const ENTRIES = { race: "cli/race.ts", "lane-worker": "cli/lane-worker.ts" };
// The inputs esbuild read for the bundle (from its metafile), with their modification times.
const MANIFEST = join(CLI_BUNDLE_DIR, "inputs.json");

/** True when the bundle exists and no file it was built from changed since (or went missing). */
function isFresh() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
  } catch {
    return false;
  }
  if (manifest.entries !== JSON.stringify(ENTRIES)) return false;
  for (const [file, mtimeMs] of Object.entries(manifest.inputs)) {
    try {
      if (statSync(join(ROOT, file)).mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Builds the bundle unless it is fresh; returns the URL of each entry's module (race.mjs,
 * lane-worker.mjs). Concurrent callers (several tests at once) each build into their own
 * directory and swap it into place, so no process ever imports a half-written bundle.
 */
export async function ensureCliBundle() {
  if (!isFresh()) await build();
  return {
    race: new URL(`file://${join(CLI_BUNDLE_DIR, "race.mjs")}`),
    laneWorker: new URL(`file://${join(CLI_BUNDLE_DIR, "lane-worker.mjs")}`),
  };
}

// Modules find files beside their source (native/compile.ts its replayer.c, this file the project
// root) through import.meta.url; in a bundle that would be the bundle's own file, so each module's
// import.meta.url is replaced by the URL of the source it came from.
const keepSourceUrls = {
  name: "keep-source-urls",
  setup(build) {
    build.onLoad({ filter: /\.(ts|mjs)$/ }, async ({ path }) => {
      const text = await readFile(path, "utf8");
      return { contents: text.replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(path).href)), loader: path.endsWith(".ts") ? "ts" : "js" };
    });
  },
};

async function build() {
  const { build: esbuild } = await import("esbuild");
  const staging = `${CLI_BUNDLE_DIR}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    await buildInto(esbuild, staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

async function buildInto(esbuild, staging) {
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Shared lib code goes into one chunk both entries import; --out's apache-arrow is loaded only
    // when asked for (a dynamic import), so a plain race never parses it.
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    metafile: true,
    logLevel: "error",
    plugins: [keepSourceUrls],
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) inputs[file] = statSync(join(ROOT, file)).mtimeMs;
  writeFileSync(join(staging, "inputs.json"), JSON.stringify({ entries: JSON.stringify(ENTRIES), inputs }));
  // Another process may have finished the same build meanwhile: then keep its bundle.
  if (isFresh()) { rmSync(staging, { recursive: true, force: true }); return; }
  // Swap the finished directory into place: the stale one is moved aside first, then removed.
  const old = `${staging}.old`;
  try { renameSync(CLI_BUNDLE_DIR, old); } catch { /* no bundle yet */ }
  try {
    renameSync(staging, CLI_BUNDLE_DIR);
  } catch {
    // Another process swapped its own build in first: use that one.
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}
