// A trace file read a chunk at a time (1 MiB) into the streaming parser (lib/trace/stream.ts):
// memory follows the op log, not the file, so a trace of several GB opens (the whole text as one
// string would stop at V8's ~512 MiB limit).
//
// The parser reads bytes as they are (nothing is decoded) and holds a read's partial last line
// itself until the next read ends it, so each read goes to it whole and the buffer is reused.
import { closeSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { TraceTextParser, type ReaderOptions, type Trace } from "../lib/index.js";

/** The file could not be opened or read; the message is the system's code (ENOENT, EISDIR…). */
export class TraceFileError extends Error {}

const READ_CHUNK = 1 << 20;

export interface ParseFileOptions {
  /** Runs after each piece is parsed (the streamed race takes the ops from there). */
  afterChunk?: (parser: TraceTextParser) => void;
  /** Bytes per read (tests cut files into small pieces). */
  chunkBytes?: number;
  /** For the trace's reader (ids recycled, an expected op count). */
  reader?: ReaderOptions;
}

/** Parses the trace file. Throws TraceError for a malformed trace, TraceFileError when unreadable. */
export function parseTraceFile(file: string, { afterChunk = () => {}, chunkBytes = READ_CHUNK, reader = {} }: ParseFileOptions = {}): { parser: TraceTextParser; trace: Trace } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new TraceFileError((error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
  try {
    const parser = new TraceTextParser(basename(file), reader);
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, chunkBytes, null);
      } catch (error) {
        throw new TraceFileError((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
      if (n === 0) break;
      parser.push(buffer.subarray(0, n));
      afterChunk(parser);
    }
    return { parser, trace: parser.finish() };
  } finally {
    closeSync(fd);
  }
}
