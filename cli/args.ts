// Argument parsing for the race CLI: byte sizes, lists and integers, each failing with a message
// that quotes the bad value. Kept apart from the command so it can be tested without spawning.

import { formatBytes, parseByteSize } from "../lib/index.js";

export class UsageError extends Error {}

/** "2MiB", "512k", "1g", "65536", "auto" → bytes or "auto" (lib/bytes.ts reads the size). */
export function parseArena(text: string): number | "auto" {
  if (text === "auto") return "auto";
  try {
    return parseByteSize(text);
  } catch {
    throw new UsageError(`invalid --arena: ${JSON.stringify(text)} (use a size like 2MiB, 512KiB, 1GiB, or auto)`);
  }
}

export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = Number(text.replace(/_/g, ""));
  if (!/^-?[\d_]+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`invalid --${flag}: ${JSON.stringify(text)} (must be an integer from ${min} to ${max})`);
  }
  return value;
}

export function parseList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

export { formatBytes };
