// The bare replay: a trace through one allocator with no shadow, ticks or probes histograms —
// the reference the race engine's bookkeeping is measured against, and the loop the allocator
// benchmark times. Failed mallocs leave the id not live, as in the race.
import type { Allocator } from "../allocators/types.js";
import type { Trace } from "../trace/types.js";

export function replayBare(allocator: Allocator, trace: Trace, addrById: Int32Array): number {
  const { op, id, size } = trace;
  // Read once, as the C loop reads its `count`: re-reading trace.length every iteration costs a
  // map check and a load per op that bench/native/replay.c does not pay.
  const count = trace.length;
  addrById.fill(-1);
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const o = op[i];
    const slot = id[i];
    if (o === 0) {
      const addr = allocator.malloc(size[i]);
      if (addr < 0) failures++;
      addrById[slot] = addr;
    } else if (o === 1) {
      const addr = addrById[slot];
      if (addr >= 0) allocator.free(addr);
      addrById[slot] = -1;
    } else {
      const addr = addrById[slot];
      if (addr < 0) continue;
      const moved = allocator.realloc(addr, size[i]);
      if (moved < 0) failures++; else addrById[slot] = moved;
    }
  }
  return failures;
}
