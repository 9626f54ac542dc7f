/* The native replayer: replays a HeapForge op file through the C library's malloc, free and
 * realloc, so that whichever allocator is LD_PRELOADed (jemalloc, mimalloc, tcmalloc, or none
 * for glibc) serves the very stream the simulated lanes race. The Node runner (native/runner.ts)
 * compiles it with `cc -O2` on first use and parses what it prints.
 *
 * Op file (little-endian, written by lib/trace/opfile.ts):
 *   "HFOP", u32 version (1), u32 count, u32 ids,
 *   count × u8 op (0 malloc, 1 free, 2 realloc), zero padding to a multiple of 4,
 *   count × i32 id (0 ≤ id < ids), count × i32 size (≥ 0)
 *
 * Modes (one per process, so each run starts from a fresh heap):
 *   replayer time FILE      the bare loop, timed with the process CPU clock: "cpu_ns", "peak_rss"
 *   replayer detail FILE    the loop with 1-in-N latency samples and RSS every N ops, then
 *                           RSS at +100 ms and +1 s, then the allocator's own counters
 *   replayer occupancy FILE the loop with page occupancy frames at T ticks
 *   replayer staircase      malloc_usable_size for 1..65536 and spot sizes to 4 MiB
 * Options: --no-touch, --sample-every N, --rss-every N, --ticks T, --test-abort.
 *
 * Everything the replayer keeps for itself (the op file, id → pointer, sizes, samples, page
 * sets) is mmap'ed, never malloc'ed, so none of it lands in the allocator under test; the tables
 * the timed loop uses are populated before the RSS baseline is read, so they do not count either.
 * Output is one fact per line, "key value…"; stdout is flushed before the +100 ms wait so that
 * the runner may start the next run while this one lingers. Exit 3 = bad op file, 2 = usage.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define BUCKETS 32

static void die(int status, const char *message, const char *detail) {
  fprintf(stderr, "replayer: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
  exit(status);
}

/* Anonymous, pre-faulted memory outside the allocator under test. */
static void *table(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) die(1, "mmap failed", strerror(errno));
  return p;
}

static double now_ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Output goes through a buffer of our own and write(2): stdio would malloc its buffer from the
 * allocator under test, after the loop, and the RSS read at +100 ms would count it. */
#include <stdarg.h>
static char *out_buffer;
static size_t out_length, out_capacity;

static void flush_out(void) {
  size_t done = 0;
  while (done < out_length) {
    ssize_t n = write(1, out_buffer + done, out_length - done);
    if (n <= 0) { if (errno == EINTR) continue; exit(1); }
    done += (size_t)n;
  }
  out_length = 0;
}

static void open_out(void) {
  out_capacity = 1 << 20;
  out_buffer = mmap(NULL, out_capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (out_buffer == MAP_FAILED) exit(1);
}

__attribute__((format(printf, 1, 2))) static void out(const char *format, ...) {
  if (out_capacity - out_length < 512) flush_out();
  va_list args;
  va_start(args, format);
  int n = vsnprintf(out_buffer + out_length, out_capacity - out_length, format, args);
  va_end(args);
  if (n > 0) out_length += (size_t)n < out_capacity - out_length ? (size_t)n : out_capacity - out_length - 1;
}

/* ---------- the op file ---------- */

static uint32_t count, ids;
static const uint8_t *ops;
static const int32_t *op_id, *op_size;

static void load(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) die(3, "cannot open op file", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) die(3, "cannot stat op file", strerror(errno));
  if (st.st_size < 16) die(3, "bad op file", "shorter than its 16-byte header");
  const uint8_t *bytes = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (bytes == MAP_FAILED) die(3, "cannot map op file", strerror(errno));
  close(fd);
  if (memcmp(bytes, "HFOP", 4) != 0) die(3, "bad op file", "no HFOP magic");
  uint32_t version;
  memcpy(&version, bytes + 4, 4);
  memcpy(&count, bytes + 8, 4);
  memcpy(&ids, bytes + 12, 4);
  if (version != 1) die(3, "bad op file", "unknown version");
  uint64_t padded = ((uint64_t)count + 3) & ~(uint64_t)3;
  if ((uint64_t)st.st_size != 16 + padded + 8 * (uint64_t)count) die(3, "bad op file", "length does not match its op count");
  ops = bytes + 16;
  op_id = (const int32_t *)(bytes + 16 + padded);
  op_size = op_id + count;
  for (uint32_t i = 0; i < count; i++) {
    char where[96];
    snprintf(where, sizeof where, "op %u: op %u, id %d, size %d", i, ops[i], op_id[i], op_size[i]);
    if (ops[i] > 2) die(3, "bad op file", where);
    if (op_id[i] < 0 || (uint32_t)op_id[i] >= ids) die(3, "bad op file (id out of range)", where);
    if (op_size[i] < 0) die(3, "bad op file (negative size)", where);
  }
}

/* ---------- replay state ---------- */

static void **block;      /* id → pointer */
static int32_t *live_size; /* id → requested bytes while live */
static double live_bytes, peak_live;
static int touch = 1;

/* One op; returns the op's block pointer after it (NULL after a free). */
static inline void *apply(uint32_t i) {
  int32_t id = op_id[i];
  size_t size = (size_t)op_size[i];
  switch (ops[i]) {
  case 0: {
    void *p = malloc(size);
    block[id] = p;
    if (touch && p) memset(p, (int)(i & 0xff) | 1, size);
    live_bytes += (double)size - live_size[id];
    live_size[id] = (int32_t)size;
    if (live_bytes > peak_live) peak_live = live_bytes;
    return p;
  }
  case 1:
    free(block[id]);
    block[id] = NULL;
    live_bytes -= live_size[id];
    live_size[id] = 0;
    return NULL;
  default: {
    /* realloc(p, 0) frees p (glibc's meaning), whatever the allocator's own choice would be. */
    if (size == 0) {
      free(block[id]);
      block[id] = NULL;
      live_bytes -= live_size[id];
      live_size[id] = 0;
      return NULL;
    }
    void *p = realloc(block[id], size);
    if (p) {
      block[id] = p;
      if (touch) memset(p, (int)(i & 0xff) | 1, size);
      live_bytes += (double)size - live_size[id];
      live_size[id] = (int32_t)size;
      if (live_bytes > peak_live) peak_live = live_bytes;
    }
    return p;
  }
  }
}

/* ---------- RSS ---------- */

static int statm_fd = -1;
static long page_bytes;

static double rss_now(void) {
  char text[128];
  ssize_t n = pread(statm_fd, text, sizeof text - 1, 0);
  if (n <= 0) return -1;
  text[n] = 0;
  unsigned long size = 0, resident = 0;
  if (sscanf(text, "%lu %lu", &size, &resident) != 2) return -1;
  return (double)resident * (double)page_bytes;
}

static double vm_hwm(void) {
  int fd = open("/proc/self/status", O_RDONLY);
  if (fd < 0) return -1;
  char text[8192];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  const char *line = strstr(text, "VmHWM:");
  return line ? 1024.0 * strtod(line + 6, NULL) : -1;
}

/* Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak is the loop's own. */
static void reset_hwm(void) {
  int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return;
  if (write(fd, "5", 1) != 1) { /* older kernels: the peak may then include the set-up */ }
  close(fd);
}

/* ---------- allocator counters (found with dlsym in whatever is preloaded) ---------- */

static void counters(void) {
  typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
  mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
  if (mallctl) {
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    mallctl("epoch", &epoch, &len, &epoch, sizeof epoch);
    const char *names[] = {"stats.allocated", "stats.active", "stats.resident", "stats.mapped", "stats.metadata", "stats.retained"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
      size_t value = 0;
      len = sizeof value;
      if (mallctl(names[k], &value, &len, NULL, 0) == 0) out("counter %s %zu\n", names[k], value);
    }
    return;
  }
  typedef int (*property_fn)(const char *, size_t *);
  property_fn property = (property_fn)dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
  if (property) {
    const char *names[] = {"generic.current_allocated_bytes", "generic.heap_size", "tcmalloc.pageheap_free_bytes",
                           "tcmalloc.pageheap_unmapped_bytes", "tcmalloc.central_cache_free_bytes",
                           "tcmalloc.thread_cache_free_bytes", "tcmalloc.transfer_cache_free_bytes"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
      size_t value = 0;
      if (property(names[k], &value)) out("counter %s %zu\n", names[k], value);
    }
    return;
  }
  typedef void (*process_info_fn)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *);
  process_info_fn info = (process_info_fn)dlsym(RTLD_DEFAULT, "mi_process_info");
  if (info) {
    size_t elapsed = 0, user = 0, sys = 0, rss = 0, peak_rss = 0, commit = 0, peak_commit = 0, faults = 0;
    info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    out("counter mi.current_rss %zu\ncounter mi.peak_rss %zu\ncounter mi.current_commit %zu\n", rss, peak_rss, commit);
    out("counter mi.peak_commit %zu\ncounter mi.page_faults %zu\n", peak_commit, faults);
    return;
  }
  struct mallinfo2 m = mallinfo2();
  out("counter mallinfo2.arena %zu\ncounter mallinfo2.uordblks %zu\ncounter mallinfo2.fordblks %zu\n", m.arena, m.uordblks, m.fordblks);
  out("counter mallinfo2.hblkhd %zu\ncounter mallinfo2.hblks %zu\ncounter mallinfo2.keepcost %zu\n", m.hblkhd, m.hblks, m.keepcost);
}

/* ---------- modes ---------- */

static uint32_t test_abort_at = UINT32_MAX;

static void mode_time(void) {
  double baseline = rss_now();
  reset_hwm();
  double start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  for (uint32_t i = 0; i < count; i++) {
    if (i == test_abort_at) abort();
    apply(i);
  }
  double elapsed = now_ns(CLOCK_PROCESS_CPUTIME_ID) - start;
  out("ops %u\ncpu_ns %.0f\npeak_rss %.0f\nend_rss %.0f\npeak_live %.0f\n", count, elapsed, vm_hwm() - baseline,
         rss_now() - baseline, peak_live);
}

static int bucket_of(double x) {
  if (x <= 1) return 0;
  int b = 0;
  uint64_t v = (uint64_t)(x + 0.999999) - 1; /* ceil(x) - 1 */
  while (v) { b++; v >>= 1; }
  return b < BUCKETS ? b : BUCKETS - 1;
}

/* The cost of the clock pair itself: the median of many back-to-back pairs. */
static double clock_overhead(void) {
  enum { N = 1001 };
  double *d = table(N * sizeof *d);
  for (int k = 0; k < N; k++) {
    double a = now_ns(CLOCK_MONOTONIC);
    d[k] = now_ns(CLOCK_MONOTONIC) - a;
  }
  for (int a = 1; a < N; a++) { /* insertion sort: N is small and this runs once */
    double v = d[a];
    int b = a - 1;
    while (b >= 0 && d[b] > v) { d[b + 1] = d[b]; b--; }
    d[b + 1] = v;
  }
  double median = d[N / 2];
  munmap(d, N * sizeof *d);
  return median;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

static void mode_detail(uint32_t sample_every, uint32_t rss_every) {
  double overhead = clock_overhead();
  static double hist[3][BUCKETS];
  uint32_t samples = count / rss_every + 2;
  double *rss_op = table(samples * sizeof(double)), *rss_value = table(samples * sizeof(double)), *rss_live = table(samples * sizeof(double));
  uint32_t n = 0;
  double baseline = rss_now();
  reset_hwm();
  for (uint32_t i = 0; i < count; i++) {
    if (i == test_abort_at) abort();
    if (i % sample_every == 0) {
      double t0 = now_ns(CLOCK_MONOTONIC);
      apply(i);
      double t1 = now_ns(CLOCK_MONOTONIC);
      double ns = t1 - t0 - overhead;
      hist[ops[i]][bucket_of(ns < 0 ? 0 : ns)]++;
    } else {
      apply(i);
    }
    if ((i + 1) % rss_every == 0 || i + 1 == count) {
      rss_op[n] = i + 1;
      rss_value[n] = rss_now() - baseline;
      rss_live[n] = live_bytes;
      n++;
    }
  }
  double end = rss_now() - baseline, peak = vm_hwm() - baseline;
  out("ops %u\nclock_overhead_ns %.1f\nsample_every %u\n", count, overhead, sample_every);
  const char *names[3] = {"malloc", "free", "realloc"};
  for (int k = 0; k < 3; k++) {
    out("hist %s", names[k]);
    for (int b = 0; b < BUCKETS; b++) out(" %.0f", hist[k][b]);
    out("\n");
  }
  for (uint32_t k = 0; k < n; k++) out("rss %.0f %.0f %.0f\n", rss_op[k], rss_value[k], rss_live[k]);
  out("peak_rss %.0f\npeak_live %.0f\nend_rss %.0f\n", peak, peak_live, end);
  out("loop_done\n");
  flush_out();
  sleep_ms(100);
  out("rss_100ms %.0f\n", rss_now() - baseline);
  flush_out();
  sleep_ms(900);
  out("rss_1s %.0f\n", rss_now() - baseline);
  /* Read last: mallctl's epoch refresh and dlsym allocate, and the RSS readings must not see it.
   * Nothing runs between the stream's end and here but sleeps, so the heap is as the stream left it. */
  counters();
}

/* A set of page numbers (open addressing in mmap'ed memory, doubled when half full). */
static uint64_t *page_set;
static uint64_t page_cap, page_count;

static void page_insert(uint64_t page);

static void page_grow(void) {
  uint64_t *old = page_set, old_cap = page_cap;
  page_cap = old_cap ? old_cap * 2 : 1 << 16;
  page_set = table(page_cap * sizeof *page_set);
  memset(page_set, 0xff, page_cap * sizeof *page_set);
  page_count = 0;
  for (uint64_t k = 0; k < old_cap; k++) if (old[k] != UINT64_MAX) page_insert(old[k]);
  if (old) munmap(old, old_cap * sizeof *old);
}

static void page_insert(uint64_t page) {
  if (2 * (page_count + 1) > page_cap) page_grow();
  uint64_t k = (page * 0x9E3779B97F4A7C15ull) & (page_cap - 1);
  while (page_set[k] != UINT64_MAX) {
    if (page_set[k] == page) return;
    k = (k + 1) & (page_cap - 1);
  }
  page_set[k] = page;
  page_count++;
}

static int compare_pages(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static size_t *usable; /* id → usable bytes while live */

/* One frame: every page handed out so far, in address order, as runs "run FIRST COUNT HEX". */
static void frame(uint32_t tick, uint32_t op) {
  uint64_t n = page_count;
  uint64_t *sorted = table(n * sizeof *sorted);
  uint64_t m = 0;
  for (uint64_t k = 0; k < page_cap; k++) if (page_set[k] != UINT64_MAX) sorted[m++] = page_set[k];
  qsort(sorted, n, sizeof *sorted, compare_pages);
  uint32_t *covered = table(n * sizeof *covered + 1);
  for (uint32_t id = 0; id < ids; id++) {
    if (!block[id]) continue;
    uintptr_t start = (uintptr_t)block[id], end = start + usable[id];
    uint64_t page = start / PAGE;
    uint64_t lo = 0, hi = n; /* binary search for the block's first page */
    while (lo < hi) { uint64_t mid = (lo + hi) / 2; if (sorted[mid] < page) lo = mid + 1; else hi = mid; }
    for (uint64_t k = lo; k < n && sorted[k] * PAGE < end; k++) {
      uintptr_t a = sorted[k] * PAGE, b = a + PAGE;
      if (a < start) a = start;
      if (b > end) b = end;
      if (b > a) covered[k] += (uint32_t)(b - a);
    }
  }
  /* Resident pages of the set, run by run; a run that is no longer mapped counts as not resident. */
  uint64_t resident = 0;
  unsigned char *vec = table(n + 1);
  for (uint64_t k = 0; k < n;) {
    uint64_t j = k + 1;
    while (j < n && sorted[j] == sorted[j - 1] + 1) j++;
    if (mincore((void *)(uintptr_t)(sorted[k] * PAGE), (j - k) * PAGE, vec + k) != 0) {
      for (uint64_t q = k; q < j; q++) vec[q] = mincore((void *)(uintptr_t)(sorted[q] * PAGE), PAGE, vec + q) == 0 ? vec[q] : 0;
    }
    k = j;
  }
  for (uint64_t k = 0; k < n; k++) resident += vec[k] & 1;
  out("frame %u %u %lu %lu\n", tick, op, (unsigned long)n, (unsigned long)resident);
  for (uint64_t k = 0; k < n;) {
    uint64_t j = k + 1;
    while (j < n && sorted[j] == sorted[j - 1] + 1) j++;
    out("run %lu %lu ", (unsigned long)sorted[k], (unsigned long)(j - k));
    for (uint64_t q = k; q < j; q++) {
      uint64_t v = ((uint64_t)covered[q] * 255 + PAGE / 2) / PAGE;
      out("%02x", (unsigned)(v > 255 ? 255 : v));
    }
    out("\n");
    k = j;
  }
  munmap(sorted, n * sizeof *sorted);
  munmap(covered, n * sizeof *covered + 1);
  munmap(vec, n + 1);
}

static void mode_occupancy(uint32_t ticks) {
  usable = table((size_t)ids * sizeof *usable);
  page_grow();
  uint32_t tick = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (i == test_abort_at) abort();
    int32_t id = op_id[i];
    void *p = apply(i);
    if (p) {
      usable[id] = malloc_usable_size(p);
      for (uint64_t page = (uintptr_t)p / PAGE; page * PAGE < (uintptr_t)p + usable[id]; page++) page_insert(page);
    } else if (!block[id]) {
      usable[id] = 0;
    }
    /* Frame t covers ops up to ceil((t + 1) · count / ticks); the last frame is the stream's end. */
    while (tick < ticks && (uint64_t)(i + 1) * ticks >= (uint64_t)(tick + 1) * count) {
      frame(tick, i + 1);
      tick++;
    }
  }
  out("ops %u\n", count);
}

static void mode_staircase(void) {
  size_t previous = 0;
  for (size_t r = 1; r <= 65536; r++) {
    void *p = malloc(r);
    size_t u = p ? malloc_usable_size(p) : 0;
    free(p);
    if (u != previous || r == 65536) out("stair %zu %zu\n", r, u);
    previous = u;
  }
  for (size_t base = 65536; base < (4u << 20); base *= 2) {
    size_t spots[] = {base + 1, base + base / 4, base + base / 2, base + 3 * base / 4, 2 * base};
    for (size_t k = 0; k < 5; k++) {
      void *p = malloc(spots[k]);
      out("spot %zu %zu\n", spots[k], p ? malloc_usable_size(p) : 0);
      free(p);
    }
  }
}

static uint32_t parse_count(const char *flag, const char *text) {
  char *end;
  unsigned long v = strtoul(text ? text : "", &end, 10);
  if (!text || *end || v == 0 || v > 0x7fffffff) die(2, "bad value for", flag);
  return (uint32_t)v;
}

int main(int argc, char **argv) {
  if (argc < 2) die(2, "usage", "replayer time|detail|occupancy FILE [--no-touch] [--sample-every N] [--rss-every N] [--ticks T] | replayer staircase");
  const char *mode = argv[1], *file = NULL;
  uint32_t sample_every = 8, rss_every = 0, ticks = 32;
  int abort_halfway = 0;
  for (int a = 2; a < argc; a++) {
    if (strcmp(argv[a], "--no-touch") == 0) touch = 0;
    else if (strcmp(argv[a], "--sample-every") == 0) sample_every = parse_count(argv[a], argv[a + 1]), a++;
    else if (strcmp(argv[a], "--rss-every") == 0) rss_every = parse_count(argv[a], argv[a + 1]), a++;
    else if (strcmp(argv[a], "--ticks") == 0) ticks = parse_count(argv[a], argv[a + 1]), a++;
    else if (strcmp(argv[a], "--test-abort") == 0) abort_halfway = 1;
    else if (!file && argv[a][0] != '-') file = argv[a];
    else die(2, "unknown argument", argv[a]);
  }
  open_out(); /* before any baseline: its pages are ours, populated once */
  page_bytes = sysconf(_SC_PAGESIZE);
  statm_fd = open("/proc/self/statm", O_RDONLY);
  if (statm_fd < 0) die(1, "cannot open /proc/self/statm", strerror(errno));
  if (strcmp(mode, "staircase") == 0) {
    mode_staircase();
    flush_out();
    return 0;
  }
  if (!file) die(2, "usage", "no op file given");
  load(file);
  if (abort_halfway) test_abort_at = count / 2;
  block = table((size_t)ids * sizeof *block);
  live_size = table((size_t)ids * sizeof *live_size);
  if (rss_every == 0) rss_every = count / 256 ? count / 256 : 1;
  if (strcmp(mode, "time") == 0) mode_time();
  else if (strcmp(mode, "detail") == 0) mode_detail(sample_every, rss_every);
  else if (strcmp(mode, "occupancy") == 0) mode_occupancy(ticks);
  else die(2, "unknown mode", mode);
  /* Keep the compiler from discarding the replay: the exit code does not depend on it, but the
   * pointers escape through this call. */
  uintptr_t sink = 0;
  for (uint32_t id = 0; id < ids; id++) sink ^= (uintptr_t)block[id];
  out("sink %lu\n", (unsigned long)(sink & 1));
  flush_out();
  return 0;
}
