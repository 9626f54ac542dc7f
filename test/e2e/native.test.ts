// "The allocators you can pick" in real headless Chromium: it loads cleanly from this build's own
// native measurements (or says it shows the recording, and why), every chart has marks, both
// scrubbers move their charts, another stream redraws everything, and the race page's leaderboard
// carries the four native rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ALLOCATORS } from "../../lib/index.js";
import { nativeSkipReason } from "../native/availability.js";
import { canvasHashes, chromiumPath, openPage, startSite, type Site, SITE_START_TIMEOUT } from "./site-server.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");
const canMeasure = nativeSkipReason() === undefined;

/** Marks of one kind Plot drew in the n-th native chart (Plot labels each mark's group with its type). */
const marks = (page: Page, chart: number, mark: string) => page.locator("figure.native-chart").nth(chart).locator(`svg g[aria-label="${mark}"] > *`);

async function setRange(page: Page, scrubberIndex: number, value: number): Promise<void> {
  await page.locator(".scrubber input[type=range]").nth(scrubberIndex).evaluate((input: HTMLInputElement, v) => {
    input.value = String(v);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, value);
}

describe.skipIf(!browser)("the native page in Chromium", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  it("native: loads cleanly, says where its figures come from, and draws every chart", async () => {
    const { page, log } = await openPage(site, "native");
    await expect.poll(() => page.locator(".occupancy-map canvas").count(), { timeout: 20_000 }).toBe(4);
    expect(log.errors).toEqual([]);
    expect(log.failed).toEqual([]);
    expect(log.external).toEqual([]);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    const provenance = await page.locator(".native-provenance").innerText();
    // Where this machine can measure, the build did — unless it was built with the documented
    // opt-out, which the page then names.
    if (canMeasure && !provenance.includes("HEAPFORGE_NATIVE=recorded was set")) expect(provenance).toMatch(/^Measured\. Measured when this site was built/);
    else expect(provenance).toMatch(/^Recorded\. Recorded measurements, not this build's: .* shown because /);

    const charts = page.locator("figure.native-chart");
    expect(await charts.count()).toBeGreaterThanOrEqual(7);
    for (let i = 0; i < (await charts.count()); i++) {
      expect(await charts.nth(i).locator("svg [aria-label] > *").count(), `chart ${i}`).toBeGreaterThan(3);
    }
    // Speed against footprint: four native and five or more simulated dots, some on the front.
    expect(await marks(page, 0, "dot").count()).toBeGreaterThanOrEqual(4 + ALLOCATORS.length);
    expect(await page.locator("figure.native-chart").first().innerText()).toContain("★");
    // The footprint chart: one RSS line per allocator.
    expect(await marks(page, 1, "line").count()).toBe(4);
    await page.close();
  });

  it("native: the footprint scrubber moves the readout and the rule; the occupancy scrubber repaints the maps", async () => {
    const { page } = await openPage(site, "native");
    await expect.poll(() => page.locator(".occupancy-map canvas").count(), { timeout: 20_000 }).toBe(4);
    const readout = page.locator(".native-readout").first();
    const atEnd = await readout.innerText();
    const captions = page.locator(".scrubber-caption");
    expect(await captions.first().innerText()).toMatch(/^op 200,000 of 200,000$/);
    await setRange(page, 0, 10);
    await expect.poll(() => captions.first().innerText()).not.toMatch(/^op 200,000/);
    await expect.poll(() => readout.innerText()).not.toBe(atEnd);
    const rule = marks(page, 1, "rule").first();
    expect(Number(await rule.getAttribute("x1"))).toBeLessThan(200);

    const before = await canvasHashes(page, ".occupancy-map canvas");
    expect(new Set(before).size).toBeGreaterThan(1); // four different pictures, none blank
    await setRange(page, 1, 0);
    await expect.poll(() => captions.nth(1).innerText()).toMatch(/^frame 1 of 32/);
    await expect.poll(() => canvasHashes(page, ".occupancy-map canvas")).not.toEqual(before);
    await page.close();
  });

  it("native: another stream redraws the charts and the maps", async () => {
    const { page, log } = await openPage(site, "native");
    await expect.poll(() => page.locator(".occupancy-map canvas").count(), { timeout: 20_000 }).toBe(4);
    const caption = await page.locator(".occupancy-map figcaption").first().innerText();
    await page.getByRole("combobox", { name: "stream", exact: true }).selectOption({ label: "sqlite3-index (recorded trace)" });
    await expect.poll(() => page.locator(".occupancy-map figcaption").first().innerText(), { timeout: 20_000 }).not.toBe(caption);
    expect(await page.locator(".scrubber-caption").first().innerText()).toMatch(/of 16,885$/);
    expect(await marks(page, 0, "dot").count()).toBeGreaterThanOrEqual(4 + ALLOCATORS.length);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: the build-time leaderboard carries the four native rows, their probe columns empty", async () => {
    const { page, log } = await openPage(site, "");
    const rows = page.locator(".leaderboard table tbody tr");
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(ALLOCATORS.length + 4);
    const native = rows.filter({ hasText: /native, (measured|recorded)/ });
    expect(await native.count()).toBe(4);
    const cells = await native.first().locator("td").allInnerTexts();
    expect(cells.filter((c) => c === "—").length).toBeGreaterThanOrEqual(6);
    expect(log.errors).toEqual([]);
    await page.close();
  });
});
