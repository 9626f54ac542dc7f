import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectTraceFormat, parseTrace } from "../../lib/trace/parse.js";
import { formatRep } from "../../lib/trace/rep.js";
import { formatMtrace } from "../../lib/trace/mtrace.js";
import { BlockBook } from "../../lib/trace/lines.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, TraceBuilder, TraceError, type Trace } from "../../lib/trace/types.js";

const SAMPLE_DIR = fileURLToPath(new URL("../../src/data/traces/", import.meta.url));

type Op = [op: "m" | "f" | "r", id: number, size?: number];

function opsOf(trace: Trace): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.op[i] === OP_MALLOC) ops.push(["m", trace.id[i], trace.size[i]]);
    else if (trace.op[i] === OP_FREE) ops.push(["f", trace.id[i]]);
    else ops.push(["r", trace.id[i], trace.size[i]]);
  }
  return ops;
}

function expectSameTrace(actual: Trace, expected: Trace): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.droppedFrees).toBe(expected.droppedFrees);
  expect(Array.from(actual.op)).toEqual(Array.from(expected.op));
  expect(Array.from(actual.id)).toEqual(Array.from(expected.id));
  expect(Array.from(actual.size)).toEqual(Array.from(expected.size));
}

function traceError(text: string): TraceError {
  try {
    parseTrace(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TraceError);
    return error as TraceError;
  }
  throw new Error(`expected a TraceError for ${JSON.stringify(text)}`);
}

function expectTraceError(text: string, line: number, message: RegExp): void {
  const error = traceError(text);
  expect(error.line).toBe(line);
  expect(error.message).toMatch(message);
  if (line > 0) expect(error.message.startsWith(`line ${line}: `)).toBe(true);
}

const rep = (...lines: string[]) => lines.join("\n") + "\n";
const mtrace = (...lines: string[]) => ["= Start", ...lines, "= End"].join("\n") + "\n";

// Traces as a parser could produce them: ids born by malloc in order, frees of live or dead ids
// (a dead one being the trace's own double free), reallocs of live ids to a size >= 1 only: a parser
// writes realloc(p, 0) as the free it is.
const traceArbitrary = fc
  .record({
    steps: fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat(), fc.nat({ max: 1 << 20 })), { maxLength: 120 }),
    dropped: fc.nat({ max: 5 }),
  })
  .map(({ steps, dropped }) => {
    const out = new TraceBuilder();
    const live: number[] = [];
    const dead: number[] = [];
    let next = 0;
    for (const [kind, pick, size] of steps) {
      if (kind < 4 || live.length === 0) {
        live.push(next);
        out.malloc(next++, kind === 0 ? 0 : size);
      } else if (kind < 7) {
        const id = live.splice(pick % live.length, 1)[0];
        dead.push(id);
        out.free(id);
      } else if (kind < 9) {
        out.realloc(live[pick % live.length], size === 0 ? 1 : size);
      } else if (dead.length > 0) {
        out.free(dead[pick % dead.length]);
      }
    }
    return out.build("generated", dropped);
  });

describe("parseTrace: format detection", () => {
  it("detect: a header of numbers is .rep, '=', '@' or an op and a blank is mtrace", () => {
    expect(detectTraceFormat("20000\n1\n1\n1\na 0 8\n")).toBe("rep");
    expect(detectTraceFormat("\n\n  6\n12\n")).toBe("rep");
    expect(detectTraceFormat("= Start\n")).toBe("mtrace");
    expect(detectTraceFormat("@ [0x1] + 0x10 0x8\n")).toBe("mtrace");
    expect(detectTraceFormat("+ 0x10 0x8\n")).toBe("mtrace");
    expect(detectTraceFormat("- 0x10\n")).toBe("mtrace");
  });

  it("detect: an empty or blank file is a TraceError with a plain message", () => {
    for (const text of ["", "\n\n", "  \t\r\n"]) {
      const error = traceError(text);
      expect(error.line).toBe(0);
      expect(error.message).toBe("the trace is empty");
    }
  });

  it("detect: a binary file (NUL bytes or mostly control characters) is refused as binary", () => {
    expect(traceError("20000\n\u0000\u0001\u0002").message).toMatch(/binary/);
    const noise = Array.from({ length: 400 }, (_, i) => String.fromCharCode(i % 3 === 0 ? 0xfffd : 1 + (i % 30))).join("");
    expect(traceError(noise).message).toMatch(/binary/);
    expect(traceError("\u007fELF\u0002\u0001\u0001\u0000\u0000").message).toMatch(/binary/);
  });

  it("detect: text in neither format is an unknown format, naming both", () => {
    const error = traceError("hello, world\n");
    expect(error.line).toBe(0);
    expect(error.message).toMatch(/unknown trace format.*\.rep.*mtrace/);
  });

  it("parse: a leading byte-order mark is ignored", () => {
    expect(parseTrace("\ufeff2\n1\na 0 8\n").length).toBe(1);
  });

  it("parse: the name given is the trace's name", () => {
    expect(parseTrace(rep("1", "1", "a 0 8"), "mine.rep").name).toBe("mine.rep");
  });
});

describe("parseTrace: malloc-lab .rep", () => {
  it("rep: reads the 4-line header and a/f/r ops with sizes", () => {
    const trace = parseTrace(rep("100", "2", "5", "1", "a 0 24", "a 1 0", "r 0 48", "f 1", "f 0"));
    expect(opsOf(trace)).toEqual([["m", 0, 24], ["m", 1, 0], ["r", 0, 48], ["f", 1], ["f", 0]]);
    expect(trace.droppedFrees).toBe(0);
  });

  it("rep: the 2-line header variant (ids, ops) reads the same ops", () => {
    const four = parseTrace(rep("100", "2", "3", "1", "a 0 24", "a 1 8", "f 0"));
    const two = parseTrace(rep("2", "3", "a 0 24", "a 1 8", "f 0"));
    expectSameTrace(two, four);
  });

  it("rep: header numbers may share a line, as fscanf allows", () => {
    expect(parseTrace(rep("100 2 1 1", "a 1 8")).length).toBe(1);
  });

  it("rep: a trailing blank line, blank lines between ops, CRLF and extra blanks are accepted", () => {
    const plain = parseTrace(rep("10", "2", "2", "1", "a 0 8", "f 0"));
    expectSameTrace(parseTrace(rep("10", "2", "2", "1", "a 0 8", "f 0", "")), plain);
    expectSameTrace(parseTrace("10\r\n2\r\n2\r\n1\r\na 0 8\r\n\r\nf 0\r\n"), plain);
    expectSameTrace(parseTrace("10\n2\n2\n1\n  a\t0   8  \nf 0"), plain);
  });

  it("rep: ids are remapped to 0..n-1 in first-seen order", () => {
    const trace = parseTrace(rep("10", "4", "a 7 8", "a 2 16", "f 7", "f 2"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["m", 1, 16], ["f", 0], ["f", 1]]);
  });

  it("rep: a free of an id never allocated is dropped and counted, not an error", () => {
    const trace = parseTrace(rep("3", "3", "f 2", "a 0 8", "f 1"));
    expect(opsOf(trace)).toEqual([["m", 0, 8]]);
    expect(trace.droppedFrees).toBe(2);
  });

  it("rep: a realloc of an id never allocated is a malloc (realloc(NULL, n))", () => {
    expect(opsOf(parseTrace(rep("1", "2", "r 0 32", "f 0")))).toEqual([["m", 0, 32], ["f", 0]]);
  });

  it("rep: a second free of an id stays in the trace as a free of the dead id", () => {
    const trace = parseTrace(rep("1", "3", "a 0 8", "f 0", "f 0"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["f", 0]]);
    expect(trace.droppedFrees).toBe(0);
  });

  it("rep: a realloc of a freed id is kept as a double free, and its result is a new block", () => {
    const trace = parseTrace(rep("1", "4", "a 0 8", "f 0", "r 0 16", "f 0"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["f", 0], ["m", 1, 16], ["f", 1]]);
  });

  it("rep: 'r id 0' is realloc(p, 0), read as a free of id, so a later 'f id' is a double free", () => {
    const trace = parseTrace(rep("2", "5", "a 0 8", "r 0 0", "f 0", "r 1 0", "f 1"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["f", 0], ["m", 1, 0], ["f", 1]]);
  });

  it("rep: an 'a' of an id still in use starts a new block and the old one leaks", () => {
    const trace = parseTrace(rep("1", "3", "a 0 8", "a 0 16", "f 0"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["m", 1, 16], ["f", 1]]);
  });

  it("rep: sizes up to 2^31-1 are accepted", () => {
    expect(parseTrace(rep("1", "1", "a 0 2147483647")).size[0]).toBe(2147483647);
  });

  const malformed: [string, string, number, RegExp][] = [
    ["unknown op letter", rep("1", "1", "x 0 8"), 3, /unknown op "x" \(expected a, f or r\)/],
    ["op word, not letter", rep("1", "1", "alloc 0 8"), 3, /unknown op "alloc"/],
    ["missing size", rep("100", "2", "2", "1", "a 0 8", "a 1"), 6, /expected "a <id> <size>"/],
    ["missing id", rep("1", "1", "f"), 3, /expected "f <id>"/],
    ["extra field", rep("1", "2", "a 0 8", "f 0 8"), 4, /expected "f <id>"/],
    ["bad number", rep("1", "1", "a 0 12x"), 3, /expected "a <id> <size>"/],
    ["hex number", rep("1", "1", "a 0 0x10"), 3, /expected "a <id> <size>"/],
    ["negative size", rep("1", "2", "a 0 8", "r 0 -5"), 4, /negative size -5/],
    ["negative id", rep("1", "1", "f -1"), 3, /negative id -1/],
    ["size over int32", rep("1", "1", "a 0 2147483648"), 3, /size 2147483648 is over 2\^31-1/],
    ["id out of range", rep("2", "1", "a 2 8"), 3, /id 2 is out of range: the header declares 2 ids/],
    ["more ops than the header", rep("1", "1", "a 0 8", "f 0"), 4, /more ops than the 1 the header declares/],
    ["fewer ops than the header", rep("20000", "1", "3", "1", "a 0 8", "f 0"), 3, /declares 3 ops but the file has 2/],
    ["header of 3 numbers", rep("20000", "1", "1", "a 0 8"), 4, /expected a \.rep header.*found 3/],
    ["header only, ops promised", rep("1", "5"), 2, /declares 5 ops but the file has 0/],
    ["negative header number", rep("1", "-2", "a 0 8"), 2, /negative header number -2/],
    ["garbage in the header", rep("1", "2x", "a 0 8"), 2, /expected a \.rep header/],
  ];
  for (const [what, text, line, message] of malformed) {
    it(`rep: ${what} is a TraceError on line ${line}`, () => expectTraceError(text, line, message));
  }

  it("rep: a TraceError quotes the offending line", () => {
    const error = traceError(rep("1", "1", "a 0 -5"));
    expect(error.text).toBe("a 0 -5");
    expect(error.message).toBe('line 3: negative size -5 ("a 0 -5")');
  });

  it("rep: a header with zero ops and no body is an empty trace", () => {
    expect(parseTrace(rep("20000", "0", "0", "1")).length).toBe(0);
  });
});

describe("parseTrace: glibc mtrace", () => {
  it("mtrace: reads malloc, free and realloc with callers in every shape glibc prints", () => {
    const trace = parseTrace(mtrace(
      "@ ./prog:[0x4005b4] + 0x55d1c0a2b2a0 0x28",
      "@ /lib/x86_64-linux-gnu/libc.so.6:(__libc_start_main+0xf5)[0x7f0a1b2c3d4e] + 0x55d1c0a2b2e0 0x10",
      "@ /usr/lib/gcc/x86_64-linux-gnu/12/cc1:(_Znwm+1c)[0x15dbc8c] < 0x55d1c0a2b2a0",
      "@ /usr/lib/gcc/x86_64-linux-gnu/12/cc1:(_Znwm+1c)[0x15dbc8c] > 0x55d1c0a2c000 0x100",
      "@ [0x7f0a1b2c3d4e] - 0x55d1c0a2b2e0",
      "- 0x55d1c0a2c000",
    ));
    expect(opsOf(trace)).toEqual([["m", 0, 40], ["m", 1, 16], ["r", 0, 256], ["f", 1], ["f", 0]]);
    expect(trace.droppedFrees).toBe(0);
  });

  it("mtrace: a caller path holding '] ' does not hide the op", () => {
    const trace = parseTrace(mtrace("@ /opt/odd] dir/lib.so:[0x10] + 0x1000 0x8", "@ /opt/a] - b/c:[0x2] - 0x1000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0]]);
  });

  it("mtrace: a zero size is written '0' by %#lx and read as 0", () => {
    expect(opsOf(parseTrace(mtrace("+ 0x1000 0")))).toEqual([["m", 0, 0]]);
  });

  it("mtrace: glibc's realloc(p, 0) is logged as '- p' and read as a free", () => {
    expect(opsOf(parseTrace(mtrace("+ 0x1000 0x8", "- 0x1000", "- 0x1000")))).toEqual([["m", 0, 8], ["f", 0], ["f", 0]]);
  });

  it("mtrace: a '<'/'>' pair of size 0 (a libc that kept a block) is a free and a malloc(0), never realloc(p, 0)", () => {
    const trace = parseTrace(mtrace("+ 0x1000 0x8", "< 0x1000", "> 0x2000 0", "- 0x2000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["m", 1, 0], ["f", 1]]);
  });

  it("formatMtrace and formatRep: a realloc(id, 0) op is written as glibc logs it, and read back as a free", () => {
    const out = new TraceBuilder();
    out.malloc(0, 8);
    out.realloc(0, 0);
    const trace = out.build("t");
    expect(formatMtrace(trace)).toMatch(/^- 0x[0-9a-f]+$/m);
    expect(formatMtrace(trace)).not.toMatch(/^[<>]/m);
    expect(opsOf(parseTrace(formatMtrace(trace)))).toEqual([["m", 0, 8], ["f", 0]]);
    expect(opsOf(parseTrace(formatRep(trace)))).toEqual([["m", 0, 8], ["f", 0]]);
  });

  it("mtrace: '= End' is optional, CRLF is accepted and blank lines are skipped", () => {
    const trace = parseTrace("= Start\r\n@ [0x1] + 0x1000 0x8\r\n\r\n@ [0x1] - 0x1000\r\n");
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0]]);
  });

  it("mtrace: a free of an address never allocated (from before tracing) is dropped and counted", () => {
    const trace = parseTrace(mtrace("- 0x2000", "+ 0x1000 0x8", "- 0x3000", "- 0x1000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0]]);
    expect(trace.droppedFrees).toBe(2);
  });

  it("mtrace: a realloc of an address from before tracing is a malloc, and the lost free is counted", () => {
    const trace = parseTrace(mtrace("< 0x2000", "> 0x3000 0x40", "- 0x3000"));
    expect(opsOf(trace)).toEqual([["m", 0, 64], ["f", 0]]);
    expect(trace.droppedFrees).toBe(1);
  });

  it("mtrace: a second free of an address stays in the trace as a free of the dead id", () => {
    const trace = parseTrace(mtrace("+ 0x1000 0x8", "- 0x1000", "- 0x1000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["f", 0]]);
    expect(trace.droppedFrees).toBe(0);
  });

  it("mtrace: an address handed out again after a free is a new id; the old id stays dead", () => {
    const trace = parseTrace(mtrace("+ 0x1000 0x8", "- 0x1000", "+ 0x1000 0x10", "- 0x1000", "- 0x1000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["m", 1, 16], ["f", 1], ["f", 1]]);
  });

  it("mtrace: a realloc of a freed address is kept as a double free, and its result is a new block", () => {
    const trace = parseTrace(mtrace("+ 0x1000 0x8", "- 0x1000", "< 0x1000", "> 0x2000 0x20", "- 0x2000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["f", 0], ["m", 1, 32], ["f", 1]]);
  });

  it("mtrace: a realloc in place keeps the address; a moved block answers to its new address only", () => {
    const inPlace = parseTrace(mtrace("+ 0x1000 0x8", "< 0x1000", "> 0x1000 0x4", "- 0x1000"));
    expect(opsOf(inPlace)).toEqual([["m", 0, 8], ["r", 0, 4], ["f", 0]]);
    const moved = parseTrace(mtrace("+ 0x1000 0x8", "< 0x1000", "> 0x2000 0x40", "- 0x1000", "- 0x2000"));
    expect(opsOf(moved)).toEqual([["m", 0, 8], ["r", 0, 64], ["f", 0]]);
    expect(moved.droppedFrees).toBe(1);
  });

  it("mtrace: an address handed out while its block is live frees the old id first", () => {
    const trace = parseTrace(mtrace("+ 0x1000 0x8", "+ 0x1000 0x10", "- 0x1000"));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0], ["m", 1, 16], ["f", 1]]);
    const onto = parseTrace(mtrace("+ 0x1000 0x8", "+ 0x2000 0x8", "< 0x1000", "> 0x2000 0x20"));
    expect(opsOf(onto)).toEqual([["m", 0, 8], ["m", 1, 8], ["f", 1], ["r", 0, 32]]);
  });

  it("mtrace: failed allocations '(nil)' and failed reallocs '!' change nothing", () => {
    const trace = parseTrace(mtrace(
      "@ [0x1] + (nil) 0xffffffffffffffff",
      "+ 0x1000 0x8",
      "@ ./prog:[0x4005b4] ! 0x1000 0x7fffffffffff",
      "- 0x1000",
    ));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["f", 0]]);
    expect(trace.droppedFrees).toBe(0);
  });

  it("mtrace: addresses too wide for a double stay distinct", () => {
    const trace = parseTrace(mtrace(
      "+ 0xff00000000000010 0x8", "+ 0xff00000000000011 0x8", "- 0xff00000000000011", "- 0xFF00000000000010",
    ));
    expect(opsOf(trace)).toEqual([["m", 0, 8], ["m", 1, 8], ["f", 1], ["f", 0]]);
  });

  const malformed: [string, string, number, RegExp][] = [
    ["unknown op", mtrace("+ 0x1000 0x8", "* 0x1000"), 3, /unknown op "\*"/],
    ["missing size", mtrace("@ [0x1] + 0x1000"), 2, /expected "\+ <address> <size>"/],
    ["missing address", mtrace("-"), 2, /expected "- <address>"/],
    ["bad number", mtrace("+ 0x10zz 0x8"), 2, /expected "\+ <address> <size>"/],
    ["decimal size", mtrace("+ 0x1000 10"), 2, /expected "\+ <address> <size>"/],
    ["negative size", mtrace("+ 0x1000 -0x8"), 2, /expected "\+ <address> <size>"/],
    ["extra field", mtrace("+ 0x1000 0x8", "- 0x1000 0x8"), 3, /expected "- <address>"/],
    ["size over int32", mtrace("+ 0x1000 0x80000000"), 2, /size 0x80000000 is over 2\^31-1/],
    ["realloc size over int32", mtrace("+ 0x1000 0x8", "< 0x1000", "> 0x2000 0x100000000"), 4, /over 2\^31-1/],
    ["'>' without '<'", mtrace("+ 0x1000 0x8", "@ [0x1] > 0x2000 0x10"), 3, /">" without a preceding "<"/],
    ["'<' followed by another op", mtrace("+ 0x1000 0x8", "< 0x1000", "- 0x1000"), 3, /"<" is not followed by a ">" line/],
    ["'<' at the end of the file", "= Start\n+ 0x1000 0x8\n< 0x1000\n", 3, /"<" is not followed by a ">" line/],
    ["'>' with a null address", mtrace("+ 0x1000 0x8", "< 0x1000", "> (nil) 0x10"), 4, /non-null address/],
    ["caller without '] '", mtrace("@ ./prog:0x4005b4 + 0x1000 0x8"), 2, /expected "@ <caller>\[0x…\] " before the op/],
    ["caller and nothing after it", mtrace("@ ./prog:[0x4005b4] "), 2, /expected an op .* after the caller/],
    ["unknown marker", mtrace("= Middle"), 2, /unknown marker "= Middle"/],
    ["op glued to its operand", mtrace("+0x1000 0x8"), 2, /unknown op "\+0x1000"/],
  ];
  for (const [what, text, line, message] of malformed) {
    it(`mtrace: ${what} is a TraceError on line ${line}`, () => expectTraceError(text, line, message));
  }
});

describe("formatRep and formatMtrace round trips", () => {
  it("round trip: parse(formatRep(t)) equals t for any trace a parser can produce", () => {
    fc.assert(fc.property(traceArbitrary, (trace) => {
      expectSameTrace(parseTrace(formatRep(trace), trace.name), trace);
    }), { numRuns: 200 });
  });

  it("round trip: parse(formatMtrace(t)) equals t, with or without callers", () => {
    fc.assert(fc.property(traceArbitrary, fc.boolean(), (trace, withCaller) => {
      const text = formatMtrace(trace, withCaller ? { caller: "./prog:(main+0x1c)[0x4005b4]" } : {});
      expectSameTrace(parseTrace(text, trace.name), trace);
    }), { numRuns: 200 });
  });

  it("round trip: a parsed .rep written back and read again is the same trace", () => {
    const text = rep("10", "4", "7", "1", "a 3 8", "f 1", "r 3 100", "a 0 0", "f 3", "f 3", "f 0");
    const trace = parseTrace(text);
    expect(trace.droppedFrees).toBe(1);
    expectSameTrace(parseTrace(formatRep(trace)), trace);
    expectSameTrace(parseTrace(formatMtrace(trace)), trace);
  });

  it("formatRep: writes the 4-line header with peak live bytes, ids and ops", () => {
    const text = formatRep(parseTrace(rep("2", "4", "a 0 100", "a 1 50", "r 0 300", "f 0")));
    expect(text).toBe("350\n2\n4\n1\na 0 100\na 1 50\nr 0 300\nf 0\n");
  });

  it("formatMtrace: writes glibc's shapes, '= Start' to '= End', and '0' for a zero size", () => {
    const text = formatMtrace(parseTrace(rep("1", "3", "a 0 0", "r 0 16", "f 0")), { caller: "[0x1]" });
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("= Start");
    expect(lines[1]).toMatch(/^@ \[0x1\] \+ 0x[0-9a-f]+ 0$/);
    expect(lines[2]).toMatch(/^@ \[0x1\] < 0x[0-9a-f]+$/);
    expect(lines[3]).toMatch(/^@ \[0x1\] > 0x[0-9a-f]+ 0x10$/);
    expect(lines[4]).toMatch(/^@ \[0x1\] - 0x[0-9a-f]+$/);
    expect(lines[5]).toBe("= End");
  });

  it("round trip: a 100,000-op mtrace text parses back to the trace it was written from", () => {
    const out = new TraceBuilder();
    for (let i = 0; i < 50_000; i++) {
      out.malloc(i, (i * 37) % 2000);
      if (i % 5 === 4) out.realloc(i, (i * 11) % 4000);
      else out.free(i);
    }
    const trace = out.build("big");
    expectSameTrace(parseTrace(formatMtrace(trace, { caller: "/usr/lib/libfoo.so:(bar+0x10)[0x1234]" }), "big"), trace);
  });
});

describe("shipped sample traces", () => {
  const samples = readdirSync(SAMPLE_DIR).filter((file) => file.endsWith(".mtrace")).sort();

  it("samples: there are 3 or 4 of them, each at most 2 MB", () => {
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.length).toBeLessThanOrEqual(4);
    for (const file of samples) expect(readFileSync(SAMPLE_DIR + file).length).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  for (const file of samples) {
    it(`samples: ${file} parses cleanly into thousands of ops and survives both round trips`, () => {
      const trace = parseTrace(readFileSync(SAMPLE_DIR + file, "utf8"), file);
      expect(trace.length).toBeGreaterThanOrEqual(3000);
      expect(trace.droppedFrees).toBe(0);
      expectSameTrace(parseTrace(formatRep(trace), file), trace);
      expectSameTrace(parseTrace(formatMtrace(trace), file), trace);
    });
  }
});

describe("BlockBook", () => {
  it("book: lookups agree with a Map through births, renames and forgets that collide", () => {
    const action = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3000 }));
    fc.assert(fc.property(fc.array(action, { maxLength: 3000 }), (actions) => {
      const book = new BlockBook();
      const model = new Map<number, number>();
      // Addresses that share their high bits and alignment, as real heaps do.
      const nameOf = (k: number) => 0x55d0_0000_0000 + k * 16;
      for (const [kind, k] of actions) {
        const name = nameOf(k);
        if (kind === 0) model.set(name, book.bear(name));
        else if (kind === 1 && model.size > 0) { book.forget(name); model.delete(name); }
        else if (kind === 2) { book.rename(name, 7); model.set(name, 7); }
        expect(book.lookup(name)).toBe(model.get(name) ?? -1);
      }
      for (const [name, id] of model) expect(book.lookup(name)).toBe(id);
      for (let k = 0; k <= 3000; k += 97) expect(book.lookup(nameOf(k))).toBe(model.get(nameOf(k)) ?? -1);
    }), { numRuns: 30 });
  });

  it("book: an id stays known but dead after kill", () => {
    const book = new BlockBook();
    const id = book.bear(0x1000);
    book.kill(id);
    expect(book.lookup(0x1000)).toBe(id);
    expect(book.isLive(id)).toBe(false);
  });
});

describe("op codes", () => {
  it("ops: malloc, free and realloc are 0, 1 and 2 in parsed traces", () => {
    const trace = parseTrace(rep("1", "3", "a 0 8", "r 0 16", "f 0"));
    expect(Array.from(trace.op)).toEqual([OP_MALLOC, OP_REALLOC, OP_FREE]);
  });
});
