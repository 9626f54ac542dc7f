// One race shared by everyone who asked for it. The race page starts a live re-run from the input
// event itself, a frame before the Observable runtime runs the race cell, which then asks for the
// same race: it joins the one under way instead of stopping it and starting it again. A late
// joiner is shown the preview it missed, so it can paint it too.
import type { RaceView } from "../core/race-view.js";
import type { LaneProgress } from "./lane-merge.js";

export interface RaceCallbacks {
  /** A view to paint before the race ends: the reader's frame, then each lane's latest frame. */
  onPreview?: (view: RaceView, ms: number) => void;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Each lane's ops raced so far, as the lane workers report them. */
  onLaneProgress?: (lanes: LaneProgress[]) => void;
}

export class JoinedRace<Outcome> {
  private readonly listeners: RaceCallbacks[] = [];
  private preview: [RaceView, number] | null = null;
  private failed = false;
  /** The callbacks to give the race: each one tells every listener. */
  readonly callbacks: Required<RaceCallbacks> = {
    onPreview: (view, ms) => {
      this.preview = [view, ms];
      for (const listener of this.listeners) listener.onPreview?.(view, ms);
    },
    onProgress: (phase, done, total) => { for (const listener of this.listeners) listener.onProgress?.(phase, done, total); },
    onLaneProgress: (lanes) => { for (const listener of this.listeners) listener.onLaneProgress?.(lanes); },
  };
  readonly outcome: Promise<Outcome>;

  /** `key` names the race (null: it cannot be joined); `start` runs it with the given callbacks. */
  constructor(readonly key: string | null, start: (callbacks: Required<RaceCallbacks>) => Promise<Outcome>) {
    this.outcome = start(this.callbacks);
    this.outcome.catch(() => { this.failed = true; });
  }

  /** True when a request for `key` can be answered by this race (the same one, and not failed). */
  answers(key: string | null): boolean {
    return key !== null && key === this.key && !this.failed;
  }

  /** Adds a listener, shown at once the preview already painted; resolves with the race's outcome. */
  join(callbacks: RaceCallbacks): Promise<Outcome> {
    this.listeners.push(callbacks);
    if (this.preview) callbacks.onPreview?.(...this.preview);
    return this.outcome;
  }
}
