// Writes the race page's state into its URL without a new history entry, so a view can be shared.
// Reading and the query-string form are lib's (lib/site/race-url.ts), where Node tests reach them.
import { raceStateSearch } from "../../lib/page-api.js";
import type { RaceUrlState } from "../../lib/index.js";

export function writeRaceState(state: RaceUrlState): void {
  const url = `${location.pathname}${raceStateSearch(state)}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, "", url);
}
