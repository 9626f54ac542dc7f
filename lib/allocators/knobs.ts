// A description of one allocator knob, for generated inputs (pages), CLI help and validation
// messages. The allocator itself validates the value it receives; this is the menu.

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
