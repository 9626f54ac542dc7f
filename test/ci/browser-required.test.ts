// CI must fail when the browser tests could not run: .ci/run requires them, and with that
// requirement a machine without Chromium fails the e2e guard instead of skipping it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../e2e/site-server.js";

function runGuard(env: Record<string, string>) {
  const vitest = join(ROOT, "node_modules", ".bin", "vitest");
  return spawnSync(vitest, ["run", "test/e2e/browser-required.test.ts"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("CI and the browser tests", () => {
  it("ci: .ci/run requires the browser tests (HEAPFORGE_REQUIRE_BROWSER=1)", () => {
    const script = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    expect(script).toMatch(/^export HEAPFORGE_REQUIRE_BROWSER=1$/m);
  });

  it("ci: with the browser required and no Chromium, the e2e guard fails", () => {
    const result = runGuard({ HEAPFORGE_REQUIRE_BROWSER: "1", HEAPFORGE_CHROMIUM: join(ROOT, "no-such-chromium") });
    expect(result.status, result.stdout + result.stderr).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/no Chromium found/);
  });

  it("ci: without the requirement, a machine without Chromium still skips", () => {
    const result = runGuard({ HEAPFORGE_REQUIRE_BROWSER: "0", HEAPFORGE_CHROMIUM: join(ROOT, "no-such-chromium") });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
