// Lets `npm start` and `npm test` work on a fresh clone: installs the locked dependencies when
// node_modules is missing or was installed from a different package-lock.json.
// It runs `npm install` rather than `npm ci`: npm 11 leaves other platforms' optional packages
// (rollup's native builds) out of the lock file and `npm ci` then refuses the lock as out of sync.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = root + "node_modules/.heapforge-lock-hash";
const hashOfLock = () => createHash("sha256").update(readFileSync(root + "package-lock.json")).digest("hex");

if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== hashOfLock()) {
  console.error("installing dependencies (npm install from package-lock.json)…");
  execSync("npm install --no-audit --no-fund", { cwd: root, stdio: "inherit" });
  writeFileSync(stamp, hashOfLock());
}
