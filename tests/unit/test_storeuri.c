/* Unit tests of the Store interface (store/store.h): store_open's URI parsing and settings,
 * and each kind's operations (local, file://) through the same calls, including copying
 * between kinds and the operations a kind refuses. */
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/config.h"
#include "store/gc.h"
#include "store/store.h"

static int npass, nfail;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            npass++;                                                                               \
        else {                                                                                     \
            nfail++;                                                                               \
            fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond);                        \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (g_ && w_ && strcmp(g_, w_) == 0)                                                       \
            npass++;                                                                               \
        else {                                                                                     \
            nfail++;                                                                               \
            fprintf(stderr, "%s:%d: FAIL %s\n  got:  %s\n  want: %s\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                       \
        }                                                                                          \
    } while (0)

/* store_open must fail with a message containing want. */
static void check_refused(const char *uri, const StoreSettings *set, const char *want)
{
    const char *err = NULL;
    Store *s = store_open(uri, set, &err);
    CHECK(s == NULL);
    CHECK(err && strstr(err, want));
    if (err && !strstr(err, want))
        fprintf(stderr, "  %s: got '%s', want '%s'\n", uri, err, want);
}

static void test_parse(void)
{
    const char *err = NULL;
    StoreSettings none = {0};
    /* defaults: "", "auto", "local" and NULL are the local store at its default places */
    const char *const locals[] = {NULL, "", "auto", "local"};
    for (int i = 0; i < 4; i++) {
        Store *s = store_open(locals[i], &none, &err);
        CHECK(s && store_is_local(s));
        CHECK_STR(s ? store_dir(s) : NULL, "/nix/store");
        CHECK_STR(s ? store_state_dir(s) : NULL, "/nix/var/nix");
        CHECK_STR(s ? store_log_dir(s) : NULL, "/nix/var/log/nix");
        CHECK_STR(s ? store_real_path(s, "/nix/store/abc-x") : NULL, "/nix/store/abc-x");
    }
    CHECK(store_open("local", NULL, &err) != NULL); /* NULL settings are the defaults */
    /* settings: the configured root and directories */
    StoreSettings set = {.store_dir = "/s/store//", .state_dir = "/st", .log_dir = NULL, .root = "/r"};
    Store *s = store_open("local", &set, &err);
    CHECK_STR(store_dir(s), "/s/store"); /* trailing slashes dropped */
    CHECK_STR(store_state_dir(s), "/st");
    CHECK_STR(store_log_dir(s), "/st/log");
    CHECK_STR(store_real_path(s, "/s/store/abc-x/f"), "/r/s/store/abc-x/f");
    CHECK_STR(store_uri(s), "local");
    /* a root in the URI relocates state and logs below it, ignoring the settings' */
    s = store_open("local?root=/x", &set, &err);
    CHECK_STR(store_real_path(s, "/s/store/abc-x"), "/x/s/store/abc-x");
    CHECK_STR(store_state_dir(s), "/x/nix/var/nix");
    CHECK_STR(store_log_dir(s), "/x/nix/var/log/nix");
    s = store_open("/x", &set, &err); /* a bare directory is local?root= */
    CHECK(s && store_is_local(s));
    CHECK_STR(store_state_dir(s), "/x/nix/var/nix");
    s = store_open("local?root=/x&state=/y&log=/z&store=/w", &none, &err);
    CHECK_STR(store_dir(s), "/w");
    CHECK_STR(store_state_dir(s), "/y");
    CHECK_STR(store_log_dir(s), "/z");
    CHECK_STR(store_real_path(s, "/w/abc-x"), "/x/w/abc-x");
    CHECK_STR(store_log_path(s, "/w/abcdef-x.drv"), "/z/drvs/ab/cdef-x.drv");
    /* binary caches */
    s = store_open("file:///tmp/c?compression=zstd", &set, &err);
    CHECK(s && !store_is_local(s));
    CHECK_STR(store_dir(s), "/s/store");
    CHECK(store_real_path(s, "/s/store/abc-x") == NULL);
    CHECK(store_state_dir(s) == NULL && store_log_dir(s) == NULL);
    /* refusals */
    check_refused("bogus", &none, "don't know how to open Nix store 'bogus'");
    check_refused("daemon://x", &none, "scheme 'daemon'");
    check_refused("ssh-ng://host", &none, "don't know how to open Nix store with scheme 'ssh-ng'");
    check_refused("unix://", &none, "names no socket");
    check_refused("local://x", &none, "scheme 'local'");
    check_refused("local?colour=red", &none, "unknown parameter 'colour'");
    check_refused("local?root=rel", &none, "store root directory 'rel' is not an absolute path");
    StoreSettings rel = {.state_dir = "var"};
    check_refused("local", &rel, "store state directory 'var' is not an absolute path");
    check_refused("file://rel/dir", &none, "does not name an absolute directory");
    check_refused("file:///tmp/c?compression=lz4", &none, "unknown compression method 'lz4'");
    check_refused("file:///tmp/c?colour=red", &none, "unknown parameter 'colour'");
    check_refused("file:///tmp/c?secret-key=/nonexistent/key", &none, "reading key file '/nonexistent/key'");
}

/* The operations every kind offers, the same calls on each. */
static void check_common(Store *s)
{
    const char *out = NULL, *out2 = NULL, *err = NULL;
    CHECK(store_add_text(s, "hello", "hello world", 11, NULL, 0, &out) == NULL);
    CHECK_STR(out, "/nix/store/ivlnvab4q9c7wbsvbfsvgaa15j9p6206-hello");
    CHECK(store_is_valid(s, out));
    PathInfo info;
    CHECK(store_query_info(s, out, &info));
    CHECK(info.nrefs == 0 && info.ca && !strncmp(info.ca, "text:sha256:", 12));
    CHECK(store_add_text(s, "greeting", out, strlen(out), &out, 1, &out2) == NULL);
    size_t n = 0;
    const char **refs = store_query_references(s, out2, &n);
    CHECK(n == 1 && !strcmp(refs[0], out));
    const char **cl = store_closure(s, &out2, 1, &n);
    CHECK(n == 2 && strcmp(cl[0], cl[1]) < 0); /* sorted */
    CHECK(n == 2 && (!strcmp(cl[0], out) || !strcmp(cl[1], out)) && (!strcmp(cl[0], out2) || !strcmp(cl[1], out2)));
    const char *both[] = {out, "/nix/store/00000000000000000000000000000000-absent", out2};
    const char **valid = store_query_valid_paths(s, both, 3, &n);
    CHECK(n == 2 && !strcmp(valid[0], out) && !strcmp(valid[1], out2));
    size_t len = 0;
    char *text = store_read_file(s, out, &len, &err);
    CHECK(text && len == 11 && !memcmp(text, "hello world", 11));
    CHECK(store_read_file(s, "/nix/store/00000000000000000000000000000000-absent", &len, &err) == NULL);
    StrBuf nar;
    CHECK(store_nar_from_path(s, out, &nar) == NULL && nar.len > 11);
    /* a NAR that does not match its info is refused */
    PathInfo bad = info;
    bad.path = "/nix/store/11111111111111111111111111111111-bad";
    bad.nar_hash.bytes[0] ^= 1;
    CHECK(store_add_nar(s, &bad, (const uint8_t *)nar.data, nar.len) != NULL);
    CHECK(!store_is_valid(s, bad.path));
    /* a NAR whose reference is missing is refused */
    PathInfo dangling = info;
    dangling.path = "/nix/store/22222222222222222222222222222222-dangling";
    const char *missing = "/nix/store/33333333333333333333333333333333-missing";
    dangling.refs = &missing;
    dangling.nrefs = 1;
    CHECK(store_add_nar(s, &dangling, (const uint8_t *)nar.data, nar.len) != NULL);
    CHECK(!store_is_valid(s, dangling.path));
    /* derivations: written as text, loaded back, their outputs queried */
    Derivation d;
    memset(&d, 0, sizeof d);
    const char *drv = NULL;
    const char *e = drv_parse("Derive([(\"out\",\"/nix/store/nli495k18kic9pvxz6mbv9pci9r60zfb-b\",\"\",\"\")],[],[],"
                              "\"x86_64-linux\",\"/bin/sh\",[],[(\"name\",\"b\")])",
                              strlen("Derive([(\"out\",\"/nix/store/nli495k18kic9pvxz6mbv9pci9r60zfb-b\",\"\",\"\")],[],[],"
                                     "\"x86_64-linux\",\"/bin/sh\",[],[(\"name\",\"b\")])"),
                              "b", &d);
    CHECK(e == NULL);
    CHECK(store_write_drv(s, &d, &drv) == NULL);
    const Derivation *back = store_load_drv(s, drv, &err);
    CHECK(back && back->noutputs == 1 && !strcmp(back->outputs[0].path, d.outputs[0].path));
    const char **names, **paths;
    CHECK(store_query_drv_outputs(s, drv, &names, &paths, &n) == NULL);
    CHECK(n == 1 && !strcmp(names[0], "out") && !strcmp(paths[0], "/nix/store/nli495k18kic9pvxz6mbv9pci9r60zfb-b"));
    CHECK(store_load_drv(s, out, &err) == NULL && strstr(err, "is not a derivation"));
}

static void test_kinds(const char *dir)
{
    const char *err = NULL;
    StoreSettings set = {0};
    char uri[700];
    snprintf(uri, sizeof uri, "local?root=%s/local", dir);
    Store *local = store_open(uri, &set, &err);
    CHECK(local != NULL);
    check_common(local);
    snprintf(uri, sizeof uri, "file://%s/cache?compression=none", dir);
    Store *cache = store_open(uri, &set, &err);
    CHECK(cache != NULL);
    check_common(cache);
    /* the cache's files are Nix's layout */
    char p[800];
    snprintf(p, sizeof p, "%s/cache/nix-cache-info", dir);
    CHECK(access(p, F_OK) == 0);
    snprintf(p, sizeof p, "%s/cache/ivlnvab4q9c7wbsvbfsvgaa15j9p6206.narinfo", dir);
    CHECK(access(p, F_OK) == 0);
    /* what a cache refuses, with CppNix's message */
    const char *link = NULL;
    const char *e = store_add_perm_root(cache, "/nix/store/ivlnvab4q9c7wbsvbfsvgaa15j9p6206-hello", "x", &link);
    CHECK(e && strstr(e, "operation 'addPermRoot' is not supported by store 'file://"));
    CHECK(store_add_temp_root(cache, "/nix/store/ivlnvab4q9c7wbsvbfsvgaa15j9p6206-hello") == NULL);
    GcOptions o = {0};
    uint64_t freed;
    size_t deleted;
    e = store_gc(cache, &o, stdout, &freed, &deleted);
    CHECK(e && strstr(e, "operation 'collectGarbage' is not supported"));
    StoreConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *drv = "/nix/store/3cg3kfgmyahr5vc9fzw6mxayll9qk1pc-b.drv";
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w"); /* store_realise prints its refusal */
    int rc = store_realise(cache, &cfg, &drv, 1);
    fclose(stderr);
    stderr = saved;
    CHECK(rc == 1);
    /* copying: local -> a new cache -> a new local store, closures included */
    snprintf(uri, sizeof uri, "file://%s/cache2", dir);
    Store *cache2 = store_open(uri, &set, &err);
    const char *top = "/nix/store/ivlnvab4q9c7wbsvbfsvgaa15j9p6206-hello";
    size_t n;
    const char **refs = store_query_references(local, "/nix/store/ivlnvab4q9c7wbsvbfsvgaa15j9p6206-hello", &n);
    (void)refs;
    const char *greeting = NULL;
    CHECK(store_add_text(local, "greeting", top, strlen(top), &top, 1, &greeting) == NULL);
    saved = stderr;
    stderr = fopen("/dev/null", "w"); /* "copying path ..." */
    e = store_copy_paths(local, cache2, &greeting, 1, NULL);
    CHECK(e == NULL);
    if (e)
        fprintf(saved, "  copy: %s\n", e);
    snprintf(uri, sizeof uri, "local?root=%s/local2", dir);
    Store *local2 = store_open(uri, &set, &err);
    e = store_copy_paths(cache2, local2, &greeting, 1, NULL);
    CHECK(e == NULL);
    if (e)
        fprintf(saved, "  copy: %s\n", e);
    /* signatures required and absent: content-addressed paths (these text paths) vouch for
     * themselves, as CppNix's checkSignatures; input-addressed ones are refused (e2e:
     * fetch-closure.sh, cache.sh) */
    snprintf(uri, sizeof uri, "local?root=%s/local3", dir);
    Store *local3 = store_open(uri, &set, &err);
    StrList keys = {0};
    strlist_add(&keys, "k:0000000000000000000000000000000000000000000=");
    e = store_copy_paths(cache2, local3, &greeting, 1, &keys);
    fclose(stderr);
    stderr = saved;
    CHECK(e == NULL);
    CHECK(store_is_valid(local3, top) && store_is_valid(local3, greeting));
    CHECK(store_is_valid(local2, greeting) && store_is_valid(local2, top));
    size_t len;
    char *text = store_read_file(local2, greeting, &len, &err);
    CHECK(text && len == strlen(top) && !memcmp(text, top, len));
    /* a store for another store dir is not copied into */
    StoreSettings other = {.store_dir = "/other/store"};
    snprintf(uri, sizeof uri, "local?root=%s/local4", dir);
    Store *local4 = store_open(uri, &other, &err);
    e = store_copy_paths(local, local4, &greeting, 1, NULL);
    CHECK(e && strstr(e, "is for store directory '/nix/store', not '/other/store'"));
    /* and a cache written for /nix/store does not open for /other/store */
    snprintf(uri, sizeof uri, "file://%s/cache2", dir);
    check_refused(uri, &other, "is for Nix stores with prefix '/nix/store', not '/other/store'");
}

int main(void)
{
    GC_INIT();
    test_parse();
    char dir[] = "/tmp/cnix-test-storeuri-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_kinds(dir);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' && rm -rf '%s'", dir, dir);
    CHECK(system(cmd) == 0);
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail != 0;
}
