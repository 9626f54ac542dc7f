// A description of one allocator knob, for generated inputs (pages), CLI help and validation
// messages. The allocator itself validates the value it receives; this is the menu.

export type KnobSpec =
  | { readonly name: string; readonly label: string; readonly kind: "choice"; readonly choices: readonly string[]; readonly default: string; readonly help: string }
  | { readonly name: string; readonly label: string; readonly kind: "integer"; readonly min: number; readonly max: number; readonly default: number; readonly help: string }
  | { readonly name: string; readonly label: string; readonly kind: "boolean"; readonly default: boolean; readonly help: string };
