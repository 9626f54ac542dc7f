// Damaged trace files must fail politely: whatever the mutation, parseTrace either returns a
// well-formed Trace or throws a TraceError with a line number, never anything else.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTrace } from "../../lib/trace/parse.js";
import { formatMtrace } from "../../lib/trace/mtrace.js";
import { formatRep } from "../../lib/trace/rep.js";
import { OP_FREE, OP_MALLOC, OP_REALLOC, TraceError, type Trace } from "../../lib/trace/types.js";

const SAMPLE = fileURLToPath(new URL("../../src/data/traces/python3-json.mtrace", import.meta.url));

const REP_TEXTS = [
  "20000\n6\n12\n1\na 0 2040\na 1 2040\nf 1\na 2 48\na 3 4072\nf 3\na 4 4072\nf 0\nf 2\na 5 4072\nf 4\nf 5\n",
  "4\n9\na 0 16\nr 0 32\na 1 0\nf 0\na 2 100\nr 2 7\nf 1\nf 2\nf 2\n\n",
];

function mtraceTexts(): string[] {
  const fromRep = parseTrace(REP_TEXTS[1]);
  // The first 60 lines of a real capture: callers with paths, symbols and offsets.
  const real = readFileSync(SAMPLE, "utf8").split("\n").slice(0, 60).join("\n") + "\n";
  return [
    formatMtrace(fromRep),
    formatMtrace(fromRep, { caller: "/lib/x86_64-linux-gnu/libc.so.6:(__libc_start_main+0xf5)[0x7f0a1b2c3d4e]" }),
    "= Start\n@ [0x1] + (nil) 0x10\n@ ./p:[0x2] ! 0x1000 0x20\n- 0x9999\n= End\n",
    real,
  ];
}

// Characters that matter to one format or the other, plus some that belong to neither.
const NOISE = ["0", "1", "9", "a", "f", "r", "x", "z", "-", "+", "<", ">", "!", "=", "@", "[", "]", "(", ")",
  " ", "\t", "\n", "\r", "\u0000", "\ufffd", "é", "0x", "(nil)", "] "];

type Mutation =
  | { kind: "flip"; at: number; noise: string }
  | { kind: "delete-line"; at: number }
  | { kind: "duplicate-line"; at: number }
  | { kind: "swap-lines"; at: number; other: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; noise: string };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), noise: fc.constantFrom(...NOISE) }),
  fc.record({ kind: fc.constant("delete-line" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate-line" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap-lines" as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), noise: fc.constantFrom(...NOISE) }),
);

function mutate(text: string, mutation: Mutation): string {
  if (text.length === 0) return text;
  const at = mutation.at % text.length;
  switch (mutation.kind) {
    case "flip": return text.slice(0, at) + mutation.noise + text.slice(at + 1);
    case "insert": return text.slice(0, at) + mutation.noise + text.slice(at);
    case "truncate": return text.slice(0, at);
    default: {
      const lines = text.split("\n");
      const line = mutation.at % lines.length;
      if (mutation.kind === "delete-line") lines.splice(line, 1);
      else if (mutation.kind === "duplicate-line") lines.splice(line, 0, lines[line]);
      else {
        const other = mutation.other % lines.length;
        [lines[line], lines[other]] = [lines[other], lines[line]];
      }
      return lines.join("\n");
    }
  }
}

/** What every trace parseTrace returns must satisfy, however odd its source. */
function expectWellFormed(trace: Trace): void {
  expect(trace.op.length).toBe(trace.length);
  expect(trace.id.length).toBe(trace.length);
  expect(trace.size.length).toBe(trace.length);
  expect(trace.droppedFrees).toBeGreaterThanOrEqual(0);
  let ids = 0;
  for (let i = 0; i < trace.length; i++) {
    const op = trace.op[i];
    const id = trace.id[i];
    expect([OP_MALLOC, OP_FREE, OP_REALLOC]).toContain(op);
    expect(trace.size[i]).toBeGreaterThanOrEqual(0);
    // Dense ids in first-seen order, each born by a malloc.
    if (id === ids) {
      expect(op).toBe(OP_MALLOC);
      ids++;
    } else {
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(ids);
      expect(op === OP_MALLOC).toBe(false);
    }
    if (op === OP_FREE) expect(trace.size[i]).toBe(0);
  }
}

function expectParsesOrTraceError(text: string): void {
  let trace: Trace;
  try {
    trace = parseTrace(text, "fuzzed");
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    expect(error.line).toBeGreaterThanOrEqual(0);
    expect(error.message.length).toBeGreaterThan(0);
    return;
  }
  expectWellFormed(trace);
}

describe("fuzz: mutated trace files", () => {
  const mutations = fc.array(mutationArbitrary, { minLength: 1, maxLength: 5 });

  it("fuzz: mutated .rep files parse to a well-formed trace or throw only TraceError", () => {
    fc.assert(fc.property(fc.constantFrom(...REP_TEXTS), mutations, (text, steps) => {
      expectParsesOrTraceError(steps.reduce(mutate, text));
    }), { numRuns: 600 });
  });

  it("fuzz: mutated mtrace files parse to a well-formed trace or throw only TraceError", () => {
    fc.assert(fc.property(fc.constantFrom(...mtraceTexts()), mutations, (text, steps) => {
      expectParsesOrTraceError(steps.reduce(mutate, text));
    }), { numRuns: 600 });
  });

  it("fuzz: arbitrary strings throw nothing but TraceError", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...NOISE), maxLength: 80 }), (text) => {
      expectParsesOrTraceError(text);
    }), { numRuns: 600 });
  });

  it("fuzz: every valid file stays parseable after a round trip through formatRep", () => {
    for (const text of [...REP_TEXTS, ...mtraceTexts()]) {
      const trace = parseTrace(text);
      expectWellFormed(trace);
      expectWellFormed(parseTrace(formatRep(trace)));
    }
  });
});
