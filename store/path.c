/* Computing, checking and parsing store paths. */
#include "store/path.h"

#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/sort.h"

static const char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *msg(const char *fmt, ...)
{
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb_finish(&sb);
}

static bool name_char_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
           c == '-' || c == '.' || c == '_' || c == '?' || c == '=';
}

const char *store_check_name(const char *name, size_t len)
{
    if (len == 0)
        return "name must not be empty";
    if (len > STORE_NAME_MAX)
        return msg("name '%.*s' must be no longer than %d characters", (int)len, name, STORE_NAME_MAX);
    if (name[0] == '.') {
        if (len == 1 || (name[1] == '.' && len == 2))
            return msg("name '%.*s' is not valid", (int)len, name);
        if (name[1] == '-')
            return msg("name '%.*s' is not valid: first dash-separated component must not be '%s'",
                       (int)len, name, ".");
        if (name[1] == '.' && name[2] == '-')
            return msg("name '%.*s' is not valid: first dash-separated component must not be '%s'",
                       (int)len, name, "..");
    }
    for (size_t i = 0; i < len; i++)
        if (!name_char_ok(name[i]))
            return msg("name '%.*s' contains illegal character '%c'", (int)len, name, name[i]);
    return NULL;
}

char *store_make_type(const char *type, const char *const *refs, size_t nrefs, bool self)
{
    /* Built with exact sizes: this runs for every derivation and text file. */
    const char **sorted = NULL;
    size_t len = strlen(type) + (self ? 5 : 0);
    if (nrefs) {
        sorted = malloc(nrefs * sizeof *sorted);
        memcpy(sorted, refs, nrefs * sizeof *sorted);
        qsort(sorted, nrefs, sizeof *sorted, sort_cmp_str);
        for (size_t i = 0; i < nrefs; i++)
            len += 1 + strlen(sorted[i]);
    }
    char *r = GC_MALLOC_ATOMIC(len + 1), *p = r;
    size_t tl = strlen(type);
    memcpy(p, type, tl);
    p += tl;
    for (size_t i = 0; i < nrefs; i++) {
        if (i && strcmp(sorted[i], sorted[i - 1]) == 0)
            continue; /* a set: duplicates count once */
        size_t l = strlen(sorted[i]);
        *p++ = ':';
        memcpy(p, sorted[i], l);
        p += l;
    }
    if (self) {
        memcpy(p, ":self", 5);
        p += 5;
    }
    *p = 0;
    free(sorted);
    return r;
}

/* Growable byte buffer that starts on the caller's stack (malloc beyond): the
 * preimages of store path hashes are garbage as soon as they are hashed. */
typedef struct PreBuf {
    char *p;
    size_t n, cap;
    char *heap;
} PreBuf;

static void pre_add(PreBuf *b, const char *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
        char *h = malloc(cap);
        if (!h)
            abort();
        memcpy(h, b->p, b->n);
        free(b->heap);
        b->p = b->heap = h;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void pre_puts(PreBuf *b, const char *s) { pre_add(b, s, strlen(s)); }

/* Appends ":<refs, sorted, each once>" (and ":self") to a type. */
static void pre_refs(PreBuf *b, const char *const *refs, size_t nrefs, bool self)
{
    if (nrefs) {
        const char *inl[16], **sorted = nrefs <= 16 ? inl : malloc(nrefs * sizeof *sorted);
        if (!sorted)
            abort();
        memcpy(sorted, refs, nrefs * sizeof *sorted);
        qsort(sorted, nrefs, sizeof *sorted, sort_cmp_str);
        for (size_t i = 0; i < nrefs; i++) {
            if (i && strcmp(sorted[i], sorted[i - 1]) == 0)
                continue; /* a set: duplicates count once */
            pre_add(b, ":", 1);
            pre_puts(b, sorted[i]);
        }
        if (sorted != inl)
            free(sorted);
    }
    if (self)
        pre_add(b, ":self", 5);
}

/* The path STORE_DIR/HASH-NAME[-SUFFIX] for the preimage "TYPE:" already in b (the
 * hash part and the rest are added here), preceded in its allocation by lead if that is
 * not 0. Frees b's heap part. */
static char *pre_finish_lead(PreBuf *b, const char *hash_str, const char *store_dir, const char *name,
                             const char *suffix, char lead)
{
    size_t dlen = strlen(store_dir), nlen = strlen(name), slen = suffix ? strlen(suffix) : 0;
    pre_add(b, ":", 1);
    pre_puts(b, hash_str);
    pre_add(b, ":", 1);
    pre_add(b, store_dir, dlen);
    pre_add(b, ":", 1);
    pre_add(b, name, nlen);
    if (suffix) {
        pre_add(b, "-", 1);
        pre_add(b, suffix, slen);
    }
    Hash h;
    hash_buf(HASH_SHA256, b->p, b->n, &h);
    free(b->heap);
    uint8_t c[20];
    hash_compress(&h, c, 20);
    size_t tail = nlen + (suffix ? 1 + slen : 0);
    char *r = GC_MALLOC_ATOMIC((lead ? 1 : 0) + dlen + 1 + STORE_HASH_LEN + 1 + tail + 1);
    if (lead)
        *r++ = lead;
    memcpy(r, store_dir, dlen);
    r[dlen] = '/';
    hash_nix32_encode(c, 20, r + dlen + 1);
    char *p = r + dlen + 1 + STORE_HASH_LEN;
    *p++ = '-';
    memcpy(p, name, nlen);
    p += nlen;
    if (suffix) {
        *p++ = '-';
        memcpy(p, suffix, slen);
        p += slen;
    }
    *p = 0;
    return r;
}

static char *pre_finish(PreBuf *b, const char *hash_str, const char *store_dir, const char *name,
                        const char *suffix)
{
    return pre_finish_lead(b, hash_str, store_dir, name, suffix, 0);
}

#define PRE_INIT(buf) {(buf), 0, sizeof(buf), NULL}

char *store_make_path_str(const char *store_dir, const char *type, const char *hash_str,
                          const char *name)
{
    char small[1024];
    PreBuf b = PRE_INIT(small);
    pre_puts(&b, type);
    return pre_finish(&b, hash_str, store_dir, name, NULL);
}

char *store_make_path(const char *store_dir, const char *type, const Hash *h, const char *name)
{
    char buf[2 * HASH_MAX_SIZE + 16];
    hash_format_into(h, HASH_FMT_BASE16, true, buf);
    return store_make_path_str(store_dir, type, buf, name);
}

/* store_make_path(store_dir, store_make_type(type, refs, nrefs, self), h, name) without
 * building the type string on the heap. */
static char *make_typed_path(const char *store_dir, const char *type, const char *const *refs,
                             size_t nrefs, bool self, const Hash *h, const char *name, char lead)
{
    char small[2048], hs[2 * HASH_MAX_SIZE + 16];
    PreBuf b = PRE_INIT(small);
    pre_puts(&b, type);
    pre_refs(&b, refs, nrefs, self);
    hash_format_into(h, HASH_FMT_BASE16, true, hs);
    return pre_finish_lead(&b, hs, store_dir, name, NULL, lead);
}

char *store_output_path_name(const char *name, const char *id)
{
    if (strcmp(id, "out") == 0)
        return (char *)name;
    size_t nl = strlen(name), il = strlen(id);
    char *r = GC_MALLOC_ATOMIC(nl + il + 2);
    memcpy(r, name, nl);
    r[nl] = '-';
    memcpy(r + nl + 1, id, il + 1);
    return r;
}

char *store_make_output_path(const char *store_dir, const char *id, const Hash *h, const char *name)
{
    /* "output:ID:sha256:HEX:STORE:NAME[-ID]", the name as store_output_path_name gives it */
    char small[512], hs[2 * HASH_MAX_SIZE + 16];
    PreBuf b = PRE_INIT(small);
    pre_add(&b, "output:", 7);
    pre_puts(&b, id);
    hash_format_into(h, HASH_FMT_BASE16, true, hs);
    return pre_finish(&b, hs, store_dir, name, strcmp(id, "out") == 0 ? NULL : id);
}

char *store_fixed_ca(FileIngestion m, const Hash *h)
{
    return sb_fmt("fixed:%s%s", m == FIM_RECURSIVE ? "r:" : "", hash_to_string(h, HASH_FMT_NIX32, true));
}

char *store_make_fixed_output_path(const char *store_dir, const char *name, FileIngestion m,
                                   const Hash *h, const char *const *refs, size_t nrefs, bool self,
                                   const char **err)
{
    if (m == FIM_TEXT)
        return store_make_text_path(store_dir, name, h, refs, nrefs);
    if (m == FIM_RECURSIVE && h->algo == HASH_SHA256)
        return make_typed_path(store_dir, "source", refs, nrefs, self, h, name, 0);
    if (nrefs || self) {
        *err = msg("fixed output derivation '%s' is not allowed to refer to other store paths.\n"
                   "You may need to use the 'unsafeDiscardReferences' derivation attribute, see "
                   "the manual for more details.",
                   name);
        return NULL;
    }
    char buf[2 * HASH_MAX_SIZE + 40];
    size_t n = (size_t)sprintf(buf, "fixed:out:%s", m == FIM_RECURSIVE ? "r:" : "");
    n += hash_format_into(h, HASH_FMT_BASE16, true, buf + n);
    buf[n++] = ':';
    Hash inner;
    hash_buf(HASH_SHA256, buf, n, &inner);
    return store_make_path(store_dir, "output:out", &inner, name);
}

char *store_make_text_path(const char *store_dir, const char *name, const Hash *h,
                           const char *const *refs, size_t nrefs)
{
    return make_typed_path(store_dir, "text", refs, nrefs, false, h, name, 0);
}

char *store_make_text_path_eq(const char *store_dir, const char *name, const Hash *h,
                              const char *const *refs, size_t nrefs)
{
    return make_typed_path(store_dir, "text", refs, nrefs, false, h, name, '=');
}

char *store_text_path_for(const char *store_dir, const char *name, const char *s, size_t len,
                          const char *const *refs, size_t nrefs)
{
    Hash h;
    hash_buf(HASH_SHA256, s, len, &h);
    return store_make_text_path(store_dir, name, &h, refs, nrefs);
}

char *store_hash_placeholder(const char *output)
{
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "nix-output:%s", output);
    Hash h;
    hash_buf(HASH_SHA256, sb.data, sb.len, &h);
    char *r = GC_MALLOC_ATOMIC(hash_nix32_len(32) + 2);
    r[0] = '/';
    hash_nix32_encode(h.bytes, 32, r + 1);
    return r;
}

void store_upstream_output_hash(const char *store_dir, const char *drv_path, const char *id,
                                Hash *out)
{
    /* drv_path is a checked store path (store_is_store_path); guard anyway. */
    size_t sl = strlen(store_dir);
    const char *base = strncmp(drv_path, store_dir, sl) == 0 && drv_path[sl] == '/' ? drv_path + sl + 1 : drv_path;
    if (strlen(base) < STORE_HASH_LEN + 1)
        base = "00000000000000000000000000000000-";
    const char *name = base + STORE_HASH_LEN + 1;
    size_t nl = strlen(name);
    if (nl >= 4 && strcmp(name + nl - 4, ".drv") == 0)
        nl -= 4;
    char *drv_name = GC_MALLOC_ATOMIC(nl + 1);
    memcpy(drv_name, name, nl);
    drv_name[nl] = 0;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "nix-upstream-output:%.*s:%s", STORE_HASH_LEN, base,
              store_output_path_name(drv_name, id));
    hash_buf(HASH_SHA256, sb.data, sb.len, out);
}

void store_computed_output_hash(const Hash *inner, const char *id, Hash *out)
{
    uint8_t c[20];
    hash_compress(inner, c, 20);
    char enc[64];
    size_t n = hash_nix32_encode(c, 20, enc);
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "nix-computed-output:%.*s:%s", (int)n, enc, id);
    hash_buf(HASH_SHA256, sb.data, sb.len, out);
}

char *store_render_placeholder(const Hash *h)
{
    char *r = GC_MALLOC_ATOMIC(hash_nix32_len(h->len) + 2);
    r[0] = '/';
    size_t n = hash_nix32_encode(h->bytes, h->len, r + 1);
    r[n + 1] = 0;
    return r;
}

static bool hash_part_ok_char(char c)
{
    return !(c == 'e' || c == 'o' || c == 'u' || c == 't') &&
           ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
}

static bool hash_part_ok(const char *p)
{
    for (int i = 0; i < STORE_HASH_LEN; i++)
        if (!hash_part_ok_char(p[i]))
            return false;
    return true;
}

/* Base name of path if it lies directly in store_dir, else NULL. */
static const char *base_in_store(const char *store_dir, const char *path)
{
    size_t n = strlen(store_dir);
    if (strncmp(path, store_dir, n) != 0 || path[n] != '/')
        return NULL;
    return path + n + 1;
}

const char *store_parse_path(const char *store_dir, const char *path)
{
    if (!*path)
        return "empty path is not a valid store path";
    const char *base = base_in_store(store_dir, path);
    if (!base || strchr(base, '/') || !*base)
        return msg("path '%s' is not in the Nix store", path);
    size_t blen = strlen(base);
    if (blen < STORE_HASH_LEN + 1)
        return msg("'%s' is too short to be a valid store path", base);
    if (base[STORE_HASH_LEN] != '-')
        return msg("'%s' can't name a store path because the hash part is not followed by a '-'", base);
    if (!hash_part_ok(base))
        for (int i = 0; i < STORE_HASH_LEN; i++)
            if (!hash_part_ok_char(base[i]))
                return msg("store path '%s' contains illegal base-32 character '%c'", base, base[i]);
    const char *e = store_check_name(base + STORE_HASH_LEN + 1, blen - STORE_HASH_LEN - 1);
    if (e)
        return msg("path '%s' is not a valid store path: %s", base, e);
    return NULL;
}

bool store_is_store_path(const char *store_dir, const char *path)
{
    return store_parse_path(store_dir, path) == NULL;
}

bool store_is_in_store(const char *store_dir, const char *path)
{
    const char *b = base_in_store(store_dir, path);
    return b && *b;
}

char *store_to_store_path(const char *store_dir, const char *path)
{
    const char *b = base_in_store(store_dir, path);
    if (!b || !*b)
        return NULL;
    const char *slash = strchr(b, '/');
    size_t n = slash ? (size_t)(slash - path) : strlen(path);
    char *r = GC_MALLOC_ATOMIC(n + 1);
    memcpy(r, path, n);
    r[n] = 0;
    return r;
}

const char *store_path_name(const char *store_dir, const char *path)
{
    const char *b = base_in_store(store_dir, path);
    if (!b || strlen(b) < STORE_HASH_LEN + 1)
        return b ? b : path;
    return b + STORE_HASH_LEN + 1;
}
