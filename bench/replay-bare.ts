// The bare replay: a trace through one allocator with no shadow, ticks or probes histograms —
// the reference the race engine's bookkeeping is measured against, and the loop the allocator
// benchmark times. Failed mallocs leave the id not live, as in the race.
import type { Allocator } from "../lib/allocators/types.js";
import type { Trace } from "../lib/trace/types.js";

export function replayBare(allocator: Allocator, trace: Trace, addrById: Int32Array): number {
  const { op, id, size } = trace;
  addrById.fill(-1);
  let failures = 0;
  for (let i = 0; i < trace.length; i++) {
    const o = op[i];
    if (o === 0) {
      const addr = allocator.malloc(size[i]);
      if (addr < 0) failures++;
      addrById[id[i]] = addr;
    } else if (o === 1) {
      const addr = addrById[id[i]];
      if (addr >= 0) allocator.free(addr);
      addrById[id[i]] = -1;
    } else {
      const addr = addrById[id[i]];
      if (addr < 0) continue;
      const moved = allocator.realloc(addr, size[i]);
      if (moved < 0) failures++; else addrById[id[i]] = moved;
    }
  }
  return failures;
}
