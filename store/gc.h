/* Garbage collection: roots are the symlinks under STATEDIR/gcroots (followed through
 * indirect links such as gcroots/auto/X -> /home/u/result -> /nix/store/...),
 * STATEDIR/profiles and the temporary roots of running processes (store/roots.c); the live
 * set is their closure plus the derivers of live paths (keep-derivations). Everything else
 * in the store directory is deleted: invalid leftovers first (only under their PATH.lock, so
 * never an addition or build in progress, and never a path CppNix has registered when it
 * shares the state directory), stale temporaries of killed additions, then dead valid
 * paths, unregistered before their files go. The collector holds STATEDIR/gc.lock
 * exclusively throughout, so processes adding temporary roots wait for it to finish. */
#ifndef CNIX_STORE_GC_H
#define CNIX_STORE_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/local.h"

typedef struct GcOptions {
    bool dry_run;       /* print the dead paths, delete nothing */
    uint64_t max_freed; /* stop after freeing this many bytes (0 = no limit) */
} GcOptions;

/* Temporary roots (store/roots.c). store_add_temp_root records path in this process's
 * STATEDIR/temproots/PID (locked while the process lives, removed at exit) before the path
 * is checked, added or used; it waits while a collector holds gc.lock. NULL or a message. */
const char *store_add_temp_root(LocalStore *s, const char *path);
/* The global GC lock, exclusive (nests within a process). */
const char *store_gc_lock(LocalStore *s);
void store_gc_unlock(LocalStore *s);
/* Appends the paths in the temporary roots files of live processes to the GC array *v
 * (*n used, *cap allocated); removes the files of dead ones. Call under store_gc_lock. */
void store_read_temp_roots(LocalStore *s, const char ***v, size_t *n, size_t *cap);
/* Makes link (relative to the working directory) a symlink to the store path and registers
 * it as an indirect root (gcroots/auto), as nix-instantiate --add-root. *out: the absolute
 * link. NULL or a message. */
const char *store_add_perm_root(LocalStore *s, const char *path, const char *link, const char **out);

/* The roots (store paths), sorted and unique. */
const char **store_gc_roots(LocalStore *s, size_t *n);
/* Is path reachable from a root? (computes the live set) */
bool store_gc_is_live(LocalStore *s, const char *path);
/* Collects garbage; reports to out as nix-store --gc does. NULL on success. */
const char *store_gc(LocalStore *s, const GcOptions *o, FILE *out, uint64_t *freed, size_t *deleted);
/* Entries of the store directory that are not registered and not in use (leftovers of
 * killed additions and builds), deleted if remove. NULL (n = 0) if there are none. */
const char **store_gc_unregistered(LocalStore *s, bool remove, size_t *n);
/* Deletes the given paths if they are dead (nix-store --delete). */
const char *store_gc_delete(LocalStore *s, const char *const *paths, size_t n);

#endif
