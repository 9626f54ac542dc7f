// What a native replay gives back, per lane (allocator × config × touch), before it becomes rows.
import type { NativeAllocator } from "./allocators.js";
import type { DetailOutput, OccupancyFrame } from "./output.js";

export type NativeOp = "malloc" | "free" | "realloc";

export interface NativeLaneResult {
  allocator: NativeAllocator;
  /** "default" or the exact environment setting, e.g. "MALLOC_CONF=dirty_decay_ms:0". */
  config: string;
  touch: boolean;
  ops: number;
  /** Median over the timed rounds of the loop's process CPU time per op. */
  nsPerOp: number;
  /** Every timed round's CPU ns/op, in the order they ran (the warm-up is not among them). */
  roundsNsPerOp: number[];
  /** Median over the timed rounds of VmHWM − the RSS just before the loop. */
  peakRssBytes: number;
  peakLiveBytes: number;
  /** Median over the timed rounds of the RSS at the stream's end, above the baseline. */
  endRssBytes: number;
  detail?: DetailOutput;
  occupancy?: OccupancyFrame[];
}

/** A lane that could not be measured: one line for the user, the others carry on. */
export interface NativeFailure { allocator: NativeAllocator; config: string; touch: boolean; message: string }
