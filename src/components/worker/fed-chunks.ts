// A dropped file's bytes, read by the page and posted to the race worker piece by piece. Reading
// `File.stream()` costs a thread about a third of what parsing the bytes does (150–200 ms of a
// 42.5 MB mtrace file in Chromium here); read by the main thread, which is idle while the file is
// parsed, the reading overlaps the parse in the race worker instead of adding to it (0.40 -> 0.30 s
// for that file). The race worker asks for the bytes when it is about to parse them (a file it
// has parsed already is served from its cache, and never read again), and says when it has read
// each piece: the page keeps at most FEED_AHEAD_PIECES pieces in flight, since reading is faster
// than parsing and an unbounded queue would hold most of a large file in the worker.

/** Pieces posted and not yet parsed, at most (about 1 MB each from `File.stream()` in Chromium). */
export const FEED_AHEAD_PIECES = 8;

/** The bytes on the race worker's side: an async iterable of the pieces as they are posted. */
export class FedChunks implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  /** `onRead` runs each time the parse is done with a piece and asks for the next. */
  constructor(private readonly onRead: () => void = () => {}) {}

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.wake?.();
  }

  /** No more pieces: the file is read. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** The page could not read the file: the parse fails with this after the pieces already in. */
  fail(error: Error): void {
    this.failure = error;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.queue.length > 0) {
        yield this.queue.shift()!;
        this.onRead();
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
  }
}

/** What the feeder posts: a piece, the end (`chunk: null`), or the end with what went wrong. */
export interface FedPiece { chunk: ArrayBuffer | null; error?: string }

/** The page's count of pieces in flight: room for another once the worker has read one. */
export class FeedWindow {
  private inFlight = 0;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly pieces = FEED_AHEAD_PIECES) {}

  /** Resolves when one more piece may be posted (at once after close). */
  async room(): Promise<void> {
    while (!this.closed && this.inFlight >= this.pieces) await new Promise<void>((resolve) => { this.wake = resolve; });
    this.inFlight++;
  }

  /** The worker has read a piece. */
  read(): void {
    this.inFlight--;
    this.wakeUp();
  }

  /** The load is over (done, failed or superseded): nothing will be read any more. */
  close(): void {
    this.closed = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * Reads `file` on the page's side and hands each piece to `post`, transferred (no copy), then the
 * end, waiting for room in `feedWindow` before each piece. Stops reading as soon as `post` returns
 * false: the race it was for is over or was superseded.
 */
export async function feedFile(file: Blob, feedWindow: FeedWindow, post: (piece: FedPiece, transfer: Transferable[]) => boolean): Promise<void> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Only a whole buffer can be transferred; a stream's pieces are whole ones in Chromium and Node.
      const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
      await feedWindow.room();
      if (!post({ chunk: whole.buffer as ArrayBuffer }, [whole.buffer as ArrayBuffer])) {
        await reader.cancel();
        return;
      }
    }
    post({ chunk: null }, []);
  } catch (error) {
    post({ chunk: null, error: `could not read the file: ${error instanceof Error ? error.message : String(error)}` }, []);
  } finally {
    reader.releaseLock();
  }
}
