/* voidmatch.c — sales spilled to a temp file, voids in a hash set (voidmatch.h). */
#include "voidmatch.h"
#include "spill.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct vm_void {
    struct voidmatch_void v;      /* key, plate, zone, file point into one allocation */
    int      matched;
};

struct voidmatch {
    struct spill *sales;
    struct vm_void *voids;        /* in the order read */
    size_t  nvoids, capvoids;
    struct strmap keys;           /* void key -> its index in voids */
};

struct voidmatch *voidmatch_new(struct etl_err *err)
{
    struct voidmatch *vm = calloc(1, sizeof(*vm));

    if (!vm) {
        etl_fail(err, E_NOMEM, "out of memory");
        return NULL;
    }
    if (!(vm->sales = spill_new("report", err))) {
        voidmatch_free(vm);
        return NULL;
    }
    return vm;
}

int voidmatch_sale(struct voidmatch *vm, const struct permit *p, struct etl_err *err)
{
    return spill_put(vm->sales, p, err);
}

static struct vm_void *vm_find(struct voidmatch *vm, const char *key)
{
    long i = strmap_find(&vm->keys, key, strlen(key));

    return i < 0 || !vm->voids ? NULL : &vm->voids[i];
}

int voidmatch_void(struct voidmatch *vm, const struct permit *p, struct etl_err *err)
{
    const char *file = p->source ? p->source : "";
    size_t kl = strlen(p->key) + 1, pl = strlen(p->plate) + 1, zl = strlen(p->zone) + 1,
           fl = strlen(file) + 1;
    struct vm_void *v;
    char *mem;

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
    mem = malloc(kl + pl + zl + fl);
    if (!mem)
        return etl_fail(err, E_NOMEM, "out of memory (void keys)");
    v = &vm->voids[vm->nvoids];
    memset(v, 0, sizeof(*v));
    memcpy(mem, p->key, kl);
    memcpy(mem + kl, p->plate, pl);
    memcpy(mem + kl + pl, p->zone, zl);
    memcpy(mem + kl + pl + zl, file, fl);
    v->v.key = mem;
    v->v.plate = mem + kl;
    v->v.zone = mem + kl + pl;
    v->v.file = mem + kl + pl + zl;
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

int voidmatch_replay(struct voidmatch *vm, voidmatch_sale_fn sale,
                     voidmatch_void_fn unmatched, void *ctx, struct etl_err *err)
{
    struct permit *p = malloc(sizeof(*p));
    size_t i;
    int r, ret = -1;

    if (!p)
        return etl_fail(err, E_NOMEM, "out of memory");
    memset(p, 0, sizeof(*p));
    if (spill_rewind(vm->sales, err) < 0)
        goto out;
    while ((r = spill_next(vm->sales, p, err)) == 1) {
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
    spill_free(vm->sales);
    for (i = 0; i < vm->nvoids; i++)
        free((char *)vm->voids[i].v.key);
    free(vm->voids);
    strmap_release(&vm->keys);
    free(vm);
}
