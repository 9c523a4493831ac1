/* Unit tests of the store module: hashes and encodings, store paths, NAR, ATerm .drv. */
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/hash.h"

static int npass, nfail;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (cond) npass++;                                                         \
        else { nfail++; fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_STR(got, want)                                                       \
    do {                                                                           \
        const char *g_ = (got), *w_ = (want);                                      \
        if (g_ && w_ && strcmp(g_, w_) == 0) npass++;                              \
        else { nfail++; fprintf(stderr, "%s:%d: FAIL %s\n  got:  %s\n  want: %s\n", __FILE__, \
                                __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
    } while (0)

static const char *hstr(HashAlgo a, const char *data, HashFormat f, bool with_algo)
{
    Hash h;
    hash_buf(a, data, strlen(data), &h);
    return hash_to_string(&h, f, with_algo);
}

static void test_hash(void)
{
    CHECK_STR(hstr(HASH_SHA256, "", HASH_FMT_NIX32, false),
              "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73");
    CHECK_STR(hstr(HASH_SHA256, "hello world", HASH_FMT_BASE16, false),
              "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    CHECK_STR(hstr(HASH_SHA256, "hello world", HASH_FMT_NIX32, true),
              "sha256:1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr");
    CHECK_STR(hstr(HASH_MD5, "hello world", HASH_FMT_NIX32, false), "63rmd8zfr2rf9x1vhyw2xkpdjy");
    CHECK_STR(hstr(HASH_SHA1, "hello world", HASH_FMT_NIX32, false),
              "xm3fh7p9kj5l0pz9vcav9ksgr4snrbia");
    CHECK_STR(hstr(HASH_SHA512, "hello world", HASH_FMT_NIX32, false),
              "1pxg75fjcp59ibxrxfn07z863cczc25bcjk9nkhjr4zziavsffrhvyq9inshg6dkdx7q6jixrvyvl5ly81cjl0gqi6fpmhjki4cr7ih");
    CHECK_STR(hstr(HASH_SHA256, "hello world", HASH_FMT_SRI, false),
              "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
    CHECK_STR(hstr(HASH_MD5, "", HASH_FMT_BASE64, true), "md5:1B2M2Y8AsgTpgAmY7PhCfg==");

    /* parsing in every format round-trips */
    const char *forms[] = {
        "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
        "sha256:B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9",
        "sha256:1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr",
        "sha256:uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
        "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        Hash h;
        const char *e = hash_parse_any(forms[i], HASH_NONE, &h, NULL);
        CHECK(e == NULL);
        if (!e)
            CHECK_STR(hash_to_string(&h, HASH_FMT_BASE16, false),
                      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    }
    Hash h;
    CHECK(hash_parse_any("1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr", HASH_SHA256, &h, NULL) == NULL);
    CHECK_STR(hash_parse_any("1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr", HASH_NONE, &h, NULL),
              "hash '1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr' does not include a type, nor is the type otherwise known from context");
    CHECK_STR(hash_parse_any("sha256:abc", HASH_NONE, &h, NULL),
              "hash 'abc' has wrong length for hash algorithm 'sha256'");
    CHECK_STR(hash_parse_any("foo:abc", HASH_NONE, &h, NULL),
              "unknown hash algorithm 'foo', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'");
    CHECK_STR(hash_parse_any("sha1:1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr", HASH_SHA256, &h, NULL),
              "hash 'sha1:1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr' should have type 'sha256'");
    CHECK(hash_parse_any("sha256:1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkde", HASH_NONE, &h, NULL) != NULL);
    CHECK(hash_parse_sri("sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvze==", &h) != NULL);
    /* nix32 digits that overflow the hash size are rejected */
    CHECK(hash_parse_any("md5:z3rmd8zfr2rf9x1vhyw2xkpdjy", HASH_NONE, &h, NULL) != NULL);
    CHECK(hash_parse_any("md5:13rmd8zfr2rf9x1vhyw2xkpdjy", HASH_NONE, &h, NULL) == NULL);
    /* nix32 of all byte values round-trips */
    uint8_t bytes[64], back[64];
    char enc[200];
    for (int i = 0; i < 64; i++)
        bytes[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 1; n <= 64; n++) {
        size_t len = hash_nix32_encode(bytes, n, enc);
        CHECK(len == hash_nix32_len(n));
        long m = hash_nix32_decode(enc, len, back, 64);
        CHECK(m == (long)n && memcmp(bytes, back, n) == 0);
        len = hash_base64_encode(bytes, n, enc);
        m = hash_base64_decode(enc, len, back, 64);
        CHECK(m == (long)n && memcmp(bytes, back, n) == 0);
    }
    uint8_t c[20];
    hash_buf(HASH_SHA256, "", 0, &h);
    hash_compress(&h, c, 20);
    CHECK(c[0] == (h.bytes[0] ^ h.bytes[20]));
}

int main(void)
{
    GC_INIT();
    test_hash();
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail != 0;
}
