// The documented settings that move an allocator's footprint curve, each run beside the default:
// the exact environment string is the config's name in the tables, so a reader can paste it.
import type { NativeAllocator } from "./allocators.js";

export interface NativeConfig { allocator: NativeAllocator; config: string; env: Record<string, string>; why: string }

export const DEFAULT_CONFIG = "default";

function setting(allocator: NativeAllocator, name: string, value: string, why: string): NativeConfig {
  return { allocator, config: `${name}=${value}`, env: { [name]: value }, why };
}

export const KNOB_CONFIGS: readonly NativeConfig[] = [
  setting("glibc", "GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=32768", "requests of 32 KiB and more get their own mapping, returned to the OS on free (the threshold no longer adapts)"),
  setting("glibc", "GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0", "free space at the top of the heap is given back (sbrk shrinks) as soon as there is any"),
  setting("glibc", "GLIBC_TUNABLES", "glibc.malloc.arena_max=1", "one arena: the replay has one thread, so this should change nothing — a control"),
  setting("jemalloc", "MALLOC_CONF", "dirty_decay_ms:0", "freed pages are purged at once instead of decaying over 10 s"),
  setting("jemalloc", "MALLOC_CONF", "narenas:1", "one arena instead of four per CPU; one thread uses one arena anyway — a control"),
  // mimalloc 2.0.x (Debian's libmimalloc2.0) predates 2.1's purge_delay: its option is
  // decommit_delay (default 25 ms, legacy alias reset_delay), as MIMALLOC_VERBOSE=1 lists it.
  setting("mimalloc", "MIMALLOC_DECOMMIT_DELAY", "0", "freed pages are decommitted at once instead of after 25 ms (2.0's name for 2.1's purge_delay)"),
];
