// The streams the native data set replays: exactly the build-time races (build-races.ts), each
// with the arena its simulated lanes get, so native and simulated figures describe one stream.
import { BUILD_TRACE_ARENA } from "./build-plan.js";
import type { NativeSource } from "../../native/dataset.js";
import { buildSources } from "./build-races.js";

export function nativeSources(): NativeSource[] {
  return buildSources().map(({ source, kind, trace }) => ({ source, kind, trace, arenaBytes: kind === "trace" ? BUILD_TRACE_ARENA : undefined }));
}
