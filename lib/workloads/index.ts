// The workload registry: every generator by name, with what it imitates, its mix and its knobs, so
// the CLI, the pages and the race engine can list and run them without knowing any one of them.

import type { KnobSpec } from "../knobs.js";
import type { Trace } from "../trace/types.js";
import { ADVERSARIAL_KNOBS, generateAdversarial } from "./adversarial.js";
import { LARSON_KNOBS, generateLarson } from "./larson.js";
import { NGINX_REQUESTS_KNOBS, generateNginxRequests } from "./nginx-requests.js";
import type { WorkloadOptions } from "./options.js";
import { PYTHON_REPL_KNOBS, generatePythonRepl } from "./python-repl.js";
import { REDIS_CACHE_KNOBS, generateRedisCache } from "./redis-cache.js";

export { MAX_OPS, MAX_SEED, type WorkloadOptions } from "./options.js";

export type WorkloadName = "redis_cache" | "nginx_requests" | "python_repl" | "adversarial" | "larson";

export const WORKLOADS: readonly WorkloadName[] = ["redis_cache", "nginx_requests", "python_repl", "adversarial", "larson"];

export interface WorkloadInfo {
  readonly name: WorkloadName;
  readonly title: string;
  /** One sentence. */
  readonly summary: string;
  /** The production system it mimics, and how. */
  readonly imitates: string;
  /** The numbers of its mix, short. */
  readonly mix: string;
  readonly knobs: readonly KnobSpec[];
}

export const WORKLOAD_INFO: Readonly<Record<WorkloadName, WorkloadInfo>> = {
  redis_cache: {
    name: "redis_cache", title: "Redis cache", knobs: REDIS_CACHE_KNOBS,
    summary: "A key-value cache at its memory limit: log-normal values are set, overwritten in place, deleted and evicted at random.",
    imitates: "redis-server under maxmemory with the allkeys-random policy: SETs of absent keys malloc a value, SETs of present keys realloc it, DEL and expiry free it, and a SET that would cross maxmemory first evicts random keys (redis's default sampled LRU picks the same victims in distribution when access is uniform).",
    mix: "20 % DEL/expire, 80 % SET over a key space 1.5 × as large as maxmemory holds; values log-normal, median 64 B, σ 1; maxmemory 40 % of the arena; ≈ 28 % malloc, 24 % free, 48 % realloc",
  },
  nginx_requests: {
    name: "nginx_requests", title: "nginx requests", knobs: NGINX_REQUESTS_KNOBS,
    summary: "Requests in flight each allocate a burst of headers and buffers and free all of it when they end.",
    imitates: "an nginx worker's request pools built with NGX_DEBUG_PALLOC, so each pool allocation is a malloc: a 4 KiB request pool, a 1 KiB header buffer, headers and 4–32 KiB buffers, all destroyed together, on keep-alive connections that hold a 512 B pool and, for TLS, a 6 KiB session and 16 KiB buffer.",
    mix: "8 requests in flight; per request a 4 KiB pool, a 1 KiB header buffer and 4–33 blocks more, 80 % of them 16–512 B headers, 20 % 4–32 KiB buffers; 6 requests per connection on average, 1 in 4 TLS; 50 % malloc, 50 % free in bursts of ~23",
  },
  python_repl: {
    name: "python_repl", title: "Python REPL", knobs: PYTHON_REPL_KNOBS,
    summary: "Heavy churn of small, short-lived objects, with the odd large list or string growing by realloc.",
    imitates: "CPython's object allocations in an interactive session: floats, ints, short strings and tuples that die within a few ops, a few module-level objects that never die, dict tables, big strings, and lists grown with list_resize's over-allocation.",
    mix: "92 % of allocations 16–96 B (90 % of them live ~6 ops, 2 % forever), 5 % 97 B–1 KiB, 1.5 % 1–64 KiB, 1.5 % growth of lists and strings; ≈ 50 % malloc, 49 % free, 0.7 % realloc",
  },
  adversarial: {
    name: "adversarial", title: "Adversarial lattice", knobs: ADVERSARIAL_KNOBS,
    summary: "Rounds of a fragmentation lattice: small blocks, every other one freed, then requests larger than any hole.",
    imitates: "no production system: Robson's worst-case construction for allocators, in spirit — it defeats any allocator that cannot coalesce free neighbours, while one that can survives.",
    mix: "lattices of 16 B doubling each round to 1/64 of the lattice, 40 % of the live budget each; half freed, then growing requests from 2s + 16 B; ≈ 55 % malloc, 45 % free",
  },
  larson: {
    name: "larson", title: "Larson server", knobs: LARSON_KNOBS,
    summary: "A slot array in steady churn: each step frees a random slot and fills it with a block of random size.",
    imitates: "the Larson–Krishnan multithreaded server benchmark run on one thread: the same slot array and uniform sizes, without the handoff between threads.",
    mix: "1000 slots, sizes uniform in 8–1000 B; ≈ 50 % malloc, 50 % free, lifetimes geometric with mean 1000 steps",
  },
};

export function isWorkloadName(name: unknown): name is WorkloadName {
  return typeof name === "string" && (WORKLOADS as readonly string[]).includes(name);
}

/** A trace of exactly `options.ops` ops named after the workload; the same options give the same bytes. */
export function generateWorkload(name: WorkloadName, options: WorkloadOptions): Trace {
  switch (name) {
    case "redis_cache": return generateRedisCache(options);
    case "nginx_requests": return generateNginxRequests(options);
    case "python_repl": return generatePythonRepl(options);
    case "adversarial": return generateAdversarial(options);
    case "larson": return generateLarson(options);
    default:
      throw new RangeError(`unknown workload: ${JSON.stringify(name)} (must be one of ${WORKLOADS.join(", ")})`);
  }
}
