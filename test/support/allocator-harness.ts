// A reference model for property tests: drives any Allocator through a sequence of operations,
// keeps its own record of live blocks (independent of the allocator's metadata), writes a cookie
// into every payload, and after each op checks `check()`, walk() coverage, alignment, overlap,
// cookie survival and the stats counters.

import fc from "fast-check";
import { HeapError, type Allocator } from "../../lib/allocators/types.js";

/** One block as walk() reports it. */
export interface WalkedBlock { start: number; bytes: number; payload: number; requested: number }

/** Every block of an arena, in address order, as walk() reports them. */
export function blocksOf(a: Pick<Allocator, "walk">): WalkedBlock[] {
  const blocks: WalkedBlock[] = [];
  a.walk((start, bytes, payload, requested) => blocks.push({ start, bytes, payload, requested }));
  return blocks;
}

export type Step =
  | { kind: "malloc"; size: number }
  | { kind: "free"; pick: number }
  | { kind: "realloc"; pick: number; size: number }
  | { kind: "double-free"; pick: number }
  | { kind: "invalid-free"; offset: number };

export function stepArbitrary(arenaBytes: number, maxSize = 4096): fc.Arbitrary<Step> {
  const size = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 128 }) },
    { weight: 3, arbitrary: fc.integer({ min: 129, max: maxSize }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.floor(arenaBytes / 4) }) },
  );
  const pick = fc.nat({ max: 1 << 20 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("malloc" as const), size }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("free" as const), pick }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("realloc" as const), pick, size }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("double-free" as const), pick }) },
    // invalid frees reach past the arena too: into the mapped region of the large-object path
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("invalid-free" as const), offset: fc.nat({ max: 2 * arenaBytes - 1 }) }) },
  );
}

interface LiveBlock { addr: number; size: number; tag: number }

// Pseudo-random bytes, so a cookie never happens to look like an allocator's header magic.
function cookieByte(tag: number, i: number): number {
  let x = Math.imul(tag, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return x & 255;
}

/** The bytes a program sees at a payload: the arena's, or a mapped block's own (large-object path). */
function payloadBytes(a: Allocator, addr: number, size: number): Uint8Array {
  if (addr < a.arenaBytes) return a.bytes.subarray(addr, addr + size);
  const mapped = a.mappedPayload?.(addr);
  if (!mapped) throw new Error(`${a.name}: 0x${addr.toString(16)} is past the arena but no live mapped block`);
  return mapped;
}

function writeCookie(a: Allocator, block: LiveBlock): void {
  const bytes = payloadBytes(a, block.addr, block.size);
  for (let i = 0; i < block.size; i++) bytes[i] = cookieByte(block.tag, i);
}

function verifyCookie(a: Allocator, block: LiveBlock, length = block.size): void {
  const bytes = payloadBytes(a, block.addr, block.size);
  for (let i = 0; i < length; i++) {
    if (bytes[i] !== cookieByte(block.tag, i)) {
      throw new Error(`${a.name}: payload byte ${i} of block at 0x${block.addr.toString(16)} (size ${block.size}) was overwritten`);
    }
  }
}

/** Everything that must hold between any two operations. */
export function verifyHeap(a: Allocator, live: Map<number, LiveBlock>): void {
  a.check();
  let cursor = 0;
  let liveBytes = 0;
  const seen = new Set<number>();
  a.walk((start, bytes, payload, requested) => {
    if (start !== cursor) throw new Error(`${a.name}: walk skipped or repeated bytes at 0x${start.toString(16)} (expected 0x${cursor.toString(16)})`);
    if (bytes <= 0) throw new Error(`${a.name}: walk visited an empty block at 0x${start.toString(16)}`);
    cursor = start + bytes;
    // A pure metadata region (requested 0, payload = its end) may end where a header-less live
    // object begins (a slab header and object 0), so it is not that object.
    const metadataOnly = requested === 0 && payload === start + bytes;
    if (requested > 0 || (live.has(payload) && !metadataOnly)) {
      const block = live.get(payload);
      if (!block) throw new Error(`${a.name}: walk reports a live block at 0x${payload.toString(16)} that the program never got`);
      if (block.size !== requested) throw new Error(`${a.name}: block 0x${payload.toString(16)} reports ${requested} requested bytes, the program asked for ${block.size}`);
      if (payload < start || payload + requested > start + bytes) throw new Error(`${a.name}: payload 0x${payload.toString(16)} lies outside its block`);
      seen.add(payload);
    }
  });
  if (cursor !== a.arenaBytes) throw new Error(`${a.name}: walk covered 0x${cursor.toString(16)} bytes of 0x${a.arenaBytes.toString(16)}`);
  let mappedBytes = 0;
  a.walkMapped?.((start, bytes, payload, requested) => {
    if (start < a.arenaBytes || start % 4096 !== 0 || bytes % 4096 !== 0) throw new Error(`${a.name}: mapped block 0x${start.toString(16)} (${bytes} B) should be page-aligned, page-rounded and past the arena`);
    const block = live.get(payload);
    if (!block || block.size !== requested) throw new Error(`${a.name}: walkMapped reports 0x${payload.toString(16)} (${requested} B), which the program does not hold`);
    if (payload + requested > start + bytes) throw new Error(`${a.name}: mapped payload 0x${payload.toString(16)} lies outside its mapping`);
    mappedBytes += bytes;
    seen.add(payload);
  });
  if ((a.stats.mappedBytes ?? 0) !== mappedBytes) throw new Error(`${a.name}: stats.mappedBytes is ${a.stats.mappedBytes}, the mappings add up to ${mappedBytes}`);
  const ranges = [...live.values()].sort((x, y) => x.addr - y.addr);
  for (let i = 0; i < ranges.length; i++) {
    const block = ranges[i];
    liveBytes += block.size;
    if (!seen.has(block.addr)) throw new Error(`${a.name}: live block 0x${block.addr.toString(16)} is missing from walk()`);
    if (i > 0) {
      const prev = ranges[i - 1];
      if (prev.addr + Math.max(prev.size, 1) > block.addr) throw new Error(`${a.name}: blocks 0x${prev.addr.toString(16)} and 0x${block.addr.toString(16)} overlap`);
    }
    verifyCookie(a, block);
  }
  if (a.stats.liveBytes !== liveBytes) throw new Error(`${a.name}: stats.liveBytes is ${a.stats.liveBytes}, the live blocks add up to ${liveBytes}`);
  if (a.stats.peakLiveBytes < liveBytes) throw new Error(`${a.name}: stats.peakLiveBytes ${a.stats.peakLiveBytes} < liveBytes ${liveBytes}`);
}

function expectHeapError(a: Allocator, code: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    if (error instanceof HeapError && error.code === code) return;
    throw error;
  }
  throw new Error(`${a.name}: expected HeapError ${code}`);
}

/**
 * Replays `steps` on a fresh allocator, verifying the heap (and `alsoVerify`, when given) after every
 * one. Returns the allocator for further checks.
 */
export function replaySteps(make: () => Allocator, steps: readonly Step[], alsoVerify?: (a: Allocator) => void): Allocator {
  const a = make();
  const live = new Map<number, LiveBlock>();
  const freed: number[] = [];
  let tag = 0;
  const pickLive = (pick: number): LiveBlock | undefined => {
    if (live.size === 0) return undefined;
    const all = [...live.values()];
    return all[pick % all.length];
  };
  const checkAddress = (addr: number, size: number) => {
    if (addr % 16 !== 0) throw new Error(`${a.name}: malloc(${size}) returned misaligned 0x${addr.toString(16)}`);
    if (addr < 0) throw new Error(`${a.name}: malloc(${size}) returned 0x${addr.toString(16)}`);
    // past the arena only as a mapped block, which walkMapped must report (verifyHeap)
    if (addr < a.arenaBytes && addr + size > a.arenaBytes) throw new Error(`${a.name}: malloc(${size}) returned 0x${addr.toString(16)}, running off the arena`);
  };

  for (const step of steps) {
    switch (step.kind) {
      case "malloc": {
        const failuresBefore = a.stats.failures;
        const addr = a.malloc(step.size);
        if (addr === -1) {
          if (a.stats.failures !== failuresBefore + 1) throw new Error(`${a.name}: a failed malloc must count one failure`);
          break;
        }
        checkAddress(addr, step.size);
        if (live.has(addr)) throw new Error(`${a.name}: malloc returned 0x${addr.toString(16)}, which is still live`);
        const block = { addr, size: step.size, tag: ++tag };
        writeCookie(a, block);
        live.set(addr, block);
        const i = freed.indexOf(addr);
        if (i >= 0) freed.splice(i, 1);
        break;
      }
      case "free": {
        const block = pickLive(step.pick);
        if (!block) break;
        verifyCookie(a, block);
        a.free(block.addr);
        live.delete(block.addr);
        freed.push(block.addr);
        break;
      }
      case "realloc": {
        const block = pickLive(step.pick);
        if (!block) break;
        const failuresBefore = a.stats.failures;
        const freesBefore = a.stats.frees;
        const addr = a.realloc(block.addr, step.size);
        if (step.size === 0) {
          // glibc's realloc(p, 0): p is freed, nothing is returned, and it is no failure
          if (addr !== -1) throw new Error(`${a.name}: realloc(0x${block.addr.toString(16)}, 0) returned 0x${addr.toString(16)}, expected -1 (the block freed)`);
          if (a.stats.frees !== freesBefore + 1 || a.stats.failures !== failuresBefore) throw new Error(`${a.name}: realloc(p, 0) must count one free and no failure`);
          live.delete(block.addr);
          freed.push(block.addr);
          break;
        }
        if (addr === -1) {
          verifyCookie(a, block); // a failed realloc leaves the old block intact
          break;
        }
        checkAddress(addr, step.size);
        const moved = { addr, size: step.size, tag: block.tag };
        verifyCookie(a, moved, Math.min(block.size, step.size));
        live.delete(block.addr);
        if (addr !== block.addr) freed.push(block.addr);
        const i = freed.indexOf(addr);
        if (i >= 0) freed.splice(i, 1);
        const fresh = { addr, size: step.size, tag: ++tag };
        writeCookie(a, fresh);
        live.set(addr, fresh);
        break;
      }
      case "double-free": {
        // Only addresses that were freed and not handed out again are double frees.
        const candidates = freed.filter((addr) => !live.has(addr));
        if (candidates.length === 0) break;
        const addr = candidates[step.pick % candidates.length];
        // A freed block may have merged into a neighbour, so the allocator can only promise it
        // recognises the address as not-live: double-free when its header still says so, else invalid-free.
        try {
          a.free(addr);
        } catch (error) {
          if (error instanceof HeapError && (error.code === "double-free" || error.code === "invalid-free")) break;
          throw error;
        }
        throw new Error(`${a.name}: freeing 0x${addr.toString(16)} twice did not throw`);
      }
      case "invalid-free": {
        const addr = step.offset;
        if (live.has(addr)) break;
        if ([...live.values()].some((b) => addr === b.addr)) break;
        try {
          a.free(addr);
        } catch (error) {
          if (error instanceof HeapError && (error.code === "invalid-free" || error.code === "double-free")) break;
          throw error;
        }
        throw new Error(`${a.name}: free(0x${addr.toString(16)}) of an address never returned by malloc did not throw`);
      }
    }
    verifyHeap(a, live);
    alsoVerify?.(a);
  }
  return a;
}

export { expectHeapError };

/** The HeapError `action` throws; anything else it throws is rethrown, and throwing nothing fails. */
export function heapErrorOf(action: () => void): HeapError {
  try {
    action();
  } catch (error) {
    if (error instanceof HeapError) return error;
    throw error;
  }
  throw new Error("expected a HeapError");
}
