// Framework judges loader staleness only by the loader file's own mtime, so changes in lib/
// would be served from a stale cache. `npm run build` always starts from an empty data cache.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cache = fileURLToPath(new URL("../src/.observablehq/cache", import.meta.url));
rmSync(cache, { recursive: true, force: true });
console.error("cleared the data-loader cache");
