// Work that can wait until the browser has put the last drawing on screen. A requestAnimationFrame
// callback runs just before the next frame is painted and a task queued from it runs after, so
// what `afterNextPaint` runs does not delay that frame. The race page draws a live re-run's first
// heat maps at once and leaves the rest of the page's update (status, leaderboard, charts) to it.
// Outside a page (the race client's tests under Node) there is no frame: the callback runs in a
// later task.
export function afterNextPaint(callback: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(callback, 0));
  else setTimeout(callback, 0);
}
