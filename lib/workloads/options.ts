// What every generator does before its first op: check the options (quoting any bad value), reject
// knobs it does not have, seed the one random source every distribution draws from, and fix the
// live-bytes budget that keeps the trace servable by a good general allocator.

import { randomLcg } from "d3-random";
import { integerKnob, rejectUnknownKnobs, validateArenaBytes } from "../knobs.js";
import type { KnobSpec } from "../knobs.js";

export const MAX_OPS = 10_000_000;
export const MAX_SEED = 0xffff_ffff;

export interface WorkloadOptions {
  seed: number;
  ops: number;
  arenaBytes?: number;
  [knob: string]: unknown;
}

export type IntegerKnobSpec = Extract<KnobSpec, { kind: "integer" }>;

export interface WorkloadSetup {
  readonly ops: number;
  readonly arenaBytes: number;
  /** Live requested bytes never exceed this: half the arena, so placement and headers have room. */
  readonly budget: number;
  /** randomLcg(seed): the source of every distribution in the generator. */
  readonly random: () => number;
  readonly knobs: Readonly<Record<string, number>>;
}

export function setUpWorkload(name: string, options: WorkloadOptions, knobs: readonly IntegerKnobSpec[]): WorkloadSetup {
  if (typeof options !== "object" || options === null) {
    throw new RangeError(`invalid options for ${name}: ${String(options)} (must be an object with seed and ops)`);
  }
  rejectUnknownKnobs(name, options, ["seed", "ops", ...knobs.map((knob) => knob.name)]);
  const seed = requireInteger(options, "seed", 0, MAX_SEED);
  const ops = requireInteger(options, "ops", 1, MAX_OPS);
  const arenaBytes = validateArenaBytes(options.arenaBytes);
  const values: Record<string, number> = {};
  for (const knob of knobs) values[knob.name] = integerKnob(options, knob.name, knob.min, knob.max, knob.default);
  return { ops, arenaBytes, budget: arenaBytes / 2, random: randomLcg(seed), knobs: values };
}

/** Like integerKnob, but the option has no default: leaving it out is as wrong as a bad value. */
function requireInteger(options: WorkloadOptions, name: string, min: number, max: number): number {
  const value: unknown = options[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`invalid ${name}: ${quote(value)} (must be an integer from ${min} to ${max})`);
  }
  return value;
}

function quote(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** An integer in [min, max], uniform on a log scale: as many 16–32 B requests as 16–32 KiB ones. */
export function logUniformInt(random: () => number, min: number, max: number): number {
  return Math.min(max, Math.floor(min * Math.pow((max + 1) / min, random())));
}

export function clampSize(x: number, min: number, max: number): number {
  const size = Math.round(x);
  return size < min ? min : size > max ? max : size;
}
