/* Unit tests of the store module: hashes and encodings, store paths, NAR, ATerm .drv. */
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/drv.h"
#include "store/hash.h"
#include "store/store.h"
#include "store/nar.h"
#include "store/path.h"

static const char drv_b_path[] = "/nix/store/3cg3kfgmyahr5vc9fzw6mxayll9qk1pc-b.drv";
static const char drv_b_text[] = "Derive([(\"out\",\"/nix/store/nli495k18kic9pvxz6mbv9pci9r60zfb-b\",\"\",\"\")],[(\"/nix/store/lvm5af1xh9a2dmi43kni01di5sfyawvb-f.drv\",[\"out\"]),(\"/nix/store/s19bk4nvdrix80lhszak4f4wsisb81y6-a.drv\",[\"dev\",\"out\"])],[\"/nix/store/368j9v43jpxycrmf2gh6nlznlx7x0x5b-d1.nix\",\"/nix/store/n67lcg14n0q7xc51d5sm6j6i40kpnvfk-t\"],\"x86_64-linux\",\"/nix/store/0m8dh8izkcq50bsr9m7mzln5zxy1m0iv-a/bin/sh\",[],[(\"builder\",\"/nix/store/0m8dh8izkcq50bsr9m7mzln5zxy1m0iv-a/bin/sh\"),(\"dev\",\"/nix/store/06crgpqqnqm2v19qlv4zi1alkk8w76qg-a-dev\"),(\"fx\",\"/nix/store/mcarvgpb84158yim15g4c5x9zwybidfc-f\"),(\"name\",\"b\"),(\"out\",\"/nix/store/nli495k18kic9pvxz6mbv9pci9r60zfb-b\"),(\"src\",\"/nix/store/368j9v43jpxycrmf2gh6nlznlx7x0x5b-d1.nix\"),(\"system\",\"x86_64-linux\"),(\"t\",\"/nix/store/n67lcg14n0q7xc51d5sm6j6i40kpnvfk-t\")])";
static const char drv_a_path[] = "/nix/store/s19bk4nvdrix80lhszak4f4wsisb81y6-a.drv";
static const char drv_a_text[] = "Derive([(\"dev\",\"/nix/store/06crgpqqnqm2v19qlv4zi1alkk8w76qg-a-dev\",\"\",\"\"),(\"out\",\"/nix/store/0m8dh8izkcq50bsr9m7mzln5zxy1m0iv-a\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"echo \\\"hi\\\"\\n\\t\\\\ > $out\"],[(\"builder\",\"/bin/sh\"),(\"dev\",\"/nix/store/06crgpqqnqm2v19qlv4zi1alkk8w76qg-a-dev\"),(\"name\",\"a\"),(\"out\",\"/nix/store/0m8dh8izkcq50bsr9m7mzln5zxy1m0iv-a\"),(\"outputs\",\"out dev\"),(\"system\",\"x86_64-linux\")])";
static const char drv_f_path[] = "/nix/store/lvm5af1xh9a2dmi43kni01di5sfyawvb-f.drv";
static const char drv_f_text[] = "Derive([(\"out\",\"/nix/store/mcarvgpb84158yim15g4c5x9zwybidfc-f\",\"r:sha256\",\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\")],[],[],\"x86_64-linux\",\"/bin/sh\",[],[(\"builder\",\"/bin/sh\"),(\"name\",\"f\"),(\"out\",\"/nix/store/mcarvgpb84158yim15g4c5x9zwybidfc-f\"),(\"outputHash\",\"sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"),(\"outputHashMode\",\"recursive\"),(\"system\",\"x86_64-linux\")])";

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


static void test_paths(void)
{
    const char *sd = "/nix/store";
    CHECK_STR(store_text_path_for(sd, "foo", "bar", 3, NULL, 0), "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo");
    const char *ref = "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo";
    CHECK_STR(store_text_path_for(sd, "foo2", ref, strlen(ref), &ref, 1),
              "/nix/store/y12n75r217gggv61pgs63ykslwpa3pk4-foo2");
    CHECK_STR(store_hash_placeholder("out"), "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");
    CHECK_STR(store_hash_placeholder("dev"), "/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5dv88lh25r2ss44kh8dxz");
    Hash h;
    const char *err = NULL;
    CHECK(hash_parse_any("sha256:1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr", HASH_NONE, &h, NULL) == NULL);
    CHECK_STR(store_make_fixed_output_path(sd, "x", FIM_FLAT, &h, NULL, 0, false, &err),
              "/nix/store/vbwjvnnc0ndfyxa58zgvxgwgpjz13qq0-x");
    CHECK_STR(store_make_fixed_output_path(sd, "x", FIM_RECURSIVE, &h, NULL, 0, false, &err),
              "/nix/store/5gw3rsckvrqnixqynjvf0xynvrmmc4pg-x");
    CHECK(store_make_fixed_output_path(sd, "x", FIM_FLAT, &h, &ref, 1, false, &err) == NULL && err);
    CHECK(hash_parse_any("sha1:xm3fh7p9kj5l0pz9vcav9ksgr4snrbia", HASH_NONE, &h, NULL) == NULL);
    CHECK_STR(store_make_fixed_output_path(sd, "x", FIM_RECURSIVE, &h, NULL, 0, false, &err),
              "/nix/store/ghrs3ghixnjpymxw0fhvns2kl44vww0m-x");
    CHECK(store_check_name("foo-1.0_+?=", 11) == NULL);
    CHECK_STR(store_check_name("a b", 3), "name 'a b' contains illegal character ' '");
    CHECK(store_check_name("", 0) != NULL);
    CHECK(store_check_name(".", 1) != NULL);
    CHECK(store_check_name("..-x", 4) != NULL);
    CHECK(store_check_name(".x", 2) == NULL);
    CHECK(store_is_store_path(sd, ref));
    CHECK(!store_is_store_path(sd, "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo/bin"));
    CHECK(!store_is_store_path(sd, "/nix/store/exjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"));
    CHECK(!store_is_store_path(sd, "/nix/storex/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"));
    CHECK_STR(store_to_store_path(sd, "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo/bin/sh"), ref);
    CHECK_STR(store_path_name(sd, ref), "foo");
    CHECK_STR(store_output_path_name("a", "dev"), "a-dev");
}

static void test_nar(void)
{
    char dir[] = "/tmp/cnix-test-nar-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p[256];
    snprintf(p, sizeof p, "%s/t", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/t/sub", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/t/f", dir);
    FILE *f = fopen(p, "w");
    fputs("a", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/t/sub/x", dir);
    f = fopen(p, "w");
    fputs("#!/bin/sh\n", f);
    fclose(f);
    chmod(p, 0755);
    snprintf(p, sizeof p, "%s/t/link", dir);
    CHECK(symlink("f", p) == 0);
    snprintf(p, sizeof p, "%s/t", dir);
    Hash h;
    uint64_t size = 0;
    CHECK(nar_hash_path(p, HASH_SHA256, NULL, NULL, &h, &size) == NULL);
    /* the same tree hashed by CppNix's nix-hash */
    CHECK_STR(hash_to_string(&h, HASH_FMT_BASE16, false),
              "3656e1b7ef96c1f617773f8bcbeac6a6f0f9575fdc7547745ef2c1041fd6790e");
    CHECK_STR(store_make_fixed_output_path("/nix/store", "t", FIM_RECURSIVE, &h, NULL, 0, false, NULL),
              "/nix/store/n442i2dvwlx5gany592grsr7cx3sj204-t");
    StrBuf sb;
    sb_init(&sb);
    CHECK(nar_dump_to_buf(p, NULL, NULL, &sb) == NULL);
    CHECK(sb.len == size);
    char q[256];
    snprintf(q, sizeof q, "%s/copy", dir);
    CHECK(nar_restore((const uint8_t *)sb.data, sb.len, q) == NULL);
    Hash h2;
    CHECK(nar_hash_path(q, HASH_SHA256, NULL, NULL, &h2, NULL) == NULL);
    CHECK(memcmp(h.bytes, h2.bytes, 32) == 0);
    /* restoring onto an existing path fails cleanly */
    CHECK(nar_restore((const uint8_t *)sb.data, sb.len, q) != NULL);
    /* every truncation and a corrupted byte are rejected without crashing */
    size_t bad = 0;
    for (size_t n = 0; n < sb.len; n++)
        bad += nar_parse((const uint8_t *)sb.data, n, NULL, NULL) != NULL;
    CHECK(bad == sb.len);
    CHECK(nar_parse((const uint8_t *)sb.data, sb.len, NULL, NULL) == NULL);
    char *copy = malloc(sb.len);
    memcpy(copy, sb.data, sb.len);
    copy[20] ^= 1;
    CHECK(nar_parse((const uint8_t *)copy, sb.len, NULL, NULL) != NULL);
    free(copy);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static char *test_loader(void *ctx, const char *path, size_t *len, const char **err)
{
    const char *texts[][2] = {{drv_a_path, drv_a_text}, {drv_f_path, drv_f_text}, {drv_b_path, drv_b_text}};
    for (int i = 0; i < 3; i++)
        if (strcmp(path, texts[i][0]) == 0) {
            *len = strlen(texts[i][1]);
            return (char *)texts[i][1];
        }
    *err = "no such derivation";
    return NULL;
}

static void test_drv(void)
{
    const char *texts[][3] = {{drv_a_path, drv_a_text, "a"}, {drv_f_path, drv_f_text, "f"}, {drv_b_path, drv_b_text, "b"}};
    for (int i = 0; i < 3; i++) {
        Derivation d;
        CHECK(drv_parse(texts[i][1], strlen(texts[i][1]), texts[i][2], &d) == NULL);
        size_t len;
        CHECK_STR(drv_unparse(&d, false, NULL, 0, &len), texts[i][1]);
        CHECK_STR(drv_store_path(&d, "/nix/store", NULL, NULL), texts[i][0]);
    }
    /* recompute b's output path from scratch, its inputs coming through the loader */
    DrvCache *c = drv_cache_new(test_loader, NULL);
    Derivation b;
    CHECK(drv_parse(drv_b_text, strlen(drv_b_text), "b", &b) == NULL);
    const char *want = b.outputs[0].path;
    b.outputs[0].path = "";
    for (uint32_t i = 0; i < b.nenv; i++)
        if (strcmp(b.env[i].key, "out") == 0)
            b.env[i].value = "";
    CHECK(drv_fill_output_paths(c, &b, "/nix/store") == NULL);
    CHECK_STR(b.outputs[0].path, want);
    CHECK_STR(drv_env_get(&b, "out"), want);
    CHECK_STR(drv_store_path(&b, "/nix/store", NULL, NULL), drv_b_path);
    /* drv_finish does all of it at once and records the result for dependents */
    Derivation b2;
    CHECK(drv_parse(drv_b_text, strlen(drv_b_text), "b", &b2) == NULL);
    b2.outputs[0].path = "";
    for (uint32_t i = 0; i < b2.nenv; i++)
        if (strcmp(b2.env[i].key, "out") == 0)
            b2.env[i].value = "";
    DrvCache *c2 = drv_cache_new(test_loader, NULL);
    const char *dp = NULL;
    CHECK(drv_finish(c2, &b2, "/nix/store", true, &dp) == NULL);
    CHECK_STR(dp, drv_b_path);
    CHECK_STR(b2.outputs[0].path, want);
    const char *gerr = NULL;
    const Derivation *sk = drv_cache_get(c2, drv_b_path, &gerr);
    CHECK(sk && sk->ninputs == 2 && sk->nenv == 0 && strcmp(sk->outputs[0].path, want) == 0);
    Hash m1, m2;
    CHECK(drv_hash_modulo(c, &b, false, &m1) == NULL);
    /* a dependent of b hashes b through the cache exactly as through the loader */
    Derivation dep;
    memset(&dep, 0, sizeof dep);
    DrvOutput dout = {"out", "", "", ""};
    const char *outs_b[] = {"out"};
    DrvInput din = {drv_b_path, outs_b, 1};
    dep.name = "dep";
    dep.outputs = &dout;
    dep.noutputs = 1;
    dep.inputs = &din;
    dep.ninputs = 1;
    dep.platform = "s";
    dep.builder = "b";
    CHECK(drv_hash_modulo(c, &dep, true, &m1) == NULL);
    CHECK(drv_hash_modulo(c2, &dep, true, &m2) == NULL);
    CHECK(memcmp(m1.bytes, m2.bytes, 32) == 0);
    /* unknown inputs are an error, not a crash */
    DrvCache *empty = drv_cache_new(NULL, NULL);
    CHECK(drv_fill_output_paths(empty, &b, "/nix/store") != NULL);
    /* escaping round-trips */
    Derivation e;
    memset(&e, 0, sizeof e);
    DrvOutput o = {"out", "", "", ""};
    DrvEnvVar ev[2] = {{"z", "q\"\\\n\r\tx"}, {"a", ""}};
    e.name = "e";
    e.outputs = &o;
    e.noutputs = 1;
    e.platform = "s";
    e.builder = "b";
    e.env = ev;
    e.nenv = 2;
    drv_normalise(&e);
    size_t len;
    char *t = drv_unparse(&e, false, NULL, 0, &len);
    CHECK_STR(t, "Derive([(\"out\",\"\",\"\",\"\")],[],[],\"s\",\"b\",[],[(\"a\",\"\"),(\"z\",\"q\\\"\\\\\\n\\r\\tx\")])");
    Derivation e2;
    CHECK(drv_parse(t, len, "e", &e2) == NULL);
    CHECK_STR(drv_env_get(&e2, "z"), "q\"\\\n\r\tx");
    /* malformed input: every truncation fails cleanly */
    size_t bl = strlen(drv_b_text), bad = 0;
    for (size_t n = 0; n < bl; n++) {
        Derivation x;
        bad += drv_parse(drv_b_text, n, "b", &x) != NULL;
    }
    CHECK(bad == bl);
    /* fuzz_aterm regression: inputs with no outputs (NULL output arrays), repeated, are
     * merged without memcpy from NULL (UBSan under make asan) */
    const char *empty_in = "Derive([(\"out\",\"/nix/store/x-b\",\"\",\"\")],"
                           "[(\"/nix/store/y-a.drv\",[]),(\"/nix/store/y-a.drv\",[]),"
                           "(\"/nix/store/z-c.drv\",[\"out\"]),(\"/nix/store/z-c.drv\",[])],"
                           "[],\"s\",\"b\",[],[])";
    Derivation ei;
    CHECK(drv_parse(empty_in, strlen(empty_in), "b", &ei) == NULL);
    CHECK(ei.ninputs == 2 && ei.inputs[0].noutputs == 0 && ei.inputs[1].noutputs == 1);
}

static void make_tree(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/t", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/t/sub", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/t/f", dir);
    FILE *f = fopen(p, "w");
    fputs("a", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/t/sub/x", dir);
    f = fopen(p, "w");
    fputs("#!/bin/sh\n", f);
    fclose(f);
    chmod(p, 0755);
    snprintf(p, sizeof p, "%s/t/link", dir);
    if (symlink("f", p) != 0)
        perror("symlink");
}

static void test_local(void)
{
    char dir[] = "/tmp/cnix-test-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    make_tree(dir);
    char root[600];
    snprintf(root, sizeof root, "%s/root", dir);
    StoreSettings set = {.store_dir = "/nix/store", .root = root};
    const char *oerr = NULL;
    Store *s = store_open("local", &set, &oerr);
    CHECK(s != NULL);
    const char *path = NULL;
    CHECK(!store_is_valid(s, "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"));
    CHECK(store_add_text(s, "foo", "bar", 3, NULL, 0, &path) == NULL);
    CHECK_STR(path, "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo");
    CHECK(store_is_valid(s, path));
    size_t len = 0;
    const char *err = NULL;
    char *text = store_read_file(s, path, &len, &err);
    CHECK(text && len == 3 && memcmp(text, "bar", 3) == 0);
    struct stat st;
    CHECK(stat(store_real_path(s, path), &st) == 0 && (st.st_mode & 0777) == 0444);
    const char *ref = path, *path2 = NULL;
    CHECK(store_add_text(s, "foo2", ref, strlen(ref), &ref, 1, &path2) == NULL);
    CHECK_STR(path2, "/nix/store/y12n75r217gggv61pgs63ykslwpa3pk4-foo2");
    size_t nrefs = 0;
    const char **refs = store_query_references(s, path2, &nrefs);
    CHECK(nrefs == 1 && strcmp(refs[0], ref) == 0);
    CHECK(store_add_text(s, "bad name", "x", 1, NULL, 0, &path) != NULL);
    char src[600];
    snprintf(src, sizeof src, "%s/t", dir);
    CHECK(store_add_path(s, "t", src, FIM_RECURSIVE, HASH_SHA256, NULL, NULL, true, NULL, &path) == NULL);
    CHECK_STR(path, "/nix/store/n442i2dvwlx5gany592grsr7cx3sj204-t");
    CHECK(!store_is_valid(s, path)); /* dry run wrote nothing */
    /* several processes adding the same paths at once */
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            Store *s2 = store_open("local", &set, &oerr);
            const char *p2;
            int bad = 0;
            for (int k = 0; k < 5; k++) {
                bad |= store_add_path(s2, "t", src, FIM_RECURSIVE, HASH_SHA256, NULL, NULL, false, NULL, &p2) != NULL;
                bad |= store_add_text(s2, "same", "contents", 8, NULL, 0, &p2) != NULL;
            }
            _exit(bad);
        }
    }
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        int status;
        waitpid(kids[i], &status, 0);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK(ok == 4);
    CHECK(store_is_valid(s, path));
    Hash h;
    CHECK(nar_hash_path(store_real_path(s, path), HASH_SHA256, NULL, NULL, &h, NULL) == NULL);
    CHECK_STR(hash_to_string(&h, HASH_FMT_BASE16, false),
              "3656e1b7ef96c1f617773f8bcbeac6a6f0f9575fdc7547745ef2c1041fd6790e");
    /* no temporary or lock files are left behind */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/nix/store' | grep -v -- '-t$' | grep -v -- '-foo$' | grep -v -- '-foo2$' | grep -v -- '-same$')\"", root);
    CHECK(system(cmd) == 0);
    /* flat files */
    char fsrc[600];
    snprintf(fsrc, sizeof fsrc, "%s/t/f", dir);
    CHECK(store_add_path(s, "f", fsrc, FIM_FLAT, HASH_SHA256, NULL, NULL, false, &h, &path) == NULL);
    CHECK(store_is_valid(s, path));
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' && rm -rf '%s'", dir, dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    GC_INIT();
    test_hash();
    test_paths();
    test_nar();
    test_drv();
    test_local();
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail != 0;
}
