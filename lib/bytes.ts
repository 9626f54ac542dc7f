// Byte sizes as people write them and as HeapForge prints them: one parser for the CLI and the
// pages (so `1g`, `512k`, `2MiB` and `64 KiB` mean the same everywhere) and one formatter.

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

// Binary units throughout: an arena is a power of two, so "2MB" meaning 2,000,000 would never fit.
const UNITS: Readonly<Record<string, number>> = {
  "": 1, b: 1,
  k: KiB, kb: KiB, kib: KiB,
  m: MiB, mb: MiB, mib: MiB,
  g: GiB, gb: GiB, gib: GiB,
};

/**
 * "2MiB", "512k", "1g", "64 KiB", "1.5m", "65536" → bytes. Throws a RangeError quoting the text
 * when it is not a size (units are binary and case-insensitive; the result is a whole number).
 */
export function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`invalid size: ${JSON.stringify(text)} (use a size like 2MiB, 512KiB, 1g or 65536)`);
  return bytes;
}

/**
 * Bytes in the largest binary unit they fill, with at most `digits` decimals and no trailing
 * zeros: 2097152 → "2 MiB", 1536 → "1.5 KiB", 100 → "100 B".
 */
export function formatBytes(bytes: number, digits = 2): string {
  const magnitude = Math.abs(bytes);
  const [unit, name] = magnitude >= GiB ? [GiB, "GiB"] : magnitude >= MiB ? [MiB, "MiB"] : magnitude >= KiB ? [KiB, "KiB"] : [1, "B"];
  return `${+(bytes / unit).toFixed(unit === 1 ? 0 : digits)} ${name}`;
}
