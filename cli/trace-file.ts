// A trace file read a chunk at a time (1 MiB) into the streaming parser (lib/trace/stream.ts):
// memory follows the op log, not the file, so a trace of several GB opens (the whole text as one
// string would stop at V8's ~512 MiB limit).
//
// Each read is cut after its last line break and the bytes after it are moved to the front for
// the next read: the parser then gets whole lines (no partial line joined onto the next chunk),
// and a UTF-8 sequence is never split, since "\n" is never part of one. Buffer's UTF-8 decoding of
// such pieces is several times faster than a streaming TextDecoder (the CLI's parse of a 600k-op
// mtrace spent most of its time in TextDecoder and in joining partial lines).
import { isAscii } from "node:buffer";
import { closeSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { TraceTextParser, type ReaderOptions, type Trace } from "../lib/index.js";

/** The file could not be opened or read; the message is the system's code (ENOENT, EISDIR…). */
export class TraceFileError extends Error {}

export const READ_CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Parses the trace file; `afterChunk` runs after each piece is parsed (the streamed race takes
 * the ops from there); `options` go to the trace's reader. Throws TraceError for a malformed trace,
 * TraceFileError when unreadable.
 */
export function parseTraceFile(file: string, afterChunk: (parser: TraceTextParser) => void = () => {}, chunkBytes = READ_CHUNK, options: ReaderOptions = {}): { parser: TraceTextParser; trace: Trace } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new TraceFileError((error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
  try {
    const parser = new TraceTextParser(basename(file), options);
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let held = 0;
    for (;;) {
      if (held === chunkBytes) {
        // A whole chunk without a line break: hand it over as it is (the parser holds the partial
        // line, and rejects one longer than any trace line), keeping an incomplete UTF-8 tail.
        const cut = completeUtf8Length(buffer, held);
        parser.push(decode(buffer, cut));
        buffer.copy(buffer, 0, cut, held);
        held -= cut;
      }
      let n: number;
      try {
        n = readSync(fd, buffer, held, chunkBytes - held, null);
      } catch (error) {
        throw new TraceFileError((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
      if (n === 0) break;
      const end = held + n;
      const cut = buffer.lastIndexOf(NEWLINE, end - 1) + 1;
      held = end;
      if (cut === 0) continue;
      parser.push(decode(buffer, cut));
      buffer.copy(buffer, 0, cut, end);
      held = end - cut;
      afterChunk(parser);
    }
    // The last line, if the file does not end with a line break (a cut-off UTF-8 sequence there
    // decodes to U+FFFD, as a TextDecoder's final decode() would).
    parser.push(decode(buffer, held));
    return { parser, trace: parser.finish() };
  } finally {
    closeSync(fd);
  }
}

// Traces are nearly always ASCII, and ASCII bytes read as Latin-1 are the same string, made by a
// plain copy: checking and copying costs a fraction of UTF-8 decoding.
function decode(buffer: Buffer, end: number): string {
  return isAscii(buffer.subarray(0, end)) ? buffer.toString("latin1", 0, end) : buffer.toString("utf8", 0, end);
}

/** The length of bytes[0, end) without a UTF-8 sequence cut off at its end. */
export function completeUtf8Length(bytes: Uint8Array, end: number): number {
  // Back over at most three continuation bytes (10xxxxxx) to the sequence's lead byte.
  let lead = end - 1;
  while (lead > 0 && end - lead < 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
  const byte = bytes[lead];
  const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return lead + length > end ? lead : end;
}
