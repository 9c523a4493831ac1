/* Inside the Store interface: the operations table each kind of store fills, and the
 * fields every Store has. Only store/ includes this. A NULL entry means the kind lacks the
 * operation: store/store.c then either derives it from other entries (query_valid_paths
 * from is_valid, add_text and add_path from add_nar, read_file from nar_from_path,
 * query_references from query_path_info) or fails with store_unsupported. */
#ifndef CNIX_STORE_STOREIMPL_H
#define CNIX_STORE_STOREIMPL_H

#include "store/config.h"
#include "store/store.h"

typedef struct StoreOps {
    const char *kind; /* "local", "file" ... */
    bool (*query_path_info)(Store *s, const char *path, PathInfo *out);
    bool (*is_valid)(Store *s, const char *path);
    const char **(*query_valid_paths)(Store *s, const char *const *paths, size_t n, size_t *out_n);
    const char **(*query_references)(Store *s, const char *path, size_t *n);
    const char *(*query_drv_outputs)(Store *s, const char *drv_path, const char ***names, const char ***paths,
                                     size_t *n);
    const char *(*nar_from_path)(Store *s, const char *path, StrBuf *out);
    char *(*read_file)(Store *s, const char *path, size_t *len, const char **err);
    const char *(*add_nar)(Store *s, const PathInfo *info, const uint8_t *nar, size_t len);
    const char *(*add_path)(Store *s, const char *name, const char *src, FileIngestion method, HashAlgo algo,
                            NarFilter filter, void *fctx, bool dry_run, Hash *ca, const char **out);
    const char *(*add_text)(Store *s, const char *name, const char *text, size_t len, const char *const *refs,
                            size_t nrefs, const char **out);
    const char *(*add_temp_root)(Store *s, const char *path);
    const char *(*add_perm_root)(Store *s, const char *path, const char *link, const char **out);
    int (*build)(Store *s, const StoreConfig *cfg, const char *const *drvs, size_t n);
} StoreOps;

/* Every kind embeds this first. */
struct Store {
    const StoreOps *ops;
    const char *uri;
    const char *store_dir; /* logical */
    const char *log_dir;   /* NULL: no build logs */
};

/* One parameter of a store URI ("?a=b&c=d"). */
typedef struct StoreParam {
    const char *name, *value;
} StoreParam;

/* Opens one kind: rest is the URI without scheme and parameters; NULL with *err. */
typedef Store *(*StoreOpener)(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                              const StoreSettings *settings, const char **err);

/* Hashes the regular file src for a flat (FIM_FLAT) addition; NULL or a message. */
const char *store_hash_flat_file(const char *src, HashAlgo algo, Hash *h);

/* The openers (store/local.c, store/cache.c). */
Store *local_store_open(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                        const StoreSettings *settings, const char **err);
Store *cache_store_open(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                        const StoreSettings *settings, const char **err);

#endif
