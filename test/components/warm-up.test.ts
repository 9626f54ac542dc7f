// The trace page's warm-up (warm-up.ts) runs the real code paths: the parser over a Blob's
// chunks reads the whole generated trace, and every lane races the whole warm-up stream.
import { describe, expect, it } from "vitest";
import { ALLOCATORS } from "../../lib/index.js";
import { WARM_UP_OPS, warmUpLanes, warmUpParser } from "../../src/components/worker/warm-up.js";

describe("warm-up", () => {
  it("parses the generated mtrace as a dropped file is parsed, every op of it", async () => {
    expect(await warmUpParser()).toBe(WARM_UP_OPS);
  });

  it("races every lane it is given over the whole stream, preview and all", () => {
    expect(warmUpLanes(ALLOCATORS.map((allocator) => ({ allocator })), 64)).toEqual(ALLOCATORS.map(() => WARM_UP_OPS));
    expect(warmUpLanes([{ allocator: "freelist", options: { placement: "best" } }], 4)).toEqual([WARM_UP_OPS]);
  });

  it("fails loudly on a lane it cannot race (the worker logs it rather than lose the error)", () => {
    expect(() => warmUpLanes([{ allocator: "no-such-allocator" as never }], 4)).toThrow(/no-such-allocator|unknown/i);
  });
});
