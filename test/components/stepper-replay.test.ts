// The stepper's model under Node: a scripted trace replayed on each real allocator, with the words
// derived from what its detail() and walk() show after every step.
import { describe, expect, it } from "vitest";
import { ALLOCATORS } from "../../lib/index.js";
import { replay, parseScript } from "../../src/components/strategy/stepper-replay.js";

const SCRIPT = ["malloc 48", "malloc 200", "malloc 1000", "free #2", "realloc #1 400", "free #1", "free #3"];

describe("stepper replay", () => {
  it.each(ALLOCATORS)("%s: one state per step, each with a caption, an account and its bookkeeping", (name) => {
    const r = replay(name, {}, SCRIPT);
    expect(r.states).toHaveLength(SCRIPT.length + 1);
    for (const state of r.states) {
      expect(state.effect.length).toBeGreaterThan(20);
      expect(state.detail.kind).toBe(name);
    }
    expect(r.states[1].caption).toMatch(/^malloc\(48\) → 0x/);
  });

  it("bump: the cursor moves with each block and jumps back once the last object dies", () => {
    const r = replay("bump", {}, ["malloc 48", "malloc 100", "free #1", "free #2"]);
    const cursors = r.states.map((s) => (s.detail.kind === "bump" ? s.detail.cursor : -1));
    expect(cursors[1]).toBeGreaterThan(cursors[0]);
    expect(cursors[2]).toBeGreaterThan(cursors[1]);
    expect(cursors[4]).toBe(cursors[0]);
    expect(r.states[4].effect).toMatch(/cursor jumps back/);
    const kept = replay("bump", { resetWhenEmpty: false }, ["malloc 48", "free #1"]);
    expect(kept.states[2].effect).toMatch(/with reset off the cursor stays/);
  });

  it("segfit: with search limit 0 the account says the class list was not searched", () => {
    const r = replay("segfit", { searchLimit: 0 }, ["malloc 100", "malloc 40", "malloc 100", "free #1", "malloc 60"]);
    expect(r.states.at(-1)!.effect).toMatch(/^With search limit 0 the allocator does not search class 1 \(64–127 B\) at all/);
    const searched = replay("segfit", {}, ["malloc 100", "malloc 40", "malloc 100", "free #1", "malloc 60"]);
    expect(searched.states.at(-1)!.effect).toMatch(/^Fast path: the head of the list of class 1/);
  });

  it("a request at the large threshold is mapped, and the account quotes the threshold in force", () => {
    const r = replay("freelist", { largeThreshold: 4096 }, ["malloc 5000", "free #1"]);
    expect(r.states[1].effect).toMatch(/large threshold \(4096 B\)/);
    expect(r.states[2].effect).toMatch(/unmapped at once/);
  });

  it("tlsf: the empty arena names the control block and the one list in use", () => {
    const r = replay("tlsf", {}, ["malloc 1000"]);
    expect(r.states[0].effect).toMatch(/control block/);
    expect(r.states[0].detail.kind === "tlsf" && r.states[0].detail.lists).toHaveLength(1);
    expect(r.states[1].effect).toMatch(/No list was walked/);
  });

  it("buddy: free blocks are listed per order as the allocator's lists hold them", () => {
    const r = replay("buddy", {}, ["malloc 100"]);
    const detail = r.states[1].detail;
    if (detail.kind !== "buddy") throw new Error("buddy detail expected");
    const free = r.states[1].blocks.filter((b) => b.requested < 0).map((b) => b.start).sort((x, y) => x - y);
    expect(detail.orders.flatMap((o) => o.blocks.map((b) => b.start)).sort((x, y) => x - y)).toEqual(free);
  });

  it("rejects a script line it cannot read, quoting it", () => {
    expect(() => parseScript(["malloc 10", "free #3"])).toThrow(/#3 names no earlier malloc/);
    expect(() => parseScript("calloc 5")).toThrow(/invalid step 1: "calloc 5"/);
  });
});
