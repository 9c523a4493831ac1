/* Position table: PosIdx -> (source, line, column), stored in growable arrays. */
#include "parser/pos.h"

#include <gc/gc.h>
#include <string.h>

typedef struct PosEntry {
    const Source *src;
    uint32_t line, col;
} PosEntry;

struct PosTable {
    PosEntry *entries; /* entry 0 = no position */
    uint32_t count, cap;
};

PosTable *pos_table_new(void)
{
    PosTable *t = GC_MALLOC(sizeof *t);
    t->cap = 4096;
    t->entries = GC_MALLOC(t->cap * sizeof(PosEntry));
    t->count = 1;
    return t;
}

const Source *pos_add_source(PosTable *t, SourceKind kind, const char *path, const char *basedir,
                             const char *text, size_t len)
{
    (void)t;
    Source *s = GC_MALLOC(sizeof *s);
    *s = (Source){kind, path, basedir, text, len};
    return s;
}

PosIdx pos_add(PosTable *t, const Source *src, uint32_t line, uint32_t col)
{
    if (t->count == t->cap) {
        PosEntry *e = GC_MALLOC(2 * t->cap * sizeof(PosEntry));
        memcpy(e, t->entries, t->cap * sizeof(PosEntry));
        t->entries = e;
        t->cap *= 2;
    }
    t->entries[t->count] = (PosEntry){src, line, col};
    return t->count++;
}

Pos pos_get(const PosTable *t, PosIdx p)
{
    if (p == 0 || p >= t->count)
        return (Pos){NULL, 0, 0};
    PosEntry e = t->entries[p];
    return (Pos){e.src, e.line, e.col};
}
