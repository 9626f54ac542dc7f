import { afterEach, describe, expect, it } from "vitest";
import { ARENA_POOL_BYTES, arenaPoolSize, emptyArenaPool, recycleArenaBuffer, takeArenaBuffer } from "../../lib/allocators/arena-pool.js";
import { createAllocator, generateWorkload, race, type AllocatorName } from "../../lib/index.js";

afterEach(() => emptyArenaPool());

describe("arena pool", () => {
  it("hands a recycled buffer of the same size back, zeroed", () => {
    emptyArenaPool();
    const buffer = takeArenaBuffer(4096);
    new Uint8Array(buffer).fill(7);
    recycleArenaBuffer(buffer);
    expect(takeArenaBuffer(8192)).not.toBe(buffer);
    const again = takeArenaBuffer(4096);
    expect(again).toBe(buffer);
    expect(new Uint8Array(again).every((b) => b === 0)).toBe(true);
    expect(takeArenaBuffer(4096)).not.toBe(buffer); // taken once only
  });

  it("keeps no more than its budget, dropping the oldest", () => {
    emptyArenaPool();
    const size = ARENA_POOL_BYTES / 4;
    const buffers = Array.from({ length: 5 }, () => new ArrayBuffer(size));
    for (const buffer of buffers) recycleArenaBuffer(buffer);
    recycleArenaBuffer(buffers[4]); // twice is once
    expect(arenaPoolSize()).toEqual({ buffers: 4, bytes: ARENA_POOL_BYTES });
    expect(takeArenaBuffer(size)).toBe(buffers[4]);
    recycleArenaBuffer(new ArrayBuffer(ARENA_POOL_BYTES + 16));
    expect(arenaPoolSize().buffers).toBe(3);
  });

  it("a race gives its lanes' arenas back, and the next race gives the same figures", () => {
    emptyArenaPool();
    const trace = generateWorkload("larson", { seed: 5, ops: 4000 });
    const options = { allocators: ["bump", "freelist", "tlsf"] satisfies AllocatorName[], arenaBytes: 1 << 20, ticks: 8 };
    const first = race(trace, options);
    expect(arenaPoolSize().buffers).toBe(3);
    const second = race(trace, options);
    expect(second).toEqual(first);
  });

  it("a race does not recycle allocators someone else may still hold", () => {
    emptyArenaPool();
    const trace = generateWorkload("larson", { seed: 5, ops: 2000 });
    race(trace, { allocators: ["bump"], arenaBytes: 1 << 20, ticks: 2, onFinish: () => undefined });
    race(trace, { lanes: [{ allocator: "bump", create: (options) => createAllocator("bump", options) }], arenaBytes: 1 << 20, ticks: 2 });
    expect(arenaPoolSize().buffers).toBe(0);
  });
});
