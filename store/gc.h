/* Garbage collection: roots are the symlinks under STATEDIR/gcroots (followed through
 * indirect links such as gcroots/auto/X -> /home/u/result -> /nix/store/...) and
 * STATEDIR/profiles; the live set is their closure plus the derivers of live paths
 * (keep-derivations) and outputs being built (held PATH.lock). Everything else in the store
 * directory is deleted: invalid leftovers first, then dead valid paths, unregistered before
 * their files go. No lock against concurrent evaluations: a .drv just written by a running
 * `cnix instantiate` without a root may be collected, as the manual says of Nix without
 * temporary roots. */
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

/* Temporary roots of a running process (STATEDIR/temproots/PID, held locked while it
 * lives): the realiser records the derivations it loads and the paths it needs, so that a
 * concurrent gc keeps them. Returns the fd (or -1); add paths with store_gc_temp_root. */
int store_gc_temp_roots_open(LocalStore *s);
void store_gc_temp_root(int fd, const char *path);
void store_gc_temp_roots_close(LocalStore *s, int fd);

/* The roots (store paths), sorted and unique. */
const char **store_gc_roots(LocalStore *s, size_t *n);
/* Is path reachable from a root? (computes the live set) */
bool store_gc_is_live(LocalStore *s, const char *path);
/* Collects garbage; reports to out as nix-store --gc does. NULL on success. */
const char *store_gc(LocalStore *s, const GcOptions *o, FILE *out, uint64_t *freed, size_t *deleted);
/* Deletes the given paths if they are dead (nix-store --delete). */
const char *store_gc_delete(LocalStore *s, const char *const *paths, size_t n);

#endif
