/* voidmatch.c — sales spilled to a temp file, voids in a hash set (voidmatch.h). */
#include "voidmatch.h"
#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPILL_BUF ((size_t)256 * 1024)

/* The strings of a spilled permit, in spill order. */
#define NSTR 7

struct vm_void {
    struct voidmatch_void v;      /* key, plate, zone point into one allocation */
    int      matched;
};

struct voidmatch {
    FILE   *spill;
    char   *spill_buf;            /* stdio buffer of the spill */
    char   *tmpdir;
    long    nsales;
    char  **srcs;                 /* interned source paths */
    size_t  nsrcs, capsrcs;
    struct vm_void *voids;        /* in the order read */
    size_t  nvoids, capvoids;
    struct strmap keys;           /* void key -> its index in voids */
    unsigned char rec[64 + NSTR * (2 + ZONE_MAX * 4 + 1) + KEY_BYTES_MAX];
};

/* The index of path among the interned sources (added if new); -1: ENOMEM. */
static long vm_source(struct voidmatch *vm, const char *path)
{
    size_t i;

    if (!path)
        path = "";
    for (i = vm->nsrcs; i-- > 0;)
        if (strcmp(vm->srcs[i], path) == 0)
            return (long)i;
    if (vm->nsrcs == vm->capsrcs) {
        size_t cap = vm->capsrcs ? vm->capsrcs * 2 : 8;
        char **n = realloc(vm->srcs, cap * sizeof(*n));
        if (!n)
            return -1;
        vm->srcs = n;
        vm->capsrcs = cap;
    }
    vm->srcs[vm->nsrcs] = strdup(path);
    if (!vm->srcs[vm->nsrcs])
        return -1;
    return (long)vm->nsrcs++;
}

struct voidmatch *voidmatch_new(struct etl_err *err)
{
    struct voidmatch *vm = calloc(1, sizeof(*vm));
    const char *dir = getenv("TMPDIR");
    size_t n;
    int fd = -1;

    if (!vm) {
        etl_fail(err, E_NOMEM, "out of memory");
        return NULL;
    }
    if (!dir || !*dir)
        dir = "/tmp";
    n = strlen(dir) + sizeof("/permit-etl-report-XXXXXX");
    vm->tmpdir = malloc(n);
    vm->spill_buf = malloc(SPILL_BUF);
    if (!vm->tmpdir || !vm->spill_buf) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto fail;
    }
    snprintf(vm->tmpdir, n, "%s/permit-etl-report-XXXXXX", dir);
    fd = mkstemp(vm->tmpdir);                    /* mode 0600 */
    if (fd < 0) {
        etl_fail(err, E_IO, "report: cannot create a temp file in %s: %s", dir,
                 strerror(errno));
        goto fail;
    }
    (void)unlink(vm->tmpdir);                    /* gone whatever happens next */
    if (fchmod(fd, S_IRUSR | S_IWUSR) < 0 || !(vm->spill = fdopen(fd, "w+b"))) {
        etl_fail(err, E_IO, "report: temp file in %s: %s", dir, strerror(errno));
        close(fd);
        goto fail;
    }
    setvbuf(vm->spill, vm->spill_buf, _IOFBF, SPILL_BUF);
    vm->tmpdir[strlen(dir)] = '\0';              /* keep the directory for messages */
    return vm;
fail:
    voidmatch_free(vm);
    return NULL;
}

static unsigned char *put_i64(unsigned char *o, long long v)
{
    memcpy(o, &v, sizeof(v));
    return o + sizeof(v);
}

static unsigned char *put_str(unsigned char *o, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap - 1);
    uint16_t l = (uint16_t)n;

    memcpy(o, &l, sizeof(l));
    memcpy(o + sizeof(l), s, n);
    return o + sizeof(l) + n;
}

/* The strings of a permit in spill order, with their capacities. */
#define PERMIT_STRS(p) \
    { (p)->plate, (p)->vendor_zone, (p)->zone, (p)->permit_no, (p)->ticket, (p)->promo, \
      (p)->key }
#define PERMIT_CAPS(p) \
    { sizeof((p)->plate), sizeof((p)->vendor_zone), sizeof((p)->zone), \
      sizeof((p)->permit_no), sizeof((p)->ticket), sizeof((p)->promo), sizeof((p)->key) }

int voidmatch_sale(struct voidmatch *vm, const struct permit *p, struct etl_err *err)
{
    const char *strs[NSTR] = PERMIT_STRS(p);
    const size_t caps[NSTR] = PERMIT_CAPS(p);
    unsigned char *o = vm->rec + sizeof(uint32_t);
    long src = vm_source(vm, p->source);
    uint32_t len;
    int i;

    if (src < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    o = put_i64(o, p->cents);
    o = put_i64(o, p->start);
    o = put_i64(o, p->end);
    o = put_i64(o, p->line);
    o = put_i64(o, src);
    *o++ = (unsigned char)p->currency;
    *o++ = (unsigned char)p->zone_status;
    for (i = 0; i < NSTR; i++)
        o = put_str(o, strs[i], caps[i]);
    len = (uint32_t)(o - vm->rec);
    memcpy(vm->rec, &len, sizeof(len));
    if (fwrite(vm->rec, 1, len, vm->spill) != len)
        return etl_fail(err, E_IO, "report: cannot write the temp file in %s: %s",
                        vm->tmpdir, strerror(errno));
    vm->nsales++;
    return 0;
}

static struct vm_void *vm_find(struct voidmatch *vm, const char *key)
{
    long i = strmap_find(&vm->keys, key, strlen(key));

    return i < 0 || !vm->voids ? NULL : &vm->voids[i];
}

int voidmatch_void(struct voidmatch *vm, const struct permit *p, struct etl_err *err)
{
    size_t kl = strlen(p->key) + 1, pl = strlen(p->plate) + 1, zl = strlen(p->zone) + 1;
    struct vm_void *v;
    char *mem;
    long src;

    if (vm_find(vm, p->key))
        return 0;                       /* ingest rejects a second void as a duplicate */
    if (vm->nvoids == vm->capvoids || !vm->voids) {
        size_t cap = vm->capvoids ? vm->capvoids * 2 : 16;
        struct vm_void *n = realloc(vm->voids, cap * sizeof(*n));
        if (!n)
            return etl_fail(err, E_NOMEM, "out of memory (void keys)");
        vm->voids = n;
        vm->capvoids = cap;
    }
    src = vm_source(vm, p->source);
    mem = malloc(kl + pl + zl);
    if (src < 0 || !mem) {
        free(mem);
        return etl_fail(err, E_NOMEM, "out of memory (void keys)");
    }
    v = &vm->voids[vm->nvoids];
    memset(v, 0, sizeof(*v));
    memcpy(mem, p->key, kl);
    memcpy(mem + kl, p->plate, pl);
    memcpy(mem + kl + pl, p->zone, zl);
    v->v.key = mem;
    v->v.plate = mem + kl;
    v->v.zone = mem + kl + pl;
    v->v.file = vm->srcs[src];          /* stable: srcs only grows by realloc of pointers */
    v->v.line = p->line;
    v->v.cents = p->cents;
    v->v.currency = p->currency;
    if (strmap_add(&vm->keys, p->key, kl - 1, NULL) < 0) {   /* index nvoids */
        free(mem);
        return etl_fail(err, E_NOMEM, "out of memory (void keys)");
    }
    vm->nvoids++;
    return 0;
}

static long long get_i64(const unsigned char **in)
{
    long long v;

    memcpy(&v, *in, sizeof(v));
    *in += sizeof(v);
    return v;
}

/* Reads one spilled record into *p; 1 read, 0 end, -1 error. */
static int vm_read(struct voidmatch *vm, struct permit *p, struct etl_err *err)
{
    char *strs[NSTR] = PERMIT_STRS(p);
    const size_t caps[NSTR] = PERMIT_CAPS(p);
    const unsigned char *in, *end;
    uint32_t len;
    size_t got;
    long long src;
    int i;

    got = fread(&len, 1, sizeof(len), vm->spill);
    if (got == 0 && feof(vm->spill))
        return 0;
    if (got != sizeof(len) || len < sizeof(len) + (size_t)5 * 8 + 2 + (size_t)NSTR * 2 ||
        len > sizeof(vm->rec) ||
        fread(vm->rec + sizeof(len), 1, len - sizeof(len), vm->spill) != len - sizeof(len))
        return etl_fail(err, E_IO, "report: cannot read the temp file in %s back%s%s",
                        vm->tmpdir, ferror(vm->spill) ? ": " : " (truncated)",
                        ferror(vm->spill) ? strerror(errno) : "");
    in = vm->rec + sizeof(len);
    end = vm->rec + len;
    p->cents = get_i64(&in);
    p->start = get_i64(&in);
    p->end = get_i64(&in);
    p->line = (long)get_i64(&in);
    src = get_i64(&in);
    p->currency = (enum currency)*in++;
    p->zone_status = (enum zone_status)*in++;
    p->voided = 0;
    p->source = src >= 0 && (size_t)src < vm->nsrcs ? vm->srcs[src] : "";
    for (i = 0; i < NSTR; i++) {
        uint16_t l;
        if (end - in < 2)
            goto bad;
        memcpy(&l, in, sizeof(l));
        in += sizeof(l);
        if (l >= caps[i] || end - in < l)
            goto bad;
        memcpy(strs[i], in, l);
        strs[i][l] = '\0';
        in += l;
    }
    return 1;
bad:
    return etl_fail(err, E_INTERNAL, "report: the temp file in %s is corrupt", vm->tmpdir);
}

int voidmatch_replay(struct voidmatch *vm, voidmatch_sale_fn sale,
                     voidmatch_void_fn unmatched, void *ctx, struct etl_err *err)
{
    struct permit *p = malloc(sizeof(*p));
    size_t i;
    int r, ret = -1;

    if (!p)
        return etl_fail(err, E_NOMEM, "out of memory");
    memset(p, 0, sizeof(*p));
    if (fflush(vm->spill) != 0 || fseek(vm->spill, 0, SEEK_SET) != 0) {
        etl_fail(err, E_IO, "report: cannot write the temp file in %s: %s", vm->tmpdir,
                 strerror(errno));
        goto out;
    }
    while ((r = vm_read(vm, p, err)) == 1) {
        struct vm_void *v = vm_find(vm, p->key);
        if (v)
            v->matched = 1;
        if (sale(ctx, p, v ? &v->v : NULL, err) != 0)
            goto out;
    }
    if (r < 0)
        goto out;
    for (i = 0; i < vm->nvoids; i++)
        if (!vm->voids[i].matched && unmatched(ctx, &vm->voids[i].v, err) != 0)
            goto out;
    ret = 0;
out:
    free(p);
    return ret;
}

void voidmatch_free(struct voidmatch *vm)
{
    size_t i;

    if (!vm)
        return;
    if (vm->spill)
        fclose(vm->spill);
    free(vm->spill_buf);
    free(vm->tmpdir);
    for (i = 0; i < vm->nsrcs; i++)
        free(vm->srcs[i]);
    free(vm->srcs);
    for (i = 0; i < vm->nvoids; i++)
        free((char *)vm->voids[i].v.key);
    free(vm->voids);
    strmap_release(&vm->keys);
    free(vm);
}
