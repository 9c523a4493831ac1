/* Position table: PosIdx -> (source, line, column), stored in growable arrays. */
#include "parser/pos.h"

#include <gc/gc.h>
#include <string.h>

/* Entries hold a source index rather than a pointer so that the (large)
 * entry array is pointer-free and never scanned by the collector. */
typedef struct PosEntry {
    uint32_t src, line, col;
} PosEntry;

/* Entries live in fixed-size chunks so that growing never copies them. */
#define POS_CHUNK_BITS 14
#define POS_CHUNK (1u << POS_CHUNK_BITS)

struct PosTable {
    PosEntry **chunks; /* entry 0 = no position; each chunk is atomic memory */
    uint32_t count, nchunks, capchunks;
    const Source **sources; /* index 0 unused */
    uint32_t nsources, capsources;
    /* Offset positions: PosIdx with POS_OFFSET_BIT set is pos_base + offset
     * of a source; bases grow with registration order, so by_base is sorted. */
    uint32_t next_base;
    const Source **by_base;
    uint32_t **lines; /* per by_base entry: line start offsets, built on first lookup */
    uint32_t *nlines;
    uint32_t nbase, capbase;
};

#define POS_OFFSET_BIT 0x80000000u

PosTable *pos_table_new(void)
{
    PosTable *t = GC_MALLOC(sizeof *t);
    t->capchunks = 16;
    t->chunks = GC_MALLOC(t->capchunks * sizeof(PosEntry *));
    t->chunks[0] = GC_MALLOC_ATOMIC(POS_CHUNK * sizeof(PosEntry));
    t->chunks[0][0] = (PosEntry){0, 0, 0};
    t->nchunks = 1;
    t->count = 1;
    t->capsources = 16;
    t->sources = GC_MALLOC(t->capsources * sizeof(Source *));
    t->nsources = 1;
    t->next_base = 1;
    return t;
}

static void pos_add_range(PosTable *t, Source *s)
{
    if (!s->text || s->len >= POS_OFFSET_BIT - 2 - t->next_base)
        return;
    if (t->nbase == t->capbase) {
        uint32_t cap = t->capbase ? 2 * t->capbase : 16;
        const Source **b = GC_MALLOC(cap * sizeof *b);
        uint32_t **l = GC_MALLOC(cap * sizeof *l);
        uint32_t *n = GC_MALLOC_ATOMIC(cap * sizeof *n);
        if (t->nbase) {
            memcpy(b, t->by_base, t->nbase * sizeof *b);
            memcpy(l, t->lines, t->nbase * sizeof *l);
            memcpy(n, t->nlines, t->nbase * sizeof *n);
        }
        t->by_base = b;
        t->lines = l;
        t->nlines = n;
        t->capbase = cap;
    }
    s->pos_base = t->next_base;
    t->next_base += (uint32_t)s->len + 2;
    t->by_base[t->nbase] = s;
    t->lines[t->nbase] = NULL;
    t->nlines[t->nbase] = 0;
    t->nbase++;
}

PosIdx pos_add_offset(const PosTable *t, const Source *src, uint32_t off)
{
    if (!src || !src->pos_base || off > src->len)
        return 0;
    return POS_OFFSET_BIT | (src->pos_base + off);
}

/* Line starts of a text: \n, \r\n and a lone \r each end a line (as CppNix counts). */
static uint32_t *pos_line_index(const Source *s, uint32_t *n)
{
    uint32_t cnt = 1;
    for (size_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n' || (s->text[i] == '\r' && !(i + 1 < s->len && s->text[i + 1] == '\n')))
            cnt++;
    uint32_t *l = GC_MALLOC_ATOMIC(cnt * sizeof *l);
    uint32_t k = 0;
    l[k++] = 0;
    for (size_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n' || (s->text[i] == '\r' && !(i + 1 < s->len && s->text[i + 1] == '\n')))
            l[k++] = (uint32_t)i + 1;
    *n = cnt;
    return l;
}

static Pos pos_get_offset(const PosTable *t, uint32_t v)
{
    uint32_t lo = 0, hi = t->nbase;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (t->by_base[mid]->pos_base <= v)
            lo = mid;
        else
            hi = mid;
    }
    if (lo >= t->nbase || t->by_base[lo]->pos_base > v)
        return (Pos){NULL, 0, 0};
    const Source *s = t->by_base[lo];
    uint32_t off = v - s->pos_base;
    if (!t->lines[lo]) {
        /* Filled lazily from a const lookup: the index is a cache, not state. */
        PosTable *mt = (PosTable *)t;
        mt->lines[lo] = pos_line_index(s, &mt->nlines[lo]);
    }
    const uint32_t *l = t->lines[lo];
    uint32_t a = 0, b = t->nlines[lo];
    while (b - a > 1) {
        uint32_t mid = (a + b) / 2;
        if (l[mid] <= off)
            a = mid;
        else
            b = mid;
    }
    return (Pos){s, a + 1, off - l[a] + 1};
}

const Source *pos_add_source(PosTable *t, SourceKind kind, const char *path, const char *basedir,
                             const char *text, size_t len)
{
    Source *s = GC_MALLOC(sizeof *s);
    *s = (Source){kind, path, basedir, text, len, 0};
    pos_add_range(t, s);
    if (t->nsources == t->capsources) {
        const Source **n = GC_MALLOC(2 * t->capsources * sizeof(Source *));
        memcpy(n, t->sources, t->nsources * sizeof(Source *));
        t->sources = n;
        t->capsources *= 2;
    }
    t->sources[t->nsources++] = s;
    return s;
}

/* Index of src in the table (sources are looked up from the most recent,
 * which is nearly always the one being parsed). */
static uint32_t pos_source_index(PosTable *t, const Source *src)
{
    for (uint32_t i = t->nsources; i-- > 1;)
        if (t->sources[i] == src)
            return i;
    /* A source registered elsewhere: remember it. */
    if (t->nsources == t->capsources) {
        const Source **n = GC_MALLOC(2 * t->capsources * sizeof(Source *));
        memcpy(n, t->sources, t->nsources * sizeof(Source *));
        t->sources = n;
        t->capsources *= 2;
    }
    t->sources[t->nsources] = src;
    return t->nsources++;
}

PosIdx pos_add(PosTable *t, const Source *src, uint32_t line, uint32_t col)
{
    if (!src)
        return 0;
    if (t->count == t->nchunks * POS_CHUNK) {
        if (t->count >= POS_OFFSET_BIT - POS_CHUNK)
            return 0; /* table full: positions degrade to "none" */
        if (t->nchunks == t->capchunks) {
            PosEntry **c = GC_MALLOC(2 * t->capchunks * sizeof(PosEntry *));
            memcpy(c, t->chunks, t->nchunks * sizeof(PosEntry *));
            t->chunks = c;
            t->capchunks *= 2;
        }
        t->chunks[t->nchunks++] = GC_MALLOC_ATOMIC(POS_CHUNK * sizeof(PosEntry));
    }
    uint32_t si = t->sources[t->nsources - 1] == src ? t->nsources - 1 : pos_source_index(t, src);
    t->chunks[t->count >> POS_CHUNK_BITS][t->count & (POS_CHUNK - 1)] = (PosEntry){si, line, col};
    return t->count++;
}

Pos pos_get(const PosTable *t, PosIdx p)
{
    if (p & POS_OFFSET_BIT)
        return pos_get_offset(t, p & ~POS_OFFSET_BIT);
    if (p == 0 || p >= t->count)
        return (Pos){NULL, 0, 0};
    PosEntry e = t->chunks[p >> POS_CHUNK_BITS][p & (POS_CHUNK - 1)];
    return (Pos){t->sources[e.src], e.line, e.col};
}
