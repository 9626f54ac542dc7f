// Number formats shared by the workload and methodology pages: bytes in binary units, counts with
// thousands separators, shares as percentages — the same spelling in prose, tables and chart axes.

import { formatBytes as formatLibBytes } from "../../lib/page-api.js";

const COUNT = new Intl.NumberFormat("en-US");

export function formatCount(n: number): string {
  return COUNT.format(Math.round(n));
}

/** 838860 → "819.2 KiB"; whole numbers lose their ".0" (2097152 → "2 MiB"). */
export function formatBytes(bytes: number, digits = 1): string {
  return formatLibBytes(bytes, digits);
}

/** A power of two as an axis tick: 16 → "16 B", 4096 → "4 KiB". */
export function formatPowerOfTwoBytes(bytes: number): string {
  return formatBytes(bytes, 0);
}

/** A power of two of ops: 1024 → "1K", 65536 → "64K", 2^20 → "1M". */
export function formatPowerOfTwoCount(n: number): string {
  if (n >= 1 << 20) return `${n / (1 << 20)}M`;
  if (n >= 1024) return `${n / 1024}K`;
  return String(n);
}

export function pct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** A share of a whole, as a percentage: "0%" for nothing, "<0.1%" for a sliver that would round to 0. */
export function share(part: number, whole: number, digits = 1): string {
  if (!(whole > 0) || part === 0) return "0%";
  const smallest = 10 ** -digits / 100;
  return part / whole < smallest ? `<${pct(smallest, digits)}` : pct(part / whole, digits);
}
