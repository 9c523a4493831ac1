/* Binary caches in Nix's format on file:// URLs: nix-cache-info, HASH.narinfo
 * (StorePath, URL, Compression, FileHash, FileSize, NarHash, NarSize, References, Deriver,
 * Sig, CA) and nar/FILEHASH.nar[.xz|.zst]; ed25519 signatures over Nix's fingerprint
 * "1;PATH;NARHASH;NARSIZE;REFS" with keys written "name:base64". */
#ifndef CNIX_STORE_CACHE_H
#define CNIX_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "store/config.h"
#include "store/local.h"
#include "store/valid.h"

/* Writes the closure of paths to the cache at url (file:///DIR), compressed with
 * compression ("xz", "zstd" or "none"); signs narinfos with secret_key if not NULL. */
const char *cache_copy_to(LocalStore *s, const char *url, const char *const *paths, size_t n,
                          const char *compression, const char *secret_key);
/* Copies paths (and their closure) from the cache into the store, checking signatures
 * against cfg's trusted-public-keys unless require-sigs is false. */
const char *cache_copy_from(LocalStore *s, const StoreConfig *cfg, const char *url, const char *const *paths,
                            size_t n);
/* Substitutes path (and its closure) from one cache; false (with a warning for errors
 * other than absence) if not possible. */
bool cache_substitute(LocalStore *s, const StoreConfig *cfg, const char *url, const char *path);
/* CppNix's makeContentAddressed from the cache at url: rewrites path's closure into
 * content-addressed paths (references first) and adds those to the store, reading the
 * originals from the cache without adding them; *out is path's rewritten path. */
const char *cache_make_content_addressed(LocalStore *s, const char *url, const char *path, const char **out);
/* Does the cache at url have a narinfo for path (for --dry-run)? */
bool cache_has(LocalStore *s, const char *url, const char *path);
/* A new ed25519 key pair: *secret "name:base64(64 bytes)", *pub "name:base64(32 bytes)". */
const char *cache_generate_key(const char *name, const char **secret, const char **pub);
/* The signature "name:base64" of info's fingerprint with a secret key. */
const char *cache_sign(const PathInfo *info, const char *secret_key, const char **sig);
/* Does one of sigs (space-separated) verify against one of keys? */
bool cache_verify_sigs(const PathInfo *info, const char *sigs, const StrList *keys);
/* Reads a key file's first line (trimmed). */
const char *cache_read_key_file(const char *path, const char **key);

#endif
