/* The local store's valid paths beyond the Store interface: listing, signatures, deletion
 * (GC), reference order. (Path info queries and NAR additions are the local kind's
 * operations, store/valid.c.) */
#ifndef CNIX_STORE_VALID_H
#define CNIX_STORE_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hash.h"
#include "store/store.h"

/* All valid paths, sorted (GC array). */
const char **store_all_valid(Store *s, size_t *n);
/* Replaces the signatures recorded for a valid path. */
const char *store_set_sigs(Store *s, const char *path, const char *sigs);
/* Unregisters and deletes paths (no liveness check: see store/gc.c). */
const char *store_delete_paths(Store *s, const char *const *paths, size_t n);
/* Paths in `paths` sorted so that references come before referrers. */
const char **store_topo_sort(Store *s, const char *const *paths, size_t n);

#endif
