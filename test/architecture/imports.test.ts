// The import rules of docs/architecture.md, read from the source tree: code outside lib/ uses
// lib's public API, and inside lib the layers point one way.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === ".observablehq" || path === join("src", "lib")) return [];
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|md|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static or dynamic), with its line. */
export function importsOf(text: string): Array<{ specifier: string; line: number }> {
  const found: Array<{ specifier: string; line: number }> = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;
  for (const match of text.matchAll(pattern)) found.push({ specifier: match[1], line: text.slice(0, match.index).split("\n").length });
  return found;
}

/** Files (under `dirs`) whose imports break `rule`, as "file:line → specifier". */
function violations(dirs: string[], rule: (file: string, target: string) => boolean): string[] {
  const bad: string[] = [];
  for (const file of dirs.flatMap(sourceFiles)) {
    for (const { specifier, line } of importsOf(readFileSync(join(ROOT, file), "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const target = relative(ROOT, join(ROOT, file, "..", specifier)).replace(/^src\/lib\//, "lib/");
      if (rule(file, target)) bad.push(`${file}:${line} → ${specifier}`);
    }
  }
  return bad;
}

const PUBLIC_API = new Set(["lib/index.js", "lib/arrow.js", "lib/page-api.js"]);

describe("import rules", () => {
  it("architecture: the CLI, the site (pages, components, loaders, workers) and native/ import lib only through lib/index.ts, lib/arrow.ts or lib/page-api.ts", () => {
    expect(violations(["cli", "src", "native"], (_, target) => target.startsWith("lib/") && !PUBLIC_API.has(target))).toEqual([]);
  });

  it("architecture: lib/page-api.ts is a part of lib/index.ts, the same bindings under the same names", async () => {
    const pageApi: Record<string, unknown> = await import("../../lib/page-api.js");
    const api: Record<string, unknown> = await import("../../lib/index.js");
    expect(Object.keys(pageApi).length).toBeGreaterThan(0);
    for (const name of Object.keys(pageApi)) expect(api[name], name).toBe(pageApi[name]);
  });

  it("architecture: workloads and labs use the allocator contract and registry, never an allocator's own files", () => {
    const allowed = new Set(["lib/allocators/types.js", "lib/allocators/index.js"]);
    expect(violations(["lib/workloads", "lib/labs"], (_, target) => target.startsWith("lib/allocators/") && !allowed.has(target))).toEqual([]);
  });

  it("architecture: trace reading and profiling do not import the race", () => {
    expect(violations(["lib/trace"], (_, target) => target.startsWith("lib/race/"))).toEqual([]);
  });

  it("architecture: data loaders do not import components", () => {
    expect(violations(["src/data"], (_, target) => target.startsWith("src/components/"))).toEqual([]);
  });

  it("architecture: components live in one folder per page family and import only their own folder, core/ and worker/", () => {
    const FAMILIES = new Set(["core", "race", "worker", "strategy", "workload", "lab", "method", "native"]);
    const folderOf = (path: string) => path.split("/")[2];
    const loose = sourceFiles("src/components").filter((file) => !FAMILIES.has(folderOf(file)) || file.split("/").length !== 4);
    expect(loose).toEqual([]);
    expect(violations(["src/components"], (file, target) => {
      if (!target.startsWith("src/components/")) return false;
      const to = folderOf(target);
      return to !== folderOf(file) && to !== "core" && to !== "worker";
    })).toEqual([]);
  });

  it("architecture: lib imports nothing from the site, the CLI or Node", () => {
    expect(violations(["lib"], (_, target) => !target.startsWith("lib/"))).toEqual([]);
    const nodeImports = sourceFiles("lib").flatMap((file) => importsOf(readFileSync(join(ROOT, file), "utf8"))
      .filter(({ specifier }) => specifier.startsWith("node:")).map(({ specifier, line }) => `${file}:${line} → ${specifier}`));
    expect(nodeImports).toEqual([]);
  });

  it("architecture: the checker sees deep imports (a file that breaks the rule is caught)", () => {
    const text = 'import { x } from "../lib/race/race.js";\nexport { y } from "./lib/arena.js";\nconst z = await import("../lib/index.js");';
    expect(importsOf(text)).toEqual([
      { specifier: "../lib/race/race.js", line: 1 },
      { specifier: "./lib/arena.js", line: 2 },
      { specifier: "../lib/index.js", line: 3 },
    ]);
  });
});
