// End-to-end support: makes sure dist/ is built from the current sources, serves it on a free
// loopback port with scripts/serve.mjs, and launches Debian's Chromium through playwright-core.
// Every request a page makes is recorded, so tests can assert that nothing leaves the machine.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Debian's Chromium, or the one HEAPFORGE_CHROMIUM names (then only that one). */
export function chromiumPath(): string | null {
  const candidates = process.env.HEAPFORGE_CHROMIUM ? [process.env.HEAPFORGE_CHROMIUM] : CHROMIUM_CANDIDATES;
  return candidates.find((path) => existsSync(path)) ?? null;
}

/**
 * True when the browser tests must run rather than skip: `.ci/run` sets HEAPFORGE_REQUIRE_BROWSER=1
 * so that a Chromium it could not install fails CI (browser-required.test.ts) instead of passing it.
 */
export function browserRequired(): boolean {
  return process.env.HEAPFORGE_REQUIRE_BROWSER === "1";
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === ".observablehq" || name === "lib") continue;
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const marker = join(ROOT, "dist", "index.html");
  // native/ feeds the native loader (src/data/native.zip.ts).
  const sources = Math.max(newestMtime(join(ROOT, "src")), newestMtime(join(ROOT, "lib")), newestMtime(join(ROOT, "native")), statSync(join(ROOT, "observablehq.config.ts")).mtimeMs);
  return existsSync(marker) && statSync(marker).mtimeMs > sources;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds dist/ unless it is newer than every source file (src/, lib/, the config). Test files run
 * in parallel processes, so a lock file makes exactly one of them build while the others wait.
 */
export function ensureBuilt(): void {
  const lock = join(ROOT, ".e2e-build.lock");
  for (;;) {
    if (isFresh() && !process.env.HEAPFORGE_REBUILD) return;
    let fd: number;
    try {
      fd = openSync(lock, "wx");
    } catch {
      // Another test process is building; a lock older than any build may take is left over from a crash.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > SITE_START_TIMEOUT) rmSync(lock, { force: true });
      sleep(1000);
      continue;
    }
    try {
      if (isFresh() && !process.env.HEAPFORGE_REBUILD) return;
      console.log("e2e: building the site (npm run build)…");
      const result = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
      if (result.status !== 0) throw new Error("npm run build failed");
      delete process.env.HEAPFORGE_REBUILD;
      return;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

export interface Site { url: string; browser: Browser; close(): Promise<void> }

export const BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * How long a test file's beforeAll may wait for startSite: the first file builds the site (with the
 * native measurements, several minutes on an idle machine and three times that on a loaded one)
 * while the others wait for its lock, so the wait is long; a build that fails still fails at once.
 */
export const SITE_START_TIMEOUT = 30 * 60_000;

/**
 * Serves the built site and launches Chromium. With HEAPFORGE_SITE_URL set (e.g. to a running
 * `npm run dev -- --port 4400`), tests that server instead and builds nothing. `isolated` serves
 * with the COOP/COEP headers that make pages cross-origin isolated (serve.mjs --isolated).
 */
export async function startSite({ isolated = false } = {}): Promise<Site> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no chromium");
  const external = process.env.HEAPFORGE_SITE_URL;
  if (external) {
    const browser = await chromium.launch({ executablePath, args: BROWSER_ARGS });
    return { url: external.endsWith("/") ? external : external + "/", browser, close: () => browser.close() };
  }
  ensureBuilt();
  const server: ChildProcess = spawn(process.execPath, [join(ROOT, "scripts/serve.mjs"), "--port", "0", ...(isolated ? ["--isolated"] : [])], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (match) resolve(match[0]);
    });
    server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const browser = await chromium.launch({ executablePath, args: BROWSER_ARGS });
  return {
    url, browser,
    async close() {
      await browser.close();
      server.kill();
    },
  };
}

export interface PageLog { errors: string[]; failed: string[]; external: string[] }

/** Opens a page and records console errors, page errors, failed and off-machine requests. */
/** Opens `path` with its errors logged; `beforeLoad` can listen to the page before it loads. */
export async function openPage(site: Site, path: string, viewport = { width: 1280, height: 900 }, beforeLoad: (page: Page) => void = () => {}): Promise<{ page: Page; log: PageLog }> {
  const page = await site.browser.newPage({ viewport });
  beforeLoad(page);
  const log: PageLog = { errors: [], failed: [], external: [] };
  page.on("console", (message) => { if (message.type() === "error") log.errors.push(message.text()); });
  page.on("pageerror", (error) => log.errors.push(error.message));
  page.on("requestfailed", (request) => log.failed.push(`${request.url()} ${request.failure()?.errorText ?? ""}`));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(site.url) && !url.startsWith("data:") && !url.startsWith("blob:")) log.external.push(url);
  });
  await page.goto(site.url + path.replace(/^\//, ""), { waitUntil: "networkidle" });
  return { page, log };
}

/**
 * Waits until a page has finished its work, so an assertion of "no errors" sees all of it: no
 * Framework cell is still pending (<observablehq-loading>), no status line still reads as work in
 * progress ("racing…", "Waiting for the whole race…": statuses end in an ellipsis while busy), and
 * the browser has painted two frames since. A condition, not a fixed wait.
 */
export async function waitForSettled(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => {
    if (document.querySelector("observablehq-loading")) return false;
    const busy = [...document.querySelectorAll(".race-status, .race-progress")].some((element) => /…\s*$/.test(element.textContent ?? ""));
    return !busy;
  }, undefined, { timeout, polling: 100 });
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** A hash of each heat map's pixels (.heap-grid canvases), to tell whether a repaint changed them. */
/** A hash of each canvas's pixels (the heat maps unless another selector is given), to tell a redraw that changed them. */
export function canvasHashes(page: Page, selector = ".heap-grid canvas"): Promise<number[]> {
  return page.evaluate((selector) => [...document.querySelectorAll(selector)].map((canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) hash = (Math.imul(hash, 31) + ((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])) | 0;
    return hash;
  }), selector);
}

/** How many colours each heat map shows: 1 means blank. */
export function distinctColours(page: Page): Promise<number[]> {
  return page.evaluate(() => [...document.querySelectorAll(".heap-grid canvas")].map((canvas) => {
    const data = (canvas as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 256, 256).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return colours.size;
  }));
}

/**
 * Makes the first Worker the page starts whose URL contains `urlPart` one that throws `message` on
 * its first job, so a test can watch the page report a crash and recover with the next one. A
 * warm-up (the trace page's, sent before any job) is taken without a word, as a real worker does.
 */
export function crashFirstWorker(page: Page, urlPart: string, message: string): Promise<unknown> {
  return page.addInitScript(({ urlPart, message }) => {
    const RealWorker = window.Worker;
    let crashed = false;
    window.Worker = class extends RealWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        if (!crashed && String(url).includes(urlPart)) {
          crashed = true;
          const source = `self.onmessage = (event) => { if (event.data?.type !== "warm") throw new RangeError(${JSON.stringify(message)}); };`;
          super(URL.createObjectURL(new Blob([source], { type: "text/javascript" })), options);
        } else super(url, options);
      }
    };
  }, { urlPart, message });
}
