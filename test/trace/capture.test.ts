// scripts/capture-trace.sh end to end: build a tiny C program, record it, parse what was written.
// Needs Linux with glibc, a C compiler and (glibc >= 2.34) libc_malloc_debug.so; skips otherwise.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseTrace } from "../../lib/trace/parse.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from "../../lib/trace/types.js";

const SCRIPT = fileURLToPath(new URL("../../scripts/capture-trace.sh", import.meta.url));

function sh(command: string): { status: number; stdout: string } {
  const result = spawnSync("sh", ["-c", command], { encoding: "utf8" });
  return { status: result.status ?? -1, stdout: (result.stdout ?? "").trim() };
}

// Why capture cannot run here, or null when it can.
function missingPrerequisite(): string | null {
  if (process.platform !== "linux") return `capture: skipped, needs Linux (this is ${process.platform})`;
  const glibc = sh("getconf GNU_LIBC_VERSION 2>/dev/null").stdout;
  const version = /^glibc (\d+)\.(\d+)/.exec(glibc);
  if (!version) return "capture: skipped, needs glibc (getconf GNU_LIBC_VERSION found none)";
  if (sh("command -v cc").status !== 0) return "capture: skipped, no C compiler (cc) on PATH";
  const modern = Number(version[1]) > 2 || Number(version[2]) >= 34;
  const debugLibrary = sh("{ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -c 'libc_malloc_debug.so.0 '").stdout;
  if (modern && !(Number(debugLibrary) > 0)) return "capture: skipped, glibc's libc_malloc_debug.so.0 was not found";
  return null;
}

const MISSING = missingPrerequisite();
if (MISSING) console.warn(MISSING);

const PROGRAM = `
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  char *a = malloc(12345);
  char *b = calloc(7, 111);
  a = realloc(a, 23456);
  free(b);
  pid_t child = fork();
  if (child == 0) { void *c = malloc(4321); free(c); exit(0); }
  waitpid(child, NULL, 0);
  free(a);
  return 3;
}
`;

function opsWithSize(trace: Trace, op: number, size: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < trace.length; i++) if (trace.op[i] === op && trace.size[i] === size) ids.push(trace.id[i]);
  return ids;
}

function freesOf(trace: Trace, id: number): number {
  let frees = 0;
  for (let i = 0; i < trace.length; i++) if (trace.op[i] === OP_FREE && trace.id[i] === id) frees++;
  return frees;
}

describe("capture-trace.sh", () => {
  const work = mkdtempSync(join(tmpdir(), "heapforge-capture-test-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // The helper's cache goes into the test's own directory, not the user's home.
  const env = { ...process.env, XDG_CACHE_HOME: join(work, "cache") };

  it("capture: -h prints the usage and exits 0", () => {
    const result = spawnSync("sh", [SCRIPT, "-h"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: capture-trace\.sh \[-o DIR\] \[--\] COMMAND/);
  });

  it("capture: without a command it prints the usage and fails", () => {
    const result = spawnSync("sh", [SCRIPT], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage:/);
  });

  it("capture: with no C compiler it fails with a message that says so", () => {
    const result = spawnSync("sh", [SCRIPT, "--", "true"], { encoding: "utf8", env: { ...env, CC: "no-such-cc-heapforge" } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no C compiler|needs Linux with glibc/);
  });

  it.skipIf(MISSING !== null)("capture: records a program and the child it forks into separate files that parse", () => {
    const source = join(work, "tiny.c");
    const program = join(work, "tiny");
    writeFileSync(source, PROGRAM);
    expect(spawnSync("cc", ["-O0", "-o", program, source], { encoding: "utf8" }).status).toBe(0);

    const out = join(work, "out");
    const result = spawnSync("sh", [SCRIPT, "-o", out, "--", program], { encoding: "utf8", env });
    expect(result.stderr).toMatch(/2 trace file\(s\) in /);
    expect(result.status).toBe(3);   // the program's own exit status comes back

    const files = readdirSync(out).filter((file) => /^tiny\.\d+\.mtrace$/.test(file)).sort();
    expect(files).toHaveLength(2);
    const traces = files.map((file) => parseTrace(readFileSync(join(out, file), "utf8"), file));
    const parent = traces.find((trace) => opsWithSize(trace, OP_MALLOC, 12345).length === 1)!;
    const child = traces.find((trace) => trace !== parent)!;
    expect(parent).toBeDefined();

    const [a] = opsWithSize(parent, OP_MALLOC, 12345);
    expect(opsWithSize(parent, OP_REALLOC, 23456)).toEqual([a]);
    expect(freesOf(parent, a)).toBe(1);
    const [b] = opsWithSize(parent, OP_MALLOC, 777);
    expect(freesOf(parent, b)).toBe(1);
    expect(opsWithSize(parent, OP_MALLOC, 4321)).toEqual([]);

    const [c] = opsWithSize(child, OP_MALLOC, 4321);
    expect(c).toBeDefined();
    expect(freesOf(child, c)).toBe(1);
    expect(opsWithSize(child, OP_MALLOC, 12345)).toEqual([]);
  });
});
