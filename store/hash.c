/* Hashing through OpenSSL's EVP interface and the hash encodings Nix uses. */
#include "store/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
/* SHA256_Init & co. are deprecated in OpenSSL 3 in favour of EVP, whose per-use
 * context allocation and provider dispatch cost more than hashing a short string. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Nix's base32 alphabet: digits and letters without e, o, t, u. */
static const char nix32_chars[] = "0123456789abcdfghijklmnpqrsvwxyz";
static const char base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const algo_names[] = {"none", "md5", "sha1", "sha256", "sha512"};
static const size_t algo_sizes[] = {0, 16, 20, 32, 64};

HashAlgo hash_algo_parse(const char *name, size_t len)
{
    for (int a = HASH_MD5; a <= HASH_SHA512; a++)
        if (strlen(algo_names[a]) == len && memcmp(algo_names[a], name, len) == 0)
            return (HashAlgo)a;
    return HASH_NONE;
}

const char *hash_algo_name(HashAlgo a) { return algo_names[a]; }
size_t hash_algo_size(HashAlgo a) { return algo_sizes[a]; }

bool hash_format_parse(const char *name, HashFormat *out)
{
    if (strcmp(name, "base16") == 0) *out = HASH_FMT_BASE16;
    else if (strcmp(name, "nix32") == 0 || strcmp(name, "base32") == 0) *out = HASH_FMT_NIX32;
    else if (strcmp(name, "base64") == 0) *out = HASH_FMT_BASE64;
    else if (strcmp(name, "sri") == 0) *out = HASH_FMT_SRI;
    else return false;
    return true;
}

/* OpenSSL 3 looks an algorithm up by name on every use of EVP_sha256() & co. (an
 * "implicit fetch"), which dominated hashing small strings. The fetched handles are
 * immutable once made, so they are kept in a table initialised exactly once. */
static EVP_MD *fetched[HASH_SHA512 + 1];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
    static const char *const names[] = {NULL, "MD5", "SHA1", "SHA256", "SHA512"};
    for (int a = HASH_MD5; a <= HASH_SHA512; a++)
        fetched[a] = EVP_MD_fetch(NULL, names[a], NULL);
}

static const EVP_MD *evp_of(HashAlgo a)
{
    pthread_once(&fetch_once, fetch_all);
    if (fetched[a])
        return fetched[a];
    switch (a) {
    case HASH_MD5: return EVP_md5();
    case HASH_SHA1: return EVP_sha1();
    case HASH_SHA256: return EVP_sha256();
    case HASH_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

_Static_assert(sizeof(((HashCtx *)0)->sha256) >= sizeof(SHA256_CTX), "HashCtx.sha256 too small");

void hash_buf(HashAlgo a, const void *data, size_t len, Hash *out)
{
    unsigned int n = 0;
    memset(out, 0, sizeof *out);
    out->algo = a;
    if (a == HASH_SHA256) { /* (OpenSSL 3's SHA256() looks the algorithm up by name each time) */
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, data, len);
        SHA256_Final(out->bytes, &c);
    } else
        EVP_Digest(data, len, out->bytes, &n, evp_of(a), NULL);
    out->len = (uint32_t)algo_sizes[a];
}

void hash_init(HashCtx *c, HashAlgo a)
{
    c->algo = a;
    if (a == HASH_SHA256) {
        c->md = NULL;
        SHA256_Init((SHA256_CTX *)c->sha256);
        return;
    }
    c->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c->md, evp_of(a), NULL);
}

void hash_update(HashCtx *c, const void *data, size_t len)
{
    if (!len)
        return;
    if (!c->md)
        SHA256_Update((SHA256_CTX *)c->sha256, data, len);
    else
        EVP_DigestUpdate(c->md, data, len);
}

void hash_final(HashCtx *c, Hash *out)
{
    unsigned int n = 0;
    memset(out, 0, sizeof *out);
    out->algo = c->algo;
    if (!c->md) {
        SHA256_Final(out->bytes, (SHA256_CTX *)c->sha256);
    } else {
        EVP_DigestFinal_ex(c->md, out->bytes, &n);
        EVP_MD_CTX_free(c->md);
        c->md = NULL;
    }
    out->len = (uint32_t)algo_sizes[c->algo];
}

bool hash_file(HashAlgo a, const char *path, Hash *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    HashCtx c;
    hash_init(&c, a);
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            hash_final(&c, out);
            close(fd);
            errno = e;
            return false;
        }
        if (n == 0)
            break;
        hash_update(&c, buf, (size_t)n);
    }
    close(fd);
    hash_final(&c, out);
    return true;
}

/* ---- encodings ---- */

size_t hash_base16_len(size_t n) { return n * 2; }
size_t hash_nix32_len(size_t n) { return n == 0 ? 0 : (n * 8 - 1) / 5 + 1; }
size_t hash_base64_len(size_t n) { return (n + 2) / 3 * 4; }

size_t hash_base16_encode(const uint8_t *in, size_t n, char *out)
{
    /* two digits per table entry: every input of a .drv hash goes through here */
    static const char pairs[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                                "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                                "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                                "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, pairs + 2 * in[i], 2);
    out[2 * n] = 0;
    return 2 * n;
}

/* Nix's base32 reads the bytes as one little-endian number and prints its 5-bit
 * digits most significant first. */
size_t hash_nix32_encode(const uint8_t *in, size_t n, char *out)
{
    size_t len = hash_nix32_len(n);
    for (size_t k = 0; k < len; k++) {
        size_t digit = len - 1 - k;
        size_t b = digit * 5, i = b / 8, j = b % 8;
        unsigned c = in[i] >> j;
        if (i + 1 < n)
            c |= (unsigned)in[i + 1] << (8 - j);
        out[k] = nix32_chars[c & 31];
    }
    out[len] = 0;
    return len;
}

size_t hash_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t k = 0;
    unsigned data = 0;
    int nbits = 0;
    for (size_t i = 0; i < n; i++) {
        data = (data << 8 | in[i]) & 0xffffff;
        nbits += 8;
        while (nbits >= 6) {
            nbits -= 6;
            out[k++] = base64_chars[data >> nbits & 63];
        }
    }
    if (nbits)
        out[k++] = base64_chars[data << (6 - nbits) & 63];
    while (k % 4)
        out[k++] = '=';
    out[k] = 0;
    return k;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long hash_base16_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len % 2 || len / 2 > cap)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(len / 2);
}

static int nix32_val(char c)
{
    const char *p = c ? strchr(nix32_chars, c) : NULL;
    return p ? (int)(p - nix32_chars) : -1;
}

long hash_nix32_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    size_t used = 0;
    memset(out, 0, cap);
    for (size_t n = 0; n < len; n++) {
        int d = nix32_val(s[len - 1 - n]);
        if (d < 0)
            return -1;
        size_t b = n * 5, i = b / 8, j = b % 8;
        if (d == 0)
            continue;
        if (i >= cap)
            return -1;
        out[i] |= (uint8_t)(d << j);
        if (i + 1 > used)
            used = i + 1;
        if (d >> (8 - j)) {
            if (i + 1 >= cap)
                return -1;
            out[i + 1] |= (uint8_t)(d >> (8 - j));
            used = i + 2;
        }
    }
    /* Leading zero digits still count towards the decoded length. */
    size_t full = len ? (len - 1) * 5 / 8 + 1 : 0;
    if (full > cap)
        return -1;
    return (long)(full > used ? full : used);
}

long hash_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    unsigned d = 0, bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '=')
            break;
        if (c == '\n')
            continue;
        const char *p = c ? strchr(base64_chars, c) : NULL;
        if (!p)
            return -1;
        bits += 6;
        d = (d << 6 | (unsigned)(p - base64_chars)) & 0xffffff;
        if (bits >= 8) {
            if (k >= cap)
                return -1;
            out[k++] = (uint8_t)(d >> (bits - 8));
            bits -= 8;
        }
    }
    return (long)k;
}

size_t hash_format_into(const Hash *h, HashFormat f, bool with_algo, char *out)
{
    size_t k = 0;
    if (f == HASH_FMT_SRI || with_algo) {
        const char *name = algo_names[h->algo];
        size_t n = strlen(name);
        memcpy(out, name, n);
        k = n;
        out[k++] = f == HASH_FMT_SRI ? '-' : ':';
    }
    switch (f) {
    case HASH_FMT_BASE16: k += hash_base16_encode(h->bytes, h->len, out + k); break;
    case HASH_FMT_NIX32: k += hash_nix32_encode(h->bytes, h->len, out + k); break;
    default: k += hash_base64_encode(h->bytes, h->len, out + k); break;
    }
    return k;
}

char *hash_to_string(const Hash *h, HashFormat f, bool with_algo)
{
    char buf[2 * HASH_MAX_SIZE + 16];
    size_t n = hash_format_into(h, f, with_algo, buf);
    char *r = GC_MALLOC_ATOMIC(n + 1);
    memcpy(r, buf, n + 1);
    return r;
}

/* ---- parsing ---- */

static const char *fmt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *r = GC_MALLOC_ATOMIC((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(r, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return r;
}

static const char *unknown_algo(const char *s, size_t len)
{
    return fmt_err("unknown hash algorithm '%.*s', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'",
                   (int)len, s);
}

/* Decodes rest in format f for algo into out. */
static const char *decode_as(const char *rest, HashAlgo algo, HashFormat f, Hash *out)
{
    size_t len = strlen(rest), want = algo_sizes[algo];
    uint8_t buf[HASH_MAX_SIZE * 2];
    long n;
    const char *name;
    memset(out, 0, sizeof *out);
    switch (f) {
    case HASH_FMT_BASE16:
        name = "base16";
        for (size_t i = 0; i < len; i++)
            if (hex_val(rest[i]) < 0)
                return fmt_err("invalid character in Base16 string: '%c'", rest[i]);
        n = hash_base16_decode(rest, len, buf, sizeof buf);
        break;
    case HASH_FMT_NIX32:
        name = "nix32";
        for (size_t i = 0; i < len; i++)
            if (nix32_val(rest[i]) < 0)
                return fmt_err("invalid character in Nix32 (Nix's Base32 variation) string: '%c'",
                               rest[i]);
        n = hash_nix32_decode(rest, len, buf, sizeof buf);
        break;
    default:
        name = f == HASH_FMT_SRI ? "SRI" : "Base64";
        n = hash_base64_decode(rest, len, buf, sizeof buf);
        if (n < 0) {
            for (size_t i = 0; i < len && rest[i] != '='; i++)
                if (rest[i] != '\n' && !strchr(base64_chars, rest[i]))
                    return fmt_err("invalid character in Base64 string: '%c'", rest[i]);
        }
        break;
    }
    if (n < 0 || (size_t)n != want)
        return fmt_err("invalid %s hash '%s', length %ld != expected length %zu", name, rest,
                       n < 0 ? (long)(len * 6 / 8) : n, want);
    out->algo = algo;
    out->len = (uint32_t)want;
    memcpy(out->bytes, buf, want);
    return NULL;
}

static const char *format_by_size(const char *rest, HashAlgo algo, HashFormat *f)
{
    size_t len = strlen(rest), n = algo_sizes[algo];
    if (len == hash_base16_len(n)) *f = HASH_FMT_BASE16;
    else if (len == hash_nix32_len(n)) *f = HASH_FMT_NIX32;
    else if (len == hash_base64_len(n)) *f = HASH_FMT_BASE64;
    else return fmt_err("hash '%s' has wrong length for hash algorithm '%s'", rest, algo_names[algo]);
    return NULL;
}

/* mode: 0 = parseAny (algo optional), 1 = prefixed required */
static const char *parse_helper(const char *s, HashAlgo algo, int prefixed, Hash *out, HashFormat *fmt)
{
    const char *rest = s, *sep = strchr(s, ':');
    bool sri = false;
    HashAlgo parsed = HASH_NONE;
    if (!sep) {
        sep = strchr(s, '-');
        sri = sep != NULL;
    }
    if (sep) {
        parsed = hash_algo_parse(s, (size_t)(sep - s));
        if (parsed == HASH_NONE)
            return unknown_algo(s, (size_t)(sep - s));
        rest = sep + 1;
    }
    if (prefixed) {
        if (parsed == HASH_NONE)
            return fmt_err("hash '%s' does not include a type", s);
    } else if (parsed == HASH_NONE && algo == HASH_NONE) {
        return fmt_err("hash '%s' does not include a type, nor is the type otherwise known from context", s);
    } else if (parsed != HASH_NONE && algo != HASH_NONE && parsed != algo) {
        return fmt_err("hash '%s' should have type '%s'", s, algo_names[algo]);
    }
    HashAlgo a = parsed != HASH_NONE ? parsed : algo;
    HashFormat f = HASH_FMT_SRI;
    if (!sri) {
        const char *e = format_by_size(rest, a, &f);
        if (e)
            return e;
    }
    if (fmt)
        *fmt = f;
    return decode_as(rest, a, f, out);
}

const char *hash_parse_any(const char *s, HashAlgo algo, Hash *out, HashFormat *fmt)
{
    return parse_helper(s, algo, 0, out, fmt);
}

const char *hash_parse_sri(const char *s, Hash *out)
{
    const char *sep = strchr(s, '-');
    if (!sep)
        return fmt_err("hash '%s' is not SRI", s);
    HashAlgo a = hash_algo_parse(s, (size_t)(sep - s));
    if (a == HASH_NONE)
        return unknown_algo(s, (size_t)(sep - s));
    return decode_as(sep + 1, a, HASH_FMT_SRI, out);
}

void hash_compress(const Hash *h, uint8_t *out, size_t out_len)
{
    memset(out, 0, out_len);
    for (size_t i = 0; i < h->len; i++)
        out[i % out_len] ^= h->bytes[i];
}
