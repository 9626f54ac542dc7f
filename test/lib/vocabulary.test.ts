// The shared vocabulary: byte sizes read and written one way everywhere, walk()'s block kinds
// decoded once, and knob text typed by its spec.
import { describe, expect, it } from "vitest";
import { blockKind, createAllocator, formatBytes, parseByteSize, parseKnobText, type KnobSpec, parseArenaChoice } from "../../lib/index.js";
import { parseArena } from "../../cli/args.js";

describe("byte sizes", () => {
  it("bytes: binary units in any case, with or without a space, short or long", () => {
    for (const [text, bytes] of [["1g", 1 << 30], ["1GiB", 1 << 30], ["2MiB", 2 << 20], ["2 mb", 2 << 20], ["512k", 512 << 10], ["64 KiB", 64 << 10], ["1.5m", 1.5 * (1 << 20)], ["65536", 65536], ["100B", 100]] as const) {
      expect(parseByteSize(text), text).toBe(bytes);
    }
  });

  it("bytes: anything else is a RangeError quoting it", () => {
    for (const text of ["", "lots", "2 parsecs", "-1k", "0.3"]) expect(() => parseByteSize(text), text).toThrow(/invalid size: "/);
  });

  it("bytes: the CLI and the pages accept the same sizes", () => {
    for (const text of ["1g", "512KiB", "2MiB", "64k"]) expect(parseArenaChoice(text), text).toBe(parseArena(text));
  });

  it("bytes: printed in the largest unit they fill, trailing zeros dropped", () => {
    expect(formatBytes(2 << 20)).toBe("2 MiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1 << 30)).toBe("1 GiB");
    expect(formatBytes(100)).toBe("100 B");
    expect(formatBytes(838860, 1)).toBe("819.2 KiB");
  });
});

describe("block kinds", () => {
  it("blockKind: free, metadata, dead and used from walk()'s sentinels", () => {
    expect(blockKind(0, 64, 0, -1)).toBe("free");
    expect(blockKind(0, 64, 64, 0)).toBe("metadata");
    expect(blockKind(0, 64, 0, 0)).toBe("dead");
    expect(blockKind(0, 64, 16, 40)).toBe("used");
  });

  it("blockKind: a bump heap's freed but unreclaimed object reads as dead, a live one as used", () => {
    const bump = createAllocator("bump", { arenaBytes: 1 << 16 });
    const a = bump.malloc(100);
    bump.malloc(50);
    bump.free(a);
    const kinds: string[] = [];
    bump.walk((start, bytes, payload, requested) => kinds.push(blockKind(start, bytes, payload, requested)));
    expect(kinds.slice(0, 3)).toEqual(["dead", "used", "free"]);
  });
});

describe("knob text", () => {
  const integer: KnobSpec = { name: "slots", label: "Slots", kind: "integer", min: 1, max: 10, default: 5, help: "" };
  it("knobs: text is typed by the spec and bad text is quoted", () => {
    expect(parseKnobText("larson", integer, "7")).toBe(7);
    expect(() => parseKnobText("larson", integer, "11")).toThrow(/invalid larson knob slots: "11" \(must be an integer from 1 to 10\)/);
  });
});
