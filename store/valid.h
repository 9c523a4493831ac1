/* Valid-path metadata beyond store/local.c: full path info, registering paths that arrive
 * as NARs (import, substitution), listing and deleting paths (GC), signatures. */
#ifndef CNIX_STORE_VALID_H
#define CNIX_STORE_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hash.h"
#include "store/local.h"

typedef struct PathInfo {
    const char *path;
    Hash nar_hash; /* sha256 */
    uint64_t nar_size;
    const char *deriver; /* NULL if unknown */
    const char *ca;      /* NULL if not content-addressed */
    const char *sigs;    /* space-separated "name:base64", NULL if none */
    const char **refs;   /* sorted full store paths */
    size_t nrefs;
} PathInfo;

/* Is info content-addressed: does its CA field ("fixed:r:sha256:...", "text:sha256:...") with
 * its references give its path (CppNix's ValidPathInfo::isContentAddressed)? */
bool store_info_is_ca(const char *store_dir, const PathInfo *info);
/* Fills *out for a valid path; false if not valid. */
bool store_query_info(LocalStore *s, const char *path, PathInfo *out);
/* All valid paths, sorted (GC array). */
const char **store_all_valid(LocalStore *s, size_t *n);
/* Adds a path from its NAR: verifies NarHash/NarSize, restores it under a temporary name,
 * renames it into place under PATH.lock and registers it in one transaction. A path that is
 * already valid is left alone. NULL on success, else a message. */
const char *store_add_nar(LocalStore *s, const PathInfo *info, const uint8_t *nar, size_t len);
/* Replaces the signatures recorded for a valid path. */
const char *store_set_sigs(LocalStore *s, const char *path, const char *sigs);
/* Unregisters and deletes paths (no liveness check: see store/gc.c). */
const char *store_delete_paths(LocalStore *s, const char *const *paths, size_t n);
/* Paths in `paths` sorted so that references come before referrers. */
const char **store_topo_sort(LocalStore *s, const char *const *paths, size_t n);

#endif
