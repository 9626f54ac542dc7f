// One timing run in a process of its own: `tsx bench/time-allocator.ts TRACE.bin NAME OPTIONS_JSON`
// prints {"nsPerOp", "failures"}: the process's CPU ns per op of the timed replay. A fresh process
// per run keeps each allocator's call sites monomorphic, as they would be in a program that uses one allocator, and gives each the same
// cold start. Two untimed warm-up replays let the JIT compile the hot paths first: the first runs
// its loop in on-stack-replacement code, and V8 compiles replayBare itself for its next call — with
// one warm-up that call was the timed one, which then ran while that compile (4–16 ms, on another
// thread) was still going, i.e. it timed the JIT as well as the allocator. The C replayer has no JIT.
import { readFileSync } from "node:fs";
import { createAllocator, isAllocatorName } from "../lib/allocators/index.js";
import { decodeFromNative } from "./bench-trace.js";
import { replayBare } from "../lib/race/replay-bare.js";

const [file, name, optionsJson] = process.argv.slice(2);
if (!file || !isAllocatorName(name)) {
  console.error("usage: tsx bench/time-allocator.ts TRACE.bin ALLOCATOR [OPTIONS_JSON]");
  process.exit(2);
}
const options = optionsJson ? JSON.parse(optionsJson) : {};
const trace = decodeFromNative(readFileSync(file));
let ids = 0;
for (let i = 0; i < trace.length; i++) if (trace.id[i] >= ids) ids = trace.id[i] + 1;
const addrById = new Int32Array(ids);
const ARENA = 4 * 1024 * 1024;

replayBare(createAllocator(name, { ...options, arenaBytes: ARENA }), trace, addrById); // its loop is compiled on the stack
replayBare(createAllocator(name, { ...options, arenaBytes: ARENA }), trace, addrById); // replayBare is compiled for the next call
const allocator = createAllocator(name, { ...options, arenaBytes: ARENA });
// CPU time (user + system, µs, every thread of the process), as the C replayer reads its own.
const start = process.cpuUsage();
const failures = replayBare(allocator, trace, addrById);
const used = process.cpuUsage(start);
const elapsed = (used.user + used.system) * 1000;
console.log(JSON.stringify({ nsPerOp: elapsed / trace.length, failures }));
