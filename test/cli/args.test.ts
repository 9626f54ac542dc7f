import { describe, expect, it } from "vitest";
import { UsageError, formatBytes, parseArena, parseInteger, parseList } from "../../cli/args.js";

describe("CLI arguments", () => {
  it("reads arena sizes with binary units, or auto", () => {
    expect(parseArena("2MiB")).toBe(2 * 1024 * 1024);
    expect(parseArena("512KiB")).toBe(512 * 1024);
    expect(parseArena("1g")).toBe(1024 ** 3);
    expect(parseArena("65536")).toBe(65536);
    expect(parseArena("auto")).toBe("auto");
  });

  it("quotes a bad arena size", () => {
    expect(() => parseArena("lots")).toThrow(UsageError);
    expect(() => parseArena("2 parsecs")).toThrow(/invalid --arena: "2 parsecs"/);
  });

  it("reads integers within bounds and quotes the rest", () => {
    expect(parseInteger("ops", "200_000", 1, 1e7)).toBe(200000);
    expect(() => parseInteger("ops", "0", 1, 10)).toThrow(/invalid --ops: "0" \(must be an integer from 1 to 10\)/);
    expect(() => parseInteger("seed", "1.5", 0, 10)).toThrow(/invalid --seed/);
    expect(() => parseInteger("seed", "", 0, 10)).toThrow(/invalid --seed/);
  });

  it("splits comma lists and drops blanks", () => {
    expect(parseList("bump, slab,,buddy")).toEqual(["bump", "slab", "buddy"]);
  });

  it("formats bytes for humans", () => {
    expect(formatBytes(2 * 1024 * 1024)).toBe("2 MiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(100)).toBe("100 B");
    expect(formatBytes(1024 ** 3)).toBe("1 GiB");
  });
});
