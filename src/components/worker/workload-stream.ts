// A generated stream from its recipe: what the race worker, the hover worker and each lane worker
// make of a workload setup. Generation is seeded, so every worker gets the same ops.
import { generateWorkload, isWorkloadName, type Trace } from "../../lib/index.js";
import type { WorkloadSource } from "./race-protocol.js";

export function generateStream(stream: WorkloadSource): Trace {
  if (!isWorkloadName(stream.workload)) throw new RangeError(`unknown workload: ${JSON.stringify(stream.workload)}`);
  return generateWorkload(stream.workload, { ...stream.knobs, seed: stream.seed, ops: stream.ops });
}
