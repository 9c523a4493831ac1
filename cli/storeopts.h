/* Options shared by the commands that build or copy (cnix build, cnix store ...):
 * --option NAME VALUE for store settings, -j/--max-jobs, -k/--keep-going, --keep-failed,
 * --cores, --sandbox/--no-sandbox, --dry-run, -Q/--no-build-output, --store. */
#ifndef CNIX_CLI_STOREOPTS_H
#define CNIX_CLI_STOREOPTS_H

#include "store/config.h"
#include "store/store.h"

/* Consumes argv[*i] if it is such an option: 1 consumed, 0 not ours, -1 error (printed). */
int cli_store_opt(StoreConfig *c, int argc, char **argv, int *i);

#endif
