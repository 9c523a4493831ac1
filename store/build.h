/* The realiser: builds the closure of derivations into the local store (inputs first,
 * independent builds in parallel up to max-jobs, valid outputs never rebuilt), registering
 * each build's outputs atomically with the references found by scanning them. */
#ifndef CNIX_STORE_BUILD_H
#define CNIX_STORE_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "store/config.h"
#include "store/local.h"

/* Exit statuses as CppNix's: 100 a build failed, 102 a fixed-output hash mismatch (bits
 * combined with 0x60), 1 other errors. */
#define BUILD_STATUS_FAILED 100
#define BUILD_STATUS_HASH_MISMATCH 102

/* Realises drvs (logical .drv store paths). Progress and errors go to stderr.
 * Returns 0 when every requested derivation's outputs are valid. */
int store_realise(LocalStore *s, const StoreConfig *cfg, const char *const *drvs, size_t n);

/* Where the log of drv_path is kept: LOGDIR/drvs/XX/REST (XX the first two characters of
 * the base name). GC string. */
char *store_log_path(const StoreConfig *cfg, const char *drv_path);

/* Parses the .drv at drv_path (name taken from the path). NULL with *err on failure. */
const Derivation *store_load_drv(LocalStore *s, const char *drv_path, const char **err);

/* Closure of paths under the registered references (sorted, unique, GC array). */
const char **store_closure(LocalStore *s, const char *const *paths, size_t n, size_t *out_n);

/* The deriver registered for a valid path, or NULL. */
const char *store_query_deriver(LocalStore *s, const char *path);

#endif
