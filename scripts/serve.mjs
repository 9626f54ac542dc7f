// Serves the built site (dist/) on 127.0.0.1 with nothing but node:http, and prints the URL.
// Usage: node scripts/serve.mjs [--port 3000] [--isolated]
// --isolated adds the COOP/COEP headers that make the pages cross-origin isolated, as a host can:
// the race page's lane workers then share one op log in SharedArrayBuffers instead of copies.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: process.env.PORT ?? "3000" }, isolated: { type: "boolean", default: false } } });
const isolation = values.isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port: ${values.port}`);
  process.exit(2);
}
const root = fileURLToPath(new URL("../dist", import.meta.url));
if (!existsSync(root)) {
  console.error("dist/ is missing: run `npm run build` first (or `npm start`, which builds then serves)");
  process.exit(1);
}

const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".arrow": "application/vnd.apache.arrow.file",
  ".csv": "text/csv", ".txt": "text/plain", ".rep": "text/plain", ".mtrace": "text/plain", ".woff2": "font/woff2",
};

export function resolveFile(urlPath) {
  const clean = normalize(decodeURIComponent(urlPath.split("?")[0])).replace(/^(\.\.[/\\])+/, "");
  const candidates = [join(root, clean), join(root, clean + ".html"), join(root, clean, "index.html")];
  return candidates.find((path) => path.startsWith(root) && existsSync(path) && statSync(path).isFile());
}

const server = createServer((request, response) => {
  const file = resolveFile(request.url ?? "/");
  if (!file) {
    const notFound = join(root, "404.html");
    response.writeHead(404, { "content-type": types[".html"], ...isolation });
    response.end(existsSync(notFound) ? readFileSync(notFound) : "not found");
    return;
  }
  response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", ...isolation });
  response.end(readFileSync(file));
});

server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`HeapForge is served at http://127.0.0.1:${address.port}/ (Ctrl-C to stop)`);
});
