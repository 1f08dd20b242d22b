/* failmalloc.c — allocation-failure and file-change hooks for tests, linked
 * into a test build of permit-etl with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=read
 * (build/asan/permit-etl-failalloc, made by `make failalloc`). Every call
 * from permit-etl's own code goes through the hooks below; calls made inside
 * libraries (json-c, SQLite, libcurl, OpenSSL) are not counted. The build is
 * ASan+UBSan with LeakSanitizer on: one run both injects a failure and
 * checks that the error path frees everything (LD_PRELOAD cannot be used
 * with ASan, which must own malloc; valgrind replaces malloc too).
 *
 * PERMIT_ETL_FAIL_ALLOC=N  (N >= 1) the Nth allocation returns NULL (ENOMEM);
 *                          later ones succeed (like curl's torture tests).
 * PERMIT_ETL_FAIL_ALLOC=0  counting only: at exit, prints
 *                          "failmalloc: N allocations" on stderr.
 * PERMIT_ETL_CHANGE_ON_READ=N  after the Nth successful read() of a regular
 *                          file, appends one byte to that file (through
 *                          /proc/self/fd), i.e. the file changes while read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ssize_t __real_read(int fd, void *b, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __wrap_read(int fd, void *b, size_t n);

static long fail_at = -1;        /* -1: hooks off */
static long change_at = -1;
static unsigned long count, reads;

static void report(void)
{
    fprintf(stderr, "failmalloc: %lu allocations\n", count);
}

__attribute__((constructor)) static void setup(void)
{
    const char *e = getenv("PERMIT_ETL_FAIL_ALLOC");
    char *end;

    if (e && *e) {
        fail_at = strtol(e, &end, 10);
        if (*end || fail_at < 0)
            fail_at = -1;
        else if (fail_at == 0)
            atexit(report);
    }
    e = getenv("PERMIT_ETL_CHANGE_ON_READ");
    if (e && *e) {
        change_at = strtol(e, &end, 10);
        if (*end || change_at < 1)
            change_at = -1;
    }
}

/* 1 if this allocation must fail. */
static int fail_now(void)
{
    unsigned long n;

    if (fail_at < 0)
        return 0;
    n = __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
    if (fail_at > 0 && n == (unsigned long)fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    return fail_now() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

ssize_t __wrap_read(int fd, void *b, size_t n)
{
    ssize_t r = __real_read(fd, b, n);
    struct stat sb;

    if (r > 0 && change_at > 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
        ++reads == (unsigned long)change_at) {
        char path[64];
        int w;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (w >= 0) {
            if (write(w, "\n", 1) != 1)
                perror("failmalloc: append");
            close(w);
        }
    }
    return r;
}
