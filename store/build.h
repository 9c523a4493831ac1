/* The realiser: builds the closure of derivations into the local store (inputs first,
 * independent builds in parallel up to max-jobs, valid outputs never rebuilt), registering
 * each build's outputs atomically with the references found by scanning them. */
#ifndef CNIX_STORE_BUILD_H
#define CNIX_STORE_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "store/config.h"
#include "store/store.h"

/* Exit statuses as CppNix's: 100 a build failed, 102 a fixed-output hash mismatch (bits
 * combined with 0x60), 1 other errors. */
#define BUILD_STATUS_FAILED 100
#define BUILD_STATUS_HASH_MISMATCH 102

/* store_realise (store/store.h) runs the realiser for the local store (local_build). */

#endif
