/* String contexts: sorted, deduplicated arrays of store-path references. */
#include "eval/value.h"

#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>

static StrContext *ctx_new(size_t n)
{
    StrContext *c = GC_MALLOC(sizeof(StrContext) + n * sizeof(const char *));
    c->n = 0;
    return c;
}

const StrContext *ctx_merge(const StrContext *a, const StrContext *b)
{
    if (!a || a->n == 0)
        return b && b->n ? b : NULL;
    if (!b || b->n == 0 || a == b)
        return a;
    StrContext *c = ctx_new(a->n + b->n);
    uint32_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        int cmp = strcmp(a->elems[i], b->elems[j]);
        if (cmp < 0)
            c->elems[c->n++] = a->elems[i++];
        else if (cmp > 0)
            c->elems[c->n++] = b->elems[j++];
        else {
            c->elems[c->n++] = a->elems[i++];
            j++;
        }
    }
    while (i < a->n)
        c->elems[c->n++] = a->elems[i++];
    while (j < b->n)
        c->elems[c->n++] = b->elems[j++];
    /* Reuse an input when the merge added nothing. */
    if (c->n == a->n)
        return a;
    if (c->n == b->n)
        return b;
    return c;
}

const StrContext *ctx_single(const char *elem)
{
    StrContext *c = ctx_new(1);
    c->elems[0] = elem;
    c->n = 1;
    return c;
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const StrContext *ctx_from_array(const char **elems, size_t n)
{
    if (n == 0)
        return NULL;
    StrContext *c = ctx_new(n);
    memcpy(c->elems, elems, n * sizeof(const char *));
    qsort(c->elems, n, sizeof(const char *), str_ptr_cmp);
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(c->elems[k - 1], c->elems[i]) != 0)
            c->elems[k++] = c->elems[i];
    c->n = k;
    return c;
}
