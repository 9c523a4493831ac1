/* The local store: a store directory on this machine plus a SQLite database of valid
 * paths and their references.
 *
 * Locations (StoreSettings, overridden by the URI's parameters; defaults in brackets):
 *   logical store dir   store_dir, ?store= [/nix/store]  - used in every path and hash
 *   physical root       root, ?root= or a bare /DIR [""] - the store lives at ROOT/STOREDIR
 *   state dir           state_dir, ?state= [ROOT/nix/var/nix]
 *   log dir             log_dir, ?log= [STATE/log if the state dir is given, else
 *                       ROOT/nix/var/log/nix]
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

#include "store/storeimpl.h"

/* File-system helpers shared by the store modules (adding, importing, building). */
/* Removes a tree, making read-only directories writable first. */
/* The entries of a directory except . and .. (GC array, NULL-terminated), all read before
 * the caller changes anything (changing a directory while reading it is unspecified).
 * NULL with errno set if it cannot be opened. */
char **store_read_dir(const char *path);
/* Removes a tree, making read-only directories writable first. */
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

/* The local kind's operations defined outside store/local.c (its table is there). */
bool local_query_info(Store *s, const char *path, PathInfo *out);                          /* valid.c */
const char *local_add_nar(Store *s, const PathInfo *info, const uint8_t *nar, size_t len); /* valid.c */
const char *local_add_temp_root(Store *s, const char *path);                                /* roots.c */
const char *local_add_perm_root(Store *s, const char *path, const char *link, const char **out);
int local_build(Store *s, const StoreConfig *cfg, const char *const *drvs, size_t n);       /* build.c */

/* The one place paths become valid (store/valid.c): registers infos (with their
 * references, deriver, signatures, content address) in one transaction, refusing a
 * reference that is neither valid nor among infos. ultimate: built here (not imported).
 * output_names (may be NULL): infos[i] is output output_names[i] of infos[i].deriver, for
 * the DerivationOutputs table. The files must be in place already. NULL or a message. */
const char *local_register(Store *s, const PathInfo *infos, size_t n, bool ultimate, const char *const *output_names);

/* Guards for the operations only the local store has (garbage collection, verification,
 * signatures, deletion): NULL if s is local, else store_unsupported(s, op). */
const char *local_require(const Store *s, const char *op);
/* The physical root of a local store ("" for none: the store is where its paths say). */
const char *local_root(const Store *s);

/* The database handle for modules that keep their own queries (store/build.c, store/gc.c,
 * store/valid.c); create makes the directories and schema if missing. NULL with *err set. */
struct sqlite3;
struct sqlite3 *store_db(Store *s, bool create, const char **err);
/* A prepared statement of the local store s for sql, a string literal (its address is
 * the key), prepared once and kept: reset and unbound when handed out, to be reset (not
 * finalized) by the caller when done. The database must be open (store_db). NULL on a
 * preparation error. */
struct sqlite3_stmt;
struct sqlite3_stmt *store_stmt(Store *s, const char *sql);
/* Runs SQL without results; NULL on success, else "database: MESSAGE". */
const char *store_exec_sql(struct sqlite3 *db, const char *sql);
/* Runs a query with one text parameter (param) and returns its first column as GC strings
 * (*n of them); NULL with *n = 0 if db is NULL or the query cannot be prepared. */
const char **store_sql_strings(struct sqlite3 *db, const char *sql, const char *param, size_t *n);
#endif
