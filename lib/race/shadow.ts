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
  private readonly bits: Int32Array;
  private readonly granules: number;

  /** Live mapped payloads: start → end, for addresses >= arenaBytes. */
  private readonly mapped = new Map<number, number>();

  constructor(readonly arenaBytes: number) {
    this.granules = arenaBytes >>> GRANULE_SHIFT;
    this.bits = new Int32Array(Math.ceil(this.granules / 32));
  }

  /** Why [addr, addr+size) cannot be a new live payload, or null when it can. */
  rejectNew(addr: number, size: number): string | null {
    if (addr >= this.arenaBytes) return this.rejectMapped(addr, size);
    const why = this.rejectPlacement(addr, size);
    if (why !== null) return why;
    const first = addr >>> GRANULE_SHIFT;
    return this.overlaps(first, first + granulesOf(size)) ? overlapMessage(addr, size) : null;
  }

  /**
   * Checks [addr, addr+size) and, when it is free, marks it live — one pass over its words, the
   * race's per-op path. Returns why it cannot be a new payload, or null once it is claimed.
   */
  claimNew(addr: number, size: number): string | null {
    if (addr >= this.arenaBytes) {
      const why = this.rejectMapped(addr, size);
      if (why === null) this.mapped.set(addr, addr + Math.max(size, 1));
      return why;
    }
    const why = this.rejectPlacement(addr, size);
    if (why !== null) return why;
    const first = addr >>> GRANULE_SHIFT;
    const end = first + granulesOf(size);
    const bits = this.bits;
    const firstWord = first >>> 5, lastWord = (end - 1) >>> 5;
    if (firstWord === lastWord) {
      const mask = rangeMask(first & 31, ((end - 1) & 31) + 1);
      if ((bits[firstWord] & mask) !== 0) return overlapMessage(addr, size);
      bits[firstWord] |= mask;
      return null;
    }
    if (this.overlaps(first, end)) return overlapMessage(addr, size);
    this.setRange(first, end, true);
    return null;
  }

  claim(addr: number, size: number): void {
    if (addr >= this.arenaBytes) { this.mapped.set(addr, addr + Math.max(size, 1)); return; }
    const first = addr >>> GRANULE_SHIFT;
    this.setRange(first, first + granulesOf(size), true);
  }

  release(addr: number, size: number): void {
    if (addr >= this.arenaBytes) { this.mapped.delete(addr); return; }
    const first = addr >>> GRANULE_SHIFT;
    this.setRange(first, first + granulesOf(size), false);
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

  private overlaps(from: number, to: number): boolean {
    const bits = this.bits;
    const firstWord = from >>> 5, lastWord = (to - 1) >>> 5;
    if (firstWord === lastWord) return (bits[firstWord] & rangeMask(from & 31, ((to - 1) & 31) + 1)) !== 0;
    if ((bits[firstWord] & rangeMask(from & 31, 32)) !== 0) return true;
    for (let word = firstWord + 1; word < lastWord; word++) if (bits[word] !== 0) return true;
    return (bits[lastWord] & rangeMask(0, ((to - 1) & 31) + 1)) !== 0;
  }

  private setRange(from: number, to: number, value: boolean): void {
    const bits = this.bits;
    const firstWord = from >>> 5, lastWord = (to - 1) >>> 5;
    if (firstWord === lastWord) {
      const mask = rangeMask(from & 31, ((to - 1) & 31) + 1);
      bits[firstWord] = value ? bits[firstWord] | mask : bits[firstWord] & ~mask;
      return;
    }
    const head = rangeMask(from & 31, 32), tail = rangeMask(0, ((to - 1) & 31) + 1);
    bits[firstWord] = value ? bits[firstWord] | head : bits[firstWord] & ~head;
    bits.fill(value ? -1 : 0, firstWord + 1, lastWord);
    bits[lastWord] = value ? bits[lastWord] | tail : bits[lastWord] & ~tail;
  }
}

function overlapMessage(addr: number, size: number): string {
  return `returned 0x${addr.toString(16)} for ${size} bytes, overlapping a live block`;
}

function granulesOf(size: number): number {
  return size > 0 ? (size + 15) >>> GRANULE_SHIFT : 1;
}

// Bits lo .. hi-1 of a 32-bit word.
function rangeMask(lo: number, hi: number): number {
  const upper = hi === 32 ? -1 : (1 << hi) - 1;
  return upper & ~((1 << lo) - 1);
}
