// Wall-clock sampling support. Reading a clock twice costs tens of nanoseconds — as much as many
// allocator operations — so a timed sample is corrected by the clock's own cost, measured here as
// the median gap between two back-to-back reads.

/** The median of `pairs` back-to-back clock differences, in the clock's unit. */
export function calibrateClockOverhead(clock: () => number, pairs = 20_000): number {
  const gaps = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) {
    const t0 = clock();
    gaps[i] = clock() - t0;
  }
  gaps.sort();
  return gaps[pairs >> 1];
}
