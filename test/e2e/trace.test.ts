// The "Your trace" page: real files through the file picker, bad files, the sample buttons, and
// downloads — all without a request leaving the machine.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ROOT, chromiumPath, openPage, startSite, type Site, SITE_START_TIMEOUT, crashFirstWorker } from "./site-server.js";
import { ALLOCATORS } from "../../lib/allocators/index.js";
import { generateWorkload } from "../../lib/workloads/index.js";
import { formatMtrace } from "../../lib/trace/mtrace.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

const dir = mkdtempSync(join(tmpdir(), "heapforge-e2e-"));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const status = (page: Page) => page.locator(".card .race-status").last().innerText();
const choose = (page: Page, path: string) => page.locator(".trace-drop input[type=file]").setInputFiles(path);

describe.skipIf(!browser)("the trace page", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  it("trace: a real mtrace file is parsed and raced, with an automatic arena and the same views", async () => {
    const { page, log } = await openPage(site, "trace");
    await choose(page, join(ROOT, "src/data/traces/python3-json.mtrace"));
    await expect.poll(() => status(page), { timeout: 30_000 }).toMatch(/parsed and raced in \d+ ms · python3-json\.mtrace · 10,023 ops · 4 MiB arena/);
    expect(await page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    expect(await page.locator(".leaderboard tbody tr").count()).toBe(ALLOCATORS.length);
    expect(log.external).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("trace: the charts over time and the latency chart are drawn when the reader scrolls to them, and follow the scrubber", async () => {
    const { page, log } = await openPage(site, "trace", { width: 1280, height: 900 });
    await choose(page, join(ROOT, "src/data/traces/python3-json.mtrace"));
    await expect.poll(() => status(page), { timeout: 30_000 }).toMatch(/parsed and raced in/);
    expect(await page.locator(".leaderboard tbody tr").count()).toBe(ALLOCATORS.length);
    // Below the fold, nothing is drawn yet.
    await page.waitForTimeout(300);
    expect(await page.locator(".timeline-rule").count()).toBe(0);
    await page.getByRole("heading", { name: "Over time" }).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator(".timeline-rule[visibility=visible]").count(), { timeout: 20_000 }).toBe(5);
    expect(await page.locator(".footprint-timeline").count()).toBe(1);
    await page.getByRole("heading", { name: "Latency" }).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator("figure svg, svg").filter({ hasText: "probes" }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const ruleX = () => page.locator(".timeline-rule").first().evaluate((rule) => rule.getBoundingClientRect().x);
    const atEnd = await ruleX();
    await page.getByRole("button", { name: "step back" }).click();
    await expect.poll(ruleX).toBeLessThan(atEnd);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("trace: a malformed file names the line and shows its text, and the page keeps working", async () => {
    const { page, log } = await openPage(site, "trace");
    await choose(page, file("bad.rep", "20000\n2\n3\n1\na 0 10\nzz 1 2\nf 0\n"));
    const error = page.locator(".trace-error");
    await expect.poll(() => error.innerText(), { timeout: 20_000 }).toMatch(/Line 6 of the trace is malformed/);
    expect(await error.locator("pre").innerText()).toBe("zz 1 2");
    await choose(page, file("good.rep", "20000\n2\n4\n1\na 0 10\na 1 20\nf 0\nf 1\n"));
    await expect.poll(() => status(page), { timeout: 20_000 }).toMatch(/parsed and raced .* good\.rep · 4 ops/);
    expect(await error.count()).toBe(0);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("trace: an empty file and a binary file get a plain message", async () => {
    const { page } = await openPage(site, "trace");
    await choose(page, file("empty.rep", ""));
    await expect.poll(() => page.locator(".trace-error").innerText(), { timeout: 20_000 }).toMatch(/not a trace HeapForge can read/);
    await choose(page, file("blob.bin", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 97) & 255))));
    await expect.poll(() => page.locator(".trace-error").innerText(), { timeout: 20_000 }).toMatch(/not a trace HeapForge can read/);
    // Text of neither format: the same plain message, and the card stops saying it is parsing.
    await choose(page, file("notes.txt", "bogus line here\n--- not a trace\n"));
    await expect.poll(() => page.locator(".trace-error").innerText(), { timeout: 20_000 }).toMatch(/not a trace HeapForge can read[\s\S]*unknown trace format/);
    await expect.poll(() => status(page), { timeout: 20_000 }).toMatch(/stopped: see the message above/);
    await page.close();
  });

  it("trace: frees of addresses never allocated are counted and explained", async () => {
    const { page } = await openPage(site, "trace");
    const mtrace = "= Start\n@ ./prog:[0x401000] + 0x55550000 0x40\n@ ./prog:[0x401000] - 0x7777000\n@ ./prog:[0x401000] - 0x55550000\n= End\n";
    await choose(page, file("dropped.mtrace", mtrace));
    await expect.poll(() => page.locator(".dropped-frees").innerText(), { timeout: 20_000 }).toMatch(/^1 frees were dropped/);
    await page.close();
  });

  it("trace: a sample is one click away, the arena can be changed, and the race downloads as Arrow and CSV", async () => {
    const { page, log } = await openPage(site, "trace");
    await page.getByRole("button", { name: "sqlite3-index" }).click();
    await expect.poll(() => status(page), { timeout: 30_000 }).toMatch(/sqlite3-index · 16,885 ops · 2 MiB arena/);
    await page.getByLabel("arena per allocator").selectOption({ label: "8MiB" });
    await expect.poll(() => status(page), { timeout: 30_000 }).toMatch(/8 MiB arena/);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "CSV" }).first().click()]);
    const text = readFileSync((await csv.path())!, "utf8");
    expect(text.split("\n")[0]).toMatch(/^source,arenaBytes,ops,allocator,kind,failures/);
    expect(text.trim().split("\n")).toHaveLength(ALLOCATORS.length + 1); // a header and one row per lane
    const [arrow] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Arrow" }).first().click()]);
    expect(readFileSync((await arrow.path())!).subarray(0, 6).toString()).toBe("ARROW1");
    expect(log.external).toEqual([]);
    await page.close();
  });

  it("trace: every lane's heat map is painted before the race ends, each lane's progress shows, and all lanes finish", async () => {
    const path = file("redis-250k.mtrace", formatMtrace(generateWorkload("redis_cache", { seed: 3, ops: 250_000 }), { caller: "./redis-server:[0x4a3f10]" }));
    const { page, log } = await openPage(site, "trace");
    // Watch the card from inside the page: what was on screen, in what order (no clock involved).
    await page.evaluate((lanes) => {
      const seen = { gridBeforeEnd: false, laneBars: 0, laneBarsMoving: false, order: [] as string[] };
      (window as unknown as { seen: typeof seen }).seen = seen;
      const card = document.querySelector(".card")!;
      new MutationObserver(() => {
        const status = card.querySelectorAll(".race-status");
        const finished = /parsed and raced/.test(status[status.length - 1]?.textContent ?? "");
        if (!finished && card.querySelectorAll(".heap-grid canvas").length === lanes && !seen.gridBeforeEnd) {
          seen.gridBeforeEnd = true;
          seen.order.push("grid");
          // The partial views and the finished race repaint these canvases in place (heapGridKeeper).
          (window as unknown as { firstCanvases: Element[] }).firstCanvases = [...card.querySelectorAll(".heap-grid canvas")];
        }
        const bars = card.querySelectorAll(".lane-progress progress");
        if (!finished && bars.length) {
          seen.laneBars = Math.max(seen.laneBars, bars.length);
          if ([...bars].some((bar) => (bar as HTMLProgressElement).value > 0 && (bar as HTMLProgressElement).value < 1)) seen.laneBarsMoving = true;
        }
        if (finished && !seen.order.includes("done")) seen.order.push("done");
      }).observe(card, { childList: true, subtree: true, characterData: true, attributes: true });
    }, ALLOCATORS.length);
    await choose(page, path);
    await expect.poll(() => status(page), { timeout: 120_000, interval: 500 }).toMatch(/parsed and raced in \d+ ms · redis-250k\.mtrace · 250,000 ops/);
    const seen = await page.evaluate(() => (window as unknown as { seen: { gridBeforeEnd: boolean; laneBars: number; laneBarsMoving: boolean; order: string[] } }).seen);
    expect(seen.order).toEqual(["grid", "done"]);
    expect(seen.laneBars).toBe(ALLOCATORS.length);
    expect(seen.laneBarsMoving).toBe(true);
    // The finished race has every lane, its leaderboard and no leftover progress bars.
    expect(await page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    expect(await page.evaluate(() => {
      const first = (window as unknown as { firstCanvases: Element[] }).firstCanvases;
      return [...document.querySelectorAll(".card .heap-grid canvas")].every((canvas, i) => canvas === first[i]);
    })).toBe(true);
    expect(await page.locator(".leaderboard tbody tr").count()).toBe(ALLOCATORS.length);
    expect(await page.locator(".lane-progress").count()).toBe(0);
    expect(log.errors).toEqual([]);
    await page.close();
  }, 180_000);

  it("trace: a lane worker that crashes is a message, and the next trace races", async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await crashFirstWorker(page, "lane-worker", "a lane that throws");
    await page.goto(site.url + "trace", { waitUntil: "networkidle" });
    await page.getByRole("button", { name: "sqlite3-index" }).click();
    await expect.poll(() => page.locator(".trace-error").innerText(), { timeout: 30_000 }).toMatch(/lane worker crashed .*a lane that throws/);
    await page.getByRole("button", { name: "perl-hash" }).click();
    await expect.poll(() => status(page), { timeout: 30_000 }).toMatch(/parsed and raced .* perl-hash · [\d,]+ ops/);
    expect(await page.locator(".trace-error").count()).toBe(0);
    expect(await page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await page.close();
  });
});
