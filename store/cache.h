/* Binary caches in Nix's format on file:// URLs, the Store kind "file" (opened by
 * store_open("file:///DIR?compression=..&secret-key=FILE")), and substitution through
 * them: nix-cache-info, HASH.narinfo
 * (StorePath, URL, Compression, FileHash, FileSize, NarHash, NarSize, References, Deriver,
 * Sig, CA) and nar/FILEHASH.nar[.xz|.zst]; ed25519 signatures over Nix's fingerprint
 * "1;PATH;NARHASH;NARSIZE;REFS" with keys written "name:base64". */
#ifndef CNIX_STORE_CACHE_H
#define CNIX_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "store/config.h"
#include "store/store.h"

/* Substitution: tries each of cfg's substituters for path (and, first, its references'
 * closure). True when path is valid afterwards. Problems are warned about on stderr. */
bool store_substitute(Store *s, const StoreConfig *cfg, const char *path);
/* Would some substituter provide path? (no download; for --dry-run) */
bool store_substitutable(Store *s, const StoreConfig *cfg, const char *path);
/* A new ed25519 key pair: *secret "name:base64(64 bytes)", *pub "name:base64(32 bytes)". */
const char *cache_generate_key(const char *name, const char **secret, const char **pub);
/* The signature "name:base64" of info's fingerprint with a secret key. */
const char *cache_sign(const PathInfo *info, const char *secret_key, const char **sig);
/* Does one of sigs (space-separated) verify against one of keys? */
bool cache_verify_sigs(const PathInfo *info, const char *sigs, const StrList *keys);
/* Reads a key file's first line (trimmed). */
const char *cache_read_key_file(const char *path, const char **key);

#endif
