// Compiles native/replayer.c with `cc -O2` on first use into a git-ignored cache directory,
// named by a hash of the source so that an edited replayer is rebuilt and a stale binary is never
// run. The compile goes to a temporary name and is renamed into place, so two loaders compiling
// at once cannot run a half-written binary.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPLAYER_SOURCE = fileURLToPath(new URL("./replayer.c", import.meta.url));
/** Where compiled replayers live; HEAPFORGE_NATIVE_CACHE moves it (tests use a fresh one). */
export const NATIVE_CACHE = process.env.HEAPFORGE_NATIVE_CACHE ? `${process.env.HEAPFORGE_NATIVE_CACHE.replace(/\/$/, "")}/` : fileURLToPath(new URL("../node_modules/.cache/heapforge-native/", import.meta.url));

/** Why native measurements cannot run here, in one line for the user. */
export class NativeUnavailable extends Error {
  override name = "NativeUnavailable";
}

export function compilerAvailable(cc = process.env.CC || "cc"): boolean {
  const probe = spawnSync(cc, ["--version"], { stdio: "ignore" });
  return probe.status === 0;
}

/** The path of a compiled replayer for the current source, compiling it if needed. */
export function replayerBinary(cc = process.env.CC || "cc"): string {
  const source = readFileSync(REPLAYER_SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const binary = `${NATIVE_CACHE}replayer-${hash}`;
  if (existsSync(binary)) return binary;
  if (!compilerAvailable(cc)) throw new NativeUnavailable(`no C compiler (${JSON.stringify(cc)} not found): apt-get install gcc`);
  mkdirSync(NATIVE_CACHE, { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  const result = spawnSync(cc, ["-O2", "-o", temporary, REPLAYER_SOURCE], { encoding: "utf8" });
  if (result.status !== 0) {
    rmSync(temporary, { force: true });
    throw new NativeUnavailable(`cc -O2 could not compile the replayer: ${(result.stderr || result.error?.message || "").trim().split("\n").slice(0, 3).join(" ")}`);
  }
  renameSync(temporary, binary);
  return binary;
}
