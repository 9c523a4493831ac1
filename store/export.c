/* nix-store --export / --import streams. */
#include "store/export.h"

#include <gc/gc.h>
#include <stdarg.h>
#include <string.h>

#include "store/nar.h"
#include "store/valid.h"
#include "util/strbuf.h"

#define EXPORT_MAGIC 0x4558494eu

static void put_u64(FILE *f, uint64_t n)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(n >> (8 * i));
    fwrite(b, 1, 8, f);
}

static void put_str(FILE *f, const char *s)
{
    static const uint8_t zero[8];
    size_t n = strlen(s);
    put_u64(f, n);
    fwrite(s, 1, n, f);
    if (n % 8)
        fwrite(zero, 1, 8 - n % 8, f);
}

const char *store_export(Store *s, const char *const *paths, size_t n, FILE *out)
{
    const char **sorted = store_topo_sort(s, paths, n);
    for (size_t i = 0; i < n; i++) {
        PathInfo info;
        if (!store_query_info(s, sorted[i], &info))
            return sb_fmt("path '%s' is not valid", sorted[i]);
        StrBuf nar;
        sb_init(&nar);
        const char *e = store_nar_from_path(s, sorted[i], &nar);
        if (e)
            return e;
        put_u64(out, 1);
        fwrite(nar.data, 1, nar.len, out);
        put_u64(out, EXPORT_MAGIC);
        put_str(out, sorted[i]);
        put_u64(out, info.nrefs);
        for (size_t k = 0; k < info.nrefs; k++)
            put_str(out, info.refs[k]);
        put_str(out, info.deriver ? info.deriver : "");
        put_u64(out, 0);
    }
    put_u64(out, 0);
    return ferror(out) ? "writing the export stream failed" : NULL;
}

typedef struct Reader {
    const uint8_t *d;
    size_t len, pos;
} Reader;

static bool get_u64(Reader *r, uint64_t *v)
{
    if (r->len - r->pos < 8)
        return false;
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v |= (uint64_t)r->d[r->pos + i] << (8 * i);
    r->pos += 8;
    return true;
}

static bool get_str(Reader *r, const uint8_t **p, uint64_t *n)
{
    if (!get_u64(r, n) || *n > r->len - r->pos)
        return false;
    uint64_t padded = (*n + 7) & ~(uint64_t)7;
    if (padded > r->len - r->pos)
        return false;
    *p = r->d + r->pos;
    r->pos += padded;
    return true;
}

static bool tok_is(const uint8_t *p, uint64_t n, const char *t) { return n == strlen(t) && !memcmp(p, t, n); }

size_t store_nar_span(const uint8_t *data, size_t len)
{
    Reader r = {data, len, 0};
    const uint8_t *p;
    uint64_t n;
    if (!get_str(&r, &p, &n) || !tok_is(p, n, "nix-archive-1"))
        return 0;
    long depth = 0;
    do {
        if (!get_str(&r, &p, &n))
            return 0;
        if (tok_is(p, n, "("))
            depth++;
        else if (tok_is(p, n, ")"))
            depth--;
        else if (tok_is(p, n, "contents") || tok_is(p, n, "name") || tok_is(p, n, "target") ||
                 tok_is(p, n, "type")) {
            /* the next string is data, which may look like a parenthesis */
            if (!get_str(&r, &p, &n))
                return 0;
        }
    } while (depth > 0);
    return depth == 0 ? r.pos : 0;
}

static char *str_of(const uint8_t *p, uint64_t n) { return sb_fmt("%.*s", (int)n, (const char *)p); }

const char *store_import(Store *s, const uint8_t *data, size_t len, const char ***imported, size_t *nimp)
{
    Reader r = {data, len, 0};
    size_t cap = 8, cnt = 0;
    const char **out = GC_MALLOC(cap * sizeof *out);
    for (;;) {
        uint64_t more;
        if (!get_u64(&r, &more))
            return "unexpected end of the import stream";
        if (more == 0)
            break;
        if (more != 1)
            return "input doesn't look like something created by 'nix-store --export'";
        size_t span = store_nar_span(r.d + r.pos, r.len - r.pos);
        if (!span)
            return "bad archive in the import stream";
        const uint8_t *nar = r.d + r.pos;
        r.pos += span;
        uint64_t magic, nrefs, n;
        const uint8_t *p;
        if (!get_u64(&r, &magic) || magic != EXPORT_MAGIC)
            return "Nix archive cannot be imported; wrong format";
        PathInfo info;
        memset(&info, 0, sizeof info);
        if (!get_str(&r, &p, &n))
            return "unexpected end of the import stream";
        info.path = str_of(p, n);
        if (!get_u64(&r, &nrefs) || nrefs > len)
            return "unexpected end of the import stream";
        info.refs = GC_MALLOC((nrefs + 1) * sizeof *info.refs);
        for (uint64_t i = 0; i < nrefs; i++) {
            if (!get_str(&r, &p, &n))
                return "unexpected end of the import stream";
            info.refs[info.nrefs++] = str_of(p, n);
        }
        if (!get_str(&r, &p, &n))
            return "unexpected end of the import stream";
        info.deriver = n ? str_of(p, n) : NULL;
        uint64_t has_sig;
        if (!get_u64(&r, &has_sig))
            return "unexpected end of the import stream";
        if (has_sig) { /* an old-style signature: skipped, as CppNix does */
            if (!get_str(&r, &p, &n))
                return "unexpected end of the import stream";
        }
        const char *e = nar_parse(nar, span, NULL, NULL);
        if (e)
            return e;
        hash_buf(HASH_SHA256, nar, span, &info.nar_hash);
        info.nar_size = span;
        if ((e = store_add_nar(s, &info, nar, span)))
            return e;
        if (cnt == cap) {
            const char **no = GC_MALLOC(2 * cap * sizeof *no);
            memcpy(no, out, cap * sizeof *no);
            out = no;
            cap *= 2;
        }
        out[cnt++] = info.path;
    }
    if (imported)
        *imported = out;
    if (nimp)
        *nimp = cnt;
    return NULL;
}
