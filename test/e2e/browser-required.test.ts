// When CI requires the browser tests (.ci/run sets HEAPFORGE_REQUIRE_BROWSER=1), a missing or
// broken Chromium is a failure here, not a quiet skip of every other e2e file.
import { describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import { BROWSER_ARGS, browserRequired, chromiumPath } from "./site-server.js";

if (!browserRequired()) console.log("e2e: browser-required check skipped — HEAPFORGE_REQUIRE_BROWSER is not 1 (.ci/run sets it)");

describe.skipIf(!browserRequired())("the browser tests can run", () => {
  it("e2e: Chromium is installed and launches", async () => {
    const executablePath = chromiumPath();
    expect(executablePath, "no Chromium found (apt-get install chromium): every browser test would be skipped").not.toBeNull();
    const browser = await chromium.launch({ executablePath: executablePath!, args: BROWSER_ARGS });
    const page = await browser.newPage();
    expect(await page.evaluate(() => 6 * 7)).toBe(42);
    await browser.close();
  });
});
