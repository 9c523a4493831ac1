/* The local store: a store directory on this machine plus a SQLite database of valid
 * paths and their references.
 *
 * Locations (defaults in brackets):
 *   logical store dir   $NIX_STORE_DIR [/nix/store]   - used in every path and hash
 *   physical root       $CNIX_STORE_ROOT [""]         - the store lives at ROOT/STOREDIR
 *                                                       (like CppNix's `--store /root`)
 *   state dir           $NIX_STATE_DIR [ROOT/nix/var/nix]
 *   database            STATEDIR/db/cnix.sqlite (tables ValidPaths, Refs, DerivationOutputs,
 *                       shaped like CppNix's schema; a separate file so that CppNix's own
 *                       db.sqlite is never touched)
 * Paths are added atomically: the content is written under a temporary name in the store
 * directory, synced and renamed into place while holding PATH.lock, then registered in one
 * transaction. Concurrent adders of the same path serialise on the lock. */
#ifndef CNIX_STORE_LOCAL_H
#define CNIX_STORE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/drv.h"
#include "store/hash.h"
#include "store/nar.h"
#include "store/path.h"

typedef struct LocalStore LocalStore;

/* Opens (creating directories and the database lazily on the first write). store_dir may
 * be NULL for the default. Never fails: errors surface on use. */
LocalStore *store_open(const char *store_dir);
const char *store_dir(const LocalStore *s);
/* Where a logical store path lives on disk. GC string. */
char *store_real_path(const LocalStore *s, const char *path);

/* File-system helpers shared by the store modules (adding, importing, building). */
/* Removes a tree, making read-only directories writable first. */
/* The entries of a directory except . and .. (GC array, NULL-terminated), all read before
 * the caller changes anything (changing a directory while reading it is unspecified).
 * NULL with errno set if it cannot be opened. */
char **store_read_dir(const char *path);
void store_delete_tree(const char *path);
/* Best-effort store canonical form: no write bits, mtime 1 (errors ignored). */
void store_canonicalise(const char *path);
/* Takes an exclusive lock on LOCKFILE (created if needed); retries if the holder deleted the
 * file meanwhile. The fd, or -1 with errno set. */
int store_lock_path(const char *lockfile);
/* The same without waiting: -1 with errno EWOULDBLOCK if someone else holds it. */
int store_try_lock_path(const char *lockfile);
/* Releases a lock from store_lock_path, deleting the lock file. */
void store_unlock_path(const char *lockfile, int fd);

/* Is the path registered as valid (and present)? */
bool store_is_valid(LocalStore *s, const char *path);

/* Adds a text file (builtins.toFile, .drv files) with the given references.
 * *out receives the store path. NULL on success, else an error message. */
const char *store_add_text(LocalStore *s, const char *name, const char *text, size_t len,
                           const char *const *refs, size_t nrefs, const char **out);

/* Adds a file or tree. method FIM_RECURSIVE hashes the NAR (with the filter applied),
 * FIM_FLAT the regular file's bytes, with algo; *ca (may be NULL) receives that hash.
 * If dry_run, only computes the path (nothing is written). */
const char *store_add_path(LocalStore *s, const char *name, const char *src, FileIngestion method,
                           HashAlgo algo, NarFilter filter, void *fctx, bool dry_run, Hash *ca,
                           const char **out);

/* Writes a derivation as NAME.drv (a text path referencing its inputs). */
const char *store_write_drv(LocalStore *s, const Derivation *d, const char **out);

/* Reads a whole regular file of the store (by logical path). NULL with *err on failure. */
char *store_read_file(LocalStore *s, const char *path, size_t *len, const char **err);

/* References registered for a valid path (GC array of GC strings). */
const char **store_query_references(LocalStore *s, const char *path, size_t *n);

/* A DrvLoader reading .drv files from this store (ctx = the LocalStore). */
char *store_drv_loader(void *ctx, const char *drv_path, size_t *len, const char **err);

/* The database handle for modules that keep their own queries (store/build.c, store/gc.c,
 * store/copy.c); create makes the directories and schema if missing. NULL with *err set. */
struct sqlite3;
struct sqlite3 *store_db(LocalStore *s, bool create, const char **err);
/* Runs SQL without results; NULL on success, else "database: MESSAGE". */
const char *store_exec_sql(struct sqlite3 *db, const char *sql);
/* Runs a query with one text parameter (param) and returns its first column as GC strings
 * (*n of them); NULL with *n = 0 if db is NULL or the query cannot be prepared. */
const char **store_sql_strings(struct sqlite3 *db, const char *sql, const char *param, size_t *n);
/* Re-registering a path keeps its row (and id): rows of Refs that point at it stay
 * meaningful. Appended to "insert into ValidPaths (...) values (...)". */
#define STORE_SQL_UPSERT_INFO                                                                      \
    "on conflict(path) do update set hash = excluded.hash, registrationTime = "                    \
    "excluded.registrationTime, deriver = excluded.deriver, narSize = excluded.narSize, "          \
    "ultimate = excluded.ultimate, ca = excluded.ca"
/* NIX_STATE_DIR (default ROOT/nix/var/nix): database, gcroots, profiles. */
const char *store_state_dir(const LocalStore *s);

#endif
