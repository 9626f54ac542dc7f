// When the race page needs every tick of a build-time race: the first load shows only the last
// tick (one small table), and the rest — every tick's figures and heat maps, a few MB — is fetched
// once the reader asks for another tick (scrubbing, the step buttons, play) or scrolls to the
// charts over time. Resolves at once when the page opens at another tick.
export interface Wanted {
  promise: Promise<void>;
  /**
   * Starts watching the charts' place on the page. Call it once the first view is painted: before
   * that the page is short and everything below the heat maps sits in the viewport for a moment.
   */
  watchCharts(): void;
  dispose(): void;
}

export function whenEveryTickWanted(scrubber: HTMLElement & { value: number }, charts: Element, lastTick: number): Wanted {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  let settled = false;
  const onInput = () => { if (scrubber.value !== lastTick) done(); };
  const observer = typeof IntersectionObserver === "function"
    ? new IntersectionObserver((entries) => { if (entries.some((entry) => entry.isIntersecting)) done(); })
    : null;
  function dispose(): void {
    scrubber.removeEventListener("input", onInput);
    observer?.disconnect();
  }
  function done(): void {
    if (settled) return;
    settled = true;
    dispose();
    resolve();
  }
  if (scrubber.value !== lastTick) done();
  else scrubber.addEventListener("input", onInput);
  return {
    promise,
    watchCharts() {
      if (settled) return;
      if (observer) observer.observe(charts);
      else done(); // no way to tell what is on screen: load it all
    },
    dispose,
  };
}
