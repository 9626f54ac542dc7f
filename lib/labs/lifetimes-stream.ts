// The lifetimes lab's stream: request-scoped objects that die together at the end of each request,
// mixed with long-lived ones that outlive it. The lab itself is in lifetimes.ts.

import { integerKnob, type KnobSpec } from "../knobs.js";
import { TraceBuilder, type Trace } from "../trace/types.js";
import { logUniformInt } from "../workloads/options.js";
import { randomLcg } from "d3-random";

// ---------------------------------------------------------------------------------------------
// The stream

export const LIFETIME_STREAM_KNOBS: readonly KnobSpec[] = [
  { name: "requests", label: "Requests", kind: "integer", min: 10, max: 4000, default: 1200,
    help: "How many requests the server handles over the whole stream." },
  { name: "objectsPerRequest", label: "Objects per request", kind: "integer", min: 2, max: 64, default: 10,
    help: "The average number of short-lived objects a request allocates (uniform in ½× to 1½× this)." },
  { name: "concurrency", label: "Requests in flight", kind: "integer", min: 1, max: 32, default: 4,
    help: "How many requests run at once; their allocations interleave." },
  { name: "pinEvery", label: "One long-lived object every … requests (0: none)", kind: "integer", min: 0, max: 1000, default: 25,
    help: "Every n-th request also allocates an object that outlives it. 0: no request does." },
  { name: "pinLifetime", label: "Long-lived object lives … requests (0: forever)", kind: "integer", min: 0, max: 4000, default: 0,
    help: "How many later requests complete before a long-lived object is freed. 0: it is never freed." },
];

export interface LifetimeStreamOptions {
  seed: number;
  requests?: number;
  objectsPerRequest?: number;
  concurrency?: number;
  pinEvery?: number;
  pinLifetime?: number;
}

export interface LifetimeStream {
  trace: Trace;
  /** For the n-th malloc of the trace: the request it was made for. */
  regionOfMalloc: Int32Array;
  /** For the n-th malloc: 1 when the object outlives its request. */
  longLivedOfMalloc: Uint8Array;
  requests: number;
  /** Long-lived objects allocated, and how many of them were still live at the end. */
  longLived: number;
  longLivedAtEnd: number;
}

/** Short-lived request objects: headers, strings, small buffers. */
export const REQUEST_OBJECT_MIN = 16;
export const REQUEST_OBJECT_MAX = 512;
/** The object that outlives its request: a cache entry or a session record. */
export const LONG_LIVED_MIN = 32;
export const LONG_LIVED_MAX = 256;

function streamKnob(options: LifetimeStreamOptions, name: keyof LifetimeStreamOptions): number {
  const spec = LIFETIME_STREAM_KNOBS.find((knob) => knob.name === name)!;
  if (spec.kind !== "integer") throw new Error(`knob ${name} is not an integer`);
  return integerKnob(options as unknown as Record<string, unknown>, name, spec.min, spec.max, spec.default);
}

export function lifetimeStream(options: LifetimeStreamOptions): LifetimeStream {
  const seed = options.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`invalid seed: ${String(seed)} (must be an integer from 0 to 4294967295)`);
  const requests = streamKnob(options, "requests");
  const meanObjects = streamKnob(options, "objectsPerRequest");
  const concurrency = streamKnob(options, "concurrency");
  const pinEvery = streamKnob(options, "pinEvery");
  const pinLifetime = streamKnob(options, "pinLifetime");
  const random = randomLcg(seed);

  const trace = new TraceBuilder();
  const regionOf: number[] = [];
  const longLivedOf: number[] = [];
  let nextId = 0;
  const malloc = (request: number, size: number, longLived: boolean): number => {
    const id = nextId++;
    trace.malloc(id, size);
    regionOf.push(request);
    longLivedOf.push(longLived ? 1 : 0);
    return id;
  };

  // One slot per request in flight: its request number, objects still to allocate, where its
  // long-lived object goes among them (-1: none) and the ids it allocated.
  const slotRequest = new Int32Array(concurrency).fill(-1);
  const slotRemaining = new Int32Array(concurrency);
  const slotPinAt = new Int32Array(concurrency);
  const slotObjects: number[][] = Array.from({ length: concurrency }, () => []);
  // Long-lived objects waiting to die: [id, number of completed requests at which it is freed].
  const pins: Array<[number, number]> = [];
  let started = 0, completed = 0, longLived = 0, inFlight = 0;
  const low = Math.max(1, Math.ceil(meanObjects / 2));
  const high = Math.max(low, Math.floor((3 * meanObjects) / 2));

  const start = (slot: number): void => {
    if (started === requests) { slotRequest[slot] = -1; return; }
    const request = started++;
    slotRequest[slot] = request;
    slotRemaining[slot] = low + Math.floor(random() * (high - low + 1));
    // Request 0 never pins, so pinEvery = 1 means every request and 25 means requests 24, 49, …
    slotPinAt[slot] = pinEvery > 0 && request % pinEvery === pinEvery - 1 ? Math.floor(random() * slotRemaining[slot]) : -1;
    slotObjects[slot].length = 0;
    inFlight++;
  };

  const finish = (slot: number): void => {
    for (const id of slotObjects[slot]) trace.free(id); // the request's pool is destroyed
    completed++;
    inFlight--;
    // Long-lived objects whose time has come, oldest first.
    while (pins.length > 0 && pins[0][1] <= completed) trace.free(pins.shift()![0]);
    start(slot);
  };

  for (let slot = 0; slot < concurrency; slot++) start(slot);
  while (inFlight > 0) {
    // Advance a random request in flight by one allocation, or finish it.
    let slot = Math.floor(random() * concurrency);
    while (slotRequest[slot] < 0) slot = (slot + 1) % concurrency;
    const request = slotRequest[slot];
    if (slotRemaining[slot] === 0) { finish(slot); continue; }
    if (slotPinAt[slot] === slotRemaining[slot] - 1) {
      const id = malloc(request, logUniformInt(random, LONG_LIVED_MIN, LONG_LIVED_MAX), true);
      longLived++;
      if (pinLifetime > 0) pins.push([id, completed + pinLifetime]);
    }
    slotObjects[slot].push(malloc(request, logUniformInt(random, REQUEST_OBJECT_MIN, REQUEST_OBJECT_MAX), false));
    slotRemaining[slot]--;
  }
  const longLivedAtEnd = pinLifetime > 0 ? pins.length : longLived;
  return {
    trace: trace.build(`lifetimes-${seed}`),
    regionOfMalloc: Int32Array.from(regionOf),
    longLivedOfMalloc: Uint8Array.from(longLivedOf),
    requests, longLived, longLivedAtEnd,
  };
}
