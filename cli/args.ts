// Argument parsing for the race CLI: byte sizes, lists and integers, each failing with a message
// that quotes the bad value. Kept apart from the command so it can be tested without spawning.

export class UsageError extends Error {}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };

/** "2MiB", "512k", "65536", "auto" → bytes or "auto". */
export function parseArena(text: string): number | "auto" {
  if (text === "auto") return "auto";
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new UsageError(`invalid --arena: ${JSON.stringify(text)} (use a size like 2MiB, 512KiB, 1GiB, or auto)`);
  return Math.round(Number(match[1]) * unit);
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

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30 && bytes % (1 << 30) === 0) return `${bytes / (1 << 30)} GiB`;
  if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${+(bytes / (1 << 10)).toFixed(2)} KiB`;
  return `${bytes} B`;
}
