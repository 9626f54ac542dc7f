import { readFileSync } from "node:fs";
import { parseTrace, race, ALLOCATORS } from "./lib/index.js";
const t = parseTrace(readFileSync("src/data/traces/gcc-cc1.mtrace", "utf8"), "gcc");
const r = race(t, { arenaBytes: 2 << 20, ticks: 8 });
for (const l of r.lanes) console.log(l.allocator, l.utilization.toFixed(3), l.peakLiveBytes, l.highWater, (l as any).peakMappedBytes, (l as any).footprint, l.failures);
