// Runs the race CLI in this process and, when it exits, prints one line to stderr —
// `measure {"maxRssBytes", "cpuMs", "wallMs"}` — so a benchmark can read the peak RSS and CPU time
// of exactly one CLI run. Usage: tsx bench/measure-cli.ts <the CLI's own arguments>
const started = process.hrtime.bigint();
process.on("exit", () => {
  const usage = process.resourceUsage();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stderr.write(`measure ${JSON.stringify({ maxRssBytes: usage.maxRSS * 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, wallMs })}\n`);
});
process.argv = [process.argv[0], "race.ts", ...process.argv.slice(2)];
await import("../cli/race.js");
