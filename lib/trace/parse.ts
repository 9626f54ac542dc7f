// The one entry point for trace text, from a file on disk or one dropped into the page: decide
// which format it is from its first non-blank character, refuse what is not a trace at all with a
// plain message, and hand the rest to the format's parser.

import { isDigitCode } from "./lines.js";
import { TraceTextParser } from "./stream.js";
import { TraceError, type Trace } from "./types.js";

export type TraceFormat = "rep" | "mtrace";

// A text decoder turns bytes it cannot read into U+FFFD; control characters other than tab, CR and
// LF never appear in either format. This many of them in the first SNIFF_CHARS means "binary".
export const SNIFF_CHARS = 8192;
const BINARY_FRACTION = 0.1;

/** Parses malloc-lab `.rep` or glibc mtrace text, whichever it is (the streaming parser, in one piece). */
export function parseTrace(text: string, name = "trace"): Trace {
  const parser = new TraceTextParser(name);
  parser.push(text);
  return parser.finish();
}

/** Which format `text` is in; throws TraceError for empty, binary or unrecognised text. */
export function detectTraceFormat(text: string): TraceFormat {
  if (looksBinary(text)) throw new TraceError("this is not a text trace: it looks like binary data", 0);
  const first = firstNonBlank(text);
  if (first < 0) throw new TraceError("the trace is empty", 0);
  const code = text.charCodeAt(first);
  const next = first + 1 < text.length ? text.charCodeAt(first + 1) : 10;
  if (isDigitCode(code) || (code === 45 && isDigitCode(next))) return "rep";
  if (code === 61 || code === 64) return "mtrace";                    // "= Start", "@ caller"
  if ("+-<>!".includes(text[first]) && (next === 32 || next === 9)) return "mtrace";
  throw new TraceError(
    "unknown trace format: expected a malloc-lab .rep file (a header of numbers, then a/f/r lines) " +
    "or glibc mtrace output (\"= Start\", then \"@ caller + 0xADDR 0xSIZE\" lines)", 0);
}

function looksBinary(text: string): boolean {
  const n = Math.min(text.length, SNIFF_CHARS);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return true;
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 0x7f || code === 0xfffd) odd++;
  }
  return odd > n * BINARY_FRACTION;
}

function firstNonBlank(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) return i;
  }
  return -1;
}
