// The strategy pages in real headless Chromium: each loads cleanly and stays on the machine,
// its step-by-step widget moves on the buttons and the arrow keys, its knobs change the live race,
// and nothing overflows a 400 px screen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, openPage, startSite, waitForSettled, type Site, SITE_START_TIMEOUT } from "./site-server.js";

const STRATEGIES = ["bump", "freelist", "segfit", "buddy", "slab", "tlsf"] as const;

/** How to turn one knob of each page, and so change its live race (buddy has none: the arena instead). */
const KNOB_CHANGES: Record<(typeof STRATEGIES)[number], (page: Page) => Promise<void>> = {
  bump: (page) => page.getByRole("checkbox", { name: "Reset when empty" }).uncheck(),
  freelist: (page) => page.getByRole("radio", { name: "best", exact: true }).check(),
  segfit: async (page) => {
    const field = page.getByRole("spinbutton", { name: "Search limit" });
    await field.fill("0");
    await field.press("Enter");
  },
  buddy: async (page) => { await page.getByRole("combobox", { name: "arena", exact: true }).selectOption({ label: "64 KiB" }); },
  slab: (page) => page.getByRole("radio", { name: "coarse", exact: true }).check(),
  tlsf: (page) => page.getByRole("radio", { name: "8", exact: true }).check(),
};

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

describe.skipIf(!browser)("the strategy pages in Chromium", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  for (const name of STRATEGIES) {
    const path = `strategies/${name}`;

    it(`${name}: loads with no console error, failed request or off-machine request`, async () => {
      const { page, log } = await openPage(site, path);
      await expect.poll(() => page.locator(".stepper").count()).toBe(1);
      await waitForSettled(page);
      expect(log.errors).toEqual([]);
      expect(log.failed).toEqual([]);
      expect(log.external).toEqual([]);
      expect(await page.locator(".observablehq--error").count()).toBe(0);
      await page.close();
    });

    it(`${name}: the stepper's caption changes on next and prev, and on ArrowRight and ArrowLeft`, async () => {
      const { page } = await openPage(site, path);
      const stepper = page.locator(".stepper");
      const caption = stepper.locator(".stepper-caption");
      await expect.poll(() => caption.innerText()).toBe("the empty arena");
      await stepper.getByRole("button", { name: "next step" }).click();
      const first = await caption.innerText();
      expect(first).toMatch(/^1\. malloc\(\d+\) → (0x[0-9a-f]{4}|NULL)$/);
      await stepper.getByRole("button", { name: "next step" }).click();
      expect(await caption.innerText()).toMatch(/^2\. /);
      await stepper.getByRole("button", { name: "previous step" }).click();
      expect(await caption.innerText()).toBe(first);
      await stepper.focus();
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      expect(await caption.innerText()).toMatch(/^3\. /);
      await page.keyboard.press("ArrowLeft");
      expect(await caption.innerText()).toMatch(/^2\. /);
      await page.keyboard.press("End");
      expect(await stepper.locator(".stepper-counter").innerText()).toMatch(/^step (\d+) of \1$/);
      await page.close();
    });

    it(`${name}: a knob change updates the live figures`, async () => {
      const { page } = await openPage(site, path);
      const figures = page.locator(".live-figures");
      await expect.poll(() => figures.count()).toBe(1);
      const before = await figures.innerText();
      await KNOB_CHANGES[name](page);
      await expect.poll(() => figures.innerText(), { timeout: 10_000 }).not.toBe(before);
      await page.close();
    });

    it(`${name}: has no horizontal overflow at 400 px`, async () => {
      const { page } = await openPage(site, path, { width: 400, height: 800 });
      await expect.poll(() => page.locator(".stepper svg").count()).toBe(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    });
  }

  it("segfit: a search limit the allocator rejects gets a message, not a blank", async () => {
    const { page } = await openPage(site, "strategies/segfit");
    const field = page.getByRole("spinbutton", { name: "Search limit" });
    await field.fill("-3");
    await field.press("Enter");
    await expect.poll(() => page.locator(".live-warning").first().innerText()).toContain("Search limit must be a whole number");
    await expect.poll(() => page.locator(".stepper-message").first().innerText()).toContain("-3");
    await page.close();
  });

  it("freelist: the placement comparison puts step 20's request in three different places", async () => {
    const { page } = await openPage(site, "strategies/freelist");
    const titles = page.locator(".stepper-compare-title");
    await expect.poll(() => titles.count()).toBe(3);
    const results = (await titles.allInnerTexts()).map((text) => text.split("→ ")[1]);
    expect(new Set(results).size).toBe(3);
    await page.close();
  });
});
