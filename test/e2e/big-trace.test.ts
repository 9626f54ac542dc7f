// A trace larger than 600 MB dropped on the "Your trace" page: the worker parses it from
// File.stream() as the bytes arrive (lib/trace/stream.ts), so the tab neither dies nor hits the
// string limit, and the race finishes. The file is made large by its lines, as C++ programs'
// mangled callers make real ones, not by its op count, so the race itself stays short.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, openPage, startSite, type Site, SITE_START_TIMEOUT } from "./site-server.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

const SLOTS = 1024;
const CALLER = `/usr/lib/x86_64-linux-gnu/libapp.so.1:(${"_ZN5boost6detail".repeat(36)}+1c)[0xaa0bc]`;

/** Writes an mtrace file of at least `bytes`: `pairs` of malloc/free over a ring of SLOTS addresses. */
function writeBigMtrace(path: string, bytes: number): { ops: number } {
  const fd = openSync(path, "w");
  let written = 0, ops = 0, chunk = "= Start\n";
  for (let i = 0; written + chunk.length < bytes; i++) {
    const address = (0x55d0c3a2a000 + (i % SLOTS) * 0x100).toString(16);
    if (i >= SLOTS) { chunk += `@ ${CALLER} - 0x${address}\n`; ops++; }
    chunk += `@ ${CALLER} + 0x${address} 0x${(16 + (i % 200)).toString(16)}\n`;
    ops++;
    if (chunk.length > 1 << 22) { written += writeSync(fd, chunk); chunk = ""; }
  }
  writeSync(fd, chunk + "= End\n");
  closeSync(fd);
  return { ops };
}

describe.skipIf(!browser)("a trace larger than 600 MB in the page", () => {
  let site: Site;
  const dir = mkdtempSync(join(tmpdir(), "heapforge-e2e-big-"));
  const path = join(dir, "huge.mtrace");
  let ops = 0;
  beforeAll(async () => {
    ({ ops } = writeBigMtrace(path, 640 << 20));
    site = await startSite();
  }, SITE_START_TIMEOUT);
  afterAll(async () => {
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("trace: a 640 MB mtrace file is parsed from its stream and raced, and the tab survives", async () => {
    expect(statSync(path).size).toBeGreaterThan(600 << 20);
    const { page, log } = await openPage(site, "trace");
    let crashed = false;
    page.on("crash", () => { crashed = true; });
    await page.locator(".trace-drop input[type=file]").setInputFiles(path);
    const status = page.locator(".card .race-status").last();
    await expect.poll(() => status.innerText(), { timeout: 240_000, interval: 1000 }).toMatch(new RegExp(`parsed and raced in \\d+ ms · huge\\.mtrace · ${ops.toLocaleString("en-US")} ops`));
    expect(crashed).toBe(false);
    expect(await page.locator(".heap-grid canvas").count()).toBeGreaterThanOrEqual(5);
    expect(log.errors).toEqual([]);
    await page.close();
  }, 300_000);
});
