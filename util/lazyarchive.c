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
#include <stdio.h>
#include <stdlib.h>

static void *lazy_sym(const char *name)
{
    /* benign race: concurrent first calls get the same handle and address */
    static void *lib;
    if (!lib) {
        lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            fprintf(stderr, "error: cannot load libarchive: %s\n", dlerror());
            exit(1);
        }
    }
    void *f = dlsym(lib, name);
    if (!f) {
        fprintf(stderr, "error: libarchive has no '%s'\n", name);
        exit(1);
    }
    return f;
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

LAZY(ArchivePtr, archive_read_new, (void), ())
LAZY(int, archive_read_support_filter_all, (struct archive *a), (a))
LAZY(int, archive_read_support_format_all, (struct archive *a), (a))
LAZY(int, archive_read_support_format_raw, (struct archive *a), (a))
LAZY(int, archive_read_open_filename, (struct archive *a, const char *f, size_t bs), (a, f, bs))
LAZY(int, archive_read_open_memory, (struct archive *a, const void *b, size_t n), (a, b, n))
LAZY(int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e))
LAZY(la_ssize_t, archive_read_data, (struct archive *a, void *b, size_t n), (a, b, n))
LAZY(int, archive_read_data_block,
     (struct archive *a, const void **b, size_t *n, la_int64_t *off), (a, b, n, off))
LAZY(int, archive_read_free, (struct archive *a), (a))
LAZY(ConstStr, archive_error_string, (struct archive *a), (a))
LAZY(ArchivePtr, archive_write_disk_new, (void), ())
LAZY(int, archive_write_disk_set_options, (struct archive *a, int flags), (a, flags))
LAZY(int, archive_write_header, (struct archive *a, struct archive_entry *e), (a, e))
LAZY(la_ssize_t, archive_write_data_block,
     (struct archive *a, const void *b, size_t n, la_int64_t off), (a, b, n, off))
LAZY(int, archive_write_finish_entry, (struct archive *a), (a))
LAZY(int, archive_write_close, (struct archive *a), (a))
LAZY(int, archive_write_free, (struct archive *a), (a))
LAZY(ConstStr, archive_entry_pathname, (struct archive_entry *e), (e))
LAZY(ConstStr, archive_entry_hardlink, (struct archive_entry *e), (e))
LAZY_VOID(archive_entry_set_pathname, (struct archive_entry *e, const char *s), (e, s))
LAZY_VOID(archive_entry_set_hardlink, (struct archive_entry *e, const char *s), (e, s))
LAZY_VOID(archive_entry_set_uid, (struct archive_entry *e, la_int64_t id), (e, id))
LAZY_VOID(archive_entry_set_gid, (struct archive_entry *e, la_int64_t id), (e, id))
