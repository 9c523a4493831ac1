/* Attributes in lexicographic order of names (printing, attrNames): radix sort, symbol ranks. */
#include "eval/internal.h"

#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>

/* Sets are sorted by symbol id, which is creation order, so every listing by name
 * sorts. Large sorts use a table of the lexicographic rank of every symbol (built
 * by one name sort of the whole symbol table, rebuilt when the table has doubled):
 * repeated attrNames/attrValues/printing of big sets over the same names then cost
 * a pass over the ranks instead of a string sort. Symbols newer than the table are
 * name-sorted on their own and merged in. */

typedef struct NameRanks {
    uint32_t n;     /* symbols below n are ranked */
    uint32_t *rank; /* rank[sym] */
    uint32_t *slot; /* n entries, all zero between uses (scratch of rank_order) */
} NameRanks;

/* A set of at least this many attributes may build or use the rank table. */
#define RANK_MIN_SET 256

static int name_cmp(const SymTab *t, Symbol a, Symbol b)
{
    size_t la = sym_len(t, a), lb = sym_len(t, b);
    int c = memcmp(sym_name(t, a), sym_name(t, b), la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

typedef struct NameKey {
    uint64_t prefix; /* the first 8 bytes of the name, big-endian, zero-padded */
    uint32_t idx;
    uint32_t sym;
} NameKey;

static int name_rest_cmp(const void *a, const void *b, void *arg)
{
    const NameKey *x = a, *y = b;
    return name_cmp(arg, x->sym, y->sym);
}

/* Sorts keys[0..n) by name: LSD radix over the 8-byte prefixes (names hold no NUL
 * bytes, so zero padding puts a prefix before its extensions), then a comparison
 * sort within runs of equal prefixes. tmp has room for n keys. */
static void name_sort(const SymTab *t, NameKey *keys, NameKey *tmp, uint32_t n)
{
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (uint32_t i = 0; i < n; i++) {
        const char *s = sym_name(t, keys[i].sym);
        size_t len = sym_len(t, keys[i].sym), m = len < 8 ? len : 8;
        uint64_t k = 0;
        for (size_t j = 0; j < m; j++)
            k = k << 8 | (unsigned char)s[j];
        k = m ? k << (8 * (8 - m)) : 0;
        keys[i].prefix = k;
        for (int d = 0; d < 8; d++)
            count[d][(k >> (8 * d)) & 255]++;
    }
    NameKey *src = keys, *dst = tmp;
    for (int d = 0; d < 8; d++) {
        if (count[d][(src[0].prefix >> (8 * d)) & 255] == n)
            continue; /* every key has the same byte here */
        size_t sum = 0;
        for (int v = 0; v < 256; v++) {
            size_t c = count[d][v];
            count[d][v] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++)
            dst[count[d][(src[i].prefix >> (8 * d)) & 255]++] = src[i];
        NameKey *x = src;
        src = dst;
        dst = x;
    }
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && src[j].prefix == src[i].prefix)
            j++;
        if (j - i > 1)
            qsort_r(src + i, j - i, sizeof *src, name_rest_cmp, (void *)t);
        i = j;
    }
    if (src != keys)
        memcpy(keys, src, (size_t)n * sizeof *keys);
}

static void rebuild_ranks(EvalState *st, NameRanks *r, uint32_t nsyms)
{
    NameKey *keys = GC_MALLOC_ATOMIC((size_t)nsyms * sizeof *keys);
    NameKey *tmp = GC_MALLOC_ATOMIC((size_t)nsyms * sizeof *tmp);
    for (uint32_t s = 1; s < nsyms; s++)
        keys[s - 1] = (NameKey){0, 0, s};
    name_sort(st->symbols, keys, tmp, nsyms - 1);
    uint32_t *rank = GC_MALLOC_ATOMIC((size_t)nsyms * sizeof *rank);
    rank[0] = 0;
    for (uint32_t i = 0; i < nsyms - 1; i++)
        rank[keys[i].sym] = i + 1;
    GC_FREE(keys);
    GC_FREE(tmp);
    uint32_t *slot = GC_MALLOC_ATOMIC((size_t)nsyms * sizeof *slot);
    memset(slot, 0, (size_t)nsyms * sizeof *slot);
    r->rank = rank;
    r->slot = slot;
    r->n = nsyms;
}

/* Writes the indices idx[0..m) of b's attrs (all ranked) to out in name order. */
static void rank_order(NameRanks *r, const Bindings *b, const uint32_t *idx, uint32_t m,
                       uint32_t *out)
{
    if ((uint64_t)m * 4 >= r->n) {
        /* dense: drop each index at its rank, then collect in rank order */
        for (uint32_t i = 0; i < m; i++)
            r->slot[r->rank[b->attrs[idx[i]].name]] = idx[i] + 1;
        uint32_t k = 0;
        for (uint32_t x = 0; k < m; x++)
            if (r->slot[x]) {
                out[k++] = r->slot[x] - 1;
                r->slot[x] = 0;
            }
        return;
    }
    /* sparse: LSD radix sort of (rank << 32 | index) on the rank bits */
    uint64_t *a = GC_MALLOC_ATOMIC((size_t)m * sizeof *a), *t = GC_MALLOC_ATOMIC((size_t)m * sizeof *t);
    for (uint32_t i = 0; i < m; i++)
        a[i] = (uint64_t)r->rank[b->attrs[idx[i]].name] << 32 | idx[i];
    size_t count[2048];
    for (int shift = 32; shift < 64 && (r->n >> (shift - 32)); shift += 11) {
        memset(count, 0, sizeof count);
        for (uint32_t i = 0; i < m; i++)
            count[(a[i] >> shift) & 2047]++;
        size_t sum = 0;
        for (int d = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < m; i++)
            t[count[(a[i] >> shift) & 2047]++] = a[i];
        uint64_t *x = a;
        a = t;
        t = x;
    }
    for (uint32_t i = 0; i < m; i++)
        out[i] = (uint32_t)a[i];
}

/* Writes the indices idx[0..m) of b's attrs to out in name order (no ranks). */
static void plain_order(EvalState *st, const Bindings *b, const uint32_t *idx, uint32_t m,
                        uint32_t *out)
{
    if (m < 16) {
        for (uint32_t i = 0; i < m; i++) {
            uint32_t x = idx[i], j = i;
            while (j > 0 && name_cmp(st->symbols, b->attrs[out[j - 1]].name, b->attrs[x].name) > 0) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = x;
        }
        return;
    }
    NameKey *keys = GC_MALLOC_ATOMIC((size_t)m * sizeof *keys);
    NameKey *tmp = GC_MALLOC_ATOMIC((size_t)m * sizeof *tmp);
    for (uint32_t i = 0; i < m; i++)
        keys[i] = (NameKey){0, idx[i], b->attrs[idx[i]].name};
    name_sort(st->symbols, keys, tmp, m);
    for (uint32_t i = 0; i < m; i++)
        out[i] = keys[i].idx;
    GC_FREE(keys);
    GC_FREE(tmp);
}

uint32_t *attrs_sorted_by_name(EvalState *st, const Bindings *b)
{
    uint32_t n = b->size;
    uint32_t *out = GC_MALLOC_ATOMIC((n ? n : 1) * sizeof *out);
    if (n <= 16) {
        /* small sets (records in toJSON, printing): insertion sort on the stack */
        struct { const char *s; size_t len; uint32_t idx; } tmp[16], x;
        for (uint32_t i = 0; i < n; i++) {
            x.s = sym_name(st->symbols, b->attrs[i].name);
            x.len = sym_len(st->symbols, b->attrs[i].name);
            x.idx = i;
            uint32_t j = i;
            while (j > 0) {
                size_t m = tmp[j - 1].len < x.len ? tmp[j - 1].len : x.len;
                int c = memcmp(tmp[j - 1].s, x.s, m);
                if (c < 0 || (c == 0 && tmp[j - 1].len < x.len))
                    break;
                tmp[j] = tmp[j - 1];
                j--;
            }
            tmp[j] = x;
        }
        for (uint32_t i = 0; i < n; i++)
            out[i] = tmp[i].idx;
        return out;
    }
    uint32_t *all = GC_MALLOC_ATOMIC((n ? n : 1) * sizeof *all);
    for (uint32_t i = 0; i < n; i++)
        all[i] = i;
    EvalPriv *p = st->priv;
    NameRanks *r = p->name_ranks;
    if (n < RANK_MIN_SET) {
        plain_order(st, b, all, n, out);
        return out;
    }
    uint32_t nsyms = (uint32_t)sym_count(st->symbols) + 1;
    uint32_t ranked_below = r ? r->n : 0;
    uint32_t fresh = 0;
    for (uint32_t i = 0; i < n; i++)
        fresh += b->attrs[i].name >= ranked_below;
    /* (Re)build when this set is mostly unranked, large next to the symbol table (the
     * build costs at most a few sorts of it), and the table has doubled since the last
     * build (so builds cost O(1) amortised per symbol). */
    if (fresh > n / 2 && (uint64_t)n * 4 >= nsyms && nsyms >= 2 * (uint64_t)ranked_below) {
        if (!r)
            r = p->name_ranks = GC_MALLOC(sizeof *r);
        rebuild_ranks(st, r, nsyms);
        ranked_below = nsyms;
        fresh = 0;
    }
    if (fresh == n) {
        plain_order(st, b, all, n, out);
        return out;
    }
    if (fresh == 0) {
        rank_order(r, b, all, n, out);
        return out;
    }
    /* both: rank the old names, sort the new ones, merge */
    uint32_t *old_idx = all, *new_idx = GC_MALLOC_ATOMIC((size_t)fresh * sizeof *new_idx);
    uint32_t no = 0, nn = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (b->attrs[i].name < ranked_below)
            old_idx[no++] = i;
        else
            new_idx[nn++] = i;
    }
    uint32_t *a = GC_MALLOC_ATOMIC((size_t)no * sizeof *a), *c = GC_MALLOC_ATOMIC((size_t)nn * sizeof *c);
    rank_order(r, b, old_idx, no, a);
    plain_order(st, b, new_idx, nn, c);
    uint32_t i = 0, j = 0, k = 0;
    while (i < no && j < nn)
        out[k++] = name_cmp(st->symbols, b->attrs[a[i]].name, b->attrs[c[j]].name) < 0 ? a[i++] : c[j++];
    while (i < no)
        out[k++] = a[i++];
    while (j < nn)
        out[k++] = c[j++];
    return out;
}
