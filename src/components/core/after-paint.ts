// Work that can wait until the browser has put the last drawing on screen. A requestAnimationFrame
// callback runs just before the next frame is painted and a task queued from it runs after, so
// what `afterNextPaint` runs does not delay that frame. The race page draws a live re-run's first
// heat maps at once and leaves the rest of the page's update (status, leaderboard, charts) to it.
export function afterNextPaint(callback: () => void): void {
  requestAnimationFrame(() => setTimeout(callback, 0));
}
