// Small experiments the methodology page runs in the reader's browser: how coarse the page's clock
// is, a buddy heap whose fragmentation score reads 0 while a small request fails, and a broken
// allocator that the race engine's shadow heap catches.
import {
  createAllocator, race, generateWorkload, BUDDY_HEADER_BYTES as HEADER_BYTES, censusOf, type Allocator, type AllocatorOptions, type ArenaCensus,
} from "../../lib/index.js";

export interface ClockStep {
  /** Distinct clock advances seen. */
  advances: number;
  /** The smallest and the median advance, in microseconds. */
  smallestMicros: number;
  medianMicros: number;
  crossOriginIsolated: boolean;
}

/**
 * Spins on performance.now() for `durationMs` and records every advance of the clock: the step a
 * page can time anything with. Spinning blocks the page for that long, so keep it short.
 */
export function measureClockStep({ durationMs = 30 }: { durationMs?: number } = {}): ClockStep {
  const advances: number[] = [];
  let last = performance.now();
  const end = last + durationMs;
  for (;;) {
    const now = performance.now();
    if (now !== last) { advances.push(now - last); last = now; }
    if (now >= end) break;
  }
  advances.sort((a, b) => a - b);
  const micros = (ms: number | undefined) => (ms === undefined ? NaN : Math.round(ms * 1000 * 10) / 10);
  return {
    advances: advances.length,
    smallestMicros: micros(advances[0]),
    medianMicros: micros(advances[advances.length >> 1]),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
}

export interface BlindSpot {
  arenaBytes: number;
  blockRequest: number;
  blocks: number;
  /** Payload addresses freed, and the starts of their blocks (a 16-byte header earlier). */
  freed: readonly number[];
  freedBlocks: readonly number[];
  census: ArenaCensus;
  request: number;
  result: number;
}

/**
 * Fills a small buddy arena with minimal blocks, frees two neighbours that are not buddies (the
 * second and third block: 64's buddy is 0, 128's is 192), and asks for one block that would fit
 * in the two together. The census sees one free run of 128 bytes — fragmentation 0 — yet buddy
 * cannot merge them, so the request fails.
 */
export function buddyBlindSpot({ arenaBytes = 64 * 1024, blockRequest = 48, request = 100 } = {}): BlindSpot {
  const buddy = createAllocator("buddy", { arenaBytes });
  const addresses: number[] = [];
  for (;;) {
    const addr = buddy.malloc(blockRequest);
    if (addr === -1) break;
    addresses.push(addr);
  }
  const freed = [addresses[1], addresses[2]];
  for (const addr of freed) buddy.free(addr);
  const census = censusOf(buddy);
  const result = buddy.malloc(request);
  const freedBlocks = freed.map((addr) => addr - HEADER_BYTES);
  return { arenaBytes, blockRequest, blocks: addresses.length, freed, freedBlocks, census, request, result };
}

/**
 * A bump allocator with one planted bug: its `badCall`-th malloc returns the address of the one
 * before, which is still live. Everything else is the real allocator.
 */
function brokenBump(options: AllocatorOptions & { arenaBytes: number }, badCall: number): Allocator {
  const inner = createAllocator("bump", options);
  let calls = 0;
  let previous = -1;
  return {
    get name() { return inner.name; },
    get arenaBytes() { return inner.arenaBytes; },
    get bytes() { return inner.bytes; },
    get stats() { return inner.stats; },
    malloc(size: number): number {
      calls++;
      const addr = calls === badCall && previous !== -1 ? previous : inner.malloc(size);
      previous = addr;
      return addr;
    },
    free: (addr: number) => inner.free(addr),
    realloc: (addr: number, size: number) => inner.realloc(addr, size),
    walk: (visit) => inner.walk(visit),
    check: () => inner.check(),
  };
}

export interface ShadowDemo { ops: number; lanes: { label: string; opsRun: number; corrupt: string | null }[] }

/** Races a short stream through segfit and the broken bump: the shadow heap stops only the latter. */
export function shadowHeapDemo({ ops = 2000, badCall = 300, arenaBytes = 64 * 1024 } = {}): ShadowDemo {
  const trace = generateWorkload("larson", { seed: 1, ops, arenaBytes });
  const result = race(trace, {
    arenaBytes, ticks: 8, frames: false,
    lanes: [
      { allocator: "segfit" },
      { allocator: "bump", label: "bump with a planted bug", create: (options) => brokenBump(options, badCall) },
    ],
  });
  return { ops: result.ops, lanes: result.lanes.map((lane) => ({ label: lane.label, opsRun: lane.opsRun, corrupt: lane.corrupt })) };
}
