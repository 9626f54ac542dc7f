// Waiting for the reader to scroll near something, so that what is below the fold costs nothing
// until it is wanted: the trace page draws its charts over time this way, and the race page
// fetches every tick of a build-time race (race/when-wanted.ts).
export interface NearView {
  /** Resolves once the element is within the margin of the viewport; never rejects. */
  promise: Promise<void>;
  /** Stops watching; the promise then never resolves. */
  dispose(): void;
}

/**
 * Watches `element` until it comes within `margin` (a CSS length, as IntersectionObserver's
 * rootMargin takes it) of the viewport. The watching starts two frames later: a page that has
 * just put something above the element (a leaderboard, the first heat maps) has laid it out by
 * then, so a page still short for a moment does not count as the reader scrolling there. Where
 * IntersectionObserver is missing there is no way to tell what is on screen, so the promise
 * resolves at once: everything is drawn, as before.
 */
export function whenNearView(element: Element, margin = "0px"): NearView {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  if (typeof IntersectionObserver !== "function") {
    resolve();
    return { promise, dispose() {} };
  }
  let disposed = false;
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    resolve();
  }, { rootMargin: margin });
  requestAnimationFrame(() => requestAnimationFrame(() => { if (!disposed) observer.observe(element); }));
  return { promise, dispose: () => { disposed = true; observer.disconnect(); } };
}
