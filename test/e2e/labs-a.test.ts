// The first three labs in real Chromium: each renders its widget, reacts to its knobs, answers a
// bad knob with a message, fits a 400-pixel screen and logs no error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, openPage, startSite, waitForSettled, type Site, SITE_START_TIMEOUT } from "./site-server.js";
import { ALLOCATORS } from "../../lib/allocators/index.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

const LABS = ["labs/external-fragmentation", "labs/placement", "labs/size-classes"];
// The placement lab's comparison races nine streams in a worker; give it time on a slow machine.
const SLOW = { timeout: 90_000 };

function gridColours(page: Page): Promise<number[]> {
  return page.evaluate(() => [...document.querySelectorAll(".heap-grid canvas")].map((canvas) => {
    const data = (canvas as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 256, 256).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return colours.size;
  }));
}

function gridHashes(page: Page): Promise<number[]> {
  return page.evaluate(() => [...document.querySelectorAll(".heap-grid canvas")].map((canvas) => {
    const data = (canvas as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 256, 256).data;
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) hash = (Math.imul(hash, 31) + ((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])) | 0;
    return hash;
  }));
}

async function setNumber(page: Page, name: string, value: string): Promise<void> {
  const input = page.getByRole("spinbutton", { name, exact: true });
  await input.fill(value);
  await input.press("Enter");
}

const paragraphs = (page: Page) => page.locator("main p, main li").allInnerTexts().then((texts) => texts.join("\n"));

describe.skipIf(!browser)("labs: external fragmentation, placement, size classes", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  for (const path of LABS) {
    it(`/${path} loads with no console error, failed request or off-machine request`, async () => {
      const { page, log } = await openPage(site, path);
      await expect.poll(() => page.locator(".heap-grid canvas").count(), SLOW).toBeGreaterThan(1);
      await waitForSettled(page);
      expect(log.errors).toEqual([]);
      expect(log.failed).toEqual([]);
      expect(log.external).toEqual([]);
      expect(await page.locator(".observablehq--error").count()).toBe(0);
      await page.close();
    });

    it(`/${path} has no horizontal overflow at 400 px, widget included`, async () => {
      const { page } = await openPage(site, path, { width: 400, height: 800 });
      await expect.poll(() => page.locator(".heap-grid canvas").count(), SLOW).toBeGreaterThan(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    });
  }

  it("external fragmentation: a painted arena per allocator and magnified strips; the steps and knobs change them", async () => {
    const { page, log } = await openPage(site, "labs/external-fragmentation");
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    for (const colours of await gridColours(page)) expect(colours).toBeGreaterThan(1);
    expect(await page.locator("canvas[aria-label*='first']").count()).toBe(ALLOCATORS.length);
    const caption = page.locator(".scrubber-caption");
    expect(await caption.innerText()).toMatch(/^2 · free every other block/);
    const freed = await gridHashes(page);
    await page.getByRole("button", { name: "step back" }).click();
    expect(await caption.innerText()).toMatch(/^1 · fill: malloc\(48\)/);
    await expect.poll(() => gridHashes(page)).not.toEqual(freed);

    // Every other block freed: nobody serves a 256-byte request. Five of every six: the free list does.
    await setNumber(page, "large request (bytes)", "256");
    await expect.poll(() => paragraphs(page)).toContain("Not one allocator could then serve a single malloc(256).");
    await setNumber(page, "keep one block in every", "6");
    await expect.poll(() => paragraphs(page)).toMatch(/Free list merged free neighbours [\d,]+ times, so its largest free run was [\d.]+ B; it served [1-9]/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("external fragmentation: a request size out of range gets a message, and a good one brings the arenas back", async () => {
    const { page, log } = await openPage(site, "labs/external-fragmentation");
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await setNumber(page, "small request (bytes)", "0");
    await expect.poll(() => page.locator(".race-error").first().innerText()).toContain("invalid smallBytes: 0");
    expect(await page.locator(".heap-grid canvas").count()).toBe(0);
    await setNumber(page, "small request (bytes)", "64");
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("placement: a Pareto chart and table of seven lanes, re-raced when the stream changes", async () => {
    const { page, log } = await openPage(site, "labs/placement");
    await expect.poll(() => page.locator(".heap-grid canvas").count(), SLOW).toBe(7);
    for (const colours of await gridColours(page)) expect(colours).toBeGreaterThan(1);
    await expect.poll(() => paragraphs(page)).toMatch(/^On python3-json, .+ is the fastest policy/m);
    expect(await page.locator("figure svg, svg").filter({ hasText: "mean probes per operation" }).count()).toBeGreaterThan(0);
    const before = await gridHashes(page);
    await page.getByRole("combobox", { name: "stream" }).selectOption({ label: "nginx requests (synthetic)" });
    await expect.poll(() => paragraphs(page), SLOW).toMatch(/^On nginx requests, /m);
    await expect.poll(() => gridHashes(page)).not.toEqual(before);
    // The scrubber moves every arena back in time.
    const end = await gridHashes(page);
    await page.getByRole("button", { name: "step back" }).click();
    await page.getByRole("button", { name: "step back" }).click();
    await expect.poll(() => gridHashes(page)).not.toEqual(end);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("placement: every stream is raced for the comparison with Johnstone and Wilson, and the verdicts appear", async () => {
    const { page, log } = await openPage(site, "labs/placement");
    await expect.poll(() => page.getByText(/all 9 streams raced/).count(), SLOW).toBe(1);
    await expect.poll(() => page.getByText("Address-ordered first fit fragments no more than LIFO first fit").count()).toBe(1);
    await expect.poll(() => paragraphs(page)).toMatch(/On the recorded programs the least fragmented policy wasted [\d.]+% on gcc-cc1/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("placement: a seed that is not a number gets a message instead of a chart", async () => {
    const { page, log } = await openPage(site, "labs/placement");
    await page.getByRole("combobox", { name: "stream" }).selectOption({ label: "Larson server (synthetic)" });
    await setNumber(page, "seed", "-3");
    await expect.poll(() => page.locator(".race-error").first().innerText(), SLOW).toContain("The seed must be a whole number");
    await setNumber(page, "seed", "4");
    await expect.poll(() => paragraphs(page), SLOW).toMatch(/^On Larson server, /m);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("size classes: seven spacings on the chart, your spacing ringed and beside no classes in the heat maps", async () => {
    const { page, log } = await openPage(site, "labs/size-classes");
    await expect.poll(() => page.locator(".heap-grid canvas").count(), SLOW).toBe(2);
    await expect.poll(() => page.getByText(/ringed: your spacing, 4 per doubling/).count(), SLOW).toBe(1);
    expect(await page.locator("table").first().locator("tbody tr").count()).toBe(7);
    await expect.poll(() => paragraphs(page)).toMatch(/4 per doubling makes \d+ classes up to 64 KiB/);
    await setNumber(page, "classes per doubling", "3");
    await expect.poll(() => page.getByText(/ringed: your spacing, 3 per doubling/).count(), SLOW).toBe(1);
    await expect.poll(() => page.locator("table").first().locator("tbody tr").count(), SLOW).toBe(8);
    await expect.poll(() => page.locator(".heap-grid figure").nth(1).innerText(), SLOW).toContain("3 per doubling");
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("size classes: a step that is not a multiple of 16 gets a message; the allocator knob re-races the sweep", async () => {
    const { page, log } = await openPage(site, "labs/size-classes");
    await expect.poll(() => page.locator(".heap-grid canvas").count(), SLOW).toBe(2);
    await page.getByRole("radio", { name: "a fixed step" }).check();
    await setNumber(page, "step (bytes)", "40");
    await expect.poll(() => page.locator(".race-error").first().innerText()).toContain("invalid linear step: 40");
    await setNumber(page, "step (bytes)", "128");
    await expect.poll(() => page.getByText(/ringed: your spacing, linear 128 B/).count(), SLOW).toBe(1);
    const before = await paragraphs(page);
    await page.getByRole("combobox", { name: "allocator behind the classes" }).selectOption({ label: "segregated fit" });
    await expect.poll(() => paragraphs(page), SLOW).toContain("Behind segregated fit on Larson server");
    expect(await paragraphs(page)).not.toBe(before);
    expect(log.errors).toEqual([]);
    await page.close();
  });
});
