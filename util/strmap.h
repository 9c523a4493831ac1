/* String-keyed hash map (open addressing, linear probing) on the GC heap: the one map of
 * strings to pointers the caches and tables of every module use. */
#ifndef CNIX_UTIL_STRMAP_H
#define CNIX_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct StrMapSlot {
    const char *key; /* NULL: empty slot */
    size_t len;
    uint64_t hash;
    void *val;
} StrMapSlot;

/* A zeroed StrMap is an empty map. Keys are not copied: they must outlive the map (GC
 * strings do). Entries are never removed. */
typedef struct StrMap {
    StrMapSlot *slots;
    size_t cap, n;
} StrMap;

/* FNV-1a over n bytes. */
uint64_t strmap_hash(const char *s, size_t n);

/* The value slot of key[0..len), or NULL when absent. */
void **strmap_find(const StrMap *m, const char *key, size_t len);
/* The value slot of key[0..len), created (holding NULL) when absent. */
void **strmap_insert(StrMap *m, const char *key, size_t len);

/* NUL-terminated keys. */
void *strmap_get(const StrMap *m, const char *key);
void strmap_put(StrMap *m, const char *key, void *val);

#endif
