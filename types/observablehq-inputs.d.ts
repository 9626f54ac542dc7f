// @observablehq/inputs ships no type declarations; the few functions components call are typed
// here loosely (they return DOM elements with a `value`).
declare module "@observablehq/inputs" {
  type Options = Record<string, unknown>;
  export function table(data: unknown[], options?: Options): HTMLElement & { value: unknown[] };
  export function select<T>(data: readonly T[] | Map<string, T>, options?: Options): HTMLElement & { value: T };
  export function radio<T>(data: readonly T[] | Map<string, T>, options?: Options): HTMLElement & { value: T };
  export function range(extent?: [number, number], options?: Options): HTMLElement & { value: number };
  export function number(extent?: [number, number], options?: Options): HTMLElement & { value: number };
  export function toggle(options?: Options): HTMLElement & { value: boolean };
  export function checkbox<T>(data: readonly T[], options?: Options): HTMLElement & { value: T[] };
  export function text(options?: Options): HTMLElement & { value: string };
  export function button(content?: unknown, options?: Options): HTMLElement & { value: unknown };
  export function form(inputs: Record<string, HTMLElement> | HTMLElement[], options?: Options): HTMLElement & { value: unknown };
}
