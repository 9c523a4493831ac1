/* Garbage collection: roots, the live set, deleting the rest. */
#include "store/gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/local.h"
#include "store/path.h"
#include "store/roots.h"
#include "store/valid.h"
#include "util/strbuf.h"
#include "util/sort.h"

typedef struct List {
    const char **v;
    size_t n, cap;
} List;

static void add(List *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        const char **nv = GC_MALLOC(l->cap * sizeof *nv);
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
    }
    l->v[l->n++] = s;
}

static bool sorted_has(const char *const *v, size_t n, const char *s)
{
    return n && bsearch(&s, v, n, sizeof *v, sort_cmp_str) != NULL;
}

/* Follows a root symlink to the store; removes dangling links under gcroots/auto. */
static void root_link(Store *s, const char *link, bool is_auto, List *out)
{
    const char *sd = store_dir(s);
    const char *p = link;
    for (int depth = 0; depth < 16; depth++) {
        char buf[4096];
        ssize_t n = readlink(p, buf, sizeof buf - 1);
        if (n < 0) {
            if (depth > 0 && errno == ENOENT && is_auto)
                unlink(link); /* the result link is gone: so is the root */
            return;
        }
        buf[n] = 0;
        const char *t = buf[0] == '/' ? sb_fmt("%s", buf) : sb_fmt("%.*s/%s", (int)(strrchr(p, '/') - p), p, buf);
        if (store_is_in_store(sd, t)) {
            const char *sp = store_to_store_path(sd, t);
            if (sp && store_is_valid(s, sp))
                add(out, sp);
            return;
        }
        p = t;
    }
}

static void scan_dir(Store *s, const char *dir, bool is_auto, List *out, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 32) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *de;
    List names = {0};
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            add(&names, sb_fmt("%s/%s", dir, de->d_name));
    closedir(d);
    for (size_t i = 0; i < names.n; i++) {
        struct stat st;
        if (lstat(names.v[i], &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode))
            root_link(s, names.v[i], is_auto, out);
        else if (S_ISDIR(st.st_mode))
            scan_dir(s, names.v[i], is_auto || !strcmp(strrchr(names.v[i], '/') + 1, "auto"), out, depth + 1);
    }
}

const char **store_gc_roots(Store *s, size_t *n)
{
    List roots = {0};
    *n = 0;
    if (local_require(s, "findRoots"))
        return GC_MALLOC(sizeof(char *));
    store_read_temp_roots(s, &roots.v, &roots.n, &roots.cap);
    scan_dir(s, sb_fmt("%s/gcroots", store_state_dir(s)), false, &roots, 0);
    scan_dir(s, sb_fmt("%s/profiles", store_state_dir(s)), false, &roots, 0);
    if (roots.n)
        qsort(roots.v, roots.n, sizeof *roots.v, sort_cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < roots.n; i++)
        if (!k || strcmp(roots.v[k - 1], roots.v[i]))
            roots.v[k++] = roots.v[i];
    *n = k;
    return roots.v ? roots.v : GC_MALLOC(sizeof(char *));
}

/* The live set: the closure of the roots and of the derivers of live paths. */
static const char **live_set(Store *s, size_t *n)
{
    size_t nr;
    const char **roots = store_gc_roots(s, &nr);
    size_t nl;
    const char **live = store_closure(s, roots, nr, &nl);
    for (;;) {
        List more = {0};
        for (size_t i = 0; i < nl; i++) {
            const char *d = store_query_deriver(s, live[i]);
            if (d && store_is_valid(s, d) && !sorted_has(live, nl, d))
                add(&more, d);
        }
        if (!more.n)
            break;
        List all = {0};
        for (size_t i = 0; i < nl; i++)
            add(&all, live[i]);
        for (size_t i = 0; i < more.n; i++)
            add(&all, more.v[i]);
        live = store_closure(s, all.v, all.n, &nl);
    }
    *n = nl;
    return live;
}

static uint64_t tree_size(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return 0;
    uint64_t total = (uint64_t)st.st_size;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return total;
        List names = {0};
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                add(&names, sb_fmt("%s/%s", path, de->d_name));
        closedir(d);
        for (size_t i = 0; i < names.n; i++)
            total += tree_size(names.v[i]);
    }
    return total;
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t l = strlen(s), k = strlen(suf);
    return l >= k && !strcmp(s + l - k, suf);
}

/* The store path name a temporary of an addition stands for: .cnix-tmp-PID-N-NAME
 * (store/local.c) or .cnix-add-PID-NAME (store/valid.c); NULL for other names. */
static const char *temp_target(const char *name)
{
    int fields;
    if (!strncmp(name, ".cnix-tmp-", 10))
        fields = 2;
    else if (!strncmp(name, ".cnix-add-", 10))
        fields = 1;
    else
        return NULL;
    const char *p = name + 10;
    for (int i = 0; i < fields; i++) {
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p++ != '-')
            return NULL;
    }
    return *p ? p : NULL;
}

/* The paths CppNix has registered when it shares the state directory (STATEDIR/db/db.sqlite,
 * read only): not ours to remove as leftovers. Sorted GC array; *unreadable if the database
 * exists but cannot be read (then no unregistered entry may be removed). */
static const char **foreign_valid(Store *s, size_t *n, bool *unreadable)
{
    *n = 0;
    *unreadable = false;
    const char *path = sb_fmt("%s/db/db.sqlite", store_state_dir(s));
    struct stat st;
    if (stat(path, &st) < 0)
        return NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    List l = {0};
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 60000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "select path from ValidPaths", -1, &q, NULL) != SQLITE_OK) {
        *unreadable = true;
    } else {
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
            add(&l, sb_fmt("%s", (const char *)sqlite3_column_text(q, 0)));
        if (rc != SQLITE_DONE)
            *unreadable = true;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, sort_cmp_str);
    *n = l.n;
    return l.v;
}

/* What is in the store directory but not registered: outputs of killed builds, paths renamed
 * into place by a killed addition, temporaries (.cnix-tmp-*, .cnix-add-*) and lock files of
 * killed processes. Each goes only under its PATH.lock, taken without waiting: a held lock
 * means an addition or build in progress, whose files must stay. Returns what was found
 * (real paths of temporaries, store paths otherwise), deleted unless dry_run; lock files
 * nobody holds are removed silently (not in dry runs). Call under the GC lock. */
static List collect_unregistered(Store *s, bool dry_run, const char *const *live, size_t nlive,
                                 const char *const *valid, size_t nvalid, uint64_t *freed)
{
    const char *sd = store_dir(s);
    const char *real_dir = store_real_path(s, sd);
    char **names = store_read_dir(real_dir);
    List found = {0};
    size_t nforeign;
    bool unreadable;
    const char **foreign = foreign_valid(s, &nforeign, &unreadable);
    for (size_t i = 0; names && names[i]; i++) {
        const char *name = names[i];
        const char *real = sb_fmt("%s/%s", real_dir, name);
        if (has_suffix(name, ".lock")) {
            /* A lock file nobody holds was left by a killed process: remove it as its
             * holder would (lockers detect the unlink and retry). */
            if (dry_run)
                continue;
            int fd = store_try_lock_path(real);
            if (fd >= 0)
                store_unlock_path(real, fd);
            continue;
        }
        const char *target = temp_target(name);
        if (!target && name[0] == '.')
            continue;
        const char *p = sb_fmt("%s/%s", sd, target ? target : name);
        if (!target && (sorted_has(valid, nvalid, p) || sorted_has(live, nlive, p) || unreadable ||
                        sorted_has(foreign, nforeign, p)))
            continue; /* valid (for us or CppNix), or temp-rooted: being added right now */
        const char *lockfile = sb_fmt("%s/%s.lock", real_dir, target ? target : name);
        int fd = store_try_lock_path(lockfile);
        if (fd < 0)
            continue; /* being added or built (or the lock cannot be made: leave it) */
        /* Re-checked under the lock: an addition may have finished (renaming its temporary
         * into place, registering the path) since the directory was listed. */
        struct stat st;
        if (lstat(real, &st) == 0 && (target || !store_is_valid(s, p))) {
            add(&found, target ? real : p);
            if (!dry_run) {
                *freed += tree_size(real);
                fprintf(stderr, "deleting '%s'\n", target ? real : p);
                store_delete_tree(real);
            }
        }
        store_unlock_path(lockfile, fd);
    }
    return found;
}

static const char *collect(Store *s, const GcOptions *o, FILE *out, uint64_t *freed, size_t *deleted)
{
    size_t nlive, nvalid;
    const char **live = live_set(s, &nlive);
    const char **valid = store_all_valid(s, &nvalid);
    List junk = collect_unregistered(s, o->dry_run, live, nlive, valid, nvalid, freed);
    for (size_t i = 0; o->dry_run && i < junk.n; i++)
        fprintf(out, "%s\n", junk.v[i]);
    /* Dead valid paths, referrers before their references (reverse topological order) so
     * that a crash midway never leaves a valid path whose reference is gone. */
    List dead = {0};
    for (size_t i = 0; i < nvalid; i++)
        if (!sorted_has(live, nlive, valid[i]))
            add(&dead, valid[i]);
    const char **order = store_topo_sort(s, dead.v, dead.n);
    for (size_t k = dead.n; k-- > 0;) {
        const char *p = order[k];
        if (o->dry_run) {
            fprintf(out, "%s\n", p);
            continue;
        }
        if (o->max_freed && *freed >= o->max_freed)
            break;
        *freed += tree_size(store_real_path(s, p));
        fprintf(stderr, "deleting '%s'\n", p);
        const char *e = store_delete_paths(s, &p, 1);
        if (e)
            return e;
        (*deleted)++;
    }
    return NULL;
}

const char *store_gc(Store *s, const GcOptions *o, FILE *out, uint64_t *freed, size_t *deleted)
{
    *freed = 0;
    *deleted = 0;
    /* Held from before the roots are read until the last deletion: see store/roots.c. */
    const char *e = store_gc_lock(s);
    if (e)
        return e;
    e = collect(s, o, out, freed, deleted);
    store_gc_unlock(s);
    return e;
}

static const char *delete_dead(Store *s, const char *const *paths, size_t n)
{
    size_t nlive;
    const char **live = live_set(s, &nlive);
    const char **sorted = GC_MALLOC((n + 1) * sizeof *sorted);
    memcpy(sorted, paths, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, sort_cmp_str);
    size_t nvalid;
    const char **valid = store_all_valid(s, &nvalid);
    for (size_t i = 0; i < n; i++) {
        if (!store_is_valid(s, paths[i]))
            return sb_fmt("path '%s' is not valid", paths[i]);
        if (sorted_has(live, nlive, paths[i]))
            return sb_fmt("Cannot delete path '%s' since it is still alive.", paths[i]);
    }
    /* A referrer outside the set keeps a path alive too. */
    for (size_t i = 0; i < nvalid; i++) {
        if (sorted_has(sorted, n, valid[i]))
            continue;
        size_t nr;
        const char **refs = store_query_references(s, valid[i], &nr);
        for (size_t k = 0; k < nr; k++)
            if (sorted_has(sorted, n, refs[k]))
                return sb_fmt("Cannot delete path '%s' since it is still alive (referenced by '%s').", refs[k],
                           valid[i]);
    }
    const char **order = store_topo_sort(s, paths, n);
    for (size_t k = n; k-- > 0;) {
        const char *e = store_delete_paths(s, &order[k], 1);
        if (e)
            return e;
    }
    return NULL;
}

const char *store_gc_delete(Store *s, const char *const *paths, size_t n)
{
    const char *e = store_gc_lock(s);
    if (e)
        return e;
    e = delete_dead(s, paths, n);
    store_gc_unlock(s);
    return e;
}

const char **store_gc_unregistered(Store *s, bool remove, size_t *n)
{
    *n = 0;
    if (store_gc_lock(s))
        return NULL;
    size_t nlive, nvalid;
    const char **live = live_set(s, &nlive);
    const char **valid = store_all_valid(s, &nvalid);
    uint64_t freed = 0;
    List junk = collect_unregistered(s, !remove, live, nlive, valid, nvalid, &freed);
    store_gc_unlock(s);
    *n = junk.n;
    return junk.v;
}
