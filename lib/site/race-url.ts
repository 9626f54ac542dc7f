// The race page's state in its URL (stream, mode, seed, ops, arena, knobs, tick), so a view can be
// shared. Reading is forgiving: anything unparsable falls back to the default.
export interface RaceUrlState {
  stream: string;
  mode: "build" | "live";
  seed: number;
  ops: number;
  arena: string;
  tick: number | null;
  /** "freelist.placement" → "best"; "workload.slots" → 500 */
  knobs: Record<string, string>;
}

export const DEFAULT_RACE_STATE: RaceUrlState = { stream: "redis_cache", mode: "build", seed: 1, ops: 20_000, arena: "2MiB", tick: null, knobs: {} };

export function readRaceState(search: string): RaceUrlState {
  const params = new URLSearchParams(search);
  const int = (key: string, fallback: number) => {
    const v = Number(params.get(key));
    return params.has(key) && Number.isInteger(v) && v >= 0 ? v : fallback;
  };
  const knobs: Record<string, string> = {};
  for (const [key, value] of params) if (key.includes(".")) knobs[key] = value;
  return {
    stream: params.get("stream") ?? DEFAULT_RACE_STATE.stream,
    mode: params.get("mode") === "live" ? "live" : "build",
    seed: int("seed", DEFAULT_RACE_STATE.seed),
    ops: int("ops", DEFAULT_RACE_STATE.ops),
    arena: params.get("arena") ?? DEFAULT_RACE_STATE.arena,
    tick: params.has("tick") ? int("tick", 0) : null,
    knobs,
  };
}

/** The query string that reads back as `state`: live-run parameters only in live mode, defaults included. */
export function raceStateSearch(state: RaceUrlState): string {
  const params = new URLSearchParams();
  params.set("stream", state.stream);
  if (state.mode === "live") {
    params.set("mode", "live");
    params.set("seed", String(state.seed));
    params.set("ops", String(state.ops));
    params.set("arena", state.arena);
    for (const [key, value] of Object.entries(state.knobs)) params.set(key, value);
  }
  if (state.tick !== null) params.set("tick", String(state.tick));
  return `?${params}`;
}

/** Knob values for one owner ("freelist", "workload") from the flat URL form, typed by their specs. */
export function knobsFor(knobs: Record<string, string>, owner: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(knobs)) {
    if (!key.startsWith(owner + ".")) continue;
    const name = key.slice(owner.length + 1);
    out[name] = value === "true" ? true : value === "false" ? false : /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

export function flattenKnobs(owner: string, values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${owner}.${k}`, String(v)]));
}
