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
    uint64_t *slots;   /* hash << 32 | Symbol, 0 = empty: probes compare hashes without
                          touching entries (each would be a cache miss in a big table) */
    uint32_t nslots;   /* power of two */
};

static uint32_t sym_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    /* FNV's low bits, which pick the slot, depend only on the low bits of each step:
     * names like "k123456" cluster and linear probing degrades (attrs.nix spent a fifth
     * of its time probing). A final mix (murmur3's) spreads every bit. */
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

SymTab *sym_new(void)
{
    SymTab *t = GC_MALLOC(sizeof *t);
    t->cap = 1024;
    t->entries = GC_MALLOC(t->cap * sizeof(SymEntry));
    t->count = 1;
    t->nslots = 2048;
    t->slots = GC_MALLOC_ATOMIC(t->nslots * sizeof *t->slots);
    memset(t->slots, 0, t->nslots * sizeof *t->slots);
    return t;
}

static uint64_t *sym_slot(const SymTab *t, const char *s, size_t len, uint32_t h)
{
    uint32_t mask = t->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t v = t->slots[i];
        if (v == 0)
            return &t->slots[i];
        if ((uint32_t)(v >> 32) != h)
            continue;
        const SymEntry *e = &t->entries[(uint32_t)v];
        if (e->len == len && memcmp(e->name, s, len) == 0)
            return &t->slots[i];
    }
}

static void sym_grow(SymTab *t)
{
    uint32_t n = t->nslots * 2;
    uint64_t *slots = GC_MALLOC_ATOMIC(n * sizeof *slots);
    memset(slots, 0, n * sizeof *slots);
    for (uint32_t id = 1; id < t->count; id++) {
        uint32_t h = t->entries[id].hash, i = h & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint64_t)h << 32 | id;
    }
    t->slots = slots;
    t->nslots = n;
}

Symbol sym_intern(SymTab *t, const char *s, size_t len)
{
    uint32_t h = sym_hash(s, len);
    uint64_t *slot = sym_slot(t, s, len, h);
    if (*slot)
        return (Symbol)*slot;
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
    *slot = (uint64_t)h << 32 | id;
    if (t->count * 2 > t->nslots)
        sym_grow(t);
    return id;
}

Symbol sym_intern_cstr(SymTab *t, const char *s) { return sym_intern(t, s, strlen(s)); }

void sym_prefetch(const SymTab *t, const char *s, size_t len)
{
    __builtin_prefetch(&t->slots[sym_hash(s, len) & (t->nslots - 1)]);
}

Symbol sym_lookup(const SymTab *t, const char *s, size_t len)
{
    return (Symbol)*sym_slot(t, s, len, sym_hash(s, len));
}

const char *sym_name(const SymTab *t, Symbol s) { return t->entries[s].name; }
size_t sym_len(const SymTab *t, Symbol s) { return t->entries[s].len; }
size_t sym_count(const SymTab *t) { return t->count - 1; }
