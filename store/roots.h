/* GC roots of the local store (store/roots.c): each process's temporary roots
 * (STATEDIR/temproots/PID), the global GC lock (STATEDIR/gc.lock) and permanent roots
 * (store_add_temp_root and store_add_perm_root of store/store.h for the local kind). */
#ifndef CNIX_STORE_ROOTS_H
#define CNIX_STORE_ROOTS_H

#include <stddef.h>

#include "store/store.h"

/* The global GC lock, exclusive (nests within a process). */
const char *store_gc_lock(Store *s);
void store_gc_unlock(Store *s);
/* Appends the paths in the temporary roots files of live processes to the GC array *v
 * (*n used, *cap allocated); removes the files of dead ones. Call under store_gc_lock. */
void store_read_temp_roots(Store *s, const char ***v, size_t *n, size_t *cap);

/* The link half of a permanent root, for every kind that has one: makes link (relative to
 * the working directory) a symlink to path, under a temporary root, refusing links inside
 * the store. *abs: the absolute link (the kind then registers it as an indirect root). */
const char *store_make_root_link(Store *s, const char *path, const char *link, const char **abs);

#endif
