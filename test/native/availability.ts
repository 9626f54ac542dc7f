// Whether the native tests can run here: they need a C compiler and the three Debian allocator
// libraries. Without them a suite skips and prints why, rather than passing vacuously.
import { spawnSync } from "node:child_process";
import { findAllocators, missingLine } from "../../native/allocators.js";

export function nativeSkipReason(): string | undefined {
  const cc = spawnSync(process.env.CC || "cc", ["--version"], { stdio: "ignore" });
  if (cc.status !== 0) return "no C compiler (apt-get install gcc)";
  const { missing } = findAllocators();
  if (missing.length) return missing.map(missingLine).join("; ");
  return undefined;
}
