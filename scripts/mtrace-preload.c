/*
 * Turns on glibc's mtrace in every process it is preloaded into, one trace file per process.
 * Built and preloaded by capture-trace.sh, next to libc_malloc_debug.so.
 *
 * Why each piece is here:
 * - Since glibc 2.34 mtrace lives in libc_malloc_debug.so and records nothing until the program
 *   itself calls mtrace(); this constructor makes that call for programs that never would.
 * - mtrace() takes its output path from MALLOC_TRACE, which every child would inherit and then
 *   truncate. So the path is made here from HEAPFORGE_TRACE_DIR, the program name and the pid,
 *   and shown to mtrace() alone, never put in the real environment.
 * - A child made by fork() (not vfork/posix_spawn, which exec at once) shares the parent's trace
 *   stream. Before fork, stdio buffers are flushed so the child does not inherit half-written
 *   lines; in the child the stream's descriptor is pointed at a fresh file of its own.
 * - A process that execs or calls _exit loses what glibc still holds in its 512-byte trace
 *   buffer; capture-trace.sh trims the partial last line that can leave behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mcheck.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FD_SEARCHED 1024

static char trace_dir[3072];
static int trace_fd = -1;

/* <dir>/<program>.<pid>.mtrace, with anything odd in the program name made harmless. An exec
   keeps the pid, so a program that execs one of the same name gets .2, .3, ... rather than
   truncating the first one's trace. */
static void format_trace_path(char *path, size_t capacity, pid_t pid)
{
    char name[64];
    const char *source = program_invocation_short_name;
    size_t n = 0;
    for (; source[n] != '\0' && n < sizeof name - 1; n++) {
        char c = source[n];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
        name[n] = plain ? c : '_';
    }
    name[n] = '\0';
    const char *program = n > 0 ? name : "process";
    snprintf(path, capacity, "%s/%s.%ld.mtrace", trace_dir, program, (long)pid);
    for (int again = 2; access(path, F_OK) == 0 && again < 1000; again++)
        snprintf(path, capacity, "%s/%s.%ld.%d.mtrace", trace_dir, program, (long)pid, again);
}

/* mtrace() keeps its FILE to itself; the descriptor is found by matching the file's inode. */
static int find_fd_of(const char *path)
{
    struct stat target;
    if (stat(path, &target) != 0)
        return -1;
    for (int fd = 0; fd < MAX_FD_SEARCHED; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_dev == target.st_dev && st.st_ino == target.st_ino)
            return fd;
    }
    return -1;
}

static void flush_before_fork(void)
{
    fflush(NULL);
}

/* Runs in the child of fork(): its trace goes on in a file of its own, not the parent's. */
static void retarget_in_child(void)
{
    if (trace_fd < 0)
        return;
    char path[4096];
    format_trace_path(path, sizeof path, getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    static const char start[] = "= Start\n";
    ssize_t ignored = write(fd, start, sizeof start - 1);
    (void)ignored;
    dup3(fd, trace_fd, O_CLOEXEC);
    close(fd);
}

/* Read from environ itself: some programs (bash) export their own getenv and setenv. */
static const char *find_env(const char *name)
{
    size_t length = strlen(name);
    for (char **entry = environ; entry != NULL && *entry != NULL; entry++)
        if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
            return *entry + length + 1;
    return NULL;
}

__attribute__((constructor)) static void start_mtrace(void)
{
    const char *dir = find_env("HEAPFORGE_TRACE_DIR");
    if (dir == NULL || dir[0] == '\0' || strlen(dir) >= sizeof trace_dir)
        return;
    strcpy(trace_dir, dir);
    static char setting[sizeof "MALLOC_TRACE=" + 4096];
    strcpy(setting, "MALLOC_TRACE=");
    format_trace_path(setting + strlen(setting), sizeof setting - strlen(setting), getpid());

    /* mtrace() reads only MALLOC_TRACE, so it is shown an environment of that one entry;
       children never see the variable and so cannot truncate this process's file. */
    int saved_errno = errno;
    char *only_setting[] = {setting, NULL};
    char **saved_environ = environ;
    environ = only_setting;
    mtrace();
    environ = saved_environ;
    trace_fd = find_fd_of(setting + strlen("MALLOC_TRACE="));
    if (trace_fd >= 0)
        pthread_atfork(flush_before_fork, NULL, retarget_in_child);
    errno = saved_errno;
}
