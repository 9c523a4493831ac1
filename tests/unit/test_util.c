/* Unit tests of util/: the string map, file helpers, the string comparator, the host system. */
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/drvname.h"
#include "util/fs.h"
#include "util/host.h"
#include "util/sort.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "tests/unit/check.h"

static void test_strmap(void)
{
    StrMap m = {0};
    CHECK(strmap_get(&m, "a") == NULL);
    CHECK(strmap_find(&m, "a", 1) == NULL);
    /* enough keys to grow the table several times */
    enum { N = 5000 };
    for (int i = 0; i < N; i++)
        strmap_put(&m, sb_fmt("key-%d", i), (void *)(intptr_t)(i + 1));
    CHECK(m.n == N);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += strmap_get(&m, sb_fmt("key-%d", i)) != (void *)(intptr_t)(i + 1);
    CHECK(bad == 0);
    CHECK(strmap_get(&m, "key-") == NULL);
    CHECK(strmap_get(&m, sb_fmt("key-%d", N)) == NULL);
    /* put replaces */
    strmap_put(&m, "key-7", (void *)1);
    CHECK(strmap_get(&m, "key-7") == (void *)1 && m.n == N);
    /* keys with a length: a prefix is another key, bytes after len are ignored */
    StrMap b = {0};
    *strmap_insert(&b, "abcdef", 3) = (void *)3;
    *strmap_insert(&b, "abcdef", 6) = (void *)6;
    CHECK(b.n == 2);
    CHECK(strmap_find(&b, "abcXYZ", 3) && *strmap_find(&b, "abcXYZ", 3) == (void *)3);
    CHECK(strmap_find(&b, "abcdef", 6) && *strmap_find(&b, "abcdef", 6) == (void *)6);
    CHECK(strmap_find(&b, "abcdef", 4) == NULL);
    CHECK(strmap_find(&b, "", 0) == NULL);
    *strmap_insert(&b, "", 0) = (void *)9;
    CHECK(strmap_find(&b, "x", 0) && *strmap_find(&b, "x", 0) == (void *)9);
    /* a fresh slot holds NULL, a found one its value */
    void **slot = strmap_insert(&b, "new", 3);
    CHECK(*slot == NULL);
    CHECK(strmap_insert(&b, "abcdef", 6) != slot && *strmap_insert(&b, "abcdef", 6) == (void *)6);
    /* FNV-1a reference values */
    CHECK(strmap_hash("", 0) == 14695981039346656037ull);
    CHECK(strmap_hash("a", 1) == 0xaf63dc4c8601ec8cull);
}

static void test_fs(void)
{
    char tmpl[] = "/tmp/cnix-test-util-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    const char *deep = sb_fmt("%s/a/b/c", dir);
    CHECK(fs_mkdir_p(deep, 0755));
    struct stat sb;
    CHECK(stat(deep, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK(fs_mkdir_p(deep, 0755)); /* exists already */
    CHECK(fs_mkdir_p(sb_fmt("%s/a/b/", dir), 0755));
    const char *file = sb_fmt("%s/a/f", dir);
    FILE *f = fopen(file, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite("hello\0world", 1, 11, f);
        fclose(f);
    }
    size_t len = 0;
    char *text = fs_read_file(file, &len);
    CHECK(text && len == 11 && memcmp(text, "hello\0world", 11) == 0 && text[11] == 0);
    /* a file in the way is an error, under or at the path */
    errno = 0;
    CHECK(!fs_mkdir_p(file, 0755) && errno == ENOTDIR);
    CHECK(!fs_mkdir_p(sb_fmt("%s/sub", file), 0755));
    errno = 0;
    CHECK(fs_read_file(sb_fmt("%s/missing", dir), &len) == NULL && errno == ENOENT);
    CHECK(fs_read_file(dir, &len) == NULL); /* a directory cannot be read */
    /* an empty file reads as an empty string */
    const char *empty = sb_fmt("%s/empty", dir);
    f = fopen(empty, "wb");
    if (f)
        fclose(f);
    text = fs_read_file(empty, &len);
    CHECK(text && len == 0 && text[0] == 0);
    if (system(sb_fmt("rm -rf '%s'", dir)) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void test_sort(void)
{
    const char *v[] = {"b", "a", "ab", "", "B"};
    qsort(v, 5, sizeof *v, sort_cmp_str);
    CHECK(!strcmp(v[0], "") && !strcmp(v[1], "B") && !strcmp(v[2], "a") && !strcmp(v[3], "ab") &&
          !strcmp(v[4], "b"));
}

/* name and version of s, as "NAME|VERSION" */
static const char *split(const char *s)
{
    DrvName d = drvname_parse(s, strlen(s));
    return sb_fmt("%.*s|%.*s", (int)d.name_len, s, (int)d.version_len, d.version);
}

#define SPLIT(s, want) check(__LINE__, !strcmp(split(s), want), sb_fmt("%s split as %s, want %s", s, split(s), want))

static void test_drvname(void)
{
    SPLIT("nix-0.12pre12876", "nix|0.12pre12876");
    SPLIT("apache-httpd-2.0.48", "apache-httpd|2.0.48");
    SPLIT("gcc-1-2", "gcc|1-2");
    SPLIT("bash--1-2", "bash|-1-2");
    SPLIT("xvidtune-?1-2", "xvidtune|?1-2");
    SPLIT("7zip_archiver-0.2", "7zip_archiver|0.2");
    SPLIT("hello", "hello|");
    SPLIT("", "|");
    /* the case cnix's two copies disagreed on: CppNix needs a character after the dash */
    SPLIT("foo-", "foo-|");
    SPLIT("foo-bar-", "foo-bar-|");
    SPLIT("-1", "|1");
    SPLIT("foo--", "foo|-");
    SPLIT("foo-\xc3\xa9-1", "foo|\xc3\xa9-1"); /* non-ASCII is not a letter (C locale) */
}

static void test_host(void)
{
    const char *s = host_system();
    const char *dash = strchr(s, '-');
    CHECK(dash && dash > s && !strcmp(dash, "-linux"));
#if defined(__x86_64__)
    CHECK(!strcmp(s, "x86_64-linux"));
#endif
}

int main(void)
{
    GC_INIT();
    test_strmap();
    test_fs();
    test_sort();
    test_drvname();
    test_host();
    return CHECK_DONE();
}
