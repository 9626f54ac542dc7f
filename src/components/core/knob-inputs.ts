// Inputs generated from knob descriptions (KnobSpec), for allocators and workloads alike, so a
// new knob in lib appears on every page without page changes.
import * as Inputs from "@observablehq/inputs";
import type { KnobSpec } from "../../lib/index.js";

export function knobInput(spec: KnobSpec, value?: unknown): HTMLElement & { value: unknown } {
  const common = { label: spec.label, title: spec.help };
  switch (spec.kind) {
    case "choice":
      return Inputs.select(spec.choices, { ...common, value: spec.choices.includes(value as string) ? value : spec.default });
    case "integer":
      return Inputs.number([spec.min, spec.max], { ...common, step: 1, value: Number.isInteger(value) ? value : spec.default });
    case "boolean":
      return Inputs.toggle({ ...common, value: typeof value === "boolean" ? value : spec.default });
  }
}

/**
 * One form for a set of knobs: its value is {knob: value}, holding only knobs that differ from
 * their defaults (so URLs and option objects stay short).
 */
export function knobForm(specs: readonly KnobSpec[], values: Record<string, unknown> = {}): HTMLElement & { value: Record<string, unknown> } {
  const inputs = Object.fromEntries(specs.map((spec) => [spec.name, knobInput(spec, values[spec.name])]));
  const form = Inputs.form(inputs) as HTMLElement & { value: Record<string, unknown> };
  // A wrapper owns the filtered value; the inputs' "input" events bubble up through it.
  const root = document.createElement("div") as unknown as HTMLElement & { value: Record<string, unknown> };
  root.className = "knob-form";
  root.append(form);
  Object.defineProperty(root, "value", {
    get: () => {
      const all = form.value;
      return Object.fromEntries(specs.filter((s) => all[s.name] !== s.default && all[s.name] !== null && all[s.name] !== undefined).map((s) => [s.name, all[s.name]]));
    },
  });
  return root;
}
