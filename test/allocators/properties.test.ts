// Property tests shared by every allocator: random malloc/free/realloc sequences, double and
// invalid frees, with check(), walk coverage, alignment, overlap and payload cookies verified
// after every single op (test/support/allocator-harness.ts).

import { describe, it } from "vitest";
import fc from "fast-check";
import { createAllocator } from "../../lib/allocators/index.js";
import type { AllocatorName, AllocatorOptions } from "../../lib/allocators/types.js";
import { replaySteps, stepArbitrary } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

const configurations: Array<[AllocatorName, AllocatorOptions]> = [
  ["bump", {}],
  ["bump", { resetWhenEmpty: false }],
  ["freelist", { placement: "first", order: "lifo" }],
  ["freelist", { placement: "next", order: "lifo" }],
  ["freelist", { placement: "best", order: "address" }],
  ["freelist", { placement: "first", order: "address" }],
  ["segfit", {}],
  ["segfit", { searchLimit: 1 }],
  ["buddy", {}],
  ["slab", {}],
  ["slab", { classes: "fine" }],
  ["tlsf", {}],
  ["tlsf", { secondLevel: 16 }],
  ["tlsf", { secondLevel: 8 }],
  ["tlsf", { secondLevel: 8, search: "own-list-first" }],
  // The large-object path, with a threshold the random sizes cross often (and the sliding rule).
  ["freelist", { largeThreshold: 1024 }],
  ["segfit", { largeThreshold: 1024, slidingThreshold: true }],
  ["buddy", { largeThreshold: 1024 }],
  ["slab", { largeThreshold: 512, slidingThreshold: true }],
  ["tlsf", { largeThreshold: 1024 }],
  ["tlsf", { largeThreshold: 4096, slidingThreshold: true }],
];

describe.each(configurations)("%s %j: random operation sequences", (name, options) => {
  const make = () => createAllocator(name, { arenaBytes: ARENA, ...options });

  it("keeps every invariant, every payload and every counter after each op", () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary(ARENA, 2048), { minLength: 1, maxLength: 150 }), (steps) => {
        replaySteps(make, steps);
      }),
      { numRuns: 60 },
    );
  });

  it("survives long sequences of mostly small requests", () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary(ARENA, 256), { minLength: 300, maxLength: 600 }), (steps) => {
        replaySteps(make, steps);
      }),
      { numRuns: 8 },
    );
  });
});
