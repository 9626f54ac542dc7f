// The CLI's "name:knob=value,knob=value,name2" lists: which allocators race, each with its knobs
// (a lane may appear twice with different knobs), and which workload with which knobs. Typed by
// the registries' knob specs, so every knob a page offers can be set from the command line.
import {
  ALLOCATORS, ALLOCATOR_INFO, WORKLOADS, WORKLOAD_INFO, describeKnobValues, isBuiltinAllocatorName, isWorkloadName, parseKnobText,
  type AllocatorOptions, type BuiltinAllocatorName, type KnobSpec, type WorkloadName,
} from "../lib/index.js";
import { UsageError } from "./args.js";

/** One name and the knob texts that follow it, in the order given. */
interface SpecText { name: string; knobs: Array<[string, string]> }

/**
 * Splits "freelist:placement=best,order=address,segfit" into items. A comma ends a knob; a knob
 * (key=value) without a name before it belongs to the previous item, so knobs and lanes can share
 * one comma-separated list.
 */
export function splitSpecs(flag: string, text: string): SpecText[] {
  const items: SpecText[] = [];
  for (const raw of text.split(",")) {
    const token = raw.trim();
    if (token === "") continue;
    const colon = token.indexOf(":");
    const equals = token.indexOf("=");
    if (equals >= 0 && (colon < 0 || colon > equals)) {
      const current = items.at(-1);
      if (!current) throw new UsageError(`invalid --${flag}: ${JSON.stringify(text)} (a knob ${JSON.stringify(token)} needs a name before it, as in freelist:placement=best)`);
      current.knobs.push(knobPair(flag, token));
      continue;
    }
    const name = colon < 0 ? token : token.slice(0, colon);
    const item: SpecText = { name, knobs: [] };
    if (colon >= 0) item.knobs.push(knobPair(flag, token.slice(colon + 1)));
    items.push(item);
  }
  return items;
}

function knobPair(flag: string, text: string): [string, string] {
  const equals = text.indexOf("=");
  const key = text.slice(0, equals).trim(), value = text.slice(equals + 1).trim();
  if (equals <= 0 || value === "") throw new UsageError(`invalid --${flag} knob: ${JSON.stringify(text)} (write knob=value, as in placement=best)`);
  return [key, value];
}

/** Knob texts typed by their specs, in spec order; unknown or repeated knobs are usage errors. */
function typedKnobs(owner: string, specs: readonly KnobSpec[], knobs: Array<[string, string]>): Record<string, string | number | boolean> {
  const given = new Map<string, string>();
  for (const [key, value] of knobs) {
    if (!specs.some((spec) => spec.name === key)) {
      const known = specs.length ? `knobs: ${specs.map((s) => s.name).join(", ")}` : "it has no knobs";
      throw new UsageError(`unknown knob for ${owner}: ${JSON.stringify(key)} (${known})`);
    }
    if (given.has(key)) throw new UsageError(`knob ${key} given twice for ${owner}`);
    given.set(key, value);
  }
  const values: Record<string, string | number | boolean> = {};
  for (const spec of specs) {
    const text = given.get(spec.name);
    if (text === undefined) continue;
    try {
      values[spec.name] = parseKnobText(owner, spec, text);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return values;
}

// The CLI races the built-in six; a lab's registered heaps need hints a command line cannot give.
export interface CliLane { allocator: BuiltinAllocatorName; label: string; options: AllocatorOptions }

/**
 * The lanes of --allocators. A lane's label is its name, or its name and knobs when it has any
 * ("freelist:placement=best"), so two lanes of one allocator stay apart in the leaderboard and
 * in --out. Two lanes with the same effective knobs are the same lane given twice: an error.
 */
export function parseLanes(text: string): CliLane[] {
  const lanes = splitSpecs("allocators", text).map(({ name, knobs }): CliLane => {
    if (!isBuiltinAllocatorName(name)) throw new UsageError(`unknown allocator: ${JSON.stringify(name)} (choose from ${ALLOCATORS.join(", ")})`);
    const options = typedKnobs(name, ALLOCATOR_INFO[name].knobs, knobs);
    const shown = Object.entries(options).map(([key, value]) => `${key}=${value}`).join(",");
    return { allocator: name, label: shown ? `${name}:${shown}` : name, options };
  });
  if (lanes.length === 0) throw new UsageError("--allocators names no allocator");
  const seen = new Map<string, string>();
  for (const lane of lanes) {
    const key = `${lane.allocator} ${JSON.stringify(withDefaults(ALLOCATOR_INFO[lane.allocator].knobs, lane.options))}`;
    const twin = seen.get(key);
    if (twin !== undefined) throw new UsageError(`--allocators gives the same lane twice: ${twin} and ${lane.label} (give them different knobs)`);
    seen.set(key, lane.label);
  }
  return lanes;
}

function withDefaults(specs: readonly KnobSpec[], options: AllocatorOptions): Record<string, unknown> {
  return Object.fromEntries(specs.map((spec) => [spec.name, options[spec.name] ?? spec.default]));
}

/** Every allocator once, with default knobs: what --allocators means when it is left out. */
export function defaultLanes(): CliLane[] {
  return ALLOCATORS.map((allocator) => ({ allocator, label: allocator, options: {} }));
}

/** --workload NAME[:knob=value,…]: one workload and its knobs. */
export function parseWorkloadSpec(text: string): { workload: WorkloadName; knobs: Record<string, number | string | boolean> } {
  const items = splitSpecs("workload", text);
  if (items.length !== 1) throw new UsageError(`invalid --workload: ${JSON.stringify(text)} (give one workload, as in larson:threads=4)`);
  const [{ name, knobs }] = items;
  if (!isWorkloadName(name)) throw new UsageError(`unknown workload: ${JSON.stringify(name)} (choose from ${WORKLOADS.join(", ")})`);
  return { workload: name, knobs: typedKnobs(name, WORKLOAD_INFO[name].knobs, knobs) };
}

/** What --list prints: every allocator and workload, each knob with its values and default. */
export function listing(): string {
  const section = (title: string, entries: Array<{ name: string; summary: string; knobs: readonly KnobSpec[] }>) => {
    const lines = [title];
    for (const entry of entries) {
      lines.push(`  ${entry.name}  ${entry.summary}`);
      if (entry.knobs.length === 0) lines.push("      (no knobs)");
      const width = Math.max(0, ...entry.knobs.map((knob) => knob.name.length));
      for (const knob of entry.knobs) lines.push(`      ${knob.name.padEnd(width)}  ${describeKnobValues(knob)}`);
    }
    return lines.join("\n");
  };
  return [
    section("allocators (--allocators NAME[:KNOB=VALUE,...],...)", ALLOCATORS.map((name) => ALLOCATOR_INFO[name])),
    section("workloads (--workload NAME[:KNOB=VALUE,...])", WORKLOADS.map((name) => WORKLOAD_INFO[name])),
  ].join("\n\n");
}
