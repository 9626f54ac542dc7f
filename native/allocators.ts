// The production allocators the native replayer can run, and where Debian puts each one's shared
// library. glibc's malloc is the plain run (nothing preloaded); the others are found by file name
// at the usual multiarch paths and LD_PRELOADed. A missing one is reported with the package to
// install, never treated as a failure.
import { existsSync } from "node:fs";

export type NativeAllocator = "glibc" | "jemalloc" | "mimalloc" | "tcmalloc";
export const NATIVE_ALLOCATORS: readonly NativeAllocator[] = ["glibc", "jemalloc", "mimalloc", "tcmalloc"];

export function isNativeAllocator(name: string): name is NativeAllocator {
  return (NATIVE_ALLOCATORS as readonly string[]).includes(name);
}

interface LibrarySpec { file: string; package: string }

/** The Debian shared library and package of each preloaded allocator (glibc needs none). */
export const NATIVE_LIBRARIES: Readonly<Record<Exclude<NativeAllocator, "glibc">, LibrarySpec>> = {
  jemalloc: { file: "libjemalloc.so.2", package: "libjemalloc2" },
  mimalloc: { file: "libmimalloc.so.2", package: "libmimalloc2.0" },
  tcmalloc: { file: "libtcmalloc_minimal.so.4", package: "libtcmalloc-minimal4" },
};

const TRIPLETS: Record<string, string> = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", ia32: "i386-linux-gnu", arm: "arm-linux-gnueabihf", ppc64: "powerpc64le-linux-gnu", s390x: "s390x-linux-gnu", riscv64: "riscv64-linux-gnu" };

/** Where to look for the libraries; HEAPFORGE_NATIVE_LIBDIRS (colon-separated) replaces the list. */
export function libraryDirectories(arch: string = process.arch): string[] {
  if (process.env.HEAPFORGE_NATIVE_LIBDIRS !== undefined) return process.env.HEAPFORGE_NATIVE_LIBDIRS.split(":").filter(Boolean);
  const triplet = TRIPLETS[arch];
  return [...(triplet ? [`/usr/lib/${triplet}`, `/lib/${triplet}`] : []), "/usr/lib64", "/usr/lib", "/usr/local/lib"];
}

export interface FoundAllocator { allocator: NativeAllocator; preload: string | null }
export interface MissingAllocator { allocator: NativeAllocator; package: string; file: string }

/** Which of the wanted allocators can run here; `directories` is for tests. */
export function findAllocators(wanted: readonly NativeAllocator[] = NATIVE_ALLOCATORS, directories = libraryDirectories()): { found: FoundAllocator[]; missing: MissingAllocator[] } {
  const found: FoundAllocator[] = [];
  const missing: MissingAllocator[] = [];
  for (const allocator of wanted) {
    if (allocator === "glibc") { found.push({ allocator, preload: null }); continue; }
    const spec = NATIVE_LIBRARIES[allocator];
    const path = directories.map((d) => `${d}/${spec.file}`).find((p) => existsSync(p));
    if (path) found.push({ allocator, preload: path });
    else missing.push({ allocator, package: spec.package, file: spec.file });
  }
  return { found, missing };
}

export function missingLine(m: MissingAllocator): string {
  return `native: ${m.allocator} skipped: ${m.file} not found (apt-get install ${m.package})`;
}
