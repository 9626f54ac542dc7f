// `npm run race`: the race CLI from its bundle (scripts/cli-bundle.mjs), built first if a source
// file changed. Plain node, no tsx: the CLI and its lane worker threads start in milliseconds.
import { ensureCliBundle } from "./cli-bundle.mjs";

const { race } = await ensureCliBundle();
await import(race.href);
