/* libarchive loaded on first use (dlopen), so that start-up does not pay for it. */
/* Linking libarchive pulled in ~15 shared libraries (libxml2, ICU, libstdc++,
 * nettle, ...) whose relocation was 40% of `cnix eval --expr 1` (4.5M of 11.5M
 * instructions). These definitions take the place of the library's functions
 * that cnix calls (fetchTarball, the REPL's :load of compressed files); each
 * resolves the real one with dlsym the first time. The executable does not
 * export them, so libarchive's own internal calls are not redirected here. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <stdlib.h>

#include "util/lazyarchive.h"
#include "util/strbuf.h"

/* Every libarchive function cnix calls: F(ret, name, params, args), V for void ones. A new
 * archive_* call needs a line here. */
#define ARCHIVE_FUNCS(F, V)                                                                      \
    F(ArchivePtr, archive_read_new, (void), ()) \
    F(int, archive_read_support_filter_all, (struct archive *a), (a)) \
    F(int, archive_read_support_format_all, (struct archive *a), (a)) \
    F(int, archive_read_support_format_raw, (struct archive *a), (a)) \
    F(int, archive_read_open_filename, (struct archive *a, const char *f, size_t bs), (a, f, bs)) \
    F(int, archive_read_open_memory, (struct archive *a, const void *b, size_t n), (a, b, n)) \
    F(int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e)) \
    F(la_ssize_t, archive_read_data, (struct archive *a, void *b, size_t n), (a, b, n)) \
    F(int, archive_read_data_block,                                                              \
      (struct archive *a, const void **b, size_t *n, la_int64_t *off), (a, b, n, off)) \
    F(int, archive_read_free, (struct archive *a), (a)) \
    F(ConstStr, archive_error_string, (struct archive *a), (a)) \
    F(ArchivePtr, archive_write_disk_new, (void), ()) \
    F(int, archive_write_disk_set_options, (struct archive *a, int flags), (a, flags)) \
    F(int, archive_write_header, (struct archive *a, struct archive_entry *e), (a, e)) \
    F(la_ssize_t, archive_write_data_block,                                                      \
      (struct archive *a, const void *b, size_t n, la_int64_t off), (a, b, n, off)) \
    F(int, archive_write_finish_entry, (struct archive *a), (a)) \
    F(int, archive_write_close, (struct archive *a), (a)) \
    F(int, archive_write_free, (struct archive *a), (a)) \
    F(ConstStr, archive_entry_pathname, (struct archive_entry *e), (e)) \
    F(ConstStr, archive_entry_hardlink, (struct archive_entry *e), (e)) \
    V(archive_entry_set_pathname, (struct archive_entry *e, const char *s), (e, s)) \
    V(archive_entry_set_hardlink, (struct archive_entry *e, const char *s), (e, s)) \
    V(archive_entry_set_uid, (struct archive_entry *e, la_int64_t id), (e, id)) \
    V(archive_entry_set_gid, (struct archive_entry *e, la_int64_t id), (e, id))

#define NAME_F(ret, name, params, args) #name,
#define NAME_V(name, params, args) #name,
static const char *const names[] = {ARCHIVE_FUNCS(NAME_F, NAME_V) NULL};

static void *lib;
static const char *lib_err;

const char *lazyarchive_load(void)
{
    /* benign race: concurrent first calls get the same handle */
    if (lib || lib_err)
        return lib_err;
    void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        lib_err = sb_fmt("cannot load libarchive: %s", dlerror());
        return lib_err;
    }
    for (const char *const *n = names; *n; n++)
        if (!dlsym(h, *n)) {
            lib_err = sb_fmt("libarchive has no '%s'", *n);
            return lib_err;
        }
    lib = h;
    return NULL;
}

/* Callers check lazyarchive_load first, so this cannot fail then. */
static void *lazy_sym(const char *name)
{
    if (lazyarchive_load())
        abort();
    return dlsym(lib, name);
}

#define LAZY(ret, name, params, args)                                                            \
    ret name params                                                                              \
    {                                                                                            \
        static ret(*fn) params;                                                                  \
        if (!fn)                                                                                 \
            *(void **)&fn = lazy_sym(#name);                                                     \
        return fn args;                                                                          \
    }

#define LAZY_VOID(name, params, args)                                                            \
    void name params                                                                             \
    {                                                                                            \
        static void(*fn) params;                                                                 \
        if (!fn)                                                                                 \
            *(void **)&fn = lazy_sym(#name);                                                     \
        fn args;                                                                                 \
    }

typedef struct archive *ArchivePtr;
typedef const char *ConstStr;

ARCHIVE_FUNCS(LAZY, LAZY_VOID)
