// The shadow checker: the race engine's own record of which payload bytes are live in one lane,
// kept apart from every allocator's metadata, so an allocator that hands out overlapping,
// misaligned or out-of-arena memory is caught the moment it does so.
//
// One bit per 16-byte granule of the arena: payloads are 16-aligned, so two payloads overlap
// exactly when their granule ranges share a bit. A block of n requested bytes claims
// max(1, ceil(n / 16)) granules (malloc(0) still returns a unique address).
// Addresses at or above arenaBytes are mapped blocks (allocators/large.ts): they are few and
// large, so they are kept as sorted [start, end) ranges instead of bits.

const GRANULE_SHIFT = 4;

export class ShadowHeap {
  declare private readonly bits: Int32Array;
  declare private readonly granules: number;
  declare readonly arenaBytes: number;

  /** Live mapped payloads: start → end, for addresses >= arenaBytes. */
  declare private readonly mapped: Map<number, number>;

  constructor(arenaBytes: number) {
    this.arenaBytes = arenaBytes;
    this.granules = arenaBytes >>> GRANULE_SHIFT;
    this.bits = new Int32Array(Math.ceil(this.granules / 32));
    this.mapped = new Map<number, number>();
  }

  /** Why [addr, addr+size) cannot be a new live payload, or null when it can. */
  rejectNew(addr: number, size: number): string | null {
    if (addr >= this.arenaBytes) return this.rejectMapped(addr, size);
    const why = this.rejectPlacement(addr, size);
    if (why !== null) return why;
    const first = addr >>> GRANULE_SHIFT;
    return this.overlaps(first, lastGranuleOf(first, size)) ? overlapMessage(addr, size) : null;
  }

  /**
   * Checks [addr, addr+size) and, when it is free, marks it live — the race's per-op path, one
   * pass. A block lies in one word of the bitmap or spans two or more, and which it is varies from
   * op to op as unpredictably as the sizes (larson's new blocks: a quarter in one word, half in
   * two), so one word and two take the same path, without a branch the predictor would miss: the
   * first and last words' masks are built so that, for a block inside one word, both are that
   * word's mask (spansWords). Only the whole words between them, for longer blocks, loop.
   * Returns why it cannot be a new payload, or null once it is claimed.
   */
  claimNew(addr: number, size: number): string | null {
    // One test for the common case: an int32, 16-aligned offset whose block ends in the arena.
    if ((addr | 0) !== addr || addr < 0 || (addr & 15) !== 0 || addr >= this.arenaBytes || addr + size > this.arenaBytes) return this.claimOutside(addr, size);
    const first = addr >>> GRANULE_SHIFT;
    const last = lastGranuleOf(first, size);
    const bits = this.bits;
    const firstWord = first >>> 5, lastWord = last >>> 5;
    const apart = spansWords(firstWord, lastWord);
    const head = (-1 << (first & 31)) & ((-1 >>> (31 - (last & 31))) | apart);
    const tail = (-1 >>> (31 - (last & 31))) & ((-1 << (first & 31)) | apart);
    if (((bits[firstWord] & head) | (bits[lastWord] & tail)) !== 0) return overlapMessage(addr, size);
    if (lastWord - firstWord > 1) {
      for (let word = firstWord + 1; word < lastWord; word++) if (bits[word] !== 0) return overlapMessage(addr, size);
      for (let word = firstWord + 1; word < lastWord; word++) bits[word] = -1;
    }
    bits[firstWord] |= head;
    bits[lastWord] |= tail;
    return null;
  }

  claim(addr: number, size: number): void {
    if (addr >= this.arenaBytes) { this.mapped.set(addr, addr + Math.max(size, 1)); return; }
    const first = addr >>> GRANULE_SHIFT;
    this.markLive(first, lastGranuleOf(first, size));
  }

  /** Marks [addr, addr+size) free again; as claimNew, without a branch on one word or two. */
  release(addr: number, size: number): void {
    if (addr >= this.arenaBytes) { this.mapped.delete(addr); return; }
    const first = addr >>> GRANULE_SHIFT;
    const last = lastGranuleOf(first, size);
    const bits = this.bits;
    const firstWord = first >>> 5, lastWord = last >>> 5;
    const apart = spansWords(firstWord, lastWord);
    bits[firstWord] &= ~((-1 << (first & 31)) & ((-1 >>> (31 - (last & 31))) | apart));
    bits[lastWord] &= ~((-1 >>> (31 - (last & 31))) & ((-1 << (first & 31)) | apart));
    for (let word = firstWord + 1; word < lastWord; word++) bits[word] = 0;
  }

  // claimNew's rare cases: a mapped block past the arena, or an address that cannot be a payload.
  private claimOutside(addr: number, size: number): string | null {
    if (addr >= this.arenaBytes) {
      const why = this.rejectMapped(addr, size);
      if (why === null) this.mapped.set(addr, addr + Math.max(size, 1));
      return why;
    }
    const why = this.rejectPlacement(addr, size);
    if (why !== null) return why;
    // Every way past the fast path's test is a placement error; this is not reached.
    throw new Error(`shadow heap: 0x${addr.toString(16)} for ${size} bytes neither fits nor fails`);
  }

  // A mapped payload: 16-aligned, int32, and overlapping no live mapped payload.
  private rejectMapped(addr: number, size: number): string | null {
    if (!Number.isInteger(addr) || addr + size > 0x7fffffff) return `returned ${addr}, not an address`;
    if ((addr & 15) !== 0) return `returned misaligned 0x${addr.toString(16)} (payloads are 16-byte aligned)`;
    const end = addr + Math.max(size, 1);
    for (const [start, stop] of this.mapped) {
      if (start < end && addr < stop) return `returned 0x${addr.toString(16)} for ${size} bytes, overlapping the live mapped block at 0x${start.toString(16)}`;
    }
    return null;
  }

  private rejectPlacement(addr: number, size: number): string | null {
    if (!Number.isInteger(addr) || addr < 0) return `returned ${addr}, not an arena offset`;
    if ((addr & 15) !== 0) return `returned misaligned 0x${addr.toString(16)} (payloads are 16-byte aligned)`;
    if (addr + size > this.arenaBytes) return `returned 0x${addr.toString(16)} for ${size} bytes, past the end of the ${this.arenaBytes}-byte arena`;
    return null;
  }

  /** Whether any granule first..last (inclusive) is live. */
  private overlaps(first: number, last: number): boolean {
    const bits = this.bits;
    const firstWord = first >>> 5, lastWord = last >>> 5;
    const head = -1 << (first & 31), tail = -1 >>> (31 - (last & 31));
    if (firstWord === lastWord) return (bits[firstWord] & head & tail) !== 0;
    if ((bits[firstWord] & head) !== 0 || (bits[lastWord] & tail) !== 0) return true;
    for (let word = firstWord + 1; word < lastWord; word++) if (bits[word] !== 0) return true;
    return false;
  }

  /** Marks granules first..last (inclusive) live. */
  private markLive(first: number, last: number): void {
    const bits = this.bits;
    const firstWord = first >>> 5, lastWord = last >>> 5;
    const head = -1 << (first & 31), tail = -1 >>> (31 - (last & 31));
    if (firstWord === lastWord) { bits[firstWord] |= head & tail; return; }
    bits[firstWord] |= head;
    for (let word = firstWord + 1; word < lastWord; word++) bits[word] = -1;
    bits[lastWord] |= tail;
  }
}

// −1 when lastWord > firstWord, 0 when they are the same word, by arithmetic rather than a branch:
// 0x7fffffff + d overflows int32 to a negative number exactly when d ≥ 1.
function spansWords(firstWord: number, lastWord: number): number {
  return ((0x7fffffff + (lastWord - firstWord)) | 0) >> 31;
}

function overlapMessage(addr: number, size: number): string {
  return `returned 0x${addr.toString(16)} for ${size} bytes, overlapping a live block`;
}

// A block of `size` bytes from granule `first` covers max(1, ceil(size / 16)) granules.
function lastGranuleOf(first: number, size: number): number {
  return size > 0 ? first + ((size - 1) >>> GRANULE_SHIFT) : first;
}
