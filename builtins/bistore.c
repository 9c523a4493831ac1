/* The per-state store data of the builtins and the helpers the files that make store
 * objects share. */
#include "builtins/bistore.h"

#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "builtins/builtins.h"
#include "builtins/derivation.h"
#include "store/path.h"
#include "util/sort.h"
#include "util/strbuf.h"

void bi_empty_hash(EvalState *st, HashAlgo algo, Hash *out)
{
    memset(out, 0, sizeof *out);
    out->algo = algo;
    out->len = (uint32_t)hash_algo_size(algo);
    /* CppNix's plain warn(): no position */
    eval_print_warning(st, sb_fmt("found empty hash, assuming '%s'", hash_to_string(out, HASH_FMT_SRI, true)), 0);
}

const char *bi_store_dir(EvalState *st)
{
    return st->settings.store_dir && *st->settings.store_dir ? st->settings.store_dir
                                                             : STORE_DEFAULT_DIR;
}

/* Uncollectable: st->store may live in memory the collector does not scan. */
static BiStore *state_with(EvalState *st, Store *s)
{
    if (!st->store) {
        BiStore *b = GC_MALLOC_UNCOLLECTABLE(sizeof *b);
        if (!s) {
            /* bi_open_all was given no store (unit tests, fuzzers): the default local
             * store with only the evaluator's store dir, which read-only evaluation never
             * writes to. */
            const char *err = NULL;
            StoreSettings set = {.store_dir = bi_store_dir(st)};
            s = store_open("local", &set, &err);
        }
        b->ls = s;
        b->drvs = drv_cache_new(store_drv_loader, b->ls);
        st->store = b;
    }
    return st->store;
}

BiStore *bi_state(EvalState *st) { return state_with(st, NULL); }

void bi_store_set_writable(EvalState *st, bool on) { bi_state(st)->writable = on; }

void bi_store_init(EvalState *st, struct Store *store)
{
    st->copy_path_to_store = bi_copy_path_to_store;
    if (store) /* else nothing until first use: start-up stays cheap */
        state_with(st, store);
}

struct Store *bi_store(EvalState *st) { return bi_state(st)->ls; }

char *bi_fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *r = GC_MALLOC_ATOMIC((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(r, (size_t)n + 1, f, ap);
    va_end(ap);
    return r;
}

void bi_pv_push(PtrVec *p, const char *s)
{
    if (!p->v) {
        p->v = p->inl;
        p->cap = 8;
    }
    if (p->n == p->cap) {
        p->cap *= 2;
        const char **nv = GC_MALLOC(p->cap * sizeof *nv);
        memcpy(nv, p->v, p->n * sizeof *nv);
        p->v = nv;
    }
    p->v[p->n++] = s;
}

const char **bi_pv_finish(PtrVec *p)
{
    if (p->v != p->inl)
        return p->v;
    const char **r = GC_MALLOC((p->n ? p->n : 1) * sizeof *r);
    memcpy(r, p->v, p->n * sizeof *r);
    return r;
}

void bi_pv_add_ctx(PtrVec *p, const StrContext *c)
{
    for (uint32_t i = 0; c && i < c->n; i++)
        bi_pv_push(p, c->elems[i]);
}

void bi_pv_sort_unique(PtrVec *p)
{
    if (p->n < 2)
        return;
    qsort(p->v, p->n, sizeof *p->v, sort_cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < p->n; i++)
        if (strcmp(p->v[i], p->v[k - 1]) != 0)
            p->v[k++] = p->v[i];
    p->n = k;
}

/* The references of a store path we know of: a derivation in the cache, a pending
 * object, or a valid path in the database. */
static const char **refs_of(EvalState *st, const char *path, size_t *n)
{
    BiStore *b = bi_state(st);
    *n = 0;
    if (bi_has_suffix(path, ".drv")) {
        const char *err = NULL;
        const Derivation *d = drv_cache_get(b->drvs, path, &err);
        if (d)
            return drv_references(d, n);
    }
    TextRefs *t = strmap_get(&b->text_refs, path);
    if (t) {
        *n = t->nrefs;
        return t->refs;
    }
    return store_query_references(b->ls, path, n);
}

void bi_closure(EvalState *st, const char *path, StrMap *seen, PtrVec *out)
{
    PtrVec todo = {0};
    bi_pv_push(&todo, path);
    while (todo.n) {
        const char *p = todo.v[--todo.n];
        if (strmap_get(seen, p))
            continue;
        strmap_put(seen, p, (void *)1);
        bi_pv_push(out, p);
        size_t n;
        const char **refs = refs_of(st, p, &n);
        for (size_t i = 0; i < n; i++)
            bi_pv_push(&todo, refs[i]);
    }
}
