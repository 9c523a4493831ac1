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
};

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
    return t;
}

const Source *pos_add_source(PosTable *t, SourceKind kind, const char *path, const char *basedir,
                             const char *text, size_t len)
{
    Source *s = GC_MALLOC(sizeof *s);
    *s = (Source){kind, path, basedir, text, len};
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
        if (t->count == UINT32_MAX - POS_CHUNK)
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
    if (p == 0 || p >= t->count)
        return (Pos){NULL, 0, 0};
    PosEntry e = t->chunks[p >> POS_CHUNK_BITS][p & (POS_CHUNK - 1)];
    return (Pos){t->sources[e.src], e.line, e.col};
}
