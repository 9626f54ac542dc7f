// The CLI's file reader (cli/trace-file.ts) hands each read to the parser as it is: whatever the
// read size, it must parse exactly what parseTrace parses from the whole text — lines split
// between reads, CRLF, multi-byte UTF-8 in callers, a line longer than a read, no final newline —
// and report a malformed line with its number.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TraceError, generateWorkload, parseTrace } from "../../lib/index.js";
import { parseTraceFile } from "../../cli/trace-file.js";
import { writeGlibcMtrace } from "../../bench/glibc-mtrace.js";

const dir = mkdtempSync(join(tmpdir(), "heapforge-trace-file-"));
const SAMPLE = fileURLToPath(new URL("../../src/data/traces/perl-hash.mtrace", import.meta.url));

function written(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("parseTraceFile", () => {
  const mtrace = writeGlibcMtrace(generateWorkload("redis_cache", { seed: 2, ops: 3000 }), 2);
  // Callers with 2-, 3- and 4-byte UTF-8 characters in their file names, CRLF line ends, and no
  // final line break.
  const exotic = mtrace.replaceAll("[0x", "/üñí/日本/😀[0x").replaceAll("\n", "\r\n").replace(/\r\n$/, "");
  const cases: Array<[string, string]> = [["mtrace", mtrace], ["UTF-8 callers, CRLF, no final newline", exotic], ["a sample trace", readFileSync(SAMPLE, "utf8")]];
  for (const [what, text] of cases) {
    // 7-byte reads hold no whole line (the no-line-break path); the sample is long, so not for it.
    for (const chunkBytes of what === "a sample trace" ? [61, 1 << 20] : [7, 61, 4096, 1 << 20]) {
      it(`reads ${what} in ${chunkBytes}-byte reads as parseTrace reads the text`, () => {
        const file = written(`${what.length}-${chunkBytes}.mtrace`, text);
        const { trace } = parseTraceFile(file, { chunkBytes });
        const whole = parseTrace(text, trace.name);
        expect(trace.length).toBe(whole.length);
        expect(Buffer.from(trace.op).equals(Buffer.from(whole.op))).toBe(true);
        expect(Array.from(trace.id)).toEqual(Array.from(whole.id));
        expect(Array.from(trace.size)).toEqual(Array.from(whole.size));
        expect(trace.droppedFrees).toBe(whole.droppedFrees);
      });
    }
  }

  it("names the line of a malformed entry, wherever the reads fall", () => {
    const lines = mtrace.split("\n");
    lines[1234] = "@ ./a.out:[0x1] + 0xzz 0x10";
    const file = written("bad.mtrace", lines.join("\n"));
    for (const chunkBytes of [13, 4096]) {
      const error = (() => { try { parseTraceFile(file, { chunkBytes }); } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(TraceError);
      expect((error as TraceError).line).toBe(1235);
    }
  });

  it("quotes a malformed line with UTF-8 in it as written, wherever the reads cut its characters", () => {
    const lines = mtrace.split("\n");
    const bad = "@ /üñí/日本/😀[0x1] + 0xzz 0x10";
    lines[99] = bad;
    const file = written("bad-utf8.mtrace", lines.join("\n"));
    // Reads of 1 to 13 bytes cut the 2-, 3- and 4-byte characters at every offset.
    for (let chunkBytes = 1; chunkBytes <= 13; chunkBytes++) {
      const error = (() => { try { parseTraceFile(file, { chunkBytes }); } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(TraceError);
      expect((error as TraceError).line).toBe(100);
      expect((error as TraceError).text).toBe(bad);
    }
  });
});
