// The comparison the TLSF strategy page makes: TLSF with each second-level count, and with 32 and
// the own-list-first search, against the free list's best fit in address order (the placement
// closest to an exact best fit) and the segregated fit, on the same trace. Shared by the page's
// loader (sample traces) and bench/tlsf-fit.ts (any directory of traces, e.g. the CS:APP
// malloc-lab set).

import type { LaneSpec } from "../race/race.js";

export const TLSF_FIT_LANES: readonly LaneSpec[] = [
  { allocator: "tlsf", label: "tlsf 32", options: { secondLevel: 32 } },
  { allocator: "tlsf", label: "tlsf 16", options: { secondLevel: 16 } },
  { allocator: "tlsf", label: "tlsf 8", options: { secondLevel: 8 } },
  { allocator: "tlsf", label: "tlsf 32 own list first", options: { secondLevel: 32, search: "own-list-first" } },
  { allocator: "freelist", label: "freelist best/address", options: { placement: "best", order: "address" } },
  { allocator: "freelist", label: "freelist first/lifo", options: { placement: "first", order: "lifo" } },
  { allocator: "segfit", label: "segfit", options: {} },
];
