/* Store paths as CppNix computes them: /STOREDIR/HASH-NAME with HASH the nix32 of a
 * 160-bit fold of sha256("TYPE:sha256:HEX:STOREDIR:NAME"). */
#ifndef CNIX_STORE_PATH_H
#define CNIX_STORE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "store/hash.h"

#define STORE_HASH_LEN 32 /* nix32 characters of a store path's hash part */
#define STORE_NAME_MAX 211

/* How a path's content is hashed (CppNix's ContentAddressMethod). */
typedef enum FileIngestion {
    FIM_FLAT,      /* the file's bytes */
    FIM_RECURSIVE, /* the NAR serialisation ("r:") */
    FIM_TEXT,      /* text paths (builtins.toFile, .drv files); sha256 of the contents */
} FileIngestion;

/* The store directory when the settings name none (NIX_STORE_DIR is read with the other
 * settings, store/config.c). */
#define STORE_DEFAULT_DIR "/nix/store"

/* Checks a store path name; NULL if valid, else CppNix's message ("name '...' contains
 * illegal character '...'"). */
const char *store_check_name(const char *name, size_t len);

/* "TYPE:ref1:ref2[:self]" with refs (full store paths) sorted; GC string. */
char *store_make_type(const char *type, const char *const *refs, size_t nrefs, bool self);
/* makeStorePath with the hash in its "sha256:HEX" printed form. */
char *store_make_path_str(const char *store_dir, const char *type, const char *hash_str,
                          const char *name);
char *store_make_path(const char *store_dir, const char *type, const Hash *h, const char *name);
/* "name" for output "out", "name-ID" otherwise. GC string. */
char *store_output_path_name(const char *name, const char *id);
/* Path of output ID of an input-addressed derivation with hash h (makeOutputPath). */
char *store_make_output_path(const char *store_dir, const char *id, const Hash *h, const char *name);
/* Content-addressed paths. Returns NULL and sets *err when refs are not allowed. */
/* The content address of a fixed-output path: "fixed:[r:]ALGO:NIX32" (r: for FIM_RECURSIVE). */
char *store_fixed_ca(FileIngestion m, const Hash *h);
char *store_make_fixed_output_path(const char *store_dir, const char *name, FileIngestion m,
                                   const Hash *h, const char *const *refs, size_t nrefs, bool self,
                                   const char **err);
char *store_make_text_path(const char *store_dir, const char *name, const Hash *h,
                           const char *const *refs, size_t nrefs);
/* As store_make_text_path, with the path preceded in its allocation by '=': r - 1 is the
 * string-context element "=r" of the derivation r (one allocation for both). */
char *store_make_text_path_eq(const char *store_dir, const char *name, const Hash *h,
                              const char *const *refs, size_t nrefs);
/* Text path of the given contents (sha256 of s). */
char *store_text_path_for(const char *store_dir, const char *name, const char *s, size_t len,
                          const char *const *refs, size_t nrefs);

/* builtins.placeholder: "/" + nix32(sha256("nix-output:" + output)). GC string. */
char *store_hash_placeholder(const char *output);

/* Downstream placeholders (CppNix's DownstreamPlaceholder), for outputs whose path is
 * not known at evaluation time. Output ID of the floating CA derivation at drv_path
 * (a STOREDIR/HASH-NAME.drv path): sha256("nix-upstream-output:" + HASH + ":" +
 * outputPathName(NAME, ID)). */
void store_upstream_output_hash(const char *store_dir, const char *drv_path, const char *id,
                                Hash *out);
/* Output ID of a derivation that is itself the output `inner` stands for:
 * sha256("nix-computed-output:" + nix32(compressHash(inner, 20)) + ":" + ID). */
void store_computed_output_hash(const Hash *inner, const char *id, Hash *out);
/* "/" + nix32 of the whole hash. GC string. */
char *store_render_placeholder(const Hash *h);

/* Is path exactly STOREDIR/HASH-NAME with a valid hash part and name? */
bool store_is_store_path(const char *store_dir, const char *path);
/* Checks like CppNix's parseStorePath; NULL if ok, else the message. */
const char *store_parse_path(const char *store_dir, const char *path);
/* Is path inside the store (STOREDIR/...)? */
bool store_is_in_store(const char *store_dir, const char *path);
/* STOREDIR/HASH-NAME/sub -> STOREDIR/HASH-NAME (GC string); NULL if not in the store. */
char *store_to_store_path(const char *store_dir, const char *path);
/* The NAME part of a store path (pointer into path). */
const char *store_path_name(const char *store_dir, const char *path);

#endif
