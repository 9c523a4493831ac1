/* Interned symbols: an open-addressing hash table over a dense array of names. */
#include "parser/symtab.h"

#include <gc/gc.h>
#include <string.h>

typedef struct SymEntry {
    const char *name;
    size_t len;
    uint32_t hash;
} SymEntry;

struct SymTab {
    SymEntry *entries; /* index = Symbol; entry 0 unused */
    uint32_t count;    /* including the unused entry 0 */
    uint32_t cap;
    uint32_t *slots;   /* hash slots holding Symbols, 0 = empty */
    uint32_t nslots;   /* power of two */
};

static uint32_t sym_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

SymTab *sym_new(void)
{
    SymTab *t = GC_MALLOC(sizeof *t);
    t->cap = 1024;
    t->entries = GC_MALLOC(t->cap * sizeof(SymEntry));
    t->count = 1;
    t->nslots = 2048;
    t->slots = GC_MALLOC_ATOMIC(t->nslots * sizeof(uint32_t));
    memset(t->slots, 0, t->nslots * sizeof(uint32_t));
    return t;
}

static uint32_t *sym_slot(const SymTab *t, const char *s, size_t len, uint32_t h)
{
    uint32_t mask = t->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t id = t->slots[i];
        if (id == 0)
            return &t->slots[i];
        const SymEntry *e = &t->entries[id];
        if (e->hash == h && e->len == len && memcmp(e->name, s, len) == 0)
            return &t->slots[i];
    }
}

static void sym_grow(SymTab *t)
{
    uint32_t n = t->nslots * 2;
    uint32_t *slots = GC_MALLOC_ATOMIC(n * sizeof(uint32_t));
    memset(slots, 0, n * sizeof(uint32_t));
    for (uint32_t id = 1; id < t->count; id++) {
        uint32_t i = t->entries[id].hash & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = id;
    }
    t->slots = slots;
    t->nslots = n;
}

Symbol sym_intern(SymTab *t, const char *s, size_t len)
{
    uint32_t h = sym_hash(s, len);
    uint32_t *slot = sym_slot(t, s, len, h);
    if (*slot)
        return *slot;
    if (t->count == t->cap) {
        SymEntry *e = GC_MALLOC(2 * t->cap * sizeof(SymEntry));
        memcpy(e, t->entries, t->cap * sizeof(SymEntry));
        t->entries = e;
        t->cap *= 2;
    }
    char *copy = GC_MALLOC_ATOMIC(len + 1);
    memcpy(copy, s, len);
    copy[len] = 0;
    Symbol id = t->count++;
    t->entries[id] = (SymEntry){copy, len, h};
    *slot = id;
    if (t->count * 2 > t->nslots)
        sym_grow(t);
    return id;
}

Symbol sym_intern_cstr(SymTab *t, const char *s) { return sym_intern(t, s, strlen(s)); }

Symbol sym_lookup(const SymTab *t, const char *s, size_t len)
{
    return *sym_slot(t, s, len, sym_hash(s, len));
}

const char *sym_name(const SymTab *t, Symbol s) { return t->entries[s].name; }
size_t sym_len(const SymTab *t, Symbol s) { return t->entries[s].len; }
size_t sym_count(const SymTab *t) { return t->count - 1; }
