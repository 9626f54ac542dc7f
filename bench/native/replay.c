/* The native reference: replays a HeapForge benchmark trace through the C library's malloc,
 * free and realloc, and prints the mean ns per op of the timed loop.
 *
 * Input (little-endian binary, written by bench/trace-file.ts):
 *   int32 count, int32 ids, then count × (uint8 op), count × (int32 id), count × (int32 size)
 * op: 0 malloc, 1 free, 2 realloc. The payload is not touched, as the TypeScript allocators do
 * not touch it either; only the allocator's own metadata work is timed.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The process's CPU time, not the wall clock: on a machine shared with other jobs the wall clock
 * mostly measures the run queue (the TypeScript side reads process.cpuUsage() likewise). */
static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void *read_exact(FILE *f, size_t bytes) {
  void *buffer = malloc(bytes ? bytes : 1);
  if (!buffer || fread(buffer, 1, bytes, f) != bytes) {
    fprintf(stderr, "replay: truncated trace file\n");
    exit(1);
  }
  return buffer;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: replay TRACE.bin\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  int32_t header[2];
  if (fread(header, sizeof header, 1, f) != 1 || header[0] < 0 || header[1] < 0) {
    fprintf(stderr, "replay: bad header\n");
    return 1;
  }
  int32_t count = header[0], ids = header[1];
  uint8_t *op = read_exact(f, (size_t)count);
  int32_t *id = read_exact(f, (size_t)count * 4);
  int32_t *size = read_exact(f, (size_t)count * 4);
  fclose(f);
  /* malloc + an explicit fill rather than calloc: calloc's fresh zero pages would be faulted in
   * one by one inside the timed loop, a cost the TypeScript side does not pay (its id table is
   * touched by the warm-up replays), and a page fault costs microseconds in a virtual machine. */
  void **block = malloc(((size_t)ids + 1) * sizeof *block);
  if (!block) {
    fprintf(stderr, "replay: out of memory\n");
    return 1;
  }
  for (int32_t i = 0; i <= ids; i++) block[i] = NULL;

  double start = now_ns();
  for (int32_t i = 0; i < count; i++) {
    switch (op[i]) {
    case 0: block[id[i]] = malloc((size_t)size[i]); break;
    case 1: free(block[id[i]]); block[id[i]] = NULL; break;
    default: {
      void *moved = realloc(block[id[i]], (size_t)size[i]);
      if (moved) block[id[i]] = moved;
    }
    }
  }
  double elapsed = now_ns() - start;
  /* Keep the compiler from discarding the loop: print a value that depends on it. */
  uintptr_t sink = 0;
  for (int32_t i = 0; i < ids; i++) sink ^= (uintptr_t)block[i];
  printf("%.3f %lu\n", elapsed / count, (unsigned long)(sink & 1));
  return 0;
}
