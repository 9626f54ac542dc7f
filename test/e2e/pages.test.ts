// Every page in real headless Chromium: loads without console errors, failed requests or requests
// leaving the machine; heat maps are painted; inputs re-render; narrow screens do not overflow.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../../observablehq.config.js";
import { ALLOCATORS } from "../../lib/index.js";
import { chromiumPath, openPage, startSite, waitForSettled, type Site, SITE_START_TIMEOUT } from "./site-server.js";

type ConfigPage = { path: string; pages?: ConfigPage[] };
/** Every page in the site map, "" for the home page. */
const PAGES = (config.pages as ConfigPage[]).flatMap((p) => (p.pages ? p.pages : [p])).map((p) => p.path.replace(/^\//, ""));
const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

describe.skipIf(!browser)("the site in Chromium", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  for (const path of PAGES) {
    it(`/${path} loads with no console error, failed request or off-machine request`, async () => {
      const { page, log } = await openPage(site, path);
      await waitForSettled(page);
      expect(log.errors).toEqual([]);
      expect(log.failed).toEqual([]);
      expect(log.external).toEqual([]);
      expect(await page.locator(".observablehq--error").count()).toBe(0);
      await page.close();
    });

    it(`/${path} has no horizontal overflow at 400 px`, async () => {
      const { page } = await openPage(site, path, { width: 400, height: 800 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    });
  }

  it("home: the leaderboard lists every allocator, simulated and native, for the chosen stream", async () => {
    const { page } = await openPage(site, "");
    const rows = page.locator(".leaderboard tbody tr");
    await expect.poll(() => rows.count()).toBe(ALLOCATORS.length + 4); // and the four native rows
    const before = await page.locator(".leaderboard tbody").innerText();
    await page.locator("select").first().selectOption({ label: "Adversarial lattice" });
    await expect.poll(() => page.locator(".leaderboard tbody").innerText()).not.toBe(before);
    await page.close();
  });

  it("allocators: a heat map per allocator are painted, and the scrubber and seed change their pixels", async () => {
    const { page } = await openPage(site, "allocators");
    const canvases = page.locator("canvas");
    await expect.poll(() => canvases.count()).toBe(ALLOCATORS.length);
    const pixels = () => page.evaluate(() => [...document.querySelectorAll("canvas")].map((canvas) => {
      const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let hash = 0, colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        colours.add(rgb);
        hash = (Math.imul(hash, 31) + rgb) | 0;
      }
      return { hash, colours: colours.size };
    }));
    const end = await pixels();
    for (const canvas of end) expect(canvas.colours).toBeGreaterThan(1); // not blank
    await page.locator("input[type=range]").fill("10");
    await expect.poll(async () => (await pixels()).map((p) => p.hash)).not.toEqual(end.map((p) => p.hash));
    const early = await pixels();
    await page.getByRole("spinbutton", { name: "seed" }).fill("7");
    await page.getByRole("spinbutton", { name: "seed" }).press("Enter");
    await expect.poll(async () => (await pixels()).map((p) => p.hash)).not.toEqual(early.map((p) => p.hash));
    await page.close();
  });
});
