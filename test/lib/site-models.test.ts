// The pure models behind the site's controls, under Node: the race page's URL state and the arena
// choices (lib/site/), and the placement lab's tally of the classic results (lib/labs/placement.ts).
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RACE_STATE, arenaChoices, flattenKnobs, knobsFor, parseArenaChoice, raceStateSearch, readRaceState, tallyClaims,
  type ClaimRow, type RaceUrlState,
} from "../../lib/index.js";

describe("race page URL state", () => {
  it("reads back what it writes, in live mode with knobs and a tick", () => {
    const state: RaceUrlState = { stream: "larson", mode: "live", seed: 9, ops: 50_000, arena: "4MiB", tick: 12, knobs: { "freelist.placement": "best", "workload.slots": "300" } };
    expect(readRaceState(raceStateSearch(state))).toEqual(state);
  });

  it("keeps a build-mode URL short: the live-run parameters are left out", () => {
    expect(raceStateSearch({ ...DEFAULT_RACE_STATE, seed: 5 })).toBe("?stream=redis_cache");
    expect(readRaceState("?stream=redis_cache")).toEqual(DEFAULT_RACE_STATE);
  });

  it("is forgiving: unparsable numbers fall back to the defaults", () => {
    const state = readRaceState("?mode=live&seed=-3&ops=lots&tick=x");
    expect(state.seed).toBe(DEFAULT_RACE_STATE.seed);
    expect(state.ops).toBe(DEFAULT_RACE_STATE.ops);
    expect(state.tick).toBe(0);
    expect(readRaceState("?mode=sideways").mode).toBe("build");
  });

  it("types knob values per owner and flattens them back", () => {
    const flat = { ...flattenKnobs("freelist", { placement: "best", order: "address" }), ...flattenKnobs("bump", { resetWhenEmpty: false }), "workload.slots": "300" };
    expect(knobsFor(flat, "freelist")).toEqual({ placement: "best", order: "address" });
    expect(knobsFor(flat, "bump")).toEqual({ resetWhenEmpty: false });
    expect(knobsFor(flat, "workload")).toEqual({ slots: 300 });
  });
});

describe("arena choices", () => {
  it("offers powers of two from 64 KiB to 64 MiB, then auto, and parses each", () => {
    const choices = arenaChoices();
    expect(choices[0]).toBe("64KiB");
    expect(choices.at(-2)).toBe("64MiB");
    expect(choices.at(-1)).toBe("auto");
    for (const choice of choices.slice(0, -1)) expect(Math.log2(parseArenaChoice(choice) as number) % 1).toBe(0);
    expect(parseArenaChoice("auto")).toBe("auto");
    expect(() => parseArenaChoice("huge")).toThrow('invalid arena: "huge" (choose a size like 2MiB, or auto)');
  });
});

describe("placement lab: the classic results tallied", () => {
  const row = (source: string, kind: ClaimRow["kind"], holds: Array<boolean | null>): ClaimRow => ({
    source, kind,
    checks: (["ao-first-beats-lifo-first", "best-near-ao-first", "next-worse-than-best", "ao-or-best-least"] as const).map((claim, i) => ({ claim, holds: holds[i], figures: {} })),
  });

  it("counts recorded traces and synthetic workloads apart and names the exceptions", () => {
    const tallies = tallyClaims([
      row("binary.rep", "trace", [true, false, true, null]),
      row("redis_cache", "workload", [true, true, false, true]),
      row("larson", "workload", [false, true, true, true]),
    ]);
    const first = tallies.find((t) => t.claim === "ao-first-beats-lifo-first")!;
    expect(first.recorded).toEqual({ holds: 1, of: 1 });
    expect(first.synthetic).toEqual({ holds: 1, of: 2 });
    expect(first.exceptions).toEqual(["larson"]);
    const least = tallies.find((t) => t.claim === "ao-or-best-least")!;
    expect(least.recorded).toEqual({ holds: 0, of: 0 }); // null: the check did not apply
    expect(tallies.map((t) => t.claim)).toHaveLength(4);
  });
});
