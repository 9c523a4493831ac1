/* NAR (Nix ARchive): the canonical serialisation of a file system object, written from
 * and restored to the file system, byte-for-byte as CppNix does. */
#ifndef CNIX_STORE_NAR_H
#define CNIX_STORE_NAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hash.h"
#include "util/strbuf.h"

/* Receives the serialisation in pieces. */
typedef void (*NarSink)(void *ctx, const void *data, size_t len);
/* Decides whether a directory entry (full path) is included; type is "regular",
 * "directory", "symlink" or "unknown". The root itself is never filtered. May longjmp. */
typedef bool (*NarFilter)(void *ctx, const char *path, const char *type);

/* Serialises path (not following a final symlink). NULL on success, else a message. */
const char *nar_dump(const char *path, NarSink sink, void *sink_ctx, NarFilter filter, void *fctx);
const char *nar_dump_to_buf(const char *path, NarFilter filter, void *fctx, StrBuf *out);
/* Hash of the NAR of path, and its size (may be NULL). */
const char *nar_hash_path(const char *path, HashAlgo algo, NarFilter filter, void *fctx, Hash *out,
                          uint64_t *nar_size);

/* The NAR of a single regular file with these contents, into out. */
void nar_of_bytes(const void *data, size_t len, bool executable, StrBuf *out);

/* What parsing a NAR produces; paths are relative to the root ("" is the root itself).
 * Each callback returns NULL or an error message that stops the parse. */
typedef struct NarVisitor {
    const char *(*directory)(void *ctx, const char *path);
    const char *(*regular)(void *ctx, const char *path, bool executable, const uint8_t *data,
                           uint64_t len);
    const char *(*symlink)(void *ctx, const char *path, const char *target);
} NarVisitor;

/* Parses and validates a complete NAR held in memory (names sorted and sane, nothing
 * after the end). NULL on success, else a message. v may be NULL to only validate. */
const char *nar_parse(const uint8_t *data, size_t len, const NarVisitor *v, void *ctx);
/* Restores a NAR at dest, which must not exist. */
const char *nar_restore(const uint8_t *data, size_t len, const char *dest);

#endif
