// The knob vocabulary shared by allocators, workloads and labs: a knob's description (KnobSpec: the
// menu that pages turn into inputs and the CLI into --list), reading typed knob values out of an
// options bag with messages that quote the bad value, and the arena-size rule every arena obeys.
// It sits beside allocators/ rather than in it so that workloads and labs need no allocator file.

import { DEFAULT_ARENA_BYTES, MAX_ARENA_BYTES, MIN_ARENA_BYTES, type AllocatorOptions } from "./allocators/types.js";

export type KnobSpec =
  | { readonly name: string; readonly label: string; readonly kind: "choice"; readonly choices: readonly string[]; readonly default: string; readonly help: string }
  | { readonly name: string; readonly label: string; readonly kind: "integer"; readonly min: number; readonly max: number; readonly default: number; readonly help: string }
  | { readonly name: string; readonly label: string; readonly kind: "boolean"; readonly default: boolean; readonly help: string };

/**
 * A knob's value from text (a CLI flag, a URL), typed by its spec; throws a RangeError quoting the
 * bad text. The owner (allocator or workload) still validates the value it receives.
 */
export function parseKnobText(owner: string, spec: KnobSpec, text: string): string | number | boolean {
  const bad = (must: string) => new RangeError(`invalid ${owner} knob ${spec.name}: ${JSON.stringify(text)} (${must})`);
  switch (spec.kind) {
    case "choice":
      if (!spec.choices.includes(text)) throw bad(`must be one of ${spec.choices.join(", ")}`);
      return text;
    case "integer": {
      const value = Number(text.replace(/_/g, ""));
      if (!/^-?[\d_]+$/.test(text) || !Number.isSafeInteger(value) || value < spec.min || value > spec.max) throw bad(`must be an integer from ${spec.min} to ${spec.max}`);
      return value;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw bad("must be true or false");
      return text === "true";
  }
}

/** One line of a knob's menu, e.g. `placement  first | next | best  (default first)`. */
export function describeKnobValues(spec: KnobSpec): string {
  switch (spec.kind) {
    case "choice": return `${spec.choices.join(" | ")}  (default ${spec.default})`;
    case "integer": return `${spec.min}..${spec.max}  (default ${spec.default})`;
    case "boolean": return `true | false  (default ${spec.default})`;
  }
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function validateArenaBytes(arenaBytes: unknown): number {
  if (arenaBytes === undefined) return DEFAULT_ARENA_BYTES;
  if (typeof arenaBytes !== "number" || !isPowerOfTwo(arenaBytes) || arenaBytes < MIN_ARENA_BYTES || arenaBytes > MAX_ARENA_BYTES) {
    throw new RangeError(`invalid arenaBytes: ${String(arenaBytes)} (must be a power of two from 64 KiB to 1 GiB)`);
  }
  return arenaBytes;
}

/** Reads a string knob that must be one of `choices`; quotes the bad value otherwise. */
export function choiceKnob<T extends string>(options: AllocatorOptions, knob: string, choices: readonly T[], fallback: T): T {
  const value = options[knob];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new RangeError(`invalid ${knob}: ${JSON.stringify(value)} (must be one of ${choices.join(", ")})`);
  }
  return value as T;
}

/** Reads an integer knob within [min, max]. */
export function integerKnob(options: AllocatorOptions, knob: string, min: number, max: number, fallback: number): number {
  const value = options[knob];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`invalid ${knob}: ${JSON.stringify(value)} (must be an integer from ${min} to ${max})`);
  }
  return value;
}

export function booleanKnob(options: AllocatorOptions, knob: string, fallback: boolean): boolean {
  const value = options[knob];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new RangeError(`invalid ${knob}: ${JSON.stringify(value)} (must be true or false)`);
  return value;
}

/** Rejects knobs an allocator does not have, so a typo is an error rather than a silent default. */
export function rejectUnknownKnobs(name: string, options: AllocatorOptions, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (key !== "arenaBytes" && options[key] !== undefined && !known.includes(key)) {
      throw new RangeError(`unknown option for ${name}: ${JSON.stringify(key)} (known: ${known.length ? known.join(", ") : "none"})`);
    }
  }
}
