// Runs the race CLI (its bundle, as `npm run race` does) in this process and, when it exits,
// prints one line to stderr — `measure {"maxRssBytes", "cpuMs", "wallMs"}` — so a benchmark can
// read the peak RSS and CPU time of exactly one CLI run. Plain node, so the figures hold no tsx
// start-up. Usage: node bench/measure-cli.mjs <the CLI's own arguments>
// The peak RSS is the kernel's VmHWM for this process's memory (its threads, the lane workers,
// included), not getrusage's maxRSS: Linux carries maxRSS over from the forked parent through
// exec, so a benchmark holding a 30M-op trace in memory made every CLI it spawned report the
// benchmark's own size (509 MiB for a CLI run that peaked at 176).
import { readFileSync } from "node:fs";
import { ensureCliBundle } from "../scripts/cli-bundle.mjs";

function peakRssBytes() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux: getrusage is the best there is
  }
  return process.resourceUsage().maxRSS * 1024;
}

const { race } = await ensureCliBundle();
const started = process.hrtime.bigint();
process.on("exit", () => {
  const usage = process.resourceUsage();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stderr.write(`measure ${JSON.stringify({ maxRssBytes: peakRssBytes(), cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, wallMs })}\n`);
});
process.argv = [process.argv[0], "race.mjs", ...process.argv.slice(2)];
await import(race.href);
