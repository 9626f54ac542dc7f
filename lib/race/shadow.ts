// The shadow checker: the race engine's own record of which payload bytes are live in one lane,
// kept apart from every allocator's metadata, so an allocator that hands out overlapping,
// misaligned or out-of-arena memory is caught the moment it does so.
//
// One bit per 16-byte granule of the arena: payloads are 16-aligned, so two payloads overlap
// exactly when their granule ranges share a bit. A block of n requested bytes claims
// max(1, ceil(n / 16)) granules (malloc(0) still returns a unique address).

const GRANULE_SHIFT = 4;

export class ShadowHeap {
  private readonly bits: Int32Array;
  private readonly granules: number;

  constructor(readonly arenaBytes: number) {
    this.granules = arenaBytes >>> GRANULE_SHIFT;
    this.bits = new Int32Array(Math.ceil(this.granules / 32));
  }

  /** Why [addr, addr+size) cannot be a new live payload, or null when it can. */
  rejectNew(addr: number, size: number): string | null {
    if (!Number.isInteger(addr) || addr < 0) return `returned ${addr}, not an arena offset`;
    if ((addr & 15) !== 0) return `returned misaligned 0x${addr.toString(16)} (payloads are 16-byte aligned)`;
    if (addr + size > this.arenaBytes) return `returned 0x${addr.toString(16)} for ${size} bytes, past the end of the ${this.arenaBytes}-byte arena`;
    const first = addr >>> GRANULE_SHIFT;
    const last = first + granulesOf(size);
    if (this.anySet(first, last)) return `returned 0x${addr.toString(16)} for ${size} bytes, overlapping a live block`;
    return null;
  }

  claim(addr: number, size: number): void {
    const first = addr >>> GRANULE_SHIFT;
    this.setRange(first, first + granulesOf(size), true);
  }

  release(addr: number, size: number): void {
    const first = addr >>> GRANULE_SHIFT;
    this.setRange(first, first + granulesOf(size), false);
  }

  private anySet(from: number, to: number): boolean {
    const bits = this.bits;
    let word = from >>> 5;
    const lastWord = (to - 1) >>> 5;
    for (; word <= lastWord; word++) {
      const lo = word === from >>> 5 ? from & 31 : 0;
      const hi = word === lastWord ? ((to - 1) & 31) + 1 : 32;
      if ((bits[word] & rangeMask(lo, hi)) !== 0) return true;
    }
    return false;
  }

  private setRange(from: number, to: number, value: boolean): void {
    const bits = this.bits;
    const lastWord = (to - 1) >>> 5;
    for (let word = from >>> 5; word <= lastWord; word++) {
      const lo = word === from >>> 5 ? from & 31 : 0;
      const hi = word === lastWord ? ((to - 1) & 31) + 1 : 32;
      const mask = rangeMask(lo, hi);
      bits[word] = value ? bits[word] | mask : bits[word] & ~mask;
    }
  }
}

function granulesOf(size: number): number {
  return size > 0 ? (size + 15) >>> GRANULE_SHIFT : 1;
}

// Bits lo .. hi-1 of a 32-bit word.
function rangeMask(lo: number, hi: number): number {
  const upper = hi === 32 ? -1 : (1 << hi) - 1;
  return upper & ~((1 << lo) - 1);
}
