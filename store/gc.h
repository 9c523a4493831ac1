/* Garbage collection: roots are the symlinks under STATEDIR/gcroots (followed through
 * indirect links such as gcroots/auto/X -> /home/u/result -> /nix/store/...),
 * STATEDIR/profiles and the temporary roots of running processes (store/roots.c); the live
 * set is their closure plus the derivers of live paths (keep-derivations). Everything else
 * in the store directory is deleted: invalid leftovers first (only under their PATH.lock, so
 * never an addition or build in progress, and never a path CppNix has registered when it
 * shares the state directory), stale temporaries of killed additions, then dead valid
 * paths, unregistered before their files go. The collector holds STATEDIR/gc.lock
 * exclusively throughout, so processes adding temporary roots wait for it to finish.
 * Local stores only: other kinds fail with "operation 'collectGarbage' is not supported". */
#ifndef CNIX_STORE_GC_H
#define CNIX_STORE_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

typedef struct GcOptions {
    bool dry_run;       /* print the dead paths, delete nothing */
    uint64_t max_freed; /* stop after freeing this many bytes (0 = no limit) */
} GcOptions;

/* The roots (store paths), sorted and unique. */
const char **store_gc_roots(Store *s, size_t *n);
/* Collects garbage; reports to out as nix-store --gc does. NULL on success. */
const char *store_gc(Store *s, const GcOptions *o, FILE *out, uint64_t *freed, size_t *deleted);
/* Entries of the store directory that are not registered and not in use (leftovers of
 * killed additions and builds), deleted if remove. NULL (n = 0) if there are none. */
const char **store_gc_unregistered(Store *s, bool remove, size_t *n);
/* Deletes the given paths if they are dead (nix-store --delete). */
const char *store_gc_delete(Store *s, const char *const *paths, size_t n);

#endif
