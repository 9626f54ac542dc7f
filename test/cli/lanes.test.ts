// The CLI's lane and workload lists: name:knob=value items, typed by the registries' knob specs.
import { describe, expect, it } from "vitest";
import { ALLOCATORS, ALLOCATOR_INFO, WORKLOADS, WORKLOAD_INFO } from "../../lib/index.js";
import { UsageError } from "../../cli/args.js";
import { listing, parseLanes, parseWorkloadSpec, splitSpecs } from "../../cli/lanes.js";

describe("cli lanes", () => {
  it("lanes: a knob after a lane belongs to it, a bare name starts the next lane", () => {
    expect(splitSpecs("allocators", "freelist:placement=best,order=address,segfit")).toEqual([
      { name: "freelist", knobs: [["placement", "best"], ["order", "address"]] },
      { name: "segfit", knobs: [] },
    ]);
  });

  it("lanes: knobs are typed by their specs and labels carry them in spec order", () => {
    const lanes = parseLanes("freelist:order=address,placement=best,segfit:searchLimit=0,bump:resetWhenEmpty=false,slab");
    expect(lanes).toEqual([
      { allocator: "freelist", label: "freelist:placement=best,order=address", options: { placement: "best", order: "address" } },
      { allocator: "segfit", label: "segfit:searchLimit=0", options: { searchLimit: 0 } },
      { allocator: "bump", label: "bump:resetWhenEmpty=false", options: { resetWhenEmpty: false } },
      { allocator: "slab", label: "slab", options: {} },
    ]);
  });

  it("lanes: one allocator twice with different knobs gives two lanes with distinct labels", () => {
    const labels = parseLanes("freelist:placement=first,freelist:placement=best").map((lane) => lane.label);
    expect(labels).toEqual(["freelist:placement=first", "freelist:placement=best"]);
  });

  it("lanes: the same lane twice is refused, also when one spells out the defaults", () => {
    expect(() => parseLanes("freelist,freelist")).toThrow(/same lane twice: freelist and freelist/);
    expect(() => parseLanes("freelist,freelist:placement=first")).toThrow(/same lane twice/);
  });

  it("lanes: every knob of every allocator is reachable with each of its values", () => {
    for (const name of ALLOCATORS) {
      for (const knob of ALLOCATOR_INFO[name].knobs) {
        const values = knob.kind === "choice" ? knob.choices : knob.kind === "boolean" ? [true, false] : [knob.min, knob.max];
        for (const value of values) {
          const [lane] = parseLanes(`${name}:${knob.name}=${value}`);
          expect(lane.options[knob.name]).toBe(value);
        }
      }
    }
  });

  it("lanes: bad items are usage errors that quote them", () => {
    const cases: Array<[string, RegExp]> = [
      ["placement=best", /needs a name before it/],
      ["freelist:placement", /write knob=value/],
      ["freelist:placement=", /write knob=value/],
      ["freelist:color=red", /unknown knob for freelist: "color" \(knobs: placement, order, largeThreshold, slidingThreshold\)/],
      ["buddy:order=1", /unknown knob for buddy: "order" \(knobs: largeThreshold, slidingThreshold\)/], ["bump:order=1", /unknown knob for bump: "order" \(knobs: resetWhenEmpty\)/],
      ["freelist:placement=worst", /invalid freelist knob placement: "worst" \(must be one of first, next, best\)/],
      ["segfit:searchLimit=1e3", /must be an integer from 0 to 65536/],
      ["bump:resetWhenEmpty=yes", /must be true or false/],
      ["freelist:placement=best,placement=next", /knob placement given twice/],
      ["tcmalloc", /unknown allocator: "tcmalloc"/],
      [",", /names no allocator/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseLanes(text), text).toThrow(UsageError);
      expect(() => parseLanes(text), text).toThrow(message);
    }
  });

  it("workload: a name with knobs, typed; more than one workload is refused", () => {
    expect(parseWorkloadSpec("larson:minSize=64,maxSize=512")).toEqual({ workload: "larson", knobs: { minSize: 64, maxSize: 512 } });
    expect(parseWorkloadSpec("python_repl")).toEqual({ workload: "python_repl", knobs: {} });
    expect(() => parseWorkloadSpec("larson,redis_cache")).toThrow(/give one workload/);
    expect(() => parseWorkloadSpec("larson:threads=4")).toThrow(/unknown knob for larson: "threads"/);
  });

  it("list: names every allocator and workload and every knob with its default", () => {
    const text = listing();
    for (const name of ALLOCATORS) {
      expect(text).toMatch(new RegExp(`^  ${name}  `, "m"));
      for (const knob of ALLOCATOR_INFO[name].knobs) expect(text).toMatch(new RegExp(`^ +${knob.name} +.*\\(default ${knob.default}\\)$`, "m"));
    }
    for (const name of WORKLOADS) {
      expect(text).toMatch(new RegExp(`^  ${name}  `, "m"));
      for (const knob of WORKLOAD_INFO[name].knobs) {
        if (knob.kind !== "integer") throw new Error(`workload knobs are integers; ${knob.name} is ${knob.kind}`);
        expect(text).toMatch(new RegExp(`^ +${knob.name} +${knob.min}\\.\\.${knob.max}  \\(default ${knob.default}\\)$`, "m"));
      }
    }
  });
});
