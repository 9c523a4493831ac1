/* The Store interface: one type for every kind of store, opened by URI as CppNix's --store
 * (see docs/store.md). Callers outside store/ see only this header's Store *; each kind of
 * store fills an operations table (store/storeimpl.h), and an operation a kind lacks fails
 * with "operation 'NAME' is not supported by store 'URI'".
 *
 * Kinds today:
 *   local, local?root=DIR&state=DIR&log=DIR&store=DIR, /DIR (= local?root=/DIR), auto, ""
 *                    the SQLite store on this machine (store/local.c)
 *   file://DIR?compression=xz|zstd|none&secret-key=FILE
 *                    a binary cache directory in Nix's layout (store/cache.c)
 *   daemon, unix://PATH
 *                    a Nix daemon over its socket, by the worker protocol (store/daemon.c);
 *                    "daemon" is the socket NIX_DAEMON_SOCKET_PATH or
 *                    STATE/daemon-socket/socket
 * ssh://HOST and ssh-ng://HOST are further rows of the table in store/store.c when they
 * come; until then they are refused with a clear error. */
#ifndef CNIX_STORE_STORE_H
#define CNIX_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/drv.h"
#include "store/hash.h"
#include "store/nar.h"
#include "store/path.h"

typedef struct Store Store;
struct StoreConfig;

/* Where a store lives, loaded once with the other settings (store/config.c reads
 * NIX_STORE_DIR, NIX_STATE_DIR, NIX_LOG_DIR, CNIX_STORE_ROOT) and passed to store_open;
 * parameters in the URI override them. NULL fields take the defaults. */
typedef struct StoreSettings {
    const char *store_dir; /* logical store dir, in every path and hash [/nix/store] */
    const char *state_dir; /* database, gcroots, profiles [ROOT/nix/var/nix] */
    const char *log_dir;   /* build logs [STATE/log if state_dir is set, else ROOT/nix/var/log/nix] */
    const char *root;      /* physical root: the store lives at ROOT/STOREDIR [""] */
    const char *daemon_socket; /* the store "daemon" [STATE/daemon-socket/socket] */
} StoreSettings;

/* What a store records about a valid path. */
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

/* Opens the store named by uri (NULL or "" = "auto" = local) with settings (NULL =
 * defaults). NULL with *err set for an unknown or malformed URI. Opening creates nothing:
 * directories and databases appear on the first write. */
Store *store_open(const char *uri, const StoreSettings *settings, const char **err);
/* The URI as given (for messages), the logical store dir, the log directory (NULL if the
 * store keeps no logs). */
const char *store_uri(const Store *s);
const char *store_dir(const Store *s);
const char *store_log_dir(const Store *s);
/* Is this the local store (the one that builds, collects garbage, keeps profiles)? */
bool store_is_local(const Store *s);
/* "operation 'op' is not supported by store 'URI'" (CppNix's wording). */
const char *store_unsupported(const Store *s, const char *op);

/* ---- queries ---- */
/* Fills *out for a valid path; false if not valid. */
bool store_query_info(Store *s, const char *path, PathInfo *out);
/* Is the path valid (registered and present)? */
bool store_is_valid(Store *s, const char *path);
/* The valid ones among paths, in their order (GC array). */
const char **store_query_valid_paths(Store *s, const char *const *paths, size_t n, size_t *out_n);
/* References of a valid path (GC array of GC strings, sorted); none if not valid. */
const char **store_query_references(Store *s, const char *path, size_t *n);
/* The deriver recorded for a valid path, or NULL. */
const char *store_query_deriver(Store *s, const char *path);
/* Closure of paths under the references (sorted, unique, GC array). */
const char **store_closure(Store *s, const char *const *paths, size_t n, size_t *out_n);
/* The outputs of the derivation at drv_path: *names and *paths (n of them, GC arrays);
 * a path is "" when not known (floating outputs not built yet). NULL or a message. */
const char *store_query_drv_outputs(Store *s, const char *drv_path, const char ***names, const char ***paths,
                                    size_t *n);

/* ---- reading ---- */
/* The NAR serialisation of a valid path, into out. NULL or a message. */
const char *store_nar_from_path(Store *s, const char *path, StrBuf *out);
/* A whole regular file of the store (by logical path: a store path or a file inside one).
 * NULL with *err on failure. */
char *store_read_file(Store *s, const char *path, size_t *len, const char **err);
/* Parses the .drv at drv_path (name taken from the path). NULL with *err on failure. */
const Derivation *store_load_drv(Store *s, const char *drv_path, const char **err);
/* A DrvLoader reading .drv files from a store (ctx = the Store). */
char *store_drv_loader(void *ctx, const char *drv_path, size_t *len, const char **err);

/* ---- adding ---- */
/* Adds a path from its NAR: checks NarHash/NarSize and that the references are valid, and
 * registers it atomically. A path already valid is left alone. NULL or a message. */
const char *store_add_nar(Store *s, const PathInfo *info, const uint8_t *nar, size_t len);
/* Adds a file or tree from this machine. method FIM_RECURSIVE hashes the NAR (with the
 * filter applied), FIM_FLAT the regular file's bytes, with algo; *ca (may be NULL)
 * receives that hash. If dry_run, only computes the path (nothing is written). */
const char *store_add_path(Store *s, const char *name, const char *src, FileIngestion method, HashAlgo algo,
                           NarFilter filter, void *fctx, bool dry_run, Hash *ca, const char **out);
/* Adds a text file (builtins.toFile, .drv files) with the given references. *out
 * receives the store path. NULL or a message. */
const char *store_add_text(Store *s, const char *name, const char *text, size_t len, const char *const *refs,
                           size_t nrefs, const char **out);
/* Writes a derivation as NAME.drv (a text path referencing its inputs). */
const char *store_write_drv(Store *s, const Derivation *d, const char **out);
/* Copies paths and their closure from src into dst (references first); paths dst has
 * already are skipped. If keys is not NULL, each path needs a signature by one of them. */
struct StrList;
const char *store_copy_paths(Store *src, Store *dst, const char *const *paths, size_t n,
                             const struct StrList *keys);

/* ---- roots ---- */
/* Protects path from a concurrent garbage collector until the process exits (stores
 * without a collector accept and ignore it). NULL or a message. */
const char *store_add_temp_root(Store *s, const char *path);
/* Makes link (relative to the working directory) a symlink to the store path and
 * registers it as an indirect root, as nix-instantiate --add-root. *out: the absolute
 * link. NULL or a message. */
const char *store_add_perm_root(Store *s, const char *path, const char *link, const char **out);

/* ---- building ---- */
/* Realises drvs (logical .drv store paths, "DRV" or "DRV!OUT,..." is not accepted here):
 * every requested derivation's outputs valid afterwards. Progress and errors go to
 * stderr. 0 on success, else an exit status (store/build.h). */
int store_realise(Store *s, const struct StoreConfig *cfg, const char *const *drvs, size_t n);
/* Where the log of drv_path is kept: LOGDIR/drvs/XX/REST. NULL if the store keeps none. */
char *store_log_path(const Store *s, const char *drv_path);

/* ---- the local file system (NULL for stores not on this machine) ---- */
/* Where a logical store path lives on disk. GC string. */
char *store_real_path(const Store *s, const char *path);
/* The state directory (database, gcroots, profiles). */
const char *store_state_dir(const Store *s);

#endif
