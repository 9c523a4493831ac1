/* Helpers shared by the pure primop families: bulk value allocation, symbol maps. */
#include "primops/primutil.h"

#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>

Value *prim_values(EvalState *st, size_t n)
{
    st->stats.values += n;
    return GC_MALLOC((n ? n : 1) * sizeof(Value));
}

Value *prim_sym_string(EvalState *st, Symbol s)
{
    if (s >= st->nsym_strings) {
        size_t n = sym_count(st->symbols) + 1;
        if (n <= s)
            n = (size_t)s + 1;
        n += n / 2;
        Value **v = GC_MALLOC(n * sizeof *v);
        if (st->nsym_strings)
            memcpy(v, st->sym_strings, st->nsym_strings * sizeof *v);
        st->sym_strings = v;
        st->nsym_strings = (uint32_t)n;
    }
    Value *v = st->sym_strings[s];
    if (!v) {
        v = val_alloc(st);
        val_set_string(v, sym_name(st->symbols, s), sym_len(st->symbols, s), NULL);
        st->sym_strings[s] = v;
    }
    return v;
}

PosIdx prim_value_pos(const Value *v, PosIdx fallback)
{
    switch (v->type) {
    case T_ATTRS:
        return v->attrs->pos ? v->attrs->pos : fallback;
    case T_LAMBDA:
        return v->lambda.fun->base.pos;
    case T_APP:
        return prim_value_pos(v->app.fn, fallback);
    default:
        return fallback;
    }
}

static uint32_t sym_slot_hash(Symbol s, uint32_t mask)
{
    return (s * 2654435761u) & mask;
}

static void symmap_alloc(PrimSymMap *m, uint32_t cap)
{
    m->keys = GC_MALLOC_ATOMIC(cap * sizeof(uint32_t));
    m->vals = GC_MALLOC_ATOMIC(cap * sizeof(uint32_t));
    memset(m->keys, 0, cap * sizeof(uint32_t));
    m->mask = cap - 1;
    m->n = 0;
}

void prim_symmap_init(PrimSymMap *m, size_t expected)
{
    uint32_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    symmap_alloc(m, cap);
}

uint32_t *prim_symmap_get(PrimSymMap *m, Symbol key, bool *added)
{
    if ((m->n + 1) * 2 > m->mask + 1) {
        PrimSymMap old = *m;
        symmap_alloc(m, (old.mask + 1) * 2);
        for (uint32_t i = 0; i <= old.mask; i++)
            if (old.keys[i]) {
                bool dummy;
                *prim_symmap_get(m, old.keys[i], &dummy) = old.vals[i];
            }
    }
    for (uint32_t i = sym_slot_hash(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) {
            *added = false;
            return &m->vals[i];
        }
        if (m->keys[i] == 0) {
            m->keys[i] = key;
            m->vals[i] = 0;
            m->n++;
            *added = true;
            return &m->vals[i];
        }
    }
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Large inputs: a stable LSD radix sort on the high 32 bits (the symbol), 11 bits
 * per pass; the low bits (indices) are already ascending in the callers' input. */
void prim_sort_u64(uint64_t *a, size_t n)
{
    if (n < 512) {
        qsort(a, n, sizeof *a, u64_cmp);
        return;
    }
    uint64_t *tmp = GC_MALLOC_ATOMIC(n * sizeof *a);
    uint64_t *src = a, *dst = tmp;
    size_t count[2048];
    for (int shift = 32; shift < 64; shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 2047]++;
        if (count[(src[0] >> shift) & 2047] == n)
            continue; /* all keys share this digit */
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 2047]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

uint32_t *prim_attrs_by_name(EvalState *st, const Bindings *b)
{
    return attrs_sorted_by_name(st, b);
}
