/* User environments: symlink trees merging packages' outputs (as nix-env's buildenv), plus
 * the manifest, added to the store as one content-addressed path. */
#include "profile/profile.h"

#include <dirent.h>
#include <errno.h>
#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/build.h"
#include "store/nar.h"
#include "store/path.h"
#include "store/valid.h"
#include "util/strbuf.h"
#include "util/sort.h"
#include "util/strmap.h"

#define MANIFEST "manifest.cnix"

typedef struct Env {
    Store *s;    /* links name logical paths; reading goes through the real ones */
    const char *root; /* temporary directory being filled */
    StrMap owners;    /* rel (path relative to the root) -> the ProfileElem that put it
                       * there: conflicts are decided by priority */
    const char *err;
} Env;

static const ProfileElem *owner_of(Env *e, const char *rel)
{
    return strmap_get(&e->owners, rel);
}

static void set_owner(Env *e, const char *rel, const ProfileElem *el)
{
    strmap_put(&e->owners, rel, (void *)el);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_store_dir(Env *e, const char *logical) { return is_dir(store_real_path(e->s, logical)); }

static void merge(Env *e, const char *src, const char *rel, const ProfileElem *el);

/* dst is a symlink to a directory that another package's directory must merge into: it
 * becomes a real directory of links to the old target's entries. */
static void expand(Env *e, const char *dst, const char *rel)
{
    char buf[4096];
    ssize_t n = readlink(dst, buf, sizeof buf - 1);
    if (n < 0) {
        e->err = sb_fmt("reading link '%s': %s", dst, strerror(errno));
        return;
    }
    buf[n] = 0;
    const ProfileElem *prev = owner_of(e, rel);
    if (unlink(dst) < 0 || mkdir(dst, 0755) < 0) {
        e->err = sb_fmt("creating directory '%s': %s", dst, strerror(errno));
        return;
    }
    merge(e, GC_strdup(buf), rel, prev);
}

static void merge_entry(Env *e, const char *s, const char *rel, const ProfileElem *el)
{
    const char *d = sb_fmt("%s/%s", e->root, rel);
    struct stat st;
    if (lstat(d, &st) < 0) {
        if (symlink(s, d) < 0)
            e->err = sb_fmt("creating symlink '%s': %s", d, strerror(errno));
        else
            set_owner(e, rel, el);
        return;
    }
    bool sdir = is_store_dir(e, s);
    if (S_ISDIR(st.st_mode) && sdir) {
        merge(e, s, rel, el);
        return;
    }
    char buf[4096];
    ssize_t n = S_ISLNK(st.st_mode) ? readlink(d, buf, sizeof buf - 1) : -1;
    if (n >= 0)
        buf[n] = 0;
    if (n >= 0 && !strcmp(buf, s))
        return; /* the same file twice (e.g. one package listed twice) */
    if (n >= 0 && sdir && is_store_dir(e, buf)) {
        expand(e, d, rel);
        if (!e->err)
            merge(e, s, rel, el);
        return;
    }
    const ProfileElem *prev = owner_of(e, rel);
    int64_t pp = prev ? prev->priority : 5;
    if (el->priority > pp)
        return; /* the installed file wins */
    if (el->priority < pp) {
        if (S_ISDIR(st.st_mode)) {
            e->err = sb_fmt("cannot replace directory '%s' of package '%s' by a file of '%s'", rel,
                         prev ? prev->name : "?", el->name);
            return;
        }
        unlink(d);
        if (symlink(s, d) < 0)
            e->err = sb_fmt("creating symlink '%s': %s", d, strerror(errno));
        else
            set_owner(e, rel, el);
        return;
    }
    e->err = sb_fmt("packages '%s' and '%s' both provide the file '%s' ('%s' and '%s') with the same "
                 "priority %lld; set meta.priority on one of them (a lower number wins)",
                 prev ? prev->name : "?", el->name, rel, n >= 0 ? buf : d, s, (long long)pp);
}

/* Merges the directory src into ROOT/rel (which exists as a real directory). */
static void merge(Env *e, const char *src, const char *rel, const ProfileElem *el)
{
    DIR *dir = opendir(store_real_path(e->s, src));
    if (!dir) {
        e->err = sb_fmt("opening directory '%s': %s", src, strerror(errno));
        return;
    }
    const char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (!*rel && !strcmp(de->d_name, MANIFEST))
            continue; /* a package that is itself a user environment */
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            const char **nv = GC_MALLOC(cap * sizeof *nv);
            if (n)
                memcpy(nv, names, n * sizeof *nv);
            names = nv;
        }
        names[n++] = GC_strdup(de->d_name);
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof *names, sort_cmp_str); /* deterministic output */
    for (size_t i = 0; i < n && !e->err; i++)
        merge_entry(e, sb_fmt("%s/%s", src, names[i]), *rel ? sb_fmt("%s/%s", rel, names[i]) : names[i], el);
}

static void put_val(StrBuf *sb, const char *key, const char *v)
{
    if (!v)
        return;
    sb_printf(sb, "%s ", key);
    for (const char *p = v; *p; p++) {
        if (*p == '\\')
            sb_add(sb, "\\\\", 2);
        else if (*p == '\n')
            sb_add(sb, "\\n", 2);
        else
            sb_add(sb, p, 1);
    }
    sb_add(sb, "\n", 1);
}

static char *manifest_text(const ProfileElem *elems, size_t n, size_t *len)
{
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "cnix-manifest 1\n");
    for (size_t i = 0; i < n; i++) {
        const ProfileElem *el = &elems[i];
        sb_printf(&sb, "element\n");
        put_val(&sb, "name", el->name);
        put_val(&sb, "pname", el->pname);
        put_val(&sb, "version", el->version);
        sb_printf(&sb, "priority %lld\n", (long long)el->priority);
        put_val(&sb, "drv", el->drv);
        for (size_t k = 0; k < el->nouts; k++)
            sb_printf(&sb, "output %s %s\n", el->out_names[k], el->out_paths[k]);
        put_val(&sb, "origin-file", el->origin_file);
        put_val(&sb, "origin-attr", el->origin_attr);
        put_val(&sb, "origin-expr", el->origin_expr);
        put_val(&sb, "origin-args", el->origin_args);
    }
    *len = sb.len;
    return sb_finish(&sb);
}

static void delete_tree(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        chmod(p, 0755);
        DIR *d = opendir(p);
        if (d) {
            const char **names = NULL;
            size_t n = 0, cap = 0;
            struct dirent *de;
            while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                    if (n == cap) {
                        cap = cap ? 2 * cap : 16;
                        const char **nv = GC_MALLOC(cap * sizeof *nv);
                        if (n)
                            memcpy(nv, names, n * sizeof *nv);
                        names = nv;
                    }
                    names[n++] = sb_fmt("%s/%s", p, de->d_name);
                }
            closedir(d);
            for (size_t i = 0; i < n; i++)
                delete_tree(names[i]);
        }
        rmdir(p);
    } else
        unlink(p);
}

static int cmp_prio(const void *a, const void *b)
{
    const ProfileElem *x = *(const ProfileElem *const *)a, *y = *(const ProfileElem *const *)b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return x < y ? -1 : x > y;
}

const char *profile_build_env(Store *s, const ProfileElem *elems, size_t n, const char **out)
{
    const char *tmpdir = getenv("TMPDIR");
    char *root = GC_strdup(sb_fmt("%s/cnix-env-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp"));
    if (!mkdtemp(root))
        return sb_fmt("creating a temporary directory: %s", strerror(errno));
    Env e = {.s = s, .root = root};
    /* Higher priority (lower number) first: later packages then only fill gaps, and a tie
     * between equal priorities is a conflict. Stable in the list's order. */
    const ProfileElem **order = GC_MALLOC((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = &elems[i];
    qsort(order, n, sizeof *order, cmp_prio);
    const char **refs = GC_MALLOC((n + 1) * 8 * sizeof *refs);
    size_t nrefs = 0, caprefs = (n + 1) * 8;
    for (size_t i = 0; i < n && !e.err; i++)
        for (size_t k = 0; k < order[i]->nouts && !e.err; k++) {
            const char *p = order[i]->out_paths[k];
            if (nrefs == caprefs) {
                caprefs *= 2;
                const char **nv = GC_MALLOC(caprefs * sizeof *nv);
                memcpy(nv, refs, nrefs * sizeof *nv);
                refs = nv;
            }
            refs[nrefs++] = p;
            const char *real = store_real_path(s, p);
            if (is_dir(real))
                merge(&e, p, "", order[i]); /* links name the logical path */
        }
    if (!e.err) {
        size_t len;
        char *text = manifest_text(elems, n, &len);
        FILE *f = fopen(sb_fmt("%s/%s", root, MANIFEST), "wb");
        if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
            e.err = sb_fmt("writing the manifest: %s", strerror(errno));
    }
    if (e.err) {
        delete_tree(root);
        return e.err;
    }
    StrBuf nar;
    sb_init(&nar);
    const char *err = nar_dump_to_buf(root, NULL, NULL, &nar);
    delete_tree(root);
    if (err)
        return err;
    if (nrefs)
        qsort(refs, nrefs, sizeof *refs, sort_cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < nrefs; i++)
        if (!k || strcmp(refs[k - 1], refs[i]))
            refs[k++] = refs[i];
    nrefs = k;
    Hash h;
    hash_buf(HASH_SHA256, nar.data, nar.len, &h);
    const char *path =
        store_make_fixed_output_path(store_dir(s), "user-environment", FIM_RECURSIVE, &h, refs, nrefs, false, &err);
    if (!path)
        return err;
    *out = path;
    if (store_is_valid(s, path))
        return NULL;
    PathInfo info = {0};
    info.path = path;
    info.nar_hash = h;
    info.nar_size = nar.len;
    info.ca = store_fixed_ca(FIM_RECURSIVE, &h);
    info.refs = refs;
    info.nrefs = nrefs;
    return store_add_nar(s, &info, (const uint8_t *)nar.data, nar.len);
}

static char *unescape(const char *v)
{
    StrBuf sb;
    sb_init(&sb);
    for (const char *p = v; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            sb_add(&sb, *p == 'n' ? "\n" : p, 1);
        } else
            sb_add(&sb, p, 1);
    }
    return sb_finish(&sb);
}

ProfileElem *profile_read_manifest(const char *env_dir, size_t *n, const char **err)
{
    const char *path = sb_fmt("%s/%s", env_dir, MANIFEST);
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = sb_fmt("opening the manifest '%s': %s", path, strerror(errno));
        return NULL;
    }
    ProfileElem *v = NULL;
    size_t cnt = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    bool header = false;
    *err = NULL;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (!header) {
            header = !strcmp(line, "cnix-manifest 1");
            if (!header)
                break;
            continue;
        }
        if (!strcmp(line, "element")) {
            if (cnt == cap) {
                cap = cap ? 2 * cap : 8;
                ProfileElem *nv = GC_MALLOC(cap * sizeof *nv);
                if (cnt)
                    memcpy(nv, v, cnt * sizeof *nv);
                v = nv;
            }
            v[cnt++] = (ProfileElem){.priority = 5};
            continue;
        }
        char *sp = strchr(line, ' ');
        if (!cnt || !sp) {
            *err = sb_fmt("malformed manifest '%s'", path);
            break;
        }
        *sp = 0;
        const char *val = unescape(sp + 1);
        ProfileElem *el = &v[cnt - 1];
        if (!strcmp(line, "name"))
            el->name = val;
        else if (!strcmp(line, "pname"))
            el->pname = val;
        else if (!strcmp(line, "version"))
            el->version = val;
        else if (!strcmp(line, "priority"))
            el->priority = strtoll(val, NULL, 10);
        else if (!strcmp(line, "drv"))
            el->drv = val;
        else if (!strcmp(line, "origin-file"))
            el->origin_file = val;
        else if (!strcmp(line, "origin-attr"))
            el->origin_attr = val;
        else if (!strcmp(line, "origin-expr"))
            el->origin_expr = val;
        else if (!strcmp(line, "origin-args"))
            el->origin_args = val;
        else if (!strcmp(line, "output")) {
            const char *sp2 = strchr(val, ' ');
            if (!sp2) {
                *err = sb_fmt("malformed manifest '%s'", path);
                break;
            }
            const char **on = GC_MALLOC((el->nouts + 1) * sizeof *on);
            const char **op = GC_MALLOC((el->nouts + 1) * sizeof *op);
            if (el->nouts) {
                memcpy(on, el->out_names, el->nouts * sizeof *on);
                memcpy(op, el->out_paths, el->nouts * sizeof *op);
            }
            on[el->nouts] = GC_strndup(val, (size_t)(sp2 - val));
            op[el->nouts] = sp2 + 1;
            el->out_names = on;
            el->out_paths = op;
            el->nouts++;
        }
    }
    free(line);
    fclose(f);
    if (!header && !*err)
        *err = sb_fmt("'%s' is not a cnix manifest", path);
    if (*err)
        return NULL;
    *n = cnt;
    return v ? v : GC_MALLOC(sizeof *v);
}

/* Builds what the elements need; on failure the profile is left alone. */
int profile_realise(Store *s, const StoreConfig *cfg, const ProfileElem *el, size_t n, const char **err)
{
    const char **drvs = GC_MALLOC((n ? n : 1) * sizeof *drvs);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        bool valid = true;
        for (size_t k = 0; k < el[i].nouts; k++)
            valid = valid && store_is_valid(s, el[i].out_paths[k]);
        if (!valid && el[i].drv)
            drvs[nd++] = el[i].drv;
    }
    if (nd) {
        int st = store_realise(s, cfg, drvs, nd);
        if (st) {
            *err = "building the packages failed; the profile is unchanged";
            return st;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < el[i].nouts; k++)
            if (!store_is_valid(s, el[i].out_paths[k])) {
                *err = sb_fmt("output '%s' of package '%s' is not valid", el[i].out_paths[k], el[i].name);
                return 1;
            }
    return 0;
}
