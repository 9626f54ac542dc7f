// Runs the race CLI (its bundle, as `npm run race` does) in this process and, when it exits,
// prints one line to stderr — `measure {"maxRssBytes", "cpuMs", "wallMs"}` — so a benchmark can
// read the peak RSS and CPU time of exactly one CLI run. Plain node, so the figures hold no tsx
// start-up. Usage: node bench/measure-cli.mjs <the CLI's own arguments>
import { ensureCliBundle } from "../scripts/cli-bundle.mjs";

const { race } = await ensureCliBundle();
const started = process.hrtime.bigint();
process.on("exit", () => {
  const usage = process.resourceUsage();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stderr.write(`measure ${JSON.stringify({ maxRssBytes: usage.maxRSS * 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, wallMs })}\n`);
});
process.argv = [process.argv[0], "race.mjs", ...process.argv.slice(2)];
await import(race.href);
