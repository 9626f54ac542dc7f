// The "Where big requests go" lab in real Chromium: it loads cleanly, its three charts have marks,
// its inputs and its scrubber redraw them, a bad knob is answered with a message, and it fits a
// 400 px screen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, openPage, startSite, type Site, SITE_START_TIMEOUT } from "./site-server.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

const PATH = "labs/big-requests";
const charts = (page: Page) => page.locator(".big-requests-chart svg[class*='plot']");
/** The dots of the threshold chart (one per big request and lane), by fill colour. */
const dotFills = (page: Page) => page.locator(".big-requests-chart").first().locator('g[aria-label="dot"] circle').evaluateAll((dots) => dots.map((d) => d.getAttribute("fill")));
const sentences = (page: Page) => page.locator(".big-requests-chart > p").allInnerTexts();

describe.skipIf(!browser)("lab: where big requests go", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  it("big requests: loads with no console error or failed request, and every chart has marks", async () => {
    const { page, log } = await openPage(site, PATH);
    await expect.poll(() => charts(page).count(), { timeout: 20_000 }).toBe(3);
    expect(await dotFills(page)).toHaveLength(2 * 6); // six rounds, two lanes
    expect(await page.locator('.big-requests-chart g[aria-label="line"] path').count()).toBe(2); // a threshold per lane
    expect(await page.locator('.big-requests-chart g[aria-label="area"] path').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.big-requests-chart g[aria-label="rect"] rect').count()).toBeGreaterThan(4);
    expect((await sentences(page)).join("\n")).toMatch(/all 6 big requests were mapped.*\n?.*1 was mapped and 5 came from the heap/s);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    expect(log.errors).toEqual([]);
    expect(log.failed).toEqual([]);
    expect(log.external).toEqual([]);
    await page.close();
  });

  it("big requests: growing buffers outrun the sliding threshold, and the charts redraw", async () => {
    const { page } = await openPage(site, PATH);
    await expect.poll(() => charts(page).count(), { timeout: 20_000 }).toBe(3);
    const before = await dotFills(page);
    expect(new Set(before).size).toBe(2); // mapped and from the heap
    await page.getByLabel("a quarter bigger each round").check();
    await expect.poll(() => dotFills(page)).not.toEqual(before);
    expect(new Set(await dotFills(page)).size).toBe(1); // every one mapped, in both lanes
    expect((await sentences(page)).join("\n")).toMatch(/6 were mapped and 0 came from the heap/);
    await page.close();
  });

  it("big requests: without the small objects nothing pins the heap's top", async () => {
    const { page } = await openPage(site, PATH);
    await expect.poll(() => charts(page).count(), { timeout: 20_000 }).toBe(3);
    const pinned = (await sentences(page)).at(-1)!;
    const held = (text: string) => Number(/of which ([\d,]+) KiB is free/.exec(text)![1].replace(/,/g, ""));
    expect(held(pinned)).toBeGreaterThanOrEqual(192);
    await page.getByRole("checkbox", { name: "Keep a small object after each buffer" }).uncheck();
    await expect.poll(async () => (await sentences(page)).at(-1)).not.toBe(pinned);
    expect(held((await sentences(page)).at(-1)!)).toBeLessThan(192);
    await page.close();
  });

  it("big requests: the scrubber steps through the ops and moves the rule and the caption", async () => {
    const { page } = await openPage(site, PATH);
    await expect.poll(() => charts(page).count(), { timeout: 20_000 }).toBe(3);
    const caption = () => page.locator(".scrubber-caption").innerText();
    const ruleX = () => page.locator('.big-requests-chart g[aria-label="rule"] line').first().getAttribute("x1");
    expect(await caption()).toMatch(/^op 72, round 6: free\(a small object\) · threshold 196 KiB$/);
    const end = await ruleX();
    await page.locator("h1").click();
    await page.keyboard.press("Home");
    await expect.poll(caption).toBe("op 1, round 1: malloc(192 KiB) → mapped · threshold 128 KiB");
    await expect.poll(ruleX).not.toBe(end);
    await page.close();
  });

  it("big requests: a first buffer below the fixed threshold is refused with a message, and the page recovers", async () => {
    const { page } = await openPage(site, PATH);
    await expect.poll(() => charts(page).count(), { timeout: 20_000 }).toBe(3);
    const number = page.getByRole("spinbutton", { name: "First buffer (KiB)" });
    await number.fill("100");
    await number.press("Enter");
    await expect.poll(() => page.locator(".card").first().innerText()).toMatch(/132|must|invalid/i);
    await number.fill("256");
    await number.press("Enter");
    await expect.poll(() => charts(page).count()).toBe(3);
    expect((await sentences(page)).join("\n")).toMatch(/came from the heap/);
    await page.close();
  });

  it("big requests: at 400 px nothing is wider than the screen", async () => {
    const { page } = await openPage(site, PATH, { width: 400, height: 900 });
    await expect.poll(() => charts(page).count(), { timeout: 20_000 }).toBe(3);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
