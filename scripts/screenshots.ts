// npm run screenshots — a PNG of every page at 1280 px (and the main ones at 400 px) into
// docs/screenshots/, from the built site (or HEAPFORGE_SITE_URL), for the README and reviews.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import config from "../observablehq.config.js";
import { ROOT, chromiumPath, openPage, startSite } from "../test/e2e/site-server.js";

type ConfigPage = { path: string; pages?: ConfigPage[] };
const pages = (config.pages as ConfigPage[]).flatMap((p) => (p.pages ? p.pages : [p])).map((p) => p.path.replace(/^\//, ""));
const NARROW = new Set(["", "trace", "strategies/buddy"]);

async function main(): Promise<void> {
  if (!chromiumPath()) throw new Error("no Chromium at /usr/bin/chromium: apt-get install chromium");
  const out = join(ROOT, "docs", "screenshots");
  mkdirSync(out, { recursive: true });
  const site = await startSite();
  try {
    for (const path of pages) {
      for (const width of NARROW.has(path) ? [1280, 400] : [1280]) {
        const { page } = await openPage(site, path, { width, height: 900 });
        await page.waitForTimeout(1500); // let live widgets settle
        const name = `${path === "" ? "race" : path.replace(/\//g, "-")}${width === 400 ? "-400" : ""}.png`;
        await page.screenshot({ path: join(out, name), fullPage: width === 1280 ? false : true });
        console.error(`docs/screenshots/${name}`);
        await page.close();
      }
    }
  } finally {
    await site.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
