/* Garbage collection: roots, the live set, deleting the rest. */
#include "store/gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/build.h"
#include "store/path.h"
#include "store/valid.h"
#include "util/strbuf.h"

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, f);
    sb_vprintf(&sb, f, ap);
    va_end(ap);
    return sb_finish(&sb);
}

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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool sorted_has(const char *const *v, size_t n, const char *s)
{
    return n && bsearch(&s, v, n, sizeof *v, cmp_str) != NULL;
}

/* Follows a root symlink to the store; removes dangling links under gcroots/auto. */
static void root_link(LocalStore *s, const char *link, bool is_auto, List *out)
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
        const char *t = buf[0] == '/' ? fmt("%s", buf) : fmt("%.*s/%s", (int)(strrchr(p, '/') - p), p, buf);
        if (store_is_in_store(sd, t)) {
            const char *sp = store_to_store_path(sd, t);
            if (sp && store_is_valid(s, sp))
                add(out, sp);
            return;
        }
        p = t;
    }
}

static void scan_dir(LocalStore *s, const char *dir, bool is_auto, List *out, int depth)
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
            add(&names, fmt("%s/%s", dir, de->d_name));
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

static const char *temp_roots_file(LocalStore *s, long pid)
{
    return fmt("%s/temproots/%ld", store_state_dir(s), pid);
}

int store_gc_temp_roots_open(LocalStore *s)
{
    mkdir(store_state_dir(s), 0755);
    mkdir(fmt("%s/temproots", store_state_dir(s)), 0755);
    int fd = open(temp_roots_file(s, (long)getpid()), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void store_gc_temp_root(int fd, const char *path)
{
    if (fd < 0)
        return;
    const char *line = fmt("%s\n", path);
    /* one write per line with O_APPEND: a reader never sees half a line */
    if (write(fd, line, strlen(line)) < 0)
        return;
}

void store_gc_temp_roots_close(LocalStore *s, int fd)
{
    if (fd < 0)
        return;
    unlink(temp_roots_file(s, (long)getpid()));
    close(fd);
}

/* The temporary roots of live processes; files of dead ones (lock free) are removed. */
static void temp_roots(LocalStore *s, List *out)
{
    const char *dir = fmt("%s/temproots", store_state_dir(s));
    DIR *d = opendir(dir);
    if (!d)
        return;
    List files = {0};
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            add(&files, fmt("%s/%s", dir, de->d_name));
    closedir(d);
    for (size_t i = 0; i < files.n; i++) {
        int fd = open(files.v[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_SH | LOCK_NB) == 0) { /* nobody holds it: the process is gone */
            unlink(files.v[i]);
            close(fd);
            continue;
        }
        StrBuf sb;
        sb_init(&sb);
        char buf[65536];
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            sb_add(&sb, buf, (size_t)r);
        close(fd);
        char *text = sb_finish(&sb);
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            if (store_is_valid(s, l))
                add(out, fmt("%s", l));
    }
}

const char **store_gc_roots(LocalStore *s, size_t *n)
{
    List roots = {0};
    temp_roots(s, &roots);
    scan_dir(s, fmt("%s/gcroots", store_state_dir(s)), false, &roots, 0);
    scan_dir(s, fmt("%s/profiles", store_state_dir(s)), false, &roots, 0);
    if (roots.n)
        qsort(roots.v, roots.n, sizeof *roots.v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < roots.n; i++)
        if (!k || strcmp(roots.v[k - 1], roots.v[i]))
            roots.v[k++] = roots.v[i];
    *n = k;
    return roots.v ? roots.v : GC_MALLOC(sizeof(char *));
}

/* The live set: the closure of the roots and of the derivers of live paths. */
static const char **live_set(LocalStore *s, size_t *n)
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

bool store_gc_is_live(LocalStore *s, const char *path)
{
    size_t n;
    const char **live = live_set(s, &n);
    return sorted_has(live, n, path);
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
                add(&names, fmt("%s/%s", path, de->d_name));
        closedir(d);
        for (size_t i = 0; i < names.n; i++)
            total += tree_size(names.v[i]);
    }
    return total;
}

/* Is someone building this (invalid) path right now? Its PATH.lock is held. */
static bool being_built(const char *real)
{
    int fd = open(fmt("%s.lock", real), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    if (!busy)
        flock(fd, LOCK_UN);
    close(fd);
    return busy;
}

const char *store_gc(LocalStore *s, const GcOptions *o, FILE *out, uint64_t *freed, size_t *deleted)
{
    *freed = 0;
    *deleted = 0;
    size_t nlive, nvalid;
    const char **live = live_set(s, &nlive);
    const char **valid = store_all_valid(s, &nvalid);
    const char *sd = store_dir(s);
    const char *real_dir = store_real_path(s, sd);
    /* Invalid leftovers (killed builds, interrupted additions): not registered, not locked. */
    DIR *d = opendir(real_dir);
    if (d) {
        List junk = {0};
        struct dirent *de;
        while ((de = readdir(d))) {
            const char *name = de->d_name;
            if (name[0] == '.')
                continue; /* temporaries of additions in progress */
            size_t l = strlen(name);
            if (l > 5 && !strcmp(name + l - 5, ".lock"))
                continue;
            const char *p = fmt("%s/%s", sd, name);
            if (!sorted_has(valid, nvalid, p) && !being_built(fmt("%s/%s", real_dir, name)))
                add(&junk, p);
        }
        closedir(d);
        for (size_t i = 0; i < junk.n; i++) {
            if (o->dry_run) {
                fprintf(out, "%s\n", junk.v[i]);
                continue;
            }
            const char *real = store_real_path(s, junk.v[i]);
            *freed += tree_size(real);
            fprintf(stderr, "deleting '%s'\n", junk.v[i]);
            const char *e = store_delete_paths(s, &junk.v[i], 1);
            if (e)
                return e;
        }
    }
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

const char *store_gc_delete(LocalStore *s, const char *const *paths, size_t n)
{
    size_t nlive;
    const char **live = live_set(s, &nlive);
    const char **sorted = GC_MALLOC((n + 1) * sizeof *sorted);
    memcpy(sorted, paths, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    size_t nvalid;
    const char **valid = store_all_valid(s, &nvalid);
    for (size_t i = 0; i < n; i++) {
        if (!store_is_valid(s, paths[i]))
            return fmt("path '%s' is not valid", paths[i]);
        if (sorted_has(live, nlive, paths[i]))
            return fmt("Cannot delete path '%s' since it is still alive.", paths[i]);
    }
    /* A referrer outside the set keeps a path alive too. */
    for (size_t i = 0; i < nvalid; i++) {
        if (sorted_has(sorted, n, valid[i]))
            continue;
        size_t nr;
        const char **refs = store_query_references(s, valid[i], &nr);
        for (size_t k = 0; k < nr; k++)
            if (sorted_has(sorted, n, refs[k]))
                return fmt("Cannot delete path '%s' since it is still alive (referenced by '%s').", refs[k],
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
