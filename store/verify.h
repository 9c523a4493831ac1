/* Checking the store's consistency (nix-store --verify): the database, registered paths
 * against the files, references, contents against their NAR hashes, leftovers. */
#ifndef CNIX_STORE_VERIFY_H
#define CNIX_STORE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "store/store.h"

typedef struct VerifyOptions {
    bool check_contents; /* hash every path's NAR and compare with the registered hash */
    bool repair;         /* remove what can be removed safely (dangling rows, leftovers) */
} VerifyOptions;

/* Reports problems to log as CppNix does ("path '...' disappeared, removing from
 * database...", "path '...' was modified! ..."). Registered paths whose files are gone and
 * that no valid path refers to are unregistered (as CppNix, even without repair). Returns
 * the number of problems left unfixed (0: the store is consistent). */
size_t store_verify(Store *s, const VerifyOptions *o, FILE *log);

#endif
