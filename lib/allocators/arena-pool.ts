// Arena buffers kept between races. A fresh ArrayBuffer of a few MiB is mapped page by page as it is
// first written, and on this project's machines each first write to a page costs ~12 µs: a bump
// lane that fills a fresh 2 MiB arena spends ~6 ms on it, against ~0.2 ms to zero and refill a
// buffer whose pages are already mapped (bench/README.md, "Issue 11, fifth pass"). Node's malloc keeps
// freed buffers of that size for the next one after a while; Chromium maps and unmaps each one,
// so a page's live re-runs paid it on every lane of every run. The race engine hands its lanes'
// buffers back here when it is done with them (recycleArenaBuffer), and the next allocator of the
// same arena size takes one (takeArenaBuffer), zeroed, so it starts exactly as on fresh memory.

/** Kept buffers stop at this many bytes in all: enough for the page's six lanes of a few MiB each. */
export const ARENA_POOL_BYTES = 64 * 1024 * 1024;

const kept: ArrayBuffer[] = [];
let keptBytes = 0;

/** An all-zero buffer of `bytes` bytes: a kept one of that size when there is one, else a new one. */
export function takeArenaBuffer(bytes: number): ArrayBuffer {
  for (let i = kept.length - 1; i >= 0; i--) {
    const buffer = kept[i];
    if (buffer.byteLength !== bytes) continue;
    kept.splice(i, 1);
    keptBytes -= bytes;
    new Uint8Array(buffer).fill(0);
    return buffer;
  }
  return new ArrayBuffer(bytes);
}

/**
 * Keeps `buffer` for a later takeArenaBuffer. The caller must be the buffer's last user: whatever
 * still reads or writes it would share it with the next allocator. Buffers past the pool's budget
 * push out the oldest ones kept.
 */
export function recycleArenaBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength > ARENA_POOL_BYTES || kept.includes(buffer)) return;
  kept.push(buffer);
  keptBytes += buffer.byteLength;
  while (keptBytes > ARENA_POOL_BYTES) keptBytes -= kept.shift()!.byteLength;
}

/** Drops every kept buffer (tests, and a caller about to need the memory). */
export function emptyArenaPool(): void {
  kept.length = 0;
  keptBytes = 0;
}

/** How many buffers and bytes are kept now. */
export function arenaPoolSize(): { buffers: number; bytes: number } {
  return { buffers: kept.length, bytes: keptBytes };
}
