/* String-keyed hash map on the GC heap (see strmap.h). */
#include "util/strmap.h"

#include <gc/gc.h>
#include <string.h>

uint64_t strmap_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a offset basis */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static StrMapSlot *probe(StrMapSlot *slots, size_t cap, const char *key, size_t len, uint64_t h)
{
    size_t mask = cap - 1, i = (size_t)h & mask;
    while (slots[i].key &&
           (slots[i].hash != h || slots[i].len != len || memcmp(slots[i].key, key, len) != 0))
        i = (i + 1) & mask;
    return &slots[i];
}

void **strmap_find(const StrMap *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    StrMapSlot *s = probe(m->slots, m->cap, key, len, strmap_hash(key, len));
    return s->key ? &s->val : NULL;
}

void **strmap_insert(StrMap *m, const char *key, size_t len)
{
    if (2 * (m->n + 1) > m->cap) { /* at most half full: short probes */
        size_t cap = m->cap ? 2 * m->cap : 64;
        StrMapSlot *slots = GC_MALLOC(cap * sizeof *slots);
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                *probe(slots, cap, m->slots[i].key, m->slots[i].len, m->slots[i].hash) = m->slots[i];
        m->slots = slots;
        m->cap = cap;
    }
    uint64_t h = strmap_hash(key, len);
    StrMapSlot *s = probe(m->slots, m->cap, key, len, h);
    if (!s->key) {
        *s = (StrMapSlot){key, len, h, NULL};
        m->n++;
    }
    return &s->val;
}

void *strmap_get(const StrMap *m, const char *key)
{
    void **v = strmap_find(m, key, strlen(key));
    return v ? *v : NULL;
}

void strmap_put(StrMap *m, const char *key, void *val)
{
    *strmap_insert(m, key, strlen(key)) = val;
}
