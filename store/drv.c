/* Store derivations: ATerm printing and parsing, hashDerivationModulo, output paths. */
#include "store/drv.h"

#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/path.h"
#include "util/strbuf.h"

/* ---------- normalisation ---------- */

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_output(const void *a, const void *b)
{
    return strcmp(((const DrvOutput *)a)->name, ((const DrvOutput *)b)->name);
}

static int cmp_input(const void *a, const void *b)
{
    return strcmp(((const DrvInput *)a)->drv_path, ((const DrvInput *)b)->drv_path);
}

/* Stable on equal keys so that "later wins" can be applied after sorting. */
static int cmp_env(const void *a, const void *b)
{
    const DrvEnvVar *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x < y ? -1 : x > y);
}

static uint32_t sort_unique_strs(const char **v, uint32_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, cmp_cstr);
    uint32_t k = 1;
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    return k;
}

/* Sorts inputs by path and merges entries for the same path (union of outputs). */
static uint32_t merge_inputs(DrvInput *in, uint32_t n)
{
    if (n == 0)
        return 0;
    qsort(in, n, sizeof *in, cmp_input);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (k && strcmp(in[k - 1].drv_path, in[i].drv_path) == 0) {
            DrvInput *t = &in[k - 1];
            const char **o = GC_MALLOC((t->noutputs + in[i].noutputs) * sizeof *o);
            /* An input with no outputs has outputs == NULL: memcpy must not see it. */
            if (t->noutputs)
                memcpy(o, t->outputs, t->noutputs * sizeof *o);
            if (in[i].noutputs)
                memcpy(o + t->noutputs, in[i].outputs, in[i].noutputs * sizeof *o);
            t->outputs = o;
            t->noutputs = sort_unique_strs(o, t->noutputs + in[i].noutputs);
        } else {
            in[k] = in[i];
            if (in[k].noutputs > 1) { /* sorted in a copy: the array may be shared */
                const char **o = GC_MALLOC(in[k].noutputs * sizeof *o);
                memcpy(o, in[k].outputs, in[k].noutputs * sizeof *o);
                in[k].outputs = o;
                in[k].noutputs = sort_unique_strs(o, in[k].noutputs);
            }
            k++;
        }
    }
    return k;
}

void drv_normalise(Derivation *d)
{
    if (d->noutputs > 1)
        qsort(d->outputs, d->noutputs, sizeof *d->outputs, cmp_output);
    d->ninputs = merge_inputs(d->inputs, d->ninputs);
    d->nsrcs = sort_unique_strs(d->srcs, d->nsrcs);
    if (d->nenv > 1) {
        if (d->nenv <= 64) {
            /* Insertion sort (stable, so later duplicates stay later): environments come
             * mostly sorted already (attributes by name, then the outputs). */
            for (uint32_t i = 1; i < d->nenv; i++) {
                DrvEnvVar x = d->env[i];
                uint32_t j = i;
                while (j > 0 && strcmp(d->env[j - 1].key, x.key) > 0) {
                    d->env[j] = d->env[j - 1];
                    j--;
                }
                d->env[j] = x;
            }
        } else {
            qsort(d->env, d->nenv, sizeof *d->env, cmp_env);
        }
        uint32_t k = 0;
        for (uint32_t i = 0; i < d->nenv; i++) {
            if (k && strcmp(d->env[k - 1].key, d->env[i].key) == 0)
                d->env[k - 1] = d->env[i];
            else
                d->env[k++] = d->env[i];
        }
        d->nenv = k;
    }
}

bool drv_is_fixed_output(const Derivation *d)
{
    return d->noutputs == 1 && strcmp(d->outputs[0].name, "out") == 0 && d->outputs[0].hash[0];
}

const char *drv_env_get(const Derivation *d, const char *key)
{
    uint32_t lo = 0, hi = d->nenv;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = strcmp(d->env[mid].key, key);
        if (c == 0)
            return d->env[mid].value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---------- printing ---------- */

/* ATerm output goes either to a StrBuf or, through a small buffer, straight into a
 * sha256 context: hashing a derivation then allocates nothing. */
typedef struct AOut {
    StrBuf *sb;
    HashCtx *hc;
    size_t n;
    char buf[4096];
} AOut;

static void ao_flush(AOut *o)
{
    if (o->n) {
        hash_update(o->hc, o->buf, o->n);
        o->n = 0;
    }
}

static void ao_add_slow(AOut *o, const char *s, size_t n)
{
    if (o->sb) {
        sb_add(o->sb, s, n);
        return;
    }
    ao_flush(o);
    if (n > sizeof o->buf) {
        hash_update(o->hc, s, n);
        return;
    }
    memcpy(o->buf, s, n);
    o->n = n;
}

static inline void ao_add(AOut *o, const char *s, size_t n)
{
    if (!o->sb && o->n + n <= sizeof o->buf) {
        memcpy(o->buf + o->n, s, n);
        o->n += n;
    } else {
        ao_add_slow(o, s, n);
    }
}

static inline void ao_putc(AOut *o, char c)
{
    if (!o->sb && o->n < sizeof o->buf)
        o->buf[o->n++] = c;
    else
        ao_add_slow(o, &c, 1);
}

static void ao_puts(AOut *o, const char *s) { ao_add(o, s, strlen(s)); }

static void put_string(AOut *o, const char *s)
{
    size_t n = strcspn(s, "\"\\\n\r\t"); /* vectorised in glibc */
    ao_putc(o, '"');
    ao_add(o, s, n);
    for (const char *p = s + n; *p;) {
        char esc = *p == '\n' ? 'n' : *p == '\r' ? 'r' : *p == '\t' ? 't' : *p;
        char two[2] = {'\\', esc};
        ao_add(o, two, 2);
        p++;
        size_t m = strcspn(p, "\"\\\n\r\t");
        ao_add(o, p, m);
        p += m;
    }
    ao_putc(o, '"');
}

static void put_strings(AOut *o, const char *const *v, uint32_t n)
{
    ao_putc(o, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            ao_putc(o, ',');
        put_string(o, v[i]);
    }
    ao_putc(o, ']');
}

static bool is_output_name(const Derivation *d, const char *key)
{
    for (uint32_t i = 0; i < d->noutputs; i++)
        if (strcmp(d->outputs[i].name, key) == 0)
            return true;
    return false;
}

static void unparse(AOut *o, const Derivation *d, bool mask_outputs, const DrvInput *inputs,
                    uint32_t ninputs)
{
    ao_puts(o, "Derive([");
    for (uint32_t i = 0; i < d->noutputs; i++) {
        const DrvOutput *out = &d->outputs[i];
        if (i)
            ao_putc(o, ',');
        ao_putc(o, '(');
        put_string(o, out->name);
        ao_putc(o, ',');
        put_string(o, mask_outputs ? "" : out->path);
        ao_putc(o, ',');
        put_string(o, out->hash_algo);
        ao_putc(o, ',');
        put_string(o, out->hash);
        ao_putc(o, ')');
    }
    ao_puts(o, "],[");
    if (!inputs) {
        inputs = d->inputs;
        ninputs = d->ninputs;
    }
    for (uint32_t i = 0; i < ninputs; i++) {
        if (i)
            ao_putc(o, ',');
        ao_putc(o, '(');
        put_string(o, inputs[i].drv_path);
        ao_putc(o, ',');
        put_strings(o, inputs[i].outputs, inputs[i].noutputs);
        ao_putc(o, ')');
    }
    ao_puts(o, "],");
    put_strings(o, d->srcs, d->nsrcs);
    ao_putc(o, ',');
    put_string(o, d->platform);
    ao_putc(o, ',');
    put_string(o, d->builder);
    ao_putc(o, ',');
    put_strings(o, d->args, d->nargs);
    ao_puts(o, ",[");
    for (uint32_t i = 0; i < d->nenv; i++) {
        if (i)
            ao_putc(o, ',');
        ao_putc(o, '(');
        put_string(o, d->env[i].key);
        ao_putc(o, ',');
        put_string(o, mask_outputs && is_output_name(d, d->env[i].key) ? "" : d->env[i].value);
        ao_putc(o, ')');
    }
    ao_puts(o, "])");
}

char *drv_unparse(const Derivation *d, bool mask_outputs, const DrvInput *inputs, uint32_t ninputs,
                  size_t *len)
{
    StrBuf sb;
    sb_init(&sb);
    sb_reserve(&sb, 1024);
    AOut o = {.sb = &sb};
    unparse(&o, d, mask_outputs, inputs, ninputs);
    if (len)
        *len = sb.len;
    return sb_finish(&sb);
}

/* sha256 of the ATerm, without building it. */
static void hash_unparse(const Derivation *d, bool mask_outputs, const DrvInput *inputs,
                         uint32_t ninputs, Hash *out)
{
    HashCtx hc;
    hash_init(&hc, HASH_SHA256);
    AOut o; /* 4 KiB on the stack: this is a leaf */
    o.sb = NULL;
    o.hc = &hc;
    o.n = 0;
    unparse(&o, d, mask_outputs, inputs, ninputs);
    ao_flush(&o);
    hash_final(&hc, out);
}

/* ---------- parsing ---------- */

typedef struct AParser {
    const char *p, *end;
    const char *err;
} AParser;

static bool a_fail(AParser *ps, const char *what)
{
    if (!ps->err) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "error parsing derivation: expected %s at offset %ld", what,
                  (long)(ps->end - ps->p));
        ps->err = sb_finish(&sb);
    }
    return false;
}

static bool a_lit(AParser *ps, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, s, n) != 0)
        return a_fail(ps, s);
    ps->p += n;
    return true;
}

static bool a_peek(AParser *ps, char c) { return ps->p < ps->end && *ps->p == c; }

static bool a_string(AParser *ps, const char **out)
{
    if (!a_peek(ps, '"'))
        return a_fail(ps, "'\"'");
    ps->p++;
    const char *start = ps->p;
    size_t n = 0;
    bool simple = true;
    for (const char *q = start;; q++) {
        if (q >= ps->end)
            return a_fail(ps, "end of string");
        if (*q == '"')
            break;
        if (*q == '\\') {
            simple = false;
            q++;
            if (q >= ps->end)
                return a_fail(ps, "end of string");
        }
        n++;
    }
    char *r = GC_MALLOC_ATOMIC(n + 1);
    if (simple) {
        memcpy(r, start, n);
        ps->p = start + n + 1;
    } else {
        size_t k = 0;
        const char *q = start;
        while (*q != '"') {
            char c = *q++;
            if (c == '\\') {
                c = *q++;
                c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
            }
            r[k++] = c;
        }
        ps->p = q + 1;
    }
    r[n] = 0;
    if (memchr(r, 0, n))
        return a_fail(ps, "a string without NUL");
    *out = r;
    return true;
}

/* A growable GC array of pointers-or-structs, element size sz. */
typedef struct Vec {
    void *data;
    uint32_t n, cap;
    size_t sz;
} Vec;

static void *vec_push(Vec *v)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 4;
        void *nd = GC_MALLOC(v->cap * v->sz);
        if (v->n)
            memcpy(nd, v->data, v->n * v->sz);
        v->data = nd;
    }
    return (char *)v->data + v->sz * v->n++;
}

/* '[' string, ... ']' */
static bool a_strings(AParser *ps, const char ***out, uint32_t *n)
{
    Vec v = {.sz = sizeof(char *)};
    if (!a_lit(ps, "["))
        return false;
    while (!a_peek(ps, ']')) {
        if (v.n && !a_lit(ps, ","))
            return false;
        if (!a_string(ps, (const char **)vec_push(&v)))
            return false;
    }
    ps->p++;
    *out = v.data;
    *n = v.n;
    return true;
}

const char *drv_parse(const char *text, size_t len, const char *name, Derivation *out)
{
    AParser ps = {text, text + len, NULL};
    memset(out, 0, sizeof *out);
    out->name = name;
    Vec outs = {.sz = sizeof(DrvOutput)}, ins = {.sz = sizeof(DrvInput)}, env = {.sz = sizeof(DrvEnvVar)};
    if (!a_lit(&ps, "Derive(["))
        return ps.err;
    while (!a_peek(&ps, ']')) {
        if (outs.n && !a_lit(&ps, ","))
            return ps.err;
        DrvOutput *o = vec_push(&outs);
        if (!a_lit(&ps, "(") || !a_string(&ps, &o->name) || !a_lit(&ps, ",") ||
            !a_string(&ps, &o->path) || !a_lit(&ps, ",") || !a_string(&ps, &o->hash_algo) ||
            !a_lit(&ps, ",") || !a_string(&ps, &o->hash) || !a_lit(&ps, ")"))
            return ps.err;
    }
    if (!a_lit(&ps, "],["))
        return ps.err;
    while (!a_peek(&ps, ']')) {
        if (ins.n && !a_lit(&ps, ","))
            return ps.err;
        DrvInput *in = vec_push(&ins);
        if (!a_lit(&ps, "(") || !a_string(&ps, &in->drv_path) || !a_lit(&ps, ",") ||
            !a_strings(&ps, &in->outputs, &in->noutputs) || !a_lit(&ps, ")"))
            return ps.err;
    }
    if (!a_lit(&ps, "],") || !a_strings(&ps, &out->srcs, &out->nsrcs) || !a_lit(&ps, ",") ||
        !a_string(&ps, &out->platform) || !a_lit(&ps, ",") || !a_string(&ps, &out->builder) ||
        !a_lit(&ps, ",") || !a_strings(&ps, &out->args, &out->nargs) || !a_lit(&ps, ",["))
        return ps.err;
    while (!a_peek(&ps, ']')) {
        if (env.n && !a_lit(&ps, ","))
            return ps.err;
        DrvEnvVar *e = vec_push(&env);
        if (!a_lit(&ps, "(") || !a_string(&ps, &e->key) || !a_lit(&ps, ",") ||
            !a_string(&ps, &e->value) || !a_lit(&ps, ")"))
            return ps.err;
    }
    if (!a_lit(&ps, "])"))
        return ps.err;
    if (ps.p != ps.end)
        return "error parsing derivation: trailing data";
    out->outputs = outs.data;
    out->noutputs = outs.n;
    out->inputs = ins.data;
    out->ninputs = ins.n;
    out->env = env.data;
    out->nenv = env.n;
    drv_normalise(out);
    return NULL;
}

/* ---------- the cache and hashDerivationModulo ---------- */

/* A cached derivation (GC memory): for the ones created by evaluation, a skeleton in
 * one block (see cache_skeleton). */
typedef struct DrvNode {
    Derivation d;
    uint8_t modulo[32]; /* sha256 hashDerivationModulo(d, mask=false) */
    bool has_modulo;
} DrvNode;

typedef struct DrvEntry {
    uint64_t key_hash;
    const char *path;
    DrvNode *node;
} DrvEntry;

struct DrvCache {
    DrvEntry *slots; /* malloc'd, registered as a GC root */
    uint32_t cap, used;
    DrvLoader loader;
    void *loader_ctx;
};

/* The slot table lives outside the GC heap (growing it makes no garbage) but is a
 * root, since it holds the only pointers to cached derivations. */
static DrvEntry *slots_alloc(uint32_t cap)
{
    DrvEntry *s = calloc(cap, sizeof *s);
    if (!s)
        abort();
    GC_add_roots(s, s + cap);
    return s;
}

static void slots_free(DrvEntry *s, uint32_t cap)
{
    GC_remove_roots(s, s + cap);
    free(s);
}

DrvCache *drv_cache_new(DrvLoader loader, void *loader_ctx)
{
    DrvCache *c = GC_MALLOC_UNCOLLECTABLE(sizeof *c);
    c->cap = 1024;
    c->slots = slots_alloc(c->cap);
    c->loader = loader;
    c->loader_ctx = loader_ctx;
    return c;
}

/* Keys are store paths, whose first characters after the last '/' are already random:
 * hashing a dozen of them is enough. */
static uint64_t str_hash(const char *s)
{
    const char *slash = strrchr(s, '/');
    if (slash)
        s = slash + 1;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 12 && *s; i++, s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h ^ (h >> 29);
}

static DrvEntry *cache_slot_h(DrvCache *c, const char *path, uint64_t h)
{
    uint32_t mask = c->cap - 1, i = (uint32_t)h & mask;
    while (c->slots[i].path && (c->slots[i].key_hash != h || strcmp(c->slots[i].path, path) != 0))
        i = (i + 1) & mask;
    return &c->slots[i];
}

static DrvEntry *cache_slot(DrvCache *c, const char *path)
{
    return cache_slot_h(c, path, str_hash(path));
}

static DrvEntry *cache_insert(DrvCache *c, const char *path)
{
    if ((c->used + 1) * 2 > c->cap) { /* at most half full: short probes (each a cache miss) */
        DrvEntry *old = c->slots;
        uint32_t oldcap = c->cap;
        c->cap *= 2;
        c->slots = slots_alloc(c->cap);
        for (uint32_t i = 0; i < oldcap; i++)
            if (old[i].path)
                *cache_slot_h(c, old[i].path, old[i].key_hash) = old[i];
        slots_free(old, oldcap);
    }
    uint64_t h = str_hash(path);
    DrvEntry *e = cache_slot_h(c, path, h);
    if (!e->path) {
        e->path = path;
        e->key_hash = h;
        c->used++;
    }
    return e;
}

static DrvEntry *cache_load(DrvCache *c, const char *drv_path, const char **err)
{
    DrvEntry *e = cache_slot(c, drv_path);
    if (e->path && e->node)
        return e;
    if (!c->loader) {
        *err = "derivation not known and no store to read it from";
        return NULL;
    }
    size_t len = 0;
    char *text = c->loader(c->loader_ctx, drv_path, &len, err);
    if (!text)
        return NULL;
    DrvNode *node = GC_MALLOC(sizeof *node);
    Derivation *d = &node->d;
    const char *slash = strrchr(drv_path, '/');
    const char *base = slash ? slash + 1 : drv_path;
    size_t bl = strlen(base);
    const char *name = base;
    if (bl > STORE_HASH_LEN + 1 + 4) {
        size_t nl = bl - STORE_HASH_LEN - 1 - 4;
        char *nm = GC_MALLOC_ATOMIC(nl + 1);
        memcpy(nm, base + STORE_HASH_LEN + 1, nl);
        nm[nl] = 0;
        name = nm;
    }
    const char *pe = drv_parse(text, len, name, d);
    if (pe) {
        *err = pe;
        return NULL;
    }
    size_t pl = strlen(drv_path);
    char *key = GC_MALLOC_ATOMIC(pl + 1);
    memcpy(key, drv_path, pl + 1);
    e = cache_insert(c, key);
    e->node = node;
    return e;
}

const Derivation *drv_cache_get(DrvCache *c, const char *drv_path, const char **err)
{
    DrvEntry *e = cache_load(c, drv_path, err);
    return e ? &e->node->d : NULL;
}

static int cmp_input_key(const void *a, const void *b) { return cmp_input(a, b); }

static const char *hash_modulo_rec(DrvCache *c, const Derivation *d, bool mask, Hash *out, int depth);

static const char *entry_modulo(DrvCache *c, DrvEntry *e, int depth)
{
    if (e->node->has_modulo)
        return NULL;
    Hash h;
    const char *err = hash_modulo_rec(c, &e->node->d, false, &h, depth + 1);
    if (!err) {
        memcpy(e->node->modulo, h.bytes, 32);
        e->node->has_modulo = true;
    }
    return err;
}

static void fixed_output_hash(const Derivation *d, Hash *out)
{
    const DrvOutput *o = &d->outputs[0];
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "fixed:out:%s:%s:%s", o->hash_algo, o->hash, o->path);
    hash_buf(HASH_SHA256, sb.data, sb.len, out);
}

/* The inputs of d with each .drv path replaced by the base16 of its modulo hash, sorted
 * and merged as a map keyed by that hash. *scratch (malloc'd, caller frees) holds the
 * array unless merging was needed, in which case *use is a GC array. */
static const char *resolve_inputs(DrvCache *c, const Derivation *d, int depth, DrvInput **scratch,
                                  DrvInput **use, uint32_t *n)
{
    /* Scratch memory outside the GC heap: this runs for every derivation. The output-name
     * arrays pointed to stay reachable through d. */
    DrvInput *ins = d->ninputs ? malloc(d->ninputs * (sizeof *ins + 2 * HASH_MAX_SIZE + 1)) : NULL;
    *scratch = ins;
    char *hexes = ins ? (char *)(ins + d->ninputs) : NULL;
    for (uint32_t i = 0; i < d->ninputs; i++) {
        const char *err = NULL;
        DrvEntry *e = cache_load(c, d->inputs[i].drv_path, &err);
        if (e)
            err = entry_modulo(c, e, depth);
        if (err)
            return err;
        char *hex = hexes + i * (2 * HASH_MAX_SIZE + 1);
        hash_base16_encode(e->node->modulo, 32, hex);
        ins[i].drv_path = hex;
        ins[i].outputs = d->inputs[i].outputs;
        ins[i].noutputs = d->inputs[i].noutputs;
    }
    /* Two inputs may share a modulo hash (equal fixed outputs): merge them like a map,
     * in GC memory since merging allocates. */
    *n = d->ninputs;
    *use = ins;
    if (*n > 1) {
        qsort(ins, *n, sizeof *ins, cmp_input_key);
        bool dup = false;
        for (uint32_t i = 1; i < *n; i++)
            dup |= strcmp(ins[i - 1].drv_path, ins[i].drv_path) == 0;
        if (dup) {
            DrvInput *g = GC_MALLOC(*n * sizeof *g);
            memcpy(g, ins, *n * sizeof *g);
            *n = merge_inputs(g, *n);
            *use = g;
        }
    }
    return NULL;
}

static const char *hash_modulo_rec(DrvCache *c, const Derivation *d, bool mask, Hash *out, int depth)
{
    if (depth > 100000)
        return "derivation dependency chain too deep";
    if (drv_is_fixed_output(d)) {
        fixed_output_hash(d, out);
        return NULL;
    }
    DrvInput *scratch = NULL, *use = NULL;
    uint32_t n = 0;
    const char *err = resolve_inputs(c, d, depth, &scratch, &use, &n);
    if (!err)
        hash_unparse(d, mask, use, n, out);
    free(scratch);
    return err;
}

const char *drv_hash_modulo(DrvCache *c, const Derivation *d, bool mask_outputs, Hash *out)
{
    return hash_modulo_rec(c, d, mask_outputs, out, 0);
}

static void fill_paths(Derivation *d, const Hash *h, const char *store_dir);
static void cache_skeleton(DrvCache *c, const char *drv_path, const Derivation *d, const Hash *h);

const char *drv_fill_output_paths(DrvCache *c, Derivation *d, const char *store_dir)
{
    Hash h;
    const char *err = drv_hash_modulo(c, d, true, &h);
    if (err)
        return err;
    fill_paths(d, &h, store_dir);
    return NULL;
}

static void fill_paths(Derivation *d, const Hash *h, const char *store_dir)
{
    for (uint32_t i = 0; i < d->noutputs; i++) {
        DrvOutput *o = &d->outputs[i];
        o->path = store_make_output_path(store_dir, o->name, h, d->name);
        for (uint32_t j = 0; j < d->nenv; j++)
            if (strcmp(d->env[j].key, o->name) == 0)
                d->env[j].value = o->path;
    }
}

/* Keeps what dependents need (outputs, inputs, sources; no environment or arguments, so
 * that a big evaluation does not retain every one) in a single allocation. */
static void cache_skeleton(DrvCache *c, const char *drv_path, const Derivation *d, const Hash *h)
{
    size_t nout_names = 0;
    for (uint32_t i = 0; i < d->ninputs; i++)
        nout_names += d->inputs[i].noutputs;
    size_t size = sizeof(DrvNode) + d->noutputs * sizeof(DrvOutput) + d->ninputs * sizeof(DrvInput) +
                  (d->nsrcs + nout_names) * sizeof(const char *);
    DrvNode *node = GC_MALLOC(size);
    char *p = (char *)(node + 1);
    Derivation *sk = &node->d;
    sk->name = d->name;
    sk->builder = sk->platform = "";
    sk->outputs = (DrvOutput *)p;
    sk->noutputs = d->noutputs;
    if (d->noutputs) /* (arrays may be NULL when empty) */
        memcpy(sk->outputs, d->outputs, d->noutputs * sizeof(DrvOutput));
    p += d->noutputs * sizeof(DrvOutput);
    sk->inputs = (DrvInput *)p;
    sk->ninputs = d->ninputs;
    p += d->ninputs * sizeof(DrvInput);
    const char **names = (const char **)p;
    for (uint32_t i = 0; i < d->ninputs; i++) {
        sk->inputs[i] = d->inputs[i];
        sk->inputs[i].outputs = names;
        if (d->inputs[i].noutputs)
            memcpy(names, d->inputs[i].outputs, d->inputs[i].noutputs * sizeof *names);
        names += d->inputs[i].noutputs;
    }
    sk->srcs = names;
    sk->nsrcs = d->nsrcs;
    if (d->nsrcs)
        memcpy(names, d->srcs, d->nsrcs * sizeof *names);
    memcpy(node->modulo, h->bytes, 32);
    node->has_modulo = true;
    DrvEntry *e = cache_insert(c, drv_path);
    e->node = node;
}

const char *drv_finish(DrvCache *c, Derivation *d, const char *store_dir, bool fill_outputs,
                       const char **drv_path)
{
    Hash h;
    if (drv_is_fixed_output(d)) {
        *drv_path = drv_store_path(d, store_dir, NULL, NULL);
        fixed_output_hash(d, &h);
        cache_skeleton(c, *drv_path, d, &h);
        return NULL;
    }
    /* The inputs are resolved once for both hashes. */
    DrvInput *scratch = NULL, *use = NULL;
    uint32_t n = 0;
    const char *err = resolve_inputs(c, d, 0, &scratch, &use, &n);
    if (err) {
        free(scratch);
        return err;
    }
    if (fill_outputs) {
        /* Output paths and their variables are still "", so the masked ATerm is d's own. */
        hash_unparse(d, false, use, n, &h);
        fill_paths(d, &h, store_dir);
    }
    *drv_path = drv_store_path(d, store_dir, NULL, NULL);
    hash_unparse(d, false, use, n, &h);
    free(scratch);
    cache_skeleton(c, *drv_path, d, &h);
    return NULL;
}

const char **drv_references(const Derivation *d, size_t *n)
{
    const char **refs = GC_MALLOC((d->nsrcs + d->ninputs + 1) * sizeof *refs);
    size_t k = 0;
    for (uint32_t i = 0; i < d->nsrcs; i++)
        refs[k++] = d->srcs[i];
    for (uint32_t i = 0; i < d->ninputs; i++)
        refs[k++] = d->inputs[i].drv_path;
    *n = k;
    return refs;
}

/* The path d is written to, given the sha256 h of its ATerm. */
static char *drv_path_for(const Derivation *d, const char *store_dir, const Hash *h)
{
    size_t nrefs = d->nsrcs + d->ninputs;
    const char *refs_inl[32], **refs = nrefs <= 32 ? refs_inl : malloc(nrefs * sizeof *refs);
    if (!refs)
        abort();
    for (uint32_t i = 0; i < d->nsrcs; i++)
        refs[i] = d->srcs[i];
    for (uint32_t i = 0; i < d->ninputs; i++)
        refs[d->nsrcs + i] = d->inputs[i].drv_path;
    size_t nl = strlen(d->name);
    char nm_inl[256], *nm = nl + 5 <= sizeof nm_inl ? nm_inl : GC_MALLOC_ATOMIC(nl + 5);
    memcpy(nm, d->name, nl);
    memcpy(nm + nl, ".drv", 5);
    char *r = store_make_text_path_eq(store_dir, nm, h, refs, nrefs);
    if (refs != refs_inl)
        free(refs);
    return r;
}

char *drv_store_path(const Derivation *d, const char *store_dir, char **text, size_t *text_len)
{
    Hash h;
    if (text || text_len) {
        size_t len;
        char *t = drv_unparse(d, false, NULL, 0, &len);
        hash_buf(HASH_SHA256, t, len, &h);
        if (text)
            *text = t;
        if (text_len)
            *text_len = len;
    } else {
        hash_unparse(d, false, NULL, 0, &h);
    }
    return drv_path_for(d, store_dir, &h);
}
