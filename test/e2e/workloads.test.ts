// The workload pages and the methodology page in real headless Chromium: they load without console
// errors, failed or off-machine requests; their charts are drawn with marks; the live section
// re-draws when a knob changes and shows the generator's message for a bad value; the methodology
// page's tables and in-browser experiments answer; nothing overflows a 400 px screen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { WORKLOADS, WORKLOAD_INFO, type WorkloadName } from "../../lib/workloads/index.js";
import { chromiumPath, openPage, startSite, type Site, SITE_START_TIMEOUT } from "./site-server.js";
import { ALLOCATORS } from "../../lib/allocators/index.js";

const PAGE_OF: Record<WorkloadName, string> = {
  redis_cache: "workloads/redis-cache",
  nginx_requests: "workloads/nginx-requests",
  python_repl: "workloads/python-repl",
  adversarial: "workloads/adversarial",
  larson: "workloads/larson",
};
const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

/** Marks of one kind drawn by Plot inside `scope` (Plot labels each mark's group with its type). */
function marks(page: Page, scope: string, mark: "rect" | "area" | "line") {
  return page.locator(`${scope} svg g[aria-label="${mark}"] > *`);
}

/** The input that a reader would change first on a workload page: its first knob, or the seed. */
function firstInput(name: WorkloadName): { label: string; valid: number; invalid: number; knob: string } {
  const knob = WORKLOAD_INFO[name].knobs.find((k) => k.kind === "integer");
  if (knob && knob.kind === "integer") {
    return { label: knob.label, valid: Math.min(knob.max, knob.default * 2 + 1), invalid: knob.max + 1, knob: knob.name };
  }
  return { label: "seed", valid: 7, invalid: -1, knob: "seed" };
}

async function setNumber(page: Page, label: string, value: number): Promise<void> {
  const input = page.getByRole("spinbutton", { name: label, exact: true });
  await input.fill(String(value));
  await input.press("Enter");
}

describe.skipIf(!browser)("workload and methodology pages in Chromium", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  for (const name of WORKLOADS) {
    const path = PAGE_OF[name];

    it(`${path}: loads cleanly, draws its histograms, live bytes and one line per allocator, ranks all five, and re-draws on a metric choice`, async () => {
      const { page, log } = await openPage(site, path);
      await expect.poll(() => page.locator(".workload-live").count(), { timeout: 20_000 }).toBe(1);
      expect(log.errors).toEqual([]);
      expect(log.failed).toEqual([]);
      expect(log.external).toEqual([]);
      expect(await page.locator(".observablehq--error").count()).toBe(0);

      await expect.poll(() => marks(page, "main", "rect").count(), { timeout: 20_000 }).toBeGreaterThan(10);
      expect(await marks(page, "main", "area").count()).toBeGreaterThanOrEqual(1);
      expect(await marks(page, "main", "line").count()).toBeGreaterThanOrEqual(5);
      const leaderboard = page.locator(".workload-table").first().locator("tbody tr");
      expect(await leaderboard.count()).toBeGreaterThanOrEqual(5);
      expect(await page.locator(".workload-verdict").first().innerText()).toMatch(/ranks first|only allocator|No allocator/);

      const chart = page.locator(".card", { hasText: "over time, per allocator" });
      expect(await chart.locator("h2").innerText()).toContain("fragmentation score");
      await page.getByLabel("high-water mark").check();
      await expect.poll(() => chart.locator("h2").innerText()).toContain("high-water mark");
      expect(log.errors).toEqual([]);
      await page.close();
    });

    it(`${path}: changing ${firstInput(name).knob} re-draws the live charts; a bad value shows the generator's message instead`, async () => {
      const { page, log } = await openPage(site, path);
      const live = page.locator(".workload-live");
      await expect.poll(() => live.locator("svg").count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      const before = await live.innerHTML();
      const { label, valid, invalid, knob } = firstInput(name);
      await setNumber(page, label, valid);
      await expect.poll(() => live.innerHTML(), { timeout: 20_000 }).not.toBe(before);
      expect(await marks(page, ".workload-live", "rect").count()).toBeGreaterThan(0);

      await setNumber(page, label, invalid);
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.count(), { timeout: 20_000 }).toBe(1);
      expect(await alert.innerText()).toContain(`invalid ${knob}: ${invalid}`);
      expect(await live.count()).toBe(0);
      await setNumber(page, label, valid);
      await expect.poll(() => live.count(), { timeout: 20_000 }).toBe(1);
      expect(await alert.count()).toBe(0);
      expect(log.errors).toEqual([]);
      await page.close();
    });

    it(`${path}: has no horizontal overflow at 400 px`, async () => {
      const { page } = await openPage(site, path, { width: 400, height: 800 });
      await expect.poll(() => page.locator(".workload-live").count(), { timeout: 20_000 }).toBe(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    });
  }

  it("methodology: loads with no console error, failed request or off-machine request", async () => {
    const { page, log } = await openPage(site, "methodology");
    await expect.poll(() => page.locator(".method-table").count(), { timeout: 20_000 }).toBe(2);
    expect(log.errors).toEqual([]);
    expect(log.failed).toEqual([]);
    expect(log.external).toEqual([]);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    await page.close();
  });

  it("methodology: the latency table follows the chosen race, and lists every allocator", async () => {
    const { page } = await openPage(site, "methodology");
    const table = page.locator(".method-table").first();
    await expect.poll(() => table.locator("tbody tr").count(), { timeout: 20_000 }).toBe(ALLOCATORS.length);
    const before = await table.innerText();
    await page.getByRole("combobox", { name: "race" }).selectOption("python_repl");
    await expect.poll(() => table.innerText()).not.toBe(before);
    await page.close();
  });

  it("methodology: the in-browser experiments report a clock step, a blind spot and a stopped lane", async () => {
    const { page } = await openPage(site, "methodology");
    const card = (title: string) => page.locator(".card", { hasText: title }).locator(".big");
    await expect.poll(() => card("smallest clock step").innerText(), { timeout: 20_000 }).toMatch(/µs$/);
    expect(await card("fragmentation score").innerText()).toBe("0%");
    expect(await card("malloc(100)").innerText()).toBe("−1");
    expect(await page.locator(".card", { hasText: "planted bug" }).innerText()).toMatch(/stopped at op \d+: malloc\(\d+\) returned 0x[0-9a-f]+ .*overlapping a live block/);
    await page.getByRole("button", { name: "measure again" }).click();
    await expect.poll(() => card("smallest clock step").innerText()).toMatch(/µs$/);
    await page.close();
  });

  it("methodology: has no horizontal overflow at 400 px", async () => {
    const { page } = await openPage(site, "methodology", { width: 400, height: 800 });
    await expect.poll(() => page.locator(".method-table").count(), { timeout: 20_000 }).toBe(2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
