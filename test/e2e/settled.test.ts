// waitForSettled waits for a page's work to finish, where a fixed wait would assert too early: an
// error logged when a slow race ends is still seen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { BROWSER_ARGS, chromiumPath, waitForSettled } from "./site-server.js";

const executablePath = chromiumPath();
if (!executablePath) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

// A page whose "race" ends (and fails) well after any fixed wait the tests used to make.
const SLOW_PAGE = `<p class="race-status">racing…</p><script>
  setTimeout(() => { console.error("the late race failed"); document.querySelector(".race-status").textContent = "raced"; }, 1500);
</script>`;

describe.skipIf(!executablePath)("waiting for a page to settle", () => {
  let browser: Browser;
  beforeAll(async () => { browser = await chromium.launch({ executablePath: executablePath!, args: BROWSER_ARGS }); });
  afterAll(async () => { await browser?.close(); });

  it("e2e support: waitForSettled returns only after a busy status is done, so its late error is seen", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
    await page.setContent(SLOW_PAGE);
    await waitForSettled(page);
    expect(errors).toEqual(["the late race failed"]);
    expect(await page.locator(".race-status").innerText()).toBe("raced");
    await page.close();
  });
});
