// Starts a TypeScript module in a worker thread: registers tsx's loader in this thread, then
// imports the module named in workerData. (Passing `--import tsx` in a worker's execArgv does not
// work on Node 20: the worker's entry is loaded before the hooks are in place.)
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
