/* Content addressing of existing store objects (CppNix's make-content-addressed.cc facts). */
#include "store/makeca.h"

#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/path.h"
#include "util/strbuf.h"
#include "util/strmap.h"

bool store_info_is_ca(const char *store_dir, const PathInfo *info)
{
    const char *ca = info->ca;
    if (!ca || !info->path)
        return false;
    FileIngestion m;
    if (strncmp(ca, "text:", 5) == 0) {
        m = FIM_TEXT;
        ca += 5;
    } else if (strncmp(ca, "fixed:r:", 8) == 0) {
        m = FIM_RECURSIVE;
        ca += 8;
    } else if (strncmp(ca, "fixed:", 6) == 0) {
        m = FIM_FLAT;
        ca += 6;
    } else
        return false;
    Hash h;
    if (hash_parse_any(ca, HASH_NONE, &h, NULL))
        return false;
    size_t sdl = strlen(store_dir);
    if (strlen(info->path) < sdl + 2 + STORE_HASH_LEN)
        return false;
    const char *name = info->path + sdl + 1 + STORE_HASH_LEN + 1;
    const char **refs = GC_MALLOC((info->nrefs + 1) * sizeof *refs);
    size_t n = 0;
    bool self = false;
    for (size_t i = 0; i < info->nrefs; i++) {
        if (strcmp(info->refs[i], info->path) == 0)
            self = true;
        else
            refs[n++] = info->refs[i];
    }
    if (m == FIM_TEXT && self)
        return false;
    const char *err = NULL;
    const char *p = store_make_fixed_output_path(store_dir, name, m, &h, refs, n, self, &err);
    return p && strcmp(p, info->path) == 0;
}

/* Replaces every occurrence of from (len bytes) in buf by to, left to right; the offsets of
 * the matches go to *pos (when not NULL) as "|N", as CppNix's rewriteStrings records them. */
static void replace_all(StrBuf *buf, const char *from, const char *to, size_t len, StrBuf *pos)
{
    if (!len || buf->len < len)
        return;
    for (char *p = buf->data, *end = buf->data + buf->len; (p = memmem(p, (size_t)(end - p), from, len));) {
        if (pos)
            sb_printf(pos, "|%zu", (size_t)(p - buf->data));
        memcpy(p, to, len);
        p += len;
    }
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct Rewrite {
    Store *src, *dst;
    StrMap done; /* original path -> its content-addressed path */
} Rewrite;

static const char *rewrite_path(Rewrite *rw, const char *path, const char **out, int depth)
{
    if ((*out = strmap_get(&rw->done, path)))
        return NULL;
    if (depth > 10000)
        return "reference chain too deep";
    const char *sd = store_dir(rw->src), *e;
    PathInfo info;
    if (!store_query_info(rw->src, path, &info))
        return sb_fmt("path '%s' is not valid", path);
    bool self = false;
    const char **refs = GC_MALLOC((info.nrefs + 1) * sizeof *refs);
    size_t n = 0;
    for (size_t i = 0; i < info.nrefs; i++) {
        const char *r = info.refs[i], *to;
        if (strcmp(r, path) == 0) {
            self = true;
            continue;
        }
        if ((e = rewrite_path(rw, r, &to, depth + 1)))
            return e;
        refs[n++] = to;
    }
    StrBuf nar;
    if ((e = store_nar_from_path(rw->src, path, &nar)))
        return e;
    for (size_t i = 0; i < info.nrefs; i++) {
        const char *r = info.refs[i], *to = strmap_get(&rw->done, r);
        if (to && strcmp(r, to) != 0)
            replace_all(&nar, r, to, strlen(r), NULL);
    }
    /* the hash modulo self-references: zeros for the hash part, then the match offsets */
    const char *old_hash = path + strlen(sd) + 1;
    StrBuf zeroed, pos;
    sb_init(&zeroed);
    sb_init(&pos);
    sb_add(&zeroed, nar.data, nar.len);
    static const char zeros[STORE_HASH_LEN];
    replace_all(&zeroed, old_hash, zeros, STORE_HASH_LEN, &pos);
    HashCtx hc;
    Hash h;
    hash_init(&hc, HASH_SHA256);
    hash_update(&hc, zeroed.data, zeroed.len);
    hash_update(&hc, pos.data, pos.len);
    hash_final(&hc, &h);
    qsort(refs, n, sizeof *refs, cmp_cstr);
    const char *name = old_hash + STORE_HASH_LEN + 1;
    const char *np = store_make_fixed_output_path(sd, name, FIM_RECURSIVE, &h, refs, n, self, &e);
    if (!np)
        return e;
    fprintf(stderr, "rewriting '%s' to '%s'\n", path, np);
    replace_all(&nar, old_hash, np + strlen(sd) + 1, STORE_HASH_LEN, NULL);
    if (self)
        refs[n++] = np;
    qsort(refs, n, sizeof *refs, cmp_cstr);
    PathInfo ni = {.path = np, .nar_size = nar.len, .refs = refs, .nrefs = n};
    hash_buf(HASH_SHA256, nar.data, nar.len, &ni.nar_hash);
    ni.ca = store_fixed_ca(FIM_RECURSIVE, &h);
    if ((e = store_add_nar(rw->dst, &ni, (const uint8_t *)nar.data, nar.len)))
        return e;
    strmap_put(&rw->done, path, (void *)np);
    *out = np;
    return NULL;
}

const char *store_make_content_addressed(Store *src, Store *dst, const char *path, const char **out)
{
    if (strcmp(store_dir(src), store_dir(dst)))
        return sb_fmt("store '%s' is for store directory '%s', not '%s'", store_uri(src), store_dir(src),
                      store_dir(dst));
    Rewrite rw = {.src = src, .dst = dst};
    return rewrite_path(&rw, path, out, 0);
}
