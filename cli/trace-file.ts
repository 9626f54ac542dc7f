// A trace file read a chunk at a time (1 MiB) into the streaming parser (lib/trace/stream.ts):
// memory follows the op log, not the file, so a trace of several GB opens (the whole text as one
// string would stop at V8's ~512 MiB limit).
//
// The parser reads bytes as they are (nothing is decoded). Each read is cut after its last line
// break and the bytes after it are moved to the front for the next read, so the parser gets whole
// lines and never has to join a partial line onto the next chunk; a chunk with no line break at
// all goes over whole, and the parser holds it until its line ends.
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
        // A whole chunk without a line break: the parser copies what it must keep (and rejects a
        // line longer than any trace line).
        parser.push(buffer.subarray(0, held));
        held = 0;
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
      parser.push(buffer.subarray(0, cut));
      buffer.copy(buffer, 0, cut, end);
      held = end - cut;
      afterChunk(parser);
    }
    // The last line, if the file does not end with a line break.
    parser.push(buffer.subarray(0, held));
    return { parser, trace: parser.finish() };
  } finally {
    closeSync(fd);
  }
}
