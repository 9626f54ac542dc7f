// The race page as a reader uses it: scrubbing, keyboard stepping, hovering, live re-runs, a bad
// knob, and a shared URL restoring the same view.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ALLOCATORS } from "../../lib/index.js";
import { chromiumPath, openPage, startSite, waitForSettled, type Site, canvasHashes, distinctColours, SITE_START_TIMEOUT, crashFirstWorker } from "./site-server.js";

const browser = chromiumPath();
if (!browser) console.log("e2e: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)");

const leaderboardText = (page: Page) => page.locator("table").first().innerText();
const caption = (page: Page) => page.locator(".scrubber-caption").innerText();

describe.skipIf(!browser)("the race page", () => {
  let site: Site;
  beforeAll(async () => { site = await startSite(); }, SITE_START_TIMEOUT);
  afterAll(async () => { await site?.close(); });

  it("race: a non-blank heat map per allocator of the build-time race, and a leaderboard row each", async () => {
    const { page, log } = await openPage(site, "");
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    for (const colours of await distinctColours(page)) expect(colours).toBeGreaterThan(1);
    await expect.poll(() => page.locator("table tbody tr").first().isVisible()).toBe(true);
    expect(await page.locator("table").first().locator("tbody tr").count()).toBe(ALLOCATORS.length + 4); // and the four native rows
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: the first load fetches at most 1.5 MB and paints every heat map; every tick's frames come when the reader scrubs", async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Bytes of every response body, counted as they arrive: a size budget, not a timing.
    const bodies: Array<{ url: string; bytes: number }> = [];
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    page.on("response", (response) => { response.body().then((body) => bodies.push({ url: response.url(), bytes: body.length }), () => undefined); });
    await page.goto(site.url, { waitUntil: "networkidle" });
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await expect.poll(() => page.locator(".leaderboard tbody tr").count()).toBe(ALLOCATORS.length + 4);
    await waitForSettled(page);
    for (const colours of await distinctColours(page)) expect(colours).toBeGreaterThan(1);
    const firstLoad = bodies.reduce((sum, body) => sum + body.bytes, 0);
    const biggest = [...bodies].sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((body) => `${body.url.replace(site.url, "")} ${body.bytes}`);
    expect(firstLoad, `first load ${firstLoad} bytes; biggest: ${biggest.join(", ")}`).toBeLessThanOrEqual(1_500_000);
    expect(requested.some((url) => /frames-redis_cache/.test(url))).toBe(false);
    expect(bodies.some((body) => /last-frame-redis_cache/.test(body.url))).toBe(true);
    // Stepping back asks for another tick: every tick's frames arrive and the pixels change.
    const end = await canvasHashes(page);
    await page.getByRole("button", { name: "step back" }).click();
    await expect.poll(() => requested.some((url) => /frames-redis_cache/.test(url)), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => canvasHashes(page), { timeout: 20_000 }).not.toEqual(end);
    await page.close();
  });

  it("race: the scrubber's buttons and the arrow keys step time and change the pixels", async () => {
    const { page } = await openPage(site, "");
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    expect(await caption(page)).toBe("tick 64 of 64");
    const end = await canvasHashes(page);
    await page.getByRole("button", { name: "step back" }).click();
    await page.getByRole("button", { name: "step back" }).click();
    expect(await caption(page)).toBe("tick 62 of 64");
    await expect.poll(() => canvasHashes(page)).not.toEqual(end);
    await page.locator("h1").click(); // focus away from any input
    await page.keyboard.press("ArrowLeft");
    expect(await caption(page)).toBe("tick 61 of 64");
    await page.keyboard.press("Home");
    expect(await caption(page)).toBe("tick 1 of 64");
    await page.keyboard.press("ArrowRight");
    expect(await caption(page)).toBe("tick 2 of 64");
    await expect.poll(() => page.url()).toContain("tick=1");
    await page.close();
  });

  it("race: play runs the scrubber forward by itself", async () => {
    const { page } = await openPage(site, "?tick=0");
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await page.getByRole("button", { name: "play" }).click();
    await expect.poll(async () => Number(/tick (\d+)/.exec(await caption(page))![1]), { timeout: 5000 }).toBeGreaterThan(5);
    await page.getByRole("button", { name: "pause" }).click();
    await page.close();
  });

  it("race: hovering a pixel names the block under it", async () => {
    const { page } = await openPage(site, "?stream=larson");
    const canvas = page.locator(".heap-grid canvas").nth(2);
    await expect.poll(() => canvas.isVisible()).toBe(true);
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + 5);
    const tooltip = page.locator(".heap-tooltip").nth(2);
    await expect.poll(() => tooltip.innerText(), { timeout: 15_000 }).toMatch(/after op [\d,]+\n(used|free|metadata|dead) block 0x[0-9a-f]+ · /);
    await page.close();
  });

  it("race: a live re-run with a new seed changes the leaderboard and the URL", async () => {
    const { page, log } = await openPage(site, "?stream=larson&mode=live&ops=5000&seed=1");
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in \d+ ms/);
    const before = await leaderboardText(page);
    const pixels = await canvasHashes(page);
    // The heat maps are repainted in place: no "racing…" takes them off the page meanwhile. (The
    // runtime re-displays the card's cells, taking the grid out and putting it back in one task,
    // so it is looked for after each batch of changes.)
    await page.evaluate(() => {
      document.querySelectorAll(".heap-grid canvas").forEach((canvas, i) => { (canvas as HTMLElement).dataset.before = String(i); });
      const marks = window as unknown as { gridGone?: boolean };
      new MutationObserver(() => {
        if (!document.querySelector(".card .heap-grid")) marks.gridGone = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByRole("spinbutton", { name: "seed" }).fill("2");
    await page.getByRole("spinbutton", { name: "seed" }).press("Enter");
    await expect.poll(() => leaderboardText(page), { timeout: 20_000 }).not.toBe(before);
    await expect.poll(() => page.url()).toContain("seed=2");
    expect(await page.evaluate(() => [...document.querySelectorAll(".heap-grid canvas")].map((canvas) => (canvas as HTMLElement).dataset.before))).toEqual(ALLOCATORS.map((_, i) => String(i)));
    expect(await page.evaluate(() => (window as unknown as { gridGone?: boolean }).gridGone ?? false)).toBe(false);
    expect(await canvasHashes(page)).not.toEqual(pixels);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: the lane workers start when the reader points at the race mode, not at load, and the first live re-run uses them", async () => {
    const workers: string[] = [];
    // Listening before the page loads, so a worker started at load would be seen.
    const { page, log } = await openPage(site, "?stream=larson", undefined, (page) => page.on("worker", (worker) => workers.push(worker.url())));
    await expect.poll(() => page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await waitForSettled(page);
    expect(workers.filter((url) => /lane-worker/.test(url))).toEqual([]);
    await page.getByText("re-run live").hover();
    await expect.poll(() => workers.filter((url) => /lane-worker/.test(url)).length).toBeGreaterThan(0);
    const started = workers.length;
    await page.getByText("re-run live").click();
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in \d+ ms/);
    // The re-run raced on the workers the hover started: no lane worker was started for it.
    expect(workers.slice(started).filter((url) => /lane-worker/.test(url))).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: settings changed faster than a race runs (a dragged slider) end with the last one raced", async () => {
    const { page, log } = await openPage(site, "?stream=larson&mode=live&ops=20000&seed=1");
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in \d+ ms/);
    // Input events 16 ms apart, as a drag makes them: each race is replaced before it is done.
    await page.evaluate(() => new Promise<void>((resolve) => {
      const form = [...document.querySelectorAll("form")].find((f) => f.querySelector("label")?.textContent?.trim() === "operations")!;
      const slider = form.querySelector("input[type=range]") as HTMLInputElement;
      let step = 0;
      const drag = () => {
        slider.value = String(21_000 + 1000 * step);
        slider.dispatchEvent(new Event("input", { bubbles: true }));
        if (++step < 12) setTimeout(drag, 16); else resolve();
      };
      drag();
    }));
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in \d+ ms · raced live in this page · 32,000 ops/);
    expect(await page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await expect.poll(() => page.url()).toContain("ops=32000");
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: a knob combination the workload rejects shows its message, and the page recovers", async () => {
    const { page, log } = await openPage(site, "?stream=larson&mode=live&ops=3000");
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in/);
    const smallest = page.getByRole("spinbutton", { name: "Smallest block (bytes)" });
    await smallest.fill("5000");
    await smallest.press("Enter");
    await expect.poll(() => page.locator(".race-error").first().innerText(), { timeout: 20_000 }).toMatch(/maxSize|minSize/);
    await smallest.fill("8");
    await smallest.press("Enter");
    await expect.poll(() => page.locator(".heap-grid canvas").count(), { timeout: 20_000 }).toBe(ALLOCATORS.length);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: a shared URL restores stream, mode, knobs and tick", async () => {
    const { page } = await openPage(site, "?stream=python_repl&mode=live&seed=9&ops=4000&arena=512KiB&tick=10&freelist.placement=best");
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in/);
    expect(await page.locator("select").first().locator("option:checked").innerText()).toBe("Python REPL");
    expect(await page.getByRole("spinbutton", { name: "seed" }).inputValue()).toBe("9");
    expect(await page.getByLabel("Placement").locator("option:checked").innerText()).toBe("best");
    expect(await caption(page)).toBe("tick 11 of 64");
    expect(await page.locator(".race-status").last().innerText()).toMatch(/512 KiB arena/);
    await page.close();
  });

  it("race: the scrubber's rule sits on each 'Over time' chart's x scale, at the lines' ends on the last tick", async () => {
    const { page } = await openPage(site, "", { width: 1440, height: 900 });
    // The charts (and every tick they draw) load when the reader scrolls to them.
    await page.getByRole("heading", { name: "Over time" }).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator(".timeline-rule[visibility=visible]").count(), { timeout: 20_000 }).toBe(5);
    const placements = () => page.evaluate(() => [...document.querySelectorAll(".timeline-rule")].map((rule) => {
      const svg = (rule as SVGLineElement).ownerSVGElement!;
      const lines = [...svg.querySelectorAll('g[aria-label="line"] path')].map((path) => path.getBoundingClientRect());
      return {
        title: svg.closest(".footprint-timeline") ? "Footprint" : svg.closest("div")?.parentElement?.querySelector("h3")?.textContent ?? "",
        ruleX: rule.getBoundingClientRect().x,
        linesLeft: Math.min(...lines.map((box) => box.left)),
        linesRight: Math.max(...lines.map((box) => box.right)),
      };
    }));
    const atEnd = await placements();
    expect(atEnd.map((p) => p.title)).toEqual(["Fragmentation score", "Live bytes", "High-water mark", "Failures", "Footprint"]);
    for (const chart of atEnd) expect(Math.abs(chart.ruleX - chart.linesRight), chart.title).toBeLessThanOrEqual(2);
    await page.getByRole("button", { name: "step back" }).click();
    // The rules move when the page's cells next run, not within the click: wait for every one.
    await expect.poll(async () => (await placements()).every((chart) => chart.ruleX < chart.linesRight - 1), { timeout: 10_000 }).toBe(true);
    for (const chart of await placements()) {
      expect(chart.ruleX, chart.title).toBeGreaterThanOrEqual(chart.linesLeft - 1);
      expect(chart.ruleX, chart.title).toBeLessThan(chart.linesRight - 1);
    }
    await page.close();
  });

  it("race: on a trace with big requests each lane's strip shows its mapped blocks, and they move with the scrubber", async () => {
    const { page, log } = await openPage(site, "?stream=python3-json", { width: 1440, height: 900 });
    await expect.poll(() => page.locator(".heap-grid .mapped-strip").count(), { timeout: 20_000 }).toBe(ALLOCATORS.length);
    const blocksByLane = () => page.locator(".heap-grid .mapped-strip").evaluateAll((strips) => strips.map((s) => Number((s as HTMLElement).dataset.blocks)));
    const atEnd = await blocksByLane();
    expect(atEnd[ALLOCATORS.indexOf("bump")]).toBe(0); // bump has no large-object path
    expect(atEnd[ALLOCATORS.indexOf("slab")]).toBeGreaterThan(0); // slab maps everything above 2 KiB
    // Every mapped block is drawn: a header slice, the bytes asked for and the hatched page rounding.
    const slabStrip = page.locator(".heap-grid .mapped-strip").nth(ALLOCATORS.indexOf("slab"));
    expect(await slabStrip.locator(".mapped-block").count()).toBe(atEnd[ALLOCATORS.indexOf("slab")]);
    expect(await slabStrip.locator(".mapped-block rect").count()).toBe(3 * atEnd[ALLOCATORS.indexOf("slab")]);
    expect(await slabStrip.innerText()).toMatch(/mapped: \d+ blocks? · [\d.]+ [KM]iB · rounding [\d.]+ [KM]?i?B/);
    await page.locator("h1").click();
    await page.keyboard.press("Home");
    await expect.poll(blocksByLane).not.toEqual(atEnd);
    await expect.poll(() => page.locator(".mapped-strip-note").innerText()).toMatch(/Full width: [\d.]+ MiB/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it("race: the footprint chart draws each lane's footprint and arena high water, and the leaderboard counts mappings", async () => {
    const { page } = await openPage(site, "?stream=python3-json", { width: 1440, height: 900 });
    const chart = page.locator(".footprint-timeline");
    // The chart (and every tick it draws) loads when the reader scrolls to it.
    await page.getByRole("heading", { name: "Footprint: the arena and the big requests" }).scrollIntoViewIfNeeded();
    await expect.poll(() => chart.locator('g[aria-label="line"] path').count(), { timeout: 20_000 }).toBe(2 * ALLOCATORS.length);
    expect(await chart.innerText()).toMatch(/Mapped blocks in this race: .*slab/);
    const headers = await page.locator(".leaderboard thead th").allInnerTexts();
    expect(headers).toEqual(expect.arrayContaining(["mmaps", "munmaps"]));
    const mmapsColumn = headers.indexOf("mmaps");
    const rows = await page.locator(".leaderboard tbody tr").evaluateAll((trs, column) => trs.map((tr) => [tr.children[1]?.textContent ?? "", tr.children[column]?.textContent ?? ""]), mmapsColumn);
    const slab = rows.find(([name]) => name === "slab")!;
    expect(Number(slab[1].replace(/,/g, ""))).toBeGreaterThan(0);
    expect(rows.find(([name]) => name === "bump")![1]).toBe("0");
    expect(rows.filter(([name]) => ["glibc", "jemalloc", "mimalloc", "tcmalloc"].includes(name)).map(([, mmaps]) => mmaps)).toEqual(["—", "—", "—", "—"]);
    await page.close();
  });

  it("race: at 1440 px the leaderboard shows every column without scrolling or clipping", async () => {
    const { page } = await openPage(site, "", { width: 1440, height: 900 });
    await expect.poll(() => page.locator(".leaderboard tbody tr").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const fit = await page.evaluate(() => {
      const form = document.querySelector(".leaderboard form")!;
      const lastHeader = [...document.querySelectorAll(".leaderboard thead th")].at(-1)!.getBoundingClientRect();
      return { hidden: form.scrollWidth - form.clientWidth, lastRight: lastHeader.right, formRight: form.getBoundingClientRect().right, viewport: innerWidth };
    });
    expect(fit.hidden).toBeLessThanOrEqual(0);
    expect(fit.lastRight).toBeLessThanOrEqual(fit.formRight);
    expect(fit.lastRight).toBeLessThanOrEqual(fit.viewport);
    await page.close();
  });

  it("race: a race worker that throws shows a message instead of 'racing…', and the next setting races again", async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await crashFirstWorker(page, "race-worker", "a worker that throws");
    // A recorded trace: the race worker loads it (a workload is generated by the lane workers).
    await page.goto(site.url + "?stream=gcc-cc1&mode=live&ops=3000", { waitUntil: "networkidle" });
    await expect.poll(() => page.locator(".race-error").count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator(".race-error").innerText()).toMatch(/race worker crashed .*a worker that throws/);
    await page.getByRole("spinbutton", { name: "operations" }).fill("4000");
    await page.getByRole("spinbutton", { name: "operations" }).press("Enter");
    await expect.poll(() => page.locator(".race-status").first().innerText(), { timeout: 20_000 }).toMatch(/raced in \d+ ms/);
    expect(await page.locator(".race-error").count()).toBe(0);
    expect(await page.locator(".heap-grid canvas").count()).toBe(ALLOCATORS.length);
    await page.close();
  });
});
