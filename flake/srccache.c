/* The source cache: a path input whose files have not changed since it was last fetched
 * (same names, types, sizes, modification times and inodes) is not copied or hashed again;
 * its store path, narHash and lastModified come from the cache file. */
#include <dirent.h>
#include <errno.h>
#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtins/access.h"
#include "flake/flake.h"
#include "flake/internal.h"
#include "store/hash.h"
#include "util/fs.h"

typedef struct Walk {
    HashCtx h;
    int64_t newest;
    bool failed;
} Walk;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void walk(Walk *w, const char *path, const char *rel)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        w->failed = true;
        return;
    }
    if ((int64_t)sb.st_mtime > w->newest)
        w->newest = (int64_t)sb.st_mtime;
    char rec[512];
    /* The change time to the nanosecond: a file rewritten with the same size and its times
     * reset within the same second must not match (seconds alone did, seen in make check). */
    int n = snprintf(rec, sizeof rec, "%s\t%o\t%lld\t%lld.%09ld\t%llu\t%llu.%09ld\n", rel, (unsigned)sb.st_mode,
                     (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                     (unsigned long long)sb.st_ino, (unsigned long long)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
    if (n >= (int)sizeof rec) { /* a long name: hash it whole */
        hash_update(&w->h, rel, strlen(rel));
        n = snprintf(rec, sizeof rec, "\t%o\t%lld\t%lld.%09ld\t%llu\t%llu.%09ld\n", (unsigned)sb.st_mode,
                     (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                     (unsigned long long)sb.st_ino, (unsigned long long)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
    }
    hash_update(&w->h, rec, (size_t)n);
    if (!S_ISDIR(sb.st_mode))
        return;
    DIR *d = opendir(path);
    if (!d) {
        w->failed = true;
        return;
    }
    const char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 16;
            const char **nv = GC_MALLOC(cap * sizeof *nv);
            if (nn)
                memcpy(nv, names, nn * sizeof *nv);
            names = nv;
        }
        names[nn++] = sb_fmt("%s", de->d_name);
    }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof *names, cmp_names);
    for (size_t i = 0; i < nn && !w->failed; i++)
        walk(w, sb_fmt("%s/%s", path, names[i]), sb_fmt("%s/%s", rel, names[i]));
}

/* The key of a directory's current state, and its newest modification time. */
static const char *signature(const char *dir, int64_t *newest)
{
    Walk w;
    hash_init(&w.h, HASH_SHA256);
    w.newest = 0;
    w.failed = false;
    walk(&w, dir, ".");
    if (w.failed)
        return NULL;
    Hash h;
    hash_final(&w.h, &h);
    *newest = w.newest;
    return hash_to_string(&h, HASH_FMT_BASE16, false);
}

/* Lines "path\tDIR\tSIGNATURE\tSTOREPATH\tNARHASH\tLASTMODIFIED". */
static bool lookup(const char *file, const char *key, const char **store_path, const char **nar_hash, int64_t *lm)
{
    size_t len;
    char *text = fs_read_file(file, &len);
    if (!text)
        return false;
    bool found = false;
    size_t kl = strlen(key);
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (strncmp(line, key, kl) == 0 && line[kl] == '\t') {
            char *sp = line + kl + 1, *nh = strchr(sp, '\t'), *lmod = nh ? strchr(nh + 1, '\t') : NULL;
            if (nh && lmod) {
                *nh++ = 0;
                *lmod++ = 0;
                *store_path = sp;
                *nar_hash = nh;
                *lm = strtoll(lmod, NULL, 10);
                found = true; /* later lines win */
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return found;
}

bool flake_srccache_get(EvalState *st, const FlakeSettings *fs, const char *dir, FlakeTree *out, const char **key_out)
{
    *key_out = NULL;
    if (!fs || !fs->source_cache)
        return false;
    int64_t newest;
    const char *sig = signature(dir, &newest);
    if (!sig)
        return false;
    const char *key = sb_fmt("path\t%s\t%s\t%s", dir, sig, st->settings.store_dir);
    *key_out = key;
    const char *sp, *nh;
    int64_t lm;
    struct stat sb;
    if (!lookup(fs->source_cache, key, &sp, &nh, &lm) || lstat(sp, &sb) != 0)
        return false;
    bi_allow_path(st, sp);
    Bindings *b = attrs_alloc(st, 4);
    Value *op = val_alloc(st), *nv = val_alloc(st), *lv = val_alloc(st), *dv = val_alloc(st);
    val_set_string(op, sp, strlen(sp), ctx_single(sp));
    val_make_string(nv, nh);
    val_set_int(lv, lm);
    val_make_string(dv, flake_date(lm));
    attrs_push(b, sym_intern_cstr(st->symbols, "lastModified"), 0, lv);
    attrs_push(b, sym_intern_cstr(st->symbols, "lastModifiedDate"), 0, dv);
    attrs_push(b, sym_intern_cstr(st->symbols, "narHash"), 0, nv);
    attrs_push(b, st->s.outPath, 0, op);
    attrs_sort(b);
    out->source_info = val_alloc(st);
    val_set_attrs(out->source_info, b);
    out->store_path = sp;
    return true;
}

void flake_srccache_put(const FlakeSettings *fs, const char *key, const FlakeTree *t)
{
    if (!fs || !fs->source_cache || !key)
        return;
    const char *nh = flake_attrs_str(&t->locked, "narHash");
    const FlakeAttr *lm = flake_attrs_get(&t->locked, "lastModified");
    if (!nh || !lm)
        return;
    char *dir = sb_fmt("%s", fs->source_cache);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        fs_mkdir_p(dir, 0755);
    }
    FILE *f = fopen(fs->source_cache, "a");
    if (!f)
        return; /* a cache that cannot be written only costs time */
    fprintf(f, "%s\t%s\t%s\t%lld\n", key, t->store_path, nh, (long long)lm->num);
    fclose(f);
}
