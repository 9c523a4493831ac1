/* Substitution from binary caches (file:// URLs in Nix's format): narinfo lookup, NAR
 * download and decompression, NarHash/NarSize and signature checks, registration. */
#ifndef CNIX_STORE_SUBSTITUTE_H
#define CNIX_STORE_SUBSTITUTE_H

#include <stdbool.h>

#include "store/config.h"
#include "store/local.h"

/* Tries each substituter for path (and, first, its references' closure). True when path
 * is valid afterwards. Problems are warned about on stderr. */
bool store_substitute(LocalStore *s, const StoreConfig *cfg, const char *path, const char *deriver);

/* Would some substituter provide path? (no download; for --dry-run) */
bool store_substitutable(LocalStore *s, const StoreConfig *cfg, const char *path);

#endif
