// The slab allocator's own checks: a long seeded random run across all classes that ends with
// every slab back in the pool, classes respected, oversize requests failing, slab reuse across
// classes; plus walk(), realloc, errors, knobs and stats.

import { describe, expect, it } from "vitest";
import { randomLcg } from "d3-random";
import { SlabAllocator, SLAB_BYTES, SLAB_CLASS_PRESETS, SLAB_KNOBS, slabLayoutOf } from "../../lib/allocators/slab.js";
import { censusOf } from "../../lib/arena.js";
import { heapErrorOf } from "../support/allocator-harness.js";

const ARENA = 64 * 1024;

type Visit = [start: number, bytes: number, payload: number, requested: number];

function walkOf(a: SlabAllocator): Visit[] {
  const visits: Visit[] = [];
  a.walk((start, bytes, payload, requested) => visits.push([start, bytes, payload, requested]));
  return visits;
}

/** The walk block whose payload is `addr`, skipping metadata regions (whose payload is their end). */
function blockAt(a: SlabAllocator, addr: number): Visit | undefined {
  return walkOf(a).find(([start, bytes, payload, requested]) => payload === addr && !(requested === 0 && payload === start + bytes));
}

const slabOf = (addr: number) => addr & -SLAB_BYTES;

describe("slab: random operations", () => {
  it("slab: 40k seeded random ops across all classes keep every invariant, and freeing everything returns every slab to the pool", () => {
    const arenaBytes = 256 * 1024; // small enough that the run also meets an exhausted arena
    const a = new SlabAllocator({ arenaBytes, largeThreshold: 0 });
    const classes = SLAB_CLASS_PRESETS.pow2;
    const random = randomLcg(0x5eed);
    const addrs: number[] = [];
    const sizes: number[] = [];
    const tags: number[] = [];
    let liveBytes = 0, failures = 0, oversize = 0, allocs = 0, frees = 0, reallocs = 0, tag = 0;

    const sizeFor = (): number => {
      if (random() < 0.02) {
        oversize++; // above every class: must fail
        return 2049 + Math.floor(random() * 4000);
      }
      const k = Math.floor(random() * classes.length);
      const low = k === 0 ? 0 : classes[k - 1] + 1;
      return low + Math.floor(random() * (classes[k] - low + 1));
    };
    // A tag at both ends of the requested bytes catches overlapping objects and lost copies.
    const stamp = (addr: number, size: number, value: number) => {
      if (size === 0) return;
      a.bytes[addr + size - 1] = value ^ 0x5a;
      a.bytes[addr] = value;
    };
    const verifyStamp = (i: number, length = sizes[i]) => {
      if (length === 0) return;
      expect(a.bytes[addrs[i]]).toBe(tags[i]);
      if (length === sizes[i] && length > 1) expect(a.bytes[addrs[i] + length - 1]).toBe(tags[i] ^ 0x5a);
    };

    for (let op = 0; op < 40_000; op++) {
      const roll = random();
      const pressure = addrs.length / 1500;
      if (roll < 0.55 - 0.3 * pressure || addrs.length === 0) {
        const size = sizeFor();
        const addr = a.malloc(size);
        if (addr === -1) {
          failures++;
          continue;
        }
        expect(addr % 16).toBe(0);
        tag = (tag + 1) & 255;
        stamp(addr, size, tag);
        addrs.push(addr); sizes.push(size); tags.push(tag);
        liveBytes += size;
        allocs++;
      } else if (roll < 0.85) {
        const i = Math.floor(random() * addrs.length);
        verifyStamp(i);
        a.free(addrs[i]);
        liveBytes -= sizes[i];
        frees++;
        addrs[i] = addrs[addrs.length - 1]; addrs.pop();
        sizes[i] = sizes[sizes.length - 1]; sizes.pop();
        tags[i] = tags[tags.length - 1]; tags.pop();
      } else {
        const i = Math.floor(random() * addrs.length);
        const size = sizeFor();
        const moved = a.realloc(addrs[i], size);
        if (size === 0) {
          // realloc(p, 0) frees p, as glibc does
          expect(moved).toBe(-1);
          liveBytes -= sizes[i];
          frees++;
          addrs[i] = addrs[addrs.length - 1]; addrs.pop();
          sizes[i] = sizes[sizes.length - 1]; sizes.pop();
          tags[i] = tags[tags.length - 1]; tags.pop();
          continue;
        }
        if (moved === -1) {
          failures++;
          verifyStamp(i);
          continue;
        }
        addrs[i] = moved;
        verifyStamp(i, Math.min(size, sizes[i]));
        liveBytes += size - sizes[i];
        sizes[i] = size;
        tag = (tag + 1) & 255;
        tags[i] = tag;
        stamp(moved, size, tag);
        reallocs++;
      }
      if (op % 250 === 249) {
        a.check();
        expect(a.stats.liveBytes).toBe(liveBytes);
      }
    }
    expect(a.stats).toMatchObject({ allocs, frees, reallocs, failures, liveBytes });
    expect(failures - oversize).toBeGreaterThan(0); // some requests met an exhausted arena
    expect(a.stats.highWater).toBe(arenaBytes);

    for (let i = 0; i < addrs.length; i++) {
      verifyStamp(i);
      a.free(addrs[i]);
    }
    a.check();
    expect(a.stats.liveBytes).toBe(0);
    const census = censusOf(a);
    expect(census).toMatchObject({ usedBytes: 0, headerBytes: 0, reservedBytes: 0, freeBytes: arenaBytes, fragmentation: 0 });
    expect(walkOf(a)).toEqual([[0, arenaBytes, 0, -1]]);
  });
});

describe("slab: classes", () => {
  it("slab: a request is served from the smallest class that holds it (malloc(17) uses 32 B under pow2)", () => {
    const a = new SlabAllocator({ arenaBytes: 2 * ARENA, largeThreshold: 0 });
    const cases: Array<[number, number]> = [[0, 16], [1, 16], [16, 16], [17, 32], [33, 64], [200, 256], [1025, 2048], [2048, 2048]];
    for (const [size, objectBytes] of cases) {
      const addr = a.malloc(size);
      expect(blockAt(a, addr)).toEqual([addr, objectBytes, addr, size]);
    }
    a.check();
  });

  it("slab: objects of one class sit side by side in one 16 KiB-aligned slab, after its header", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const first = a.malloc(20);
    const second = a.malloc(30);
    const other = a.malloc(60);
    expect(slabOf(first)).toBe(0);
    expect(first).toBe(slabLayoutOf(32).dataOffset);
    expect(second).toBe(first + 32);
    expect(slabOf(other)).toBe(SLAB_BYTES);
  });

  it("slab: a request above the largest class fails and counts a failure", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    expect(a.malloc(2049)).toBe(-1);
    expect(a.malloc(ARENA * 2)).toBe(-1);
    expect(a.stats).toMatchObject({ failures: 2, allocs: 0, highWater: 0 });
    const x = a.malloc(100);
    expect(a.realloc(x, 4096)).toBe(-1);
    expect(a.stats.failures).toBe(3);
  });

  it("slab: an explicit class list is used as given, up to 4096 B", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0, classes: [16, 4096] });
    expect(a.classes).toEqual([16, 4096]);
    const big = a.malloc(4096);
    expect(blockAt(a, big)).toEqual([big, 4096, big, 4096]);
    expect(blockAt(a, a.malloc(17))?.[1]).toBe(4096);
    expect(a.malloc(4097)).toBe(-1);
  });

  it("slab: the fine preset spaces classes by 1.5×", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0, classes: "fine" });
    expect(a.classes).toEqual([16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048]);
    const addr = a.malloc(40);
    expect(blockAt(a, addr)?.[1]).toBe(48);
    expect(new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0, classes: "coarse" }).classes).toEqual([16, 64, 256, 1024, 2048]);
  });

  it("slab: a fully freed slab goes back to the pool and is reused by another class", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const small = [a.malloc(16), a.malloc(16), a.malloc(16)];
    const keep = a.malloc(100);
    expect(slabOf(keep)).toBe(SLAB_BYTES);
    for (const addr of small) a.free(addr);
    expect(walkOf(a)[0]).toEqual([0, SLAB_BYTES, 0, -1]);
    const big = a.malloc(2048);
    expect(slabOf(big)).toBe(slabOf(small[0]));
    const fresh = a.malloc(16);
    expect(fresh).toBe(2 * SLAB_BYTES + slabLayoutOf(16).dataOffset); // the pool is empty again: carve
    a.check();
    for (const addr of [big, fresh, keep]) a.free(addr);
    expect(walkOf(a)).toEqual([[0, ARENA, 0, -1]]); // pooled slabs and the never-carved rest: one free block
    expect(slabOf(a.malloc(300))).toBe(slabOf(keep)); // the pool is LIFO: the slab freed last comes back first
    a.check();
  });


  it("slab: when every slab is in use by other classes, a new class fails", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    for (const size of [16, 32, 64, 128]) expect(a.malloc(size)).not.toBe(-1);
    expect(a.malloc(256)).toBe(-1);
    expect(a.malloc(100)).not.toBe(-1); // its class still has room
    expect(a.stats.failures).toBe(1);
  });

  it("slab: class layouts fit the most objects beside their own header", () => {
    // 48 fixed header bytes, then 1 bitmap bit and 2 requested-size bytes per object, rounded to 16.
    expect(slabLayoutOf(16)).toEqual({ objectBytes: 16, capacity: 901, dataOffset: 1968, tableOffset: 164, tailBytes: 0 });
    expect(slabLayoutOf(128)).toEqual({ objectBytes: 128, capacity: 125, dataOffset: 320, tableOffset: 64, tailBytes: 64 });
    expect(slabLayoutOf(2048)).toEqual({ objectBytes: 2048, capacity: 7, dataOffset: 80, tableOffset: 52, tailBytes: 1968 });
    for (const size of [...SLAB_CLASS_PRESETS.fine, 4096]) {
      const layout = slabLayoutOf(size);
      expect(layout.dataOffset + layout.capacity * size + layout.tailBytes).toBe(SLAB_BYTES);
      expect(layout.tailBytes + layout.dataOffset).toBeGreaterThan(0);
    }
  });
});

describe("slab: walk", () => {
  it("slab: walk shows headers and tails as metadata, objects with payload = start, free objects and unused space as free", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(100);
    const y = a.malloc(128);
    const z = a.malloc(1);
    a.free(x);
    expect([x, y, z]).toEqual([320, 448, SLAB_BYTES + 1968]);
    expect(walkOf(a)).toEqual([
      [0, 320, 320, 0],                    // header of the 128 B slab: metadata
      [320, 128, 320, -1],                 // a freed object
      [448, 128, 448, 128],                // a live object, no reserved bytes
      [576, 123 * 128, 576, -1],           // never handed out yet
      [16320, 64, SLAB_BYTES, 0],          // too small for another object: metadata
      [16384, 1968, 18352, 0],             // header of the 16 B slab
      [18352, 16, 18352, 1],               // 1 requested byte, 15 reserved
      [18368, 900 * 16, 18368, -1],
      [32768, 32768, 32768, -1],           // never carved
    ]);
    expect(censusOf(a)).toMatchObject({ usedBytes: 129, reservedBytes: 15, headerBytes: 320 + 64 + 1968 });
  });

  it("slab: an untouched arena walks as one free block", () => {
    expect(walkOf(new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 }))).toEqual([[0, ARENA, 0, -1]]);
  });
});

describe("slab: realloc", () => {
  it("slab: realloc within the same class stays in place", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(20);
    expect(a.realloc(x, 32)).toBe(x);
    expect(a.realloc(x, 17)).toBe(x);
    expect(blockAt(a, x)).toEqual([x, 32, x, 17]);
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 2, frees: 0, liveBytes: 17, peakLiveBytes: 32 });
  });

  it("slab: realloc to another class moves, copies the requested bytes and frees the old object", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(20);
    const neighbour = a.malloc(20);
    for (let i = 0; i < 20; i++) a.bytes[x + i] = i + 1;
    const moved = a.realloc(x, 33);
    expect(slabOf(moved)).toBe(SLAB_BYTES);
    expect(Array.from(a.bytes.subarray(moved, moved + 20))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(blockAt(a, x)).toEqual([x, 32, x, -1]);
    expect(a.stats).toMatchObject({ allocs: 2, reallocs: 1, frees: 0, liveBytes: 53 });
    expect(a.realloc(moved, 30)).toBe(x); // back to the 32 B class: its free list hands x out again
    a.free(neighbour);
    a.check();
  });

  it("slab: realloc(addr, 0) frees the object and returns -1; realloc(-1, n) is malloc(n)", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.realloc(-1, 100);
    expect(a.stats).toMatchObject({ allocs: 1, reallocs: 0 });
    expect(a.realloc(x, 0)).toBe(-1);
    expect(a.stats).toMatchObject({ allocs: 1, frees: 1, reallocs: 0, failures: 0, liveBytes: 0 });
    expect(heapErrorOf(() => a.free(x)).code).toBe("double-free");
    a.check();
  });

  it("slab: a realloc that cannot be served leaves the old object and its bytes intact", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    for (const size of [16, 32, 64]) a.malloc(size);
    const x = a.malloc(128);
    a.bytes.set([7, 7, 7], x);
    expect(a.realloc(x, 256)).toBe(-1); // no slab left for the 256 B class
    expect(a.realloc(x, 3000)).toBe(-1);
    expect(a.stats).toMatchObject({ failures: 2, reallocs: 0, liveBytes: 16 + 32 + 64 + 128 });
    expect(Array.from(a.bytes.subarray(x, x + 3))).toEqual([7, 7, 7]);
    a.check();
  });
});

describe("slab: errors", () => {
  it("slab: freeing twice throws double-free, found from the allocated bitmap, and changes nothing", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(40);
    a.malloc(40);
    a.free(x);
    const error = heapErrorOf(() => a.free(x));
    expect(error).toMatchObject({ code: "double-free", addr: x, message: "slab: double free(0x0240): the block is already free" });
    expect(heapErrorOf(() => a.realloc(x, 10)).code).toBe("double-free");
    expect(a.stats).toMatchObject({ frees: 1, liveBytes: 40 });
    a.check();
  });

  it("slab: freeing into a slab that went back to the pool throws double-free", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(40);
    a.free(x);
    expect(heapErrorOf(() => a.free(x)).code).toBe("double-free");
    expect(heapErrorOf(() => a.free(0)).code).toBe("invalid-free");
  });

  it("slab: addresses that are not objects throw invalid-free naming why", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0, classes: "fine" });
    const x = a.malloc(40); // 48 B class: its slabs end in a 32-byte tail
    const y = a.malloc(60); // 64 B class
    const cases: Array<[number, RegExp]> = [
      [x + 1, /not a 16-aligned address inside the arena/],
      [x + 16, /not the start of a 48-byte object/],
      [slabOf(x) + 32, /it is a slab header/],
      [x + 48, /never been handed out/],
      [slabOf(x) + SLAB_BYTES - 32, /unusable tail/],
      [slabOf(y) + 16, /it is a slab header/],
      [3 * SLAB_BYTES, /no slab has been carved there/],
      [ARENA, /not a 16-aligned address inside the arena/],
    ];
    for (const [addr, why] of cases) {
      const error = heapErrorOf(() => a.free(addr));
      expect(error.code).toBe("invalid-free");
      expect(error.message).toMatch(why);
    }
    expect(a.stats).toMatchObject({ frees: 0, liveBytes: 100 });
    a.check();
  });

  it("slab: free(-1) does nothing; bad sizes throw RangeError", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    a.free(-1);
    expect(a.stats.frees).toBe(0);
    expect(() => a.malloc(-3)).toThrow(/invalid size: -3/);
    expect(() => a.malloc(0.5)).toThrow(RangeError);
  });

  it("slab: check() names the broken invariant and its address", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    a.malloc(16);
    a.malloc(16);
    a.bytes[48] = 1; // clear object 1's allocated bit: bitmap word at byte 48, bits 0 and 1 set → 1
    expect(heapErrorOf(() => a.check()).message).toBe("slab: popcount(bitmap) 1 should equal live 2 at 0x0000");
    const b = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    b.malloc(16);
    b.bytes[0] ^= 1;
    expect(heapErrorOf(() => b.check())).toMatchObject({ code: "corrupt", message: "slab: header magic should equal SLAB_MAGIC ^ slab at 0x0000" });
    const c = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    c.malloc(16);
    c.bytes[32] = 32; // the header's copy of objectBytes
    expect(heapErrorOf(() => c.check()).message).toBe("slab: capacity, objectBytes, data, table and reciprocal should be those of the 16 B class at 0x0000");
    const d = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    d.free(d.malloc(16));
    d.bytes[48] = 4; // a stray bit in a pooled slab's bitmap
    expect(heapErrorOf(() => d.check()).message).toBe("slab: a pooled slab's bitmap word 0 should be zero at 0x0000");
  });
});

describe("slab: stats", () => {
  it("slab: probes count slab headers, free-list links and bitmap words", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(16);                         // header + bitmap (carved, not popped)
    expect(a.stats.probes).toBe(2);
    a.malloc(16);
    expect(a.stats.probes).toBe(4);
    a.free(x);                                      // header + bitmap
    expect(a.stats.probes).toBe(6);
    expect(a.malloc(16)).toBe(x);                   // header + free-list link + bitmap
    expect(a.stats.probes).toBe(9);
  });

  it("slab: highWater covers a new slab's header, and its tail when it has one", () => {
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0 });
    const x = a.malloc(16); // no tail: the header and the object count
    expect(a.stats.highWater).toBe(x + 16);
    a.malloc(32); // a 16-byte tail: the whole slab counts
    expect(a.stats.highWater).toBe(2 * SLAB_BYTES);
  });
});

describe("slab: knobs", () => {
  it("slab: classes is a choice of presets, default pow2", () => {
    expect(SLAB_KNOBS).toEqual([
      expect.objectContaining({ name: "classes", kind: "choice", choices: ["pow2", "fine", "coarse"], default: "pow2" }),
      expect.objectContaining({ name: "largeThreshold", kind: "integer", default: 2049 }),
      expect.objectContaining({ name: "slidingThreshold", kind: "boolean", default: false }),
    ]);
    expect(new SlabAllocator().classes).toEqual([16, 32, 64, 128, 256, 512, 1024, 2048]);
    expect(Object.isFrozen(SLAB_CLASS_PRESETS.pow2)).toBe(true);
  });

  it("slab: invalid class lists throw RangeError quoting the value", () => {
    const bad: unknown[] = ["huge", "POW2", [], [24], [32, 16], [16, 16], [16, 8192], [0, 16], [16.5], ["16"], 42, null,
      Array.from({ length: 17 }, (_, i) => 16 * (i + 1))];
    for (const classes of bad) {
      expect(() => new SlabAllocator({ classes })).toThrow(RangeError);
      expect(() => new SlabAllocator({ classes })).toThrow(`invalid classes: ${JSON.stringify(classes)} (must be one of pow2, fine, coarse`);
    }
    expect(() => new SlabAllocator({ sizes: "pow2" })).toThrow(/unknown option for slab: "sizes"/);
  });

  it("slab: an explicit class list is copied, so later changes to the caller's array do not matter", () => {
    const list = [16, 64];
    const a = new SlabAllocator({ arenaBytes: ARENA, largeThreshold: 0, classes: list });
    list[1] = 2048;
    expect(a.classes).toEqual([16, 64]);
    expect(a.malloc(100)).toBe(-1);
  });
});
