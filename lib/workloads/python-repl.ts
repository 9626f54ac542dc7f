// python_repl — a CPython interactive session: heavy churn of small objects.
//
// Mix, per allocation event (a malloc, or a realloc that grows a list or string):
//   92 %    small objects 16–96 B: float 24 B, int 28/32 B, str 49–96 B, tuple 48–96 B, others 16–72 B
//             lifetimes: 90 % temporaries (exponential, mean 6 ops), 8 % locals (mean 400 ops),
//             2 % never freed (module globals, interned names), up to an eighth of the budget
//    5 %    medium 97 B–1 KiB (dict tables, small list storage), mean lifetime 150 ops
//    1.5 %  large 1 KiB–64 KiB, log-uniform (big strings, bytes, list copies), mean lifetime 400 ops
//    1.5 %  growth: up to 3 lists and strings grow at once, each by one realloc per event —
//             lists by CPython's list_resize over-allocation (capacity + capacity / 8 + 6) to
//             64–8192 items, strings by appended 32–512 B pieces to 1–16 KiB; a grown object
//             lives 300 ops on average
//   every size is capped at 64 KiB and at a sixteenth of the live budget
// A free happens on the first op at or after a block's death; frees take precedence over new
// allocations, so op shares settle by themselves: ≈ 50 % malloc, 49 % free, 0.7 % realloc (a
// growth event that would pass its target retires the grower instead of reallocating).

import { randomExponential } from "d3-random";
import { TraceBuilder, type Trace } from "../trace/types.js";
import { DeathQueue } from "./death-queue.js";
import { LiveSet } from "./live-set.js";
import { logUniformInt, setUpWorkload, type IntegerKnobSpec, type WorkloadOptions } from "./options.js";

export const PYTHON_REPL_KNOBS: readonly IntegerKnobSpec[] = [];

const SMALL_SHARE = 0.92;
const MEDIUM_SHARE = 0.05;
const LARGE_SHARE = 0.015;
const TEMPORARY_SHARE = 0.9;
const IMMORTAL_SHARE = 0.02;
const MAX_GROWERS = 3;
const GROWER_START_CHANCE = 0.04;
const LIST_ITEM_BYTES = 8;
const LIST_START_CAPACITY = 16;
const MAX_BLOCK = 65536;

export function generatePythonRepl(options: WorkloadOptions): Trace {
  const { ops, budget, random } = setUpWorkload("python_repl", options, PYTHON_REPL_KNOBS);
  const maxBlock = Math.min(MAX_BLOCK, Math.floor(budget / 16)); // ≥ 2 KiB, as the arena is ≥ 64 KiB
  const immortalBudget = budget / 8;
  const exponential = randomExponential.source(random)(1);
  const lifetime = (mean: number) => 1 + Math.floor(exponential() * mean);

  const trace = new TraceBuilder();
  const live = new LiveSet();
  const deaths = new DeathQueue();
  // Objects being grown: their id, what they are (list or string) and the size they grow to.
  const growerId = new Int32Array(MAX_GROWERS);
  const growerIsList = new Uint8Array(MAX_GROWERS);
  const growerTarget = new Int32Array(MAX_GROWERS);
  let growers = 0;
  let immortalBytes = 0;
  let nextId = 0;

  const drawSmallSize = (): number => {
    const u = random();
    if (u < 0.12) return 24;                                  // float
    if (u < 0.34) return 28;                                  // int below 2^30
    if (u < 0.40) return 32;                                  // int below 2^60
    if (u < 0.66) return 49 + Math.floor(random() * 48);      // short str
    if (u < 0.86) return 48 + 8 * Math.floor(random() * 7);  // tuple of 1–7 items
    return 16 + 8 * Math.floor(random() * 8);                 // cells, iterators, bound methods
  };

  const smallLifetime = (size: number): number => {
    const u = random();
    if (u < TEMPORARY_SHARE) return lifetime(6);
    if (u < 1 - IMMORTAL_SHARE || immortalBytes + size > immortalBudget) return lifetime(400);
    immortalBytes += size;
    return Infinity;
  };

  /** True when `size` more live bytes fit; otherwise spends this op on a collection (the block due first goes early) and says false. */
  const collectFor = (size: number): boolean => {
    if (live.bytes + size <= budget) return true;
    if (deaths.count > 0) freeBlock(deaths.pop());
    else if (growers > 0) freeBlock(finishGrower(0, false));
    return false;
  };

  const freeBlock = (id: number): void => {
    trace.free(id);
    live.remove(id);
  };

  const allocate = (size: number, life: number): void => {
    if (!collectFor(size)) return;
    trace.malloc(nextId, size);
    live.add(nextId, size);
    if (life !== Infinity) deaths.push(nextId, trace.length + life);
    nextId++;
  };

  const startGrower = (): void => {
    const isList = random() < 0.5;
    const size = isList ? LIST_START_CAPACITY * LIST_ITEM_BYTES : logUniformInt(random, 128, 256);
    const target = isList
      ? Math.min(maxBlock, LIST_ITEM_BYTES * logUniformInt(random, 64, 8192))
      : Math.min(maxBlock, logUniformInt(random, 1024, 16384));
    if (!collectFor(size)) return;
    trace.malloc(nextId, size);
    live.add(nextId, size);
    growerId[growers] = nextId++;
    growerIsList[growers] = isList ? 1 : 0;
    growerTarget[growers] = target;
    growers++;
  };

  /** One append that outgrew the allocation: realloc to the next size, or retire the grower at its target. */
  const growOne = (): void => {
    const g = Math.floor(random() * growers);
    const id = growerId[g];
    const size = live.sizeOf(id);
    const next = growerIsList[g] ? LIST_ITEM_BYTES * nextListCapacity(size / LIST_ITEM_BYTES) : size + logUniformInt(random, 32, 512);
    if (next > growerTarget[g] || live.bytes + next - size > budget) {
      finishGrower(g, true);
      return;
    }
    trace.realloc(id, next);
    live.resize(id, next);
  };

  // Counterpart of startGrower: the grown object joins the ordinary dead-when-due blocks.
  const finishGrower = (g: number, schedule: boolean): number => {
    const id = growerId[g];
    growers--;
    growerId[g] = growerId[growers];
    growerIsList[g] = growerIsList[growers];
    growerTarget[g] = growerTarget[growers];
    if (schedule) deaths.push(id, trace.length + lifetime(300));
    return id;
  };

  while (trace.length < ops) {
    if (deaths.count > 0 && deaths.peekDue() <= trace.length) {
      freeBlock(deaths.pop());
      continue;
    }
    const u = random();
    if (u < SMALL_SHARE) {
      const size = drawSmallSize();
      allocate(size, smallLifetime(size));
    } else if (u < SMALL_SHARE + MEDIUM_SHARE) {
      allocate(logUniformInt(random, 97, 1024), lifetime(150));
    } else if (u < SMALL_SHARE + MEDIUM_SHARE + LARGE_SHARE) {
      allocate(logUniformInt(random, 1025, maxBlock), lifetime(400));
    } else if (growers === 0 || (growers < MAX_GROWERS && random() < GROWER_START_CHANCE)) {
      startGrower();
    } else {
      growOne();
    }
  }
  return trace.build("python_repl");
}

/** CPython's list_resize: room for one more item plus an eighth, rounded down to a multiple of 4. */
function nextListCapacity(capacity: number): number {
  const wanted = capacity + 1;
  return (wanted + (wanted >> 3) + 6) & ~3;
}
