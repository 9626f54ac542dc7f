// Post-build check. `observable build` exits 0 even when a page failed to compile (the error is
// rendered into the HTML), and a stray implicit import would fetch from a CDN at run time. So:
// fail on error boxes, on external <script>/<link>/import URLs, and on any dist/_npm folder.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist", import.meta.url));
const problems = [];

if (!existsSync(dist)) {
  console.error("check-build: dist/ does not exist; did the build run?");
  process.exit(1);
}
if (existsSync(join(dist, "_npm"))) problems.push("dist/_npm exists: something was imported from the CDN instead of node_modules");

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let pages = 0;
for (const file of files(dist)) {
  if (file.endsWith(".html")) {
    pages++;
    const html = readFileSync(file, "utf8");
    if (/class="observablehq--error"|observablehq--error/.test(html)) problems.push(`${file}: contains a rendered error box`);
    for (const match of html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(https?:)?\/\/[^"]+"/g)) {
      problems.push(`${file}: external resource ${match[0]}`);
    }
  } else if (file.endsWith(".js")) {
    const js = readFileSync(file, "utf8");
    for (const match of js.matchAll(/import\s*(?:[^"'`]*from\s*)?["'](https?:\/\/[^"']+)["']/g)) {
      problems.push(`${file}: imports ${match[1]}`);
    }
  }
}
if (pages === 0) problems.push("no HTML pages were built");

if (problems.length) {
  console.error(`check-build: ${problems.length} problem(s):\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.error(`check-build: ${pages} pages, no compile errors, no external URLs`);
