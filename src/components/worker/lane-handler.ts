// What a lane worker does with each message, kept free of the worker API so that Node tests run the
// same code (lane-worker.ts is only the wiring): warm up, race the lanes it is given, and, after a
// preview, hold the rest of the race until the page says the preview is on screen.
//
// Why hold: on two cores, the two lane workers racing the rest of a live re-run take both while the
// main thread handles the preview, draws six heat maps and the browser paints them, which then wait
// for a core. Held until the page has painted (or PREVIEW_HOLD_MAX_MS, for a page that never says,
// such as a hidden tab with no frames), a 6 × 20k re-run's first frame came 4–5 ms sooner (28.8 →
// 24.6 ms, median of 42; bench/README "Issue 11, seventh pass"), and the race ended ~7 ms later.
import { raceLanes } from "./lane-race.js";
import { warmUpLanes } from "./warm-up.js";
import type { LaneReply, LaneRequest } from "./lane-protocol.js";

/** The longest a race waits after its preview for the page to say it is painted. */
export const PREVIEW_HOLD_MAX_MS = 40;

type Post = (reply: LaneReply, transfer?: Transferable[]) => void;

interface Held { id: number; rest: () => void; timer: ReturnType<typeof setTimeout> }

export function laneRequestHandler(post: Post): (request: LaneRequest) => void {
  let held: Held | null = null;

  // An error of a race is that race's reply; the worker goes on to the next one.
  const guarded = (id: number, run: () => void): void => {
    try {
      run();
    } catch (error) {
      post({ type: "error", id, message: error instanceof Error ? error.message : String(error) });
    }
  };
  const release = (): void => {
    if (!held) return;
    const { id, rest, timer } = held;
    held = null;
    clearTimeout(timer);
    guarded(id, rest);
  };

  return (request) => {
    switch (request.type) {
      case "warm":
        // Nobody waits for a warm-up: a failure costs only the head start, and is left for the console.
        try { warmUpLanes(request.lanes, request.ticks); } catch (error) { console.warn("lane worker warm-up failed:", error); }
        return;
      case "resume":
        if (held?.id === request.id) release();
        return;
      case "lanes":
        // The pool posts a race only to a worker done with the one before; a held one finishes first all the same.
        release();
        guarded(request.id, () => raceLanes(request.id, request.job, post, {
          hold: (rest) => { held = { id: request.id, rest, timer: setTimeout(release, PREVIEW_HOLD_MAX_MS) }; },
        }));
        return;
    }
  };
}
