/* The Store interface: opening a store by URI, dispatching each operation to its kind's
 * table, and the operations every kind gets from the others (closures, .drv loading,
 * copying between stores, text and file additions through NARs). */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/cache.h"
#include "store/daemon.h"
#include "store/makeca.h"
#include "store/storeimpl.h"
#include "util/sort.h"
#include "util/strbuf.h"
#include "util/strmap.h"

/* ---- opening ---- */

/* The kinds, by URI scheme. A new kind (daemon, ssh-ng ...) is one more row. */
static const struct {
    const char *scheme;
    StoreOpener open;
} kinds[] = {
    {"local", local_store_open},
    {"file", cache_store_open},
    {"daemon", daemon_store_open},
    {"unix", daemon_store_open},
};

/* Splits "a=b&c=d" into params (GC array). */
static StoreParam *parse_params(const char *q, size_t *n)
{
    *n = 0;
    size_t cap = 1;
    for (const char *p = q; *p; p++)
        cap += *p == '&';
    StoreParam *v = GC_MALLOC(cap * sizeof *v);
    while (*q) {
        size_t len = strcspn(q, "&");
        if (len) {
            const char *eq = memchr(q, '=', len);
            size_t nl = eq ? (size_t)(eq - q) : len;
            v[*n].name = sb_fmt("%.*s", (int)nl, q);
            v[*n].value = eq ? sb_fmt("%.*s", (int)(len - nl - 1), eq + 1) : "";
            (*n)++;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return v;
}

Store *store_open(const char *uri, const StoreSettings *settings, const char **err)
{
    StoreSettings set = {0};
    if (settings)
        set = *settings;
    /* "/nix/store/" is "/nix/store": paths are compared and concatenated with it. */
    if (set.store_dir) {
        size_t n = strlen(set.store_dir);
        while (n > 1 && set.store_dir[n - 1] == '/')
            n--;
        set.store_dir = sb_fmt("%.*s", (int)n, set.store_dir);
    }
    settings = &set;
    if (!uri || !*uri || !strcmp(uri, "auto"))
        uri = "local";
    uri = sb_fmt("%s", uri); /* the store keeps it (and pieces of it): the caller's may change */
    const char *scheme, *rest;
    const char *q = strchr(uri, '?');
    const char *body = q ? sb_fmt("%.*s", (int)(q - uri), uri) : uri;
    size_t nparams = 0;
    StoreParam *params = parse_params(q ? q + 1 : "", &nparams);
    const char *sep = strstr(body, "://");
    if (sep) {
        scheme = sb_fmt("%.*s", (int)(sep - body), body);
        rest = sep + 3;
    } else if (!strcmp(body, "local") || !strcmp(body, "daemon")) {
        scheme = body;
        rest = "";
    } else if (strchr(body, '/')) {
        /* A path names a local store rooted there (CppNix: "/DIR" = "local?root=/DIR"). */
        scheme = "local";
        rest = body;
        if (rest[0] != '/') {
            char cwd[4096];
            if (!getcwd(cwd, sizeof cwd)) {
                *err = sb_fmt("getting the current directory: %s", strerror(errno));
                return NULL;
            }
            rest = sb_fmt("%s/%s", cwd, rest);
        }
    } else {
        *err = sb_fmt("don't know how to open Nix store '%s'", uri);
        return NULL;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kinds[i].scheme, scheme) && (sep == NULL) == (!strcmp(scheme, "local") || !strcmp(scheme, "daemon")))
            return kinds[i].open(uri, rest, params, nparams, settings, err);
    *err = sb_fmt("don't know how to open Nix store with scheme '%s' (in '%s')", scheme, uri);
    return NULL;
}

const char *store_uri(const Store *s) { return s->uri; }
const char *store_dir(const Store *s) { return s->store_dir; }
const char *store_log_dir(const Store *s) { return s->log_dir; }
bool store_is_local(const Store *s) { return !strcmp(s->ops->kind, "local"); }

const char *store_unsupported(const Store *s, const char *op)
{
    return sb_fmt("operation '%s' is not supported by store '%s'", op, s->uri);
}

/* ---- queries ---- */

bool store_query_info(Store *s, const char *path, PathInfo *out)
{
    memset(out, 0, sizeof *out);
    return s->ops->query_path_info(s, path, out);
}

bool store_is_valid(Store *s, const char *path)
{
    if (s->ops->is_valid)
        return s->ops->is_valid(s, path);
    PathInfo info;
    return store_query_info(s, path, &info);
}

const char **store_query_valid_paths(Store *s, const char *const *paths, size_t n, size_t *out_n)
{
    if (s->ops->query_valid_paths)
        return s->ops->query_valid_paths(s, paths, n, out_n);
    const char **v = GC_MALLOC((n + 1) * sizeof *v);
    *out_n = 0;
    for (size_t i = 0; i < n; i++)
        if (store_is_valid(s, paths[i]))
            v[(*out_n)++] = paths[i];
    return v;
}

const char **store_query_references(Store *s, const char *path, size_t *n)
{
    if (s->ops->query_references)
        return s->ops->query_references(s, path, n);
    PathInfo info;
    if (!store_query_info(s, path, &info)) {
        *n = 0;
        return GC_MALLOC(sizeof(char *));
    }
    *n = info.nrefs;
    return info.refs;
}

const char *store_query_deriver(Store *s, const char *path)
{
    PathInfo info;
    return store_query_info(s, path, &info) ? info.deriver : NULL;
}

/* Adds p to the set; false if it was there. */
static bool set_add(StrMap *set, const char *p)
{
    void **slot = strmap_insert(set, p, strlen(p));
    if (*slot)
        return false;
    *slot = (void *)p;
    return true;
}

const char **store_closure(Store *s, const char *const *paths, size_t n, size_t *out_n)
{
    StrMap seen = {0};
    size_t cap = n + 16, cnt = 0;
    const char **v = GC_MALLOC(cap * sizeof *v);
    size_t wcap = n + 16, wn = 0;
    const char **work = GC_MALLOC(wcap * sizeof *work);
    for (size_t i = 0; i < n; i++)
        work[wn++] = paths[i];
    while (wn) {
        const char *p = work[--wn];
        if (!set_add(&seen, p))
            continue;
        if (cnt == cap) {
            const char **nv = GC_MALLOC(2 * cap * sizeof *nv);
            memcpy(nv, v, cap * sizeof *nv);
            v = nv;
            cap *= 2;
        }
        v[cnt++] = p;
        size_t nr;
        const char **refs = store_query_references(s, p, &nr);
        for (size_t i = 0; i < nr; i++) {
            if (wn == wcap) {
                const char **nw = GC_MALLOC(2 * wcap * sizeof *nw);
                memcpy(nw, work, wcap * sizeof *nw);
                work = nw;
                wcap *= 2;
            }
            work[wn++] = refs[i];
        }
    }
    qsort(v, cnt, sizeof *v, sort_cmp_str);
    *out_n = cnt;
    return v;
}

const char *store_query_drv_outputs(Store *s, const char *drv_path, const char ***names, const char ***paths,
                                    size_t *n)
{
    *n = 0;
    if (s->ops->query_drv_outputs)
        return s->ops->query_drv_outputs(s, drv_path, names, paths, n);
    const char *err = NULL;
    const Derivation *d = store_load_drv(s, drv_path, &err);
    if (!d)
        return err;
    *names = GC_MALLOC((d->noutputs + 1) * sizeof **names);
    *paths = GC_MALLOC((d->noutputs + 1) * sizeof **paths);
    for (uint32_t i = 0; i < d->noutputs; i++) {
        (*names)[i] = d->outputs[i].name;
        (*paths)[i] = d->outputs[i].path;
    }
    *n = d->noutputs;
    return NULL;
}

/* ---- reading ---- */

const char *store_nar_from_path(Store *s, const char *path, StrBuf *out)
{
    sb_init(out);
    if (!s->ops->nar_from_path)
        return store_unsupported(s, "narFromPath");
    return s->ops->nar_from_path(s, path, out);
}

/* Finds the regular file at rel ("" = the root) while a NAR is parsed. */
typedef struct FileFind {
    const char *rel;
    const uint8_t *data;
    uint64_t len;
    bool found, not_regular;
} FileFind;

static const char *find_dir(void *ctx, const char *path)
{
    FileFind *f = ctx;
    f->not_regular |= !strcmp(path, f->rel);
    return NULL;
}

static const char *find_regular(void *ctx, const char *path, bool executable, const uint8_t *data, uint64_t len)
{
    (void)executable;
    FileFind *f = ctx;
    if (!strcmp(path, f->rel)) {
        f->found = true;
        f->data = data;
        f->len = len;
    }
    return NULL;
}

static const char *find_symlink(void *ctx, const char *path, const char *target)
{
    (void)target;
    FileFind *f = ctx;
    f->not_regular |= !strcmp(path, f->rel);
    return NULL;
}

char *store_read_file(Store *s, const char *path, size_t *len, const char **err)
{
    if (s->ops->read_file)
        return s->ops->read_file(s, path, len, err);
    char *sp = store_to_store_path(s->store_dir, path);
    if (!sp) {
        *err = sb_fmt("path '%s' is not in the Nix store", path);
        return NULL;
    }
    StrBuf nar;
    if ((*err = store_nar_from_path(s, sp, &nar)))
        return NULL;
    const char *rel = path + strlen(sp);
    FileFind f = {*rel == '/' ? rel + 1 : rel, NULL, 0, false, false};
    NarVisitor v = {find_dir, find_regular, find_symlink};
    if ((*err = nar_parse((const uint8_t *)nar.data, nar.len, &v, &f)))
        return NULL;
    if (!f.found) {
        *err = f.not_regular ? sb_fmt("file '%s' is not a regular file", path)
                             : sb_fmt("path '%s' does not exist in store '%s'", path, s->uri);
        return NULL;
    }
    char *r = GC_MALLOC_ATOMIC(f.len + 1);
    memcpy(r, f.data, f.len);
    r[f.len] = 0;
    *len = f.len;
    return r;
}

const Derivation *store_load_drv(Store *s, const char *drv_path, const char **err)
{
    const char *sd = store_dir(s);
    if (!store_is_store_path(sd, drv_path) || strlen(drv_path) < 4 ||
        strcmp(drv_path + strlen(drv_path) - 4, ".drv")) {
        *err = sb_fmt("path '%s' is not a derivation", drv_path);
        return NULL;
    }
    size_t len;
    char *text = store_read_file(s, drv_path, &len, err);
    if (!text)
        return NULL;
    const char *base = store_path_name(sd, drv_path);
    char *name = sb_fmt("%.*s", (int)(strlen(base) - 4), base);
    Derivation *d = GC_MALLOC(sizeof *d);
    const char *e = drv_parse(text, len, name, d);
    if (e) {
        *err = sb_fmt("parsing derivation '%s': %s", drv_path, e);
        return NULL;
    }
    return d;
}

char *store_drv_loader(void *ctx, const char *drv_path, size_t *len, const char **err)
{
    return store_read_file(ctx, drv_path, len, err);
}

/* ---- adding ---- */

const char *store_add_nar(Store *s, const PathInfo *info, const uint8_t *nar, size_t len)
{
    if (!s->ops->add_nar)
        return store_unsupported(s, "addToStoreNar");
    return s->ops->add_nar(s, info, nar, len);
}

const char *store_add_text(Store *s, const char *name, const char *text, size_t len, const char *const *refs,
                           size_t nrefs, const char **out)
{
    if (s->ops->add_text)
        return s->ops->add_text(s, name, text, len, refs, nrefs, out);
    const char *e = store_check_name(name, strlen(name));
    if (e)
        return e;
    Hash h;
    hash_buf(HASH_SHA256, text, len, &h);
    *out = store_make_text_path(s->store_dir, name, &h, refs, nrefs);
    if (store_is_valid(s, *out))
        return NULL;
    StrBuf nar;
    sb_init(&nar);
    nar_of_bytes(text, len, false, &nar);
    PathInfo info = {.path = *out, .nar_size = nar.len, .refs = (const char **)refs, .nrefs = nrefs};
    hash_buf(HASH_SHA256, nar.data, nar.len, &info.nar_hash);
    info.ca = sb_fmt("text:%s", hash_to_string(&h, HASH_FMT_NIX32, true));
    return store_add_nar(s, &info, (const uint8_t *)nar.data, nar.len);
}

const char *store_hash_flat_file(const char *src, HashAlgo algo, Hash *h)
{
    struct stat st;
    if (stat(src, &st) < 0)
        return sb_fmt("getting status of '%s': %s", src, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return sb_fmt("file '%s' is not a regular file", src);
    if (!hash_file(algo, src, h))
        return sb_fmt("reading file '%s': %s", src, strerror(errno));
    return NULL;
}

const char *store_add_path(Store *s, const char *name, const char *src, FileIngestion method, HashAlgo algo,
                           NarFilter filter, void *fctx, bool dry_run, Hash *ca, const char **out)
{
    if (s->ops->add_path)
        return s->ops->add_path(s, name, src, method, algo, filter, fctx, dry_run, ca, out);
    const char *e = store_check_name(name, strlen(name));
    if (e)
        return e;
    StrBuf nar;
    sb_init(&nar);
    Hash h;
    if (method == FIM_FLAT) {
        if ((e = store_hash_flat_file(src, algo, &h)))
            return e;
        filter = NULL;
    }
    if ((e = nar_dump_to_buf(src, filter, fctx, &nar)))
        return e;
    if (method != FIM_FLAT)
        hash_buf(algo, nar.data, nar.len, &h);
    const char *path = store_make_fixed_output_path(s->store_dir, name, method, &h, NULL, 0, false, &e);
    if (!path)
        return e;
    if (ca)
        *ca = h;
    *out = path;
    if (dry_run || store_is_valid(s, path))
        return NULL;
    PathInfo info = {.path = path, .nar_size = nar.len};
    hash_buf(HASH_SHA256, nar.data, nar.len, &info.nar_hash);
    info.ca = store_fixed_ca(method, &h);
    return store_add_nar(s, &info, (const uint8_t *)nar.data, nar.len);
}

const char *store_write_drv(Store *s, const Derivation *d, const char **out)
{
    size_t nrefs, len;
    const char **refs = drv_references(d, &nrefs);
    char *text = drv_unparse(d, false, NULL, 0, &len);
    return store_add_text(s, sb_fmt("%s.drv", d->name), text, len, refs, nrefs, out);
}

/* Copies path after its references; depth bounds a malicious reference chain. */
static const char *copy_one(Store *src, Store *dst, const char *path, const StrList *keys, StrMap *done,
                            int depth)
{
    if (!set_add(done, path) || store_is_valid(dst, path))
        return NULL;
    if (depth > 10000)
        return "reference chain too deep";
    PathInfo info;
    if (!store_query_info(src, path, &info))
        return sb_fmt("path '%s' is not valid in store '%s'", path, src->uri);
    /* a content-addressed path vouches for itself (CppNix's checkSignatures) */
    if (keys && !store_info_is_ca(dst->store_dir, &info) && !cache_verify_sigs(&info, info.sigs, keys))
        return sb_fmt("cannot add path '%s' because it lacks a signature by a trusted key", path);
    const char *e;
    for (size_t i = 0; i < info.nrefs; i++)
        if (strcmp(info.refs[i], path) && (e = copy_one(src, dst, info.refs[i], keys, done, depth + 1)))
            return e;
    StrBuf nar;
    if ((e = store_nar_from_path(src, path, &nar)))
        return e;
    fprintf(stderr, "copying path '%s' from '%s'...\n", path, src->uri);
    /* store_add_nar checks NarHash and NarSize against what arrived. */
    return store_add_nar(dst, &info, (const uint8_t *)nar.data, nar.len);
}

const char *store_copy_paths(Store *src, Store *dst, const char *const *paths, size_t n, const StrList *keys)
{
    if (strcmp(src->store_dir, dst->store_dir))
        return sb_fmt("store '%s' is for store directory '%s', not '%s'", src->uri, src->store_dir, dst->store_dir);
    StrMap done = {0};
    for (size_t i = 0; i < n; i++) {
        const char *e = copy_one(src, dst, paths[i], keys, &done, 0);
        if (e)
            return e;
    }
    return NULL;
}

/* ---- roots ---- */

const char *store_add_temp_root(Store *s, const char *path)
{
    return s->ops->add_temp_root ? s->ops->add_temp_root(s, path) : NULL;
}

const char *store_add_perm_root(Store *s, const char *path, const char *link, const char **out)
{
    if (!s->ops->add_perm_root)
        return store_unsupported(s, "addPermRoot");
    return s->ops->add_perm_root(s, path, link, out);
}

/* ---- building ---- */

int store_realise(Store *s, const StoreConfig *cfg, const char *const *drvs, size_t n)
{
    if (!s->ops->build) {
        fprintf(stderr, "error: %s\n", store_unsupported(s, "buildDerivation"));
        return 1;
    }
    return s->ops->build(s, cfg, drvs, n);
}

char *store_log_path(const Store *s, const char *drv_path)
{
    if (!s->log_dir)
        return NULL;
    const char *base = strrchr(drv_path, '/');
    base = base ? base + 1 : drv_path;
    return sb_fmt("%s/drvs/%.2s/%s", s->log_dir, base, base + (strlen(base) >= 2 ? 2 : 0));
}
