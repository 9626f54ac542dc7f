// When the race page needs every tick of a build-time race: the first load shows only the last
// tick (one small table), and the rest — every tick's figures and heat maps, a few MB — is fetched
// once the reader asks for another tick (scrubbing, the step buttons, play) or scrolls to the
// charts over time. Resolves at once when the page opens at another tick.
import { whenNearView, type NearView } from "../core/in-view.js";

export interface Wanted {
  promise: Promise<void>;
  /**
   * Starts watching the charts' place on the page. Call it once the first view is in the page:
   * before that the page is short and everything below the heat maps sits in the viewport.
   */
  watchCharts(): void;
  dispose(): void;
}

export function whenEveryTickWanted(scrubber: HTMLElement & { value: number }, charts: Element, lastTick: number): Wanted {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  let settled = false;
  const onInput = () => { if (scrubber.value !== lastTick) done(); };
  let chartsSeen: NearView | null = null;
  function dispose(): void {
    scrubber.removeEventListener("input", onInput);
    chartsSeen?.dispose();
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
      if (settled || chartsSeen) return;
      chartsSeen = whenNearView(charts);
      chartsSeen.promise.then(done);
    },
    dispose,
  };
}
