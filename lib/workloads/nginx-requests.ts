// nginx_requests — an nginx worker serving keep-alive HTTP traffic, one event at a time.
//
// Mix:
//   8 requests in flight (knob), one per connection slot; each event advances one random slot
//   a request allocates 6–35 blocks in bursts of 1–4, then frees all of them at once, newest
//   first, when it ends (ngx_destroy_pool); its blocks:
//     the request pool 4 KiB, the header buffer 1 KiB, then per block:
//     80 % headers and strings  16–512 B (log-normal, median 64 B)
//     20 % buffers              4 KiB 50 %, 8 KiB 30 %, 16 KiB 15 %, 32 KiB 5 %
//   a connection lives for 1 request or more, 6 on average (exponential); it holds a 512 B pool,
//   and 1 in 4 is TLS, with a 6 KiB session object and a 16 KiB record buffer
//   every size is capped at arenaBytes / 64
// Measured over 200k ops in 2 MiB: 50 % malloc, 50 % free, no realloc; frees come in runs of
// 23 on average, and connection blocks are ≈ 1.5 % of allocations.
//
// nginx serves small allocations from its pools; we treat every pool allocation as its own
// malloc, which is what a build with NGX_DEBUG_PALLOC does, so the allocator sees the whole burst.

import { randomExponential, randomLogNormal } from "d3-random";
import { TraceBuilder, type Trace } from "../trace/types.js";
import { LiveSet } from "./live-set.js";
import { clampSize, setUpWorkload, type IntegerKnobSpec, type WorkloadOptions } from "./options.js";

export const NGINX_REQUESTS_KNOBS: readonly IntegerKnobSpec[] = [
  { name: "concurrency", label: "Requests in flight", kind: "integer", min: 1, max: 64, default: 8,
    help: "Connection slots served at once; each holds one connection and its current request." },
];

const REQUEST_POOL_BYTES = 4096;
const HEADER_BUFFER_BYTES = 1024;
const CONNECTION_POOL_BYTES = 512;
const TLS_SESSION_BYTES = 6144;
const TLS_BUFFER_BYTES = 16384;
const TLS_SHARE = 0.25;
const MEAN_REQUESTS_PER_CONNECTION = 6;
const MAX_REQUEST_BLOCKS = 35;
const MAX_CONNECTION_BLOCKS = 3;
const BUFFER_SHARE = 0.2;

const PHASE_CONNECT = 0;
const PHASE_REQUEST = 1;

export function generateNginxRequests(options: WorkloadOptions): Trace {
  const { ops, arenaBytes, budget, random, knobs } = setUpWorkload("nginx_requests", options, NGINX_REQUESTS_KNOBS);
  const slots = knobs.concurrency;
  const maxBlock = arenaBytes / 64;
  const headerSize = randomLogNormal.source(random)(Math.log(64), 0.8);
  const exponential = randomExponential.source(random)(1);

  const trace = new TraceBuilder();
  const live = new LiveSet();
  const phase = new Uint8Array(slots); // PHASE_CONNECT: the slot has no connection yet
  const requestsLeft = new Int32Array(slots);
  const planned = new Int32Array(slots);
  const requestBlocks = new Int32Array(slots * MAX_REQUEST_BLOCKS);
  const requestCount = new Int32Array(slots);
  const connectionBlocks = new Int32Array(slots * MAX_CONNECTION_BLOCKS);
  const connectionCount = new Int32Array(slots);
  let nextId = 0;

  /** Mallocs a block when ops and the live budget allow; returns its id, or -1. */
  const allocate = (size: number): number => {
    const bytes = Math.min(size, maxBlock);
    if (trace.length === ops || live.bytes + bytes > budget) return -1;
    trace.malloc(nextId, bytes);
    live.add(nextId, bytes);
    return nextId++;
  };

  const release = (id: number): boolean => {
    if (trace.length === ops) return false;
    trace.free(id);
    live.remove(id);
    return true;
  };

  const drawRequestBlock = (index: number): number => {
    if (index === 0) return REQUEST_POOL_BYTES;
    if (index === 1) return HEADER_BUFFER_BYTES;
    if (random() >= BUFFER_SHARE) return clampSize(headerSize(), 16, 512);
    const u = random();
    return u < 0.5 ? 4096 : u < 0.8 ? 8192 : u < 0.95 ? 16384 : 32768;
  };

  const openConnection = (slot: number): void => {
    const base = slot * MAX_CONNECTION_BLOCKS;
    const pool = allocate(CONNECTION_POOL_BYTES);
    if (pool < 0) return; // no room yet: the connection waits in the accept queue
    connectionBlocks[base] = pool;
    connectionCount[slot] = 1;
    if (random() < TLS_SHARE) {
      holdForConnection(slot, allocate(TLS_SESSION_BYTES));
      holdForConnection(slot, allocate(TLS_BUFFER_BYTES));
    }
    requestsLeft[slot] = 1 + Math.round(exponential() * (MEAN_REQUESTS_PER_CONNECTION - 1));
    phase[slot] = PHASE_REQUEST;
    beginRequest(slot);
  };

  const holdForConnection = (slot: number, id: number): void => {
    if (id >= 0) connectionBlocks[slot * MAX_CONNECTION_BLOCKS + connectionCount[slot]++] = id;
  };

  const beginRequest = (slot: number): void => {
    requestCount[slot] = 0;
    planned[slot] = 6 + Math.floor(random() * (MAX_REQUEST_BLOCKS - 5));
  };

  /** One event of a request in progress: read and parse more, or send the response and finish. */
  const advanceRequest = (slot: number): void => {
    if (requestCount[slot] < planned[slot]) {
      allocateBurst(slot);
    } else {
      finishRequest(slot);
    }
  };

  const allocateBurst = (slot: number): void => {
    const base = slot * MAX_REQUEST_BLOCKS;
    const burst = 1 + Math.floor(random() * 4);
    for (let k = 0; k < burst && requestCount[slot] < planned[slot]; k++) {
      const id = allocate(drawRequestBlock(requestCount[slot]));
      if (id < 0) {
        planned[slot] = requestCount[slot]; // out of memory budget: the request ends with what it has
        return;
      }
      requestBlocks[base + requestCount[slot]++] = id;
    }
  };

  // Counterpart of allocateBurst: the pool goes in one go, newest block first.
  const finishRequest = (slot: number): void => {
    const base = slot * MAX_REQUEST_BLOCKS;
    while (requestCount[slot] > 0) {
      if (!release(requestBlocks[base + requestCount[slot] - 1])) return;
      requestCount[slot]--;
    }
    if (--requestsLeft[slot] > 0) {
      beginRequest(slot);
    } else {
      closeConnection(slot);
    }
  };

  const closeConnection = (slot: number): void => {
    const base = slot * MAX_CONNECTION_BLOCKS;
    while (connectionCount[slot] > 0) {
      if (!release(connectionBlocks[base + connectionCount[slot] - 1])) return;
      connectionCount[slot]--;
    }
    phase[slot] = PHASE_CONNECT;
  };

  while (trace.length < ops) {
    const slot = Math.floor(random() * slots);
    if (phase[slot] === PHASE_CONNECT) openConnection(slot);
    else advanceRequest(slot);
  }
  return trace.build("nginx_requests");
}
