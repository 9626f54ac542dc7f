// Three labs in real Chromium — mixing lifetimes, how free() finds a size class, a leak or
// fragmentation: each loads cleanly and paints its arenas, fits a 400 px screen, reacts to its
// knobs and its scrubber, and answers a knob it cannot use with a message, then recovers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, openPage, startSite, type Site, canvasHashes, distinctColours, SITE_START_TIMEOUT } from "./site-server.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

const PAGES = ["labs/lifetimes", "labs/free-lookup", "labs/leak-or-fragmentation"];
const RUN = { timeout: 45_000 };

/** Waits until the page's first run has finished ("… raced in N ms"). */
async function settled(page: Page): Promise<void> {
  await expect.poll(() => page.locator(".card .race-status").last().innerText(), RUN).toMatch(/raced in/);
}

const findings = (page: Page) => page.locator(".lab-findings").first().innerText();

describe.skipIf(!browser)("labs: lifetimes, free() lookup, leak or fragmentation", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  for (const path of PAGES) {
    it(`/${path} loads with no console error, failed or off-machine request, and paints its arenas`, async () => {
      const { page, log } = await openPage(site, path);
      await settled(page);
      const colours = await distinctColours(page);
      expect(colours.length).toBeGreaterThanOrEqual(2);
      for (const n of colours) expect(n).toBeGreaterThan(1);
      expect(await page.locator(".observablehq--error").count()).toBe(0);
      expect(await page.locator(".race-error:visible").count()).toBe(0);
      expect(log.errors).toEqual([]);
      expect(log.failed).toEqual([]);
      expect(log.external).toEqual([]);
      await page.close();
    });

    it(`/${path} has no horizontal overflow at 400 px once its run is on screen`, async () => {
      const { page } = await openPage(site, path, { width: 400, height: 800 });
      await settled(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    });
  }

  it("lifetimes: long-lived objects pin the request arenas; with none, the findings and the arenas change", async () => {
    const { page, log } = await openPage(site, "labs/lifetimes");
    await settled(page);
    expect(await page.locator(".heap-grid canvas").count()).toBe(3);
    await expect.poll(() => findings(page), RUN).toMatch(/regions were still holding/);
    const before = await canvasHashes(page);
    const pins = page.getByRole("spinbutton", { name: /One long-lived object every/ });
    await pins.fill("0");
    await pins.press("Enter");
    await expect.poll(() => findings(page), RUN).toMatch(/No request in this run keeps anything/);
    await expect.poll(async () => (await canvasHashes(page))[1], RUN).not.toBe(before[1]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("lifetimes: the scrubber steps all three arenas back in time", async () => {
    const { page } = await openPage(site, "labs/lifetimes");
    await settled(page);
    const end = await canvasHashes(page);
    for (let i = 0; i < 20; i++) await page.getByRole("button", { name: "step back" }).click();
    await expect.poll(() => page.locator(".scrubber-caption").innerText()).toBe("tick 28 of 48");
    const earlier = await canvasHashes(page);
    expect(earlier[1]).not.toBe(end[1]);
    await page.close();
  });

  it("lifetimes: a number typed out of range is named in a message, and a valid one clears it", async () => {
    const { page, log } = await openPage(site, "labs/lifetimes");
    await settled(page);
    const requests = page.getByRole("spinbutton", { name: "Requests", exact: true });
    await requests.fill("5");
    await requests.press("Enter");
    await expect.poll(() => page.locator(".lab-knob-notice").innerText()).toMatch(/Requests: "5" is not accepted \(it takes 10 to 4000\)/);
    await requests.fill("300");
    await requests.press("Enter");
    await expect.poll(() => page.locator(".lab-knob-notice").isHidden()).toBe(true);
    await expect.poll(() => page.locator(".card .race-status").last().innerText(), RUN).toMatch(/^[0-9,]+ operations, raced in/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("free lookup: three lanes; more table levels cost the table lane more reads per free", async () => {
    const { page, log } = await openPage(site, "labs/free-lookup");
    await settled(page);
    expect(await page.locator(".heap-grid canvas").count()).toBe(3);
    const tableReads = () => page.locator(".lab-table tbody tr").nth(2).locator("td").nth(1).innerText();
    await expect.poll(tableReads, RUN).toBe("2.00");
    await page.getByRole("radio", { name: "3" }).check();
    await expect.poll(tableReads, RUN).toBe("3.00");
    await expect.poll(() => page.locator(".lab-walkthrough").innerText(), RUN).toMatch(/reads 3 records/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("free lookup: a smallest size above the largest shows its message, and the page recovers", async () => {
    const { page, log } = await openPage(site, "labs/free-lookup");
    await settled(page);
    const before = await canvasHashes(page);
    const smallest = page.getByRole("spinbutton", { name: "Smallest request (B)" });
    await smallest.fill("1000");
    await smallest.press("Enter");
    await expect.poll(() => page.locator(".race-error:not(.lab-knob-notice)").first().innerText(), RUN).toMatch(/invalid maxSize: 256/);
    await smallest.fill("64");
    await smallest.press("Enter");
    await expect.poll(() => page.locator(".heap-grid canvas").count(), RUN).toBe(3);
    await expect.poll(async () => (await canvasHashes(page))[0], RUN).not.toBe(before[0]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("free lookup: another stream repaints the arenas", async () => {
    const { page } = await openPage(site, "labs/free-lookup");
    await settled(page);
    const before = await canvasHashes(page);
    await page.getByRole("combobox", { name: "Stream" }).selectOption({ label: "Redis cache" });
    await expect.poll(async () => (await canvasHashes(page))[2], RUN).not.toBe(before[2]);
    await page.close();
  });

  it("leak: the verdicts wait for live bytes; then stream A reads as a leak and stream B as fragmentation", async () => {
    const { page, log } = await openPage(site, "labs/leak-or-fragmentation");
    await settled(page);
    expect(await page.locator(".heap-grid canvas").count()).toBe(2);
    const verdicts = () => page.locator(".lab-verdict").allInnerTexts();
    expect((await verdicts()).every((text) => /Verdict hidden/.test(text))).toBe(true);
    await page.getByRole("checkbox", { name: "Show live bytes" }).check();
    await expect.poll(async () => (await verdicts()).join(" | "), RUN).toMatch(/Stream A reads as a leak\..*\| Stream B reads as fragmentation\./s);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("leak: under address-ordered first fit stream B stops rising, and stream A without leaks stops too", async () => {
    const { page, log } = await openPage(site, "labs/leak-or-fragmentation");
    await settled(page);
    await page.getByRole("checkbox", { name: "Show live bytes" }).check();
    await page.getByRole("combobox", { name: "Heap" }).selectOption({ label: "free list: first fit, address order" });
    await expect.poll(() => page.locator(".lab-verdict").nth(1).innerText(), RUN).toMatch(/Stream B is not rising/);
    await page.locator("details.lab-spoilers summary").click();
    const leak = page.getByRole("spinbutton", { name: "Stream A: buffers leaked per 1,000" });
    await leak.fill("0");
    await leak.press("Enter");
    await expect.poll(() => page.locator(".lab-verdict").nth(0).innerText(), RUN).toMatch(/Stream A is not rising/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("leak: the survey races both streams under all eight heaps", async () => {
    const { page } = await openPage(site, "labs/leak-or-fragmentation");
    const rows = page.locator(".lab-table tbody tr");
    await expect.poll(() => rows.count(), { timeout: 90_000 }).toBe(8);
    await expect.poll(() => page.locator(".lab-findings").last().innerText(), RUN).toMatch(/Stream B depends on the heap/);
    await page.close();
  });
});
