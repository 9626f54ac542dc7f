// redis_cache — redis-server used as a cache under memory pressure.
//
// Mix, per command:
//   20 %  DEL or expiry: free the value of a random live key
//   80 %  SET of a key drawn uniformly from a key space of 1.5 × maxmemory / mean value keys:
//           key absent → malloc a new value;  key present → realloc the value to its new size
//   value sizes: log-normal, median 64 B and σ = 1.0 (knobs), clamped to [1, arenaBytes / 64]
//   maxmemory: 40 % of the arena (knob); a SET that would push live bytes past it first evicts
//   uniformly random keys, one free each (allkeys-random)
// Measured over 200k ops in 2 MiB: ≈ 28 % malloc, 24 % free (20 % DEL/expiry + 4 % eviction),
// 48 % realloc; live bytes reach maxmemory after ~30k ops and stay there.
//
// Why this shape: a cache is sized below its working set, so it lives at maxmemory. With uniform
// keys an unconstrained cache would settle where new-key SETs (0.8 × absent share) balance DELs
// (0.2), i.e. with 75 % of the key space present — 1.125 × maxmemory — so eviction keeps running.
// Redis's default policies sample a few keys and evict the least recently used of the sample (an
// approximated LRU); under uniform access every key is equally stale, so that and allkeys-random
// pick the same victims in distribution, and random is what we model. A plain SET on a present key
// swaps value objects; we fold that into one realloc, which is what APPEND and SETRANGE do.

import { randomLogNormal } from "d3-random";
import { TraceBuilder, type Trace } from "../trace/types.js";
import { LiveSet } from "./live-set.js";
import { clampSize, setUpWorkload, type IntegerKnobSpec, type WorkloadOptions } from "./options.js";

export const REDIS_CACHE_KNOBS: readonly IntegerKnobSpec[] = [
  { name: "medianBytes", label: "Median value size (bytes)", kind: "integer", min: 1, max: 65536, default: 64,
    help: "The median of the log-normal value sizes." },
  { name: "sigmaPercent", label: "Size spread σ (× 100)", kind: "integer", min: 10, max: 300, default: 100,
    help: "The σ of the log-normal value sizes, in hundredths: 100 means σ = 1, so a tenth of values exceed 3.6 × the median." },
  { name: "maxmemoryPercent", label: "maxmemory (% of arena)", kind: "integer", min: 5, max: 50, default: 40,
    help: "Live bytes at which SETs start evicting random keys, as redis does under maxmemory-policy allkeys-random." },
];

const DELETE_SHARE = 0.2;
const KEY_SPACE_FACTOR = 1.5;

export function generateRedisCache(options: WorkloadOptions): Trace {
  const { ops, arenaBytes, random, knobs } = setUpWorkload("redis_cache", options, REDIS_CACHE_KNOBS);
  const maxmemory = Math.floor((arenaBytes * knobs.maxmemoryPercent) / 100);
  const maxValue = arenaBytes / 64;
  const sigma = knobs.sigmaPercent / 100;
  const logNormal = randomLogNormal.source(random)(Math.log(knobs.medianBytes), sigma);
  const meanValue = Math.min(knobs.medianBytes * Math.exp((sigma * sigma) / 2), maxValue);
  const keySpace = Math.max(1, Math.min(ops, Math.ceil((KEY_SPACE_FACTOR * maxmemory) / meanValue)));

  const trace = new TraceBuilder();
  const keys = new LiveSet(); // present keys, sized by their value's requested bytes
  const valueOf = new Int32Array(keySpace); // key → trace id of its value, while the key is present
  let nextId = 0;

  const deleteKey = (key: number): void => {
    trace.free(valueOf[key]);
    keys.remove(key);
  };

  /** Frees random keys other than `key` until `size` more bytes fit under maxmemory; false when out of ops. */
  const evictFor = (key: number, size: number): boolean => {
    const present = keys.has(key) ? keys.sizeOf(key) : 0;
    while (keys.bytes - present + size > maxmemory) {
      if (trace.length === ops) return false;
      const victim = keys.pick(random);
      if (victim !== key) deleteKey(victim);
    }
    return trace.length < ops;
  };

  const setKey = (key: number, size: number): void => {
    if (keys.has(key)) {
      trace.realloc(valueOf[key], size);
      keys.resize(key, size);
    } else {
      valueOf[key] = nextId;
      trace.malloc(nextId++, size);
      keys.add(key, size);
    }
  };

  while (trace.length < ops) {
    if (keys.count > 0 && random() < DELETE_SHARE) {
      deleteKey(keys.pick(random));
      continue;
    }
    const key = Math.floor(random() * keySpace);
    const size = clampSize(logNormal(), 1, maxValue);
    if (evictFor(key, size)) setKey(key, size);
  }
  return trace.build("redis_cache");
}
