/* Cryptographic hashes (md5, sha1, sha256, sha512) and their textual encodings:
 * base16, Nix's base32 ("nix32"), base64 and SRI, parsed and printed as CppNix does. */
#ifndef CNIX_STORE_HASH_H
#define CNIX_STORE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum HashAlgo { HASH_NONE = 0, HASH_MD5, HASH_SHA1, HASH_SHA256, HASH_SHA512 } HashAlgo;

typedef enum HashFormat { HASH_FMT_BASE16, HASH_FMT_NIX32, HASH_FMT_BASE64, HASH_FMT_SRI } HashFormat;

#define HASH_MAX_SIZE 64

typedef struct Hash {
    HashAlgo algo;
    uint32_t len; /* bytes used in bytes[] (hash_algo_size(algo)) */
    uint8_t bytes[HASH_MAX_SIZE];
} Hash;

/* Incremental hashing; hash_final releases the context. */
typedef struct HashCtx {
    HashAlgo algo;
    void *md;             /* EVP_MD_CTX; NULL for sha256, which uses sha256 below */
    uint64_t sha256[14];  /* OpenSSL's SHA256_CTX: no allocation, no dispatch */
} HashCtx;

/* "md5", "sha1", "sha256", "sha512" -> algo; HASH_NONE if unknown. */
HashAlgo hash_algo_parse(const char *name, size_t len);
const char *hash_algo_name(HashAlgo a);
size_t hash_algo_size(HashAlgo a);
/* "base16", "nix32", "base32" (alias of nix32), "base64", "sri". */
bool hash_format_parse(const char *name, HashFormat *out);

void hash_buf(HashAlgo a, const void *data, size_t len, Hash *out);
void hash_init(HashCtx *c, HashAlgo a);
void hash_update(HashCtx *c, const void *data, size_t len);
void hash_final(HashCtx *c, Hash *out);
/* Hashes a file's contents; false (errno set) if it cannot be read. */
bool hash_file(HashAlgo a, const char *path, Hash *out);

/* Low-level encoders: write into out (room for the encoded length + NUL), return length. */
size_t hash_base16_len(size_t n);
size_t hash_nix32_len(size_t n);
size_t hash_base64_len(size_t n);
size_t hash_base16_encode(const uint8_t *in, size_t n, char *out);
size_t hash_nix32_encode(const uint8_t *in, size_t n, char *out);
size_t hash_base64_encode(const uint8_t *in, size_t n, char *out);
/* Decoders: return the number of bytes written to out (at most cap), or -1 on a bad
 * character or overflow. */
long hash_base16_decode(const char *s, size_t len, uint8_t *out, size_t cap);
long hash_nix32_decode(const char *s, size_t len, uint8_t *out, size_t cap);
long hash_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

/* Textual form. SRI always carries "algo-"; the others carry "algo:" if with_algo.
 * The result is GC-allocated. */
char *hash_to_string(const Hash *h, HashFormat f, bool with_algo);
/* Same, into a caller buffer of at least 2*HASH_MAX_SIZE+16 bytes; returns the length. */
size_t hash_format_into(const Hash *h, HashFormat f, bool with_algo, char *out);

/* Parses like CppNix's Hash::parseAny: "algo:HASH" (base16/nix32/base64 told apart by
 * length), "algo-BASE64" (SRI), or a bare HASH when algo != HASH_NONE. If algo is given
 * and the string names another, that is an error. Returns NULL on success, else the
 * error message (CppNix's wording). *fmt (may be NULL) receives the format found. */
const char *hash_parse_any(const char *s, HashAlgo algo, Hash *out, HashFormat *fmt);
/* An SRI hash "algo-BASE64". */
const char *hash_parse_sri(const char *s, Hash *out);

/* XORs the hash down to out_len bytes (CppNix's compressHash, used for store paths). */
void hash_compress(const Hash *h, uint8_t *out, size_t out_len);

#endif
