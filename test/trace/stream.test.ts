// The streaming parser equals the string parser: on every sample trace and malloc-lab trace cut
// into random chunks of bytes, on generated traces cut at every position, with CRLF line ends, with
// a UTF-8 sequence split between chunks, and on bad input, where the error and its line number are
// the same however the text was cut.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMtrace, formatRep, generateWorkload, parseTrace, TraceError, type Trace } from "../../lib/index.js";
import { parseTraceChunks, TraceTextParser } from "../../lib/trace/stream.js";

const SAMPLES = fileURLToPath(new URL("../../src/data/traces/", import.meta.url));
const MALLOCLAB = fileURLToPath(new URL("../../../shared/traces/malloclab/", import.meta.url));
const HAS_MALLOCLAB = existsSync(MALLOCLAB);
if (!HAS_MALLOCLAB) console.warn(`stream parser: malloc-lab cases skipped, the CS:APP traces are not at ${MALLOCLAB} (they are not part of the repository)`);

function plain(trace: Trace) {
  return { name: trace.name, length: trace.length, droppedFrees: trace.droppedFrees, op: [...trace.op], id: [...trace.id], size: [...trace.size] };
}

/** The bytes cut at the given offsets (sorted, deduplicated), as an async iterable of chunks. */
async function* cutBytes(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const at of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (at <= from || at >= bytes.length) continue;
    yield bytes.subarray(from, at);
    from = at;
  }
  yield bytes.subarray(from);
}

/** `input` (text, or its bytes) pushed in pieces cut at the given offsets. */
function parseInPieces(input: string | Uint8Array, cuts: number[], name = "t"): Trace {
  const piece = (from: number, to?: number) => typeof input === "string" ? input.slice(from, to) : input.subarray(from, to);
  const parser = new TraceTextParser(name);
  let from = 0;
  for (const at of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (at <= from || at >= input.length) continue;
    parser.push(piece(from, at));
    from = at;
  }
  parser.push(piece(from));
  return parser.finish();
}

function errorOf(run: () => unknown): { message: string; line: number; text: string } | null {
  try {
    run();
    return null;
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    return { message: error.message, line: error.line, text: error.text };
  }
}

const files = [
  ...readdirSync(SAMPLES).filter((f) => f.endsWith(".mtrace")).map((f) => SAMPLES + f),
  ...(HAS_MALLOCLAB ? readdirSync(MALLOCLAB).filter((f) => f.endsWith(".rep")).map((f) => MALLOCLAB + f) : []),
];

describe("streaming trace parser", () => {
  for (const file of files) {
    const name = file.slice(file.lastIndexOf("/") + 1);
    it(`${name}: random byte chunks parse to the same trace as the whole text`, async () => {
      const bytes = readFileSync(file);
      const whole = plain(parseTrace(bytes.toString("utf8"), name));
      await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), async (cuts) => {
        expect(plain(await parseTraceChunks(cutBytes(bytes, cuts), name))).toEqual(whole);
      }), { numRuns: 8 });
    });
  }

  it("a generated trace cut at every single position, LF and CRLF, mtrace and .rep", () => {
    const trace = generateWorkload("python_repl", { seed: 3, ops: 120 });
    for (const text of [formatMtrace(trace, { caller: "./prog:[0x401136]" }), formatRep(trace)]) {
      for (const eol of ["\n", "\r\n"]) {
        const body = text.replaceAll("\n", eol);
        const whole = plain(parseTrace(body, "t"));
        for (let at = 1; at < body.length; at++) expect(plain(parseInPieces(body, [at])), `cut at ${at}`).toEqual(whole);
      }
    }
  });

  it("a UTF-8 sequence split between byte chunks is decoded whole", async () => {
    const text = "= Start\n@ /home/zoë/😀prog:[0x401136] + 0x1000 0x10\n@ /home/zoë/😀prog:[0x401136] - 0x1000\n= End\n";
    const bytes = new TextEncoder().encode(text);
    const whole = plain(parseTrace(text, "t"));
    for (let at = 1; at < bytes.length; at++) expect(plain(await parseTraceChunks(cutBytes(bytes, [at]), "t")), `cut at byte ${at}`).toEqual(whole);
  });

  it("text cut between the two halves of a surrogate pair is read whole, good or bad", () => {
    const good = "= Start\n@ /home/zoë/😀prog:[0x401136] + 0x1000 0x10\n@ /home/zoë/😀prog:[0x401136] - 0x1000\n= End\n";
    const bad = "= Start\n@ /zoë/😀:[0x1] < 0x5000";
    const pair = (text: string) => text.indexOf("😀") + 1; // between the high and the low half
    expect(plain(parseInPieces(good, [pair(good)]))).toEqual(plain(parseTrace(good, "t")));
    expect(errorOf(() => parseInPieces(bad, [pair(bad)]))).toEqual(errorOf(() => parseTrace(bad, "t")));
    expect(errorOf(() => parseTrace(bad, "t"))!.text).toBe("@ /zoë/😀:[0x1] < 0x5000");
    // A high half with nothing after it is what the whole text gives: U+FFFD.
    expect(errorOf(() => parseInPieces("3\n2\n1\na 0 \ud83d", [9]))).toEqual(errorOf(() => parseTrace("3\n2\n1\na 0 \ud83d", "t")));
  });

  it("bad input fails with the same message and line number however it is cut", () => {
    const good = formatMtrace(generateWorkload("larson", { seed: 1, ops: 300 })).split("\n");
    const cases = [
      [...good.slice(0, 150), "@ x + 0xzz 0x10", ...good.slice(150)].join("\n"),   // a bad address, mid-file
      [...good.slice(0, 200), "@ [0x1] < 0x5000", "= End"].join("\n"),               // "<" without ">"
      [...good.slice(0, 200), "@ /zoë/😀:[0x1] < 0x5000"].join("\n"),                  // "<" at the very end, UTF-8 in its caller
      [...good.slice(0, 250).join("\n"), "@ [0x1] + 0x7000"].join("\n"),             // truncated last line, no line break
      "3\n2\n1\na 0 10\n",                                                           // a short .rep body
    ];
    fc.assert(fc.property(fc.constantFrom(...cases), fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
      const expected = errorOf(() => parseTrace(text, "t"));
      expect(expected).not.toBeNull();
      expect(errorOf(() => parseInPieces(text, cuts.map((c) => c % text.length)))).toEqual(expected);
      const bytes = new TextEncoder().encode(text);
      expect(errorOf(() => parseInPieces(bytes, cuts.map((c) => c % bytes.length)))).toEqual(expected);
    }), { numRuns: 100 });
  });

  it("a \"<\" without its \">\" is quoted as written, wherever the pieces end", () => {
    const less = "@ /zoë/😀:[0x1] < 0x5000";
    for (const text of [`= Start\n${less}\n= End\n`, `= Start\n${less}`, `= Start\n${less}\n`]) {
      const bytes = new TextEncoder().encode(text);
      for (let at = 1; at < bytes.length; at++) {
        expect(errorOf(() => parseInPieces(bytes, [at])), `cut at byte ${at}`).toEqual({ message: expect.stringMatching(/is not followed by a ">" line/), line: 2, text: less });
      }
    }
  });

  it("a guess at the op count changes nothing but where the tables start", async () => {
    for (const text of [formatMtrace(generateWorkload("larson", { seed: 4, ops: 5000 })), formatRep(generateWorkload("python_repl", { seed: 4, ops: 5000 }))]) {
      const whole = plain(parseTrace(text, "t"));
      for (const expectedOps of [0, 10, 5000, 123_456, 1e12]) {
        expect(plain(await parseTraceChunks(cutBytes(new TextEncoder().encode(text), [100, 5000]), "t", undefined, { expectedOps })), `expectedOps ${expectedOps}`).toEqual(whole);
      }
    }
  });

  it("a truncated last line is reported with its number, not dropped", () => {
    const text = "= Start\n@ [0x1] + 0x1000 0x10\n@ [0x1] + 0x2000";
    expect(errorOf(() => parseInPieces(text, [10, 30]))).toEqual({ message: expect.stringMatching(/^line 3: /), line: 3, text: "@ [0x1] + 0x2000" });
  });

  it("a byte stream that is not text is refused before any line is read", async () => {
    const noise = new Uint8Array(20000).map((_, i) => (i * 7919) % 256);
    await expect(parseTraceChunks(cutBytes(noise, [5000, 9000]), "noise")).rejects.toThrow(/looks like binary data/);
  });
});
