// The race pages served cross-origin isolated (COOP/COEP, serve.mjs --isolated), where the lane
// workers share one op log in SharedArrayBuffers, and served plainly, where each gets a copy: the
// same trace gives the same leaderboard either way.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ALLOCATORS } from "../../lib/index.js";
import { ROOT, SITE_START_TIMEOUT, chromiumPath, openPage, startSite, type Site } from "./site-server.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

async function raceSample(site: Site): Promise<{ isolated: boolean; leaderboard: string; errors: string[] }> {
  const { page, log } = await openPage(site, "trace");
  await page.locator(".trace-drop input[type=file]").setInputFiles(join(ROOT, "src/data/traces/perl-hash.mtrace"));
  const status = (p: Page) => p.locator(".card .race-status").last().innerText();
  await expect.poll(() => status(page), { timeout: 60_000 }).toMatch(/parsed and raced in \d+ ms · perl-hash\.mtrace/);
  expect(await page.locator(".leaderboard tbody tr").count()).toBe(ALLOCATORS.length);
  const result = {
    isolated: await page.evaluate(() => globalThis.crossOriginIsolated === true),
    leaderboard: await page.locator(".leaderboard tbody").innerText(),
    errors: log.errors,
  };
  await page.close();
  return result;
}

describe.skipIf(!browser)("cross-origin isolated or not", () => {
  let isolated: Site, plain: Site;
  beforeAll(async () => {
    isolated = await startSite({ isolated: true });
    plain = await startSite();
  }, SITE_START_TIMEOUT);
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
  });

  it("trace: shared op log (isolated) and copied op logs (plain host) race a trace to the same leaderboard", async () => {
    const shared = await raceSample(isolated);
    const copied = await raceSample(plain);
    expect(shared.isolated).toBe(true);
    expect(copied.isolated).toBe(false);
    expect(shared.errors).toEqual([]);
    expect(copied.errors).toEqual([]);
    expect(shared.leaderboard).toBe(copied.leaderboard);
  }, 180_000);
});
