/* Primop family bi_derivation: derivationStrict and the `derivation` wrapper, placeholder,
 * toFile, path, filterSource, storePath, and writing .drv closures for nix-instantiate. */
#include "builtins/derivation.h"

#include <errno.h>
#include <gc/gc.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/builtins.h"
#include "primops/json.h"
#include "store/drv.h"
#include "store/gc.h"
#include "store/local.h"
#include "store/path.h"
#include "util/strbuf.h"
#include "util/strmap.h"

void bi_empty_hash(EvalState *st, HashAlgo algo, Hash *out)
{
    memset(out, 0, sizeof *out);
    out->algo = algo;
    out->len = (uint32_t)hash_algo_size(algo);
    /* CppNix's plain warn(): no position */
    eval_print_warning(st, sb_fmt("found empty hash, assuming '%s'", hash_to_string(out, HASH_FMT_SRI, true)), 0);
}

/* ---------- per-state store data ---------- */

/* The references of a text file made by toFile (for closures of derivations in
 * read-only evaluation, where nothing reaches the store database). */
typedef struct TextRefs {
    const char **refs;
    size_t nrefs;
} TextRefs;

typedef struct BiStore {
    LocalStore *ls;
    DrvCache *drvs;
    StrMap text_refs;  /* store path -> TextRefs */
    StrMap src_cache;  /* source path -> store path ("${./file}") */
    Value *derivation; /* the `derivation` lambda once loaded */
    struct Store *store; /* given to bi_open_all */
    bool writable;     /* write .drv files and sources (nix-instantiate without --eval) */
} BiStore;

static const char *store_dir_of(EvalState *st)
{
    return st->settings.store_dir && *st->settings.store_dir ? st->settings.store_dir
                                                             : store_default_dir();
}

/* Uncollectable: st->store may live in memory the collector does not scan. */
static BiStore *bis(EvalState *st)
{
    if (!st->store) {
        BiStore *b = GC_MALLOC_UNCOLLECTABLE(sizeof *b);
        b->ls = store_open(store_dir_of(st));
        b->drvs = drv_cache_new(store_drv_loader, b->ls);
        st->store = b;
    }
    return st->store;
}

/* Exact-size formatting: no growth garbage (this runs per derivation). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *r = GC_MALLOC_ATOMIC((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(r, (size_t)n + 1, f, ap);
    va_end(ap);
    return r;
}

/* a + b + c, exactly sized */
static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *r = GC_MALLOC_ATOMIC(la + lb + lc + 1);
    memcpy(r, a, la);
    memcpy(r + la, b, lb);
    memcpy(r + la + lb, c, lc + 1);
    return r;
}

static Symbol sym(EvalState *st, const char *s) { return sym_intern_cstr(st->symbols, s); }

static const char *pos_str(EvalState *st, PosIdx p)
{
    Pos pos = pos_get(st->positions, p);
    if (!pos.src)
        return "«none»";
    const char *where = pos.src->kind == SRC_FILE     ? pos.src->path
                        : pos.src->kind == SRC_STRING ? "«string»"
                        : pos.src->kind == SRC_STDIN  ? "«stdin»"
                                                      : "«none»";
    return fmt("%s:%u:%u", where, pos.line, pos.col);
}

static void xp_require(EvalState *st, PosIdx pos, const char *feature)
{
    if (!eval_feature_enabled(&st->settings, feature))
        eval_error(st, ERR_EVAL, pos,
                   "experimental Nix feature '%s' is disabled; add '--extra-experimental-features %s' to enable it",
                   feature, feature);
}

/* A warning about one attribute of a derivation, traced like CppNix's. */
static void warn_attr(EvalState *st, PosIdx pos, const char *drv_name, const char *msg)
{
    EvalError w = {.kind = ERR_EVAL, .msg = msg, .pos = pos};
    TraceEntry *t = GC_MALLOC(sizeof *t);
    t->pos = 0;
    t->msg = fmt("while evaluating derivation '%s'", drv_name);
    w.trace = t;
    w.ntrace = 1;
    eval_print_warning_traced(st, &w, stderr);
}

/* ---------- growable arrays ---------- */

/* Starts in inline storage (these live on the C stack, which the collector scans), so
 * short vectors make no garbage; pv_finish gives a GC copy that may outlive it. */
typedef struct PtrVec {
    const char **v;
    size_t n, cap;
    const char *inl[8];
} PtrVec;

static void pv_push(PtrVec *p, const char *s)
{
    if (!p->v) {
        p->v = p->inl;
        p->cap = 8;
    }
    if (p->n == p->cap) {
        p->cap *= 2;
        const char **nv = GC_MALLOC(p->cap * sizeof *nv);
        memcpy(nv, p->v, p->n * sizeof *nv);
        p->v = nv;
    }
    p->v[p->n++] = s;
}

static const char **pv_finish(PtrVec *p)
{
    if (p->v != p->inl)
        return p->v;
    const char **r = GC_MALLOC((p->n ? p->n : 1) * sizeof *r);
    memcpy(r, p->v, p->n * sizeof *r);
    return r;
}

static void pv_add_ctx(PtrVec *p, const StrContext *c)
{
    for (uint32_t i = 0; c && i < c->n; i++)
        pv_push(p, c->elems[i]);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void pv_sort_unique(PtrVec *p)
{
    if (p->n < 2)
        return;
    qsort(p->v, p->n, sizeof *p->v, cmp_cstr);
    size_t k = 1;
    for (size_t i = 1; i < p->n; i++)
        if (strcmp(p->v[i], p->v[k - 1]) != 0)
            p->v[k++] = p->v[i];
    p->n = k;
}

/* ---------- closures ---------- */

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* The references of a store path we know of: a derivation in the cache, a pending
 * object, or a valid path in the database. */
static const char **refs_of(EvalState *st, const char *path, size_t *n)
{
    BiStore *b = bis(st);
    *n = 0;
    if (has_suffix(path, ".drv")) {
        const char *err = NULL;
        const Derivation *d = drv_cache_get(b->drvs, path, &err);
        if (d)
            return drv_references(d, n);
    }
    TextRefs *t = strmap_get(&b->text_refs, path);
    if (t) {
        *n = t->nrefs;
        return t->refs;
    }
    return store_query_references(b->ls, path, n);
}

/* computeFSClosure over what we know; appends to out (unsorted, may repeat). */
static void closure(EvalState *st, const char *path, StrMap *seen, PtrVec *out)
{
    PtrVec todo = {0};
    pv_push(&todo, path);
    while (todo.n) {
        const char *p = todo.v[--todo.n];
        if (strmap_get(seen, p))
            continue;
        strmap_put(seen, p, (void *)1);
        pv_push(out, p);
        size_t n;
        const char **refs = refs_of(st, p, &n);
        for (size_t i = 0; i < n; i++)
            pv_push(&todo, refs[i]);
    }
}

/* ---------- derivationStrict ---------- */

typedef struct DrvBuild {
    Derivation d;
    DrvOutput *outs; /* growing */
    PtrVec args;
    DrvEnvVar *env;
    uint32_t nenv, capenv;
    PtrVec ctx;
    PtrVec out_names;
} DrvBuild;

static void env_set(DrvBuild *b, const char *key, const char *value)
{
    if (b->nenv == b->capenv) {
        b->capenv = b->capenv ? b->capenv * 2 : 16;
        DrvEnvVar *ne = GC_MALLOC(b->capenv * sizeof *ne);
        if (b->nenv)
            memcpy(ne, b->env, b->nenv * sizeof *ne);
        b->env = ne;
    }
    b->env[b->nenv].key = key;
    b->env[b->nenv].value = value;
    b->nenv++;
}

/* Whitespace-separated words, as CppNix's tokenizeString. */
static void tokenize(const char *s, PtrVec *out)
{
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (!*s)
            break;
        const char *e = s;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r')
            e++;
        char *w = GC_MALLOC_ATOMIC((size_t)(e - s) + 1);
        memcpy(w, s, (size_t)(e - s));
        w[e - s] = 0;
        pv_push(out, w);
        s = e;
    }
}

static void set_outputs(EvalState *st, PosIdx pos, DrvBuild *b, PtrVec *names)
{
    b->out_names.n = 0;
    for (size_t i = 0; i < names->n; i++) {
        for (size_t j = 0; j < b->out_names.n; j++)
            if (strcmp(b->out_names.v[j], names->v[i]) == 0)
                eval_error(st, ERR_EVAL, pos, "duplicate derivation output '%s'", names->v[i]);
        if (strcmp(names->v[i], "drvPath") == 0)
            eval_error(st, ERR_EVAL, pos, "invalid derivation output name 'drvPath'");
        pv_push(&b->out_names, names->v[i]);
    }
    if (b->out_names.n == 0)
        eval_error(st, ERR_EVAL, pos, "derivation cannot have an empty set of outputs");
}

/* outputHashMode: 0 flat, 1 nar, 2 text, 3 git */
static int parse_hash_mode(EvalState *st, PosIdx pos, const char *s)
{
    if (strcmp(s, "recursive") == 0 || strcmp(s, "nar") == 0)
        return 1;
    if (strcmp(s, "flat") == 0)
        return 0;
    if (strcmp(s, "text") == 0) {
        xp_require(st, pos, "dynamic-derivations");
        return 2;
    }
    if (strcmp(s, "git") == 0) {
        xp_require(st, pos, "git-hashing");
        return 3;
    }
    eval_error(st, ERR_EVAL, pos, "invalid value '%s' for 'outputHashMode' attribute", s);
}

/* Appends a JSON string literal (via the JSON printer, for identical escaping). */
static void json_key(EvalState *st, StrBuf *out, const char *key, PosIdx pos)
{
    Value k;
    val_set_string(&k, key, strlen(key), NULL);
    prim_to_json(st, &k, pos, true, out, NULL);
}

/* The name of output (name, n) of drv, as a string of that derivation's cached record if
 * it is known (no copy per dependent), else a new one. */
static const char *output_name(EvalState *st, const char *drv, const char *name, size_t n)
{
    if (n == 3 && memcmp(name, "out", 3) == 0)
        return "out"; /* the usual one: no lookup */
    const char *err = NULL;
    const Derivation *d = drv_cache_get(bis(st)->drvs, drv, &err);
    for (uint32_t k = 0; d && k < d->noutputs; k++)
        if (strncmp(d->outputs[k].name, name, n) == 0 && d->outputs[k].name[n] == 0)
            return d->outputs[k].name;
    char *out = GC_MALLOC_ATOMIC(n + 1);
    memcpy(out, name, n);
    out[n] = 0;
    return out;
}

static void add_context_inputs(EvalState *st, DrvBuild *b, PtrVec *srcs, PtrVec *inputs_drv,
                               PtrVec *inputs_out)
{
    BiStore *bs = bis(st);
    pv_sort_unique(&b->ctx);
    for (size_t i = 0; i < b->ctx.n; i++) {
        const char *c = b->ctx.v[i];
        if (c[0] == '=') {
            /* The whole closure of a derivation, with all outputs of each .drv in it. */
            StrMap seen = {0};
            PtrVec cl = {0};
            closure(st, c + 1, &seen, &cl);
            for (size_t j = 0; j < cl.n; j++) {
                pv_push(srcs, cl.v[j]);
                if (!has_suffix(cl.v[j], ".drv"))
                    continue;
                const char *err = NULL;
                const Derivation *d = drv_cache_get(bs->drvs, cl.v[j], &err);
                if (!d)
                    eval_error(st, ERR_EVAL, 0, "%s", err);
                for (uint32_t k = 0; k < d->noutputs; k++) {
                    pv_push(inputs_drv, cl.v[j]);
                    pv_push(inputs_out, d->outputs[k].name);
                }
            }
        } else if (c[0] == '!') {
            const char *bang = strchr(c + 1, '!');
            if (!bang)
                continue;
            size_t n = (size_t)(bang - c - 1);
            pv_push(inputs_drv, bang + 1);
            pv_push(inputs_out, output_name(st, bang + 1, c + 1, n));
        } else {
            pv_push(srcs, c);
        }
    }
}

/* Inputs one output each (drv_normalise merges them), in ins (n entries) whose output
 * arrays point into outs->v: storage the caller keeps until the derivation is cached. */
static void make_inputs(Derivation *d, PtrVec *drvs, PtrVec *outs, DrvInput *ins)
{
    for (size_t i = 0; i < drvs->n; i++) {
        ins[i].drv_path = drvs->v[i];
        ins[i].outputs = &outs->v[i];
        ins[i].noutputs = 1;
    }
    d->inputs = drvs->n ? ins : NULL;
    d->ninputs = (uint32_t)drvs->n;
}

/* v as a string without going through coercion's growing buffer, when that is plain: a
 * string, or a derivation-like set (a string outPath, no __toString). NULL otherwise. */
static const Value *plain_piece(EvalState *st, Value *v, PosIdx pos)
{
    eval_force(st, v, pos);
    if (v->type == T_STRING)
        return v;
    if (v->type != T_ATTRS || attrs_find(v->attrs, st->s.__toString))
        return NULL;
    Attr *op = attrs_find(v->attrs, st->s.outPath);
    if (!op)
        return NULL;
    eval_force(st, op->value, pos);
    return op->value->type == T_STRING ? op->value : NULL;
}

/* An attribute's value in the builder's environment: eval_coerce_to_string with
 * COERCE_MORE | COERCE_COPY_TO_STORE, context elements added to ctx. Strings,
 * derivations and lists of those (`buildInputs`) make at most one exact-size string;
 * anything else goes through the coercion itself. Forcing in the same order as
 * coercion does, with no frames of its own, keeps errors the same. */
static const char *env_string(EvalState *st, Value *v, PosIdx pos, PtrVec *ctx)
{
    eval_force(st, v, pos);
    const Value *p = v->type == T_LIST ? NULL : plain_piece(st, v, pos);
    if (p) {
        pv_add_ctx(ctx, p->str.ctx);
        return val_str(p);
    }
    if (v->type == T_LIST) {
        const Value *inl[32], **pieces = v->len <= 32 ? inl : GC_MALLOC(v->len * sizeof *pieces);
        size_t total = 0;
        uint32_t n = v->len;
        for (uint32_t i = 0; i < n; i++) {
            pieces[i] = plain_piece(st, v->list.elems[i], pos);
            if (!pieces[i])
                goto coerce;
            total += pieces[i]->len + (i ? 1 : 0);
        }
        if (n == 1) {
            pv_add_ctx(ctx, pieces[0]->str.ctx);
            return val_str(pieces[0]);
        }
        char *r = GC_MALLOC_ATOMIC(total + 1), *q = r;
        for (uint32_t i = 0; i < n; i++) {
            if (i)
                *q++ = ' ';
            memcpy(q, val_str(pieces[i]), pieces[i]->len);
            q += pieces[i]->len;
            pv_add_ctx(ctx, pieces[i]->str.ctx);
        }
        *q = 0;
        return r;
    }
coerce:;
    const StrContext *c = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, v, pos, NULL, COERCE_MORE | COERCE_COPY_TO_STORE, &c, &len);
    pv_add_ctx(ctx, c);
    return s;
}

/* attrs_sorted_by_name for a small set, on the stack (one per derivation: no garbage). */
static void small_order_by_name(EvalState *st, const Bindings *b, uint32_t *order)
{
    const char *names[64];
    size_t lens[64];
    for (uint32_t i = 0; i < b->size; i++) {
        names[i] = sym_name(st->symbols, b->attrs[i].name);
        lens[i] = sym_len(st->symbols, b->attrs[i].name);
        /* insertion sort of indices by (bytes, length) */
        uint32_t j = i;
        while (j > 0) {
            uint32_t p = order[j - 1];
            size_t n = lens[p] < lens[i] ? lens[p] : lens[i];
            int c = memcmp(names[p], names[i], n);
            if (c < 0 || (c == 0 && lens[p] <= lens[i]))
                break;
            order[j] = p;
            j--;
        }
        order[j] = i;
    }
}

static void derivation_strict_inner(EvalState *st, PosIdx call_pos, Bindings *attrs, const char *drv_name,
                                    Value *out)
{
    /* CppNix reports errors here without a position (its `pos` is that of the unset
     * result value); attribute positions come from the trace frames. */
    const PosIdx pos = 0;
    (void)call_pos;
    const char *name_err = store_check_name(drv_name, strlen(drv_name));
    if (name_err)
        eval_error(st, ERR_EVAL, pos, "invalid derivation name: %s. Please pass a different '%s'.",
                   name_err, "name");

    Symbol s_structured = sym(st, "__structuredAttrs"), s_ignore = st->s.__ignoreNulls;
    Attr *a = attrs_find(attrs, s_structured);
    bool structured = a && eval_force_bool(st, a->value, pos,
                                           "while evaluating the `__structuredAttrs` attribute passed to builtins.derivationStrict");
    a = attrs_find(attrs, s_ignore);
    bool ignore_nulls = a && eval_force_bool(st, a->value, pos,
                                             "while evaluating the `__ignoreNulls` attribute passed to builtins.derivationStrict");

    DrvBuild b;
    memset(&b, 0, sizeof b);
    /* The environment is needed only until the .drv is hashed (and written): keep it on
     * the stack unless it is large. */
    DrvEnvVar env_inl[48];
    b.capenv = 48;
    b.env = env_inl;
    b.d.name = drv_name;
    b.d.builder = "";
    b.d.platform = "";
    pv_push(&b.out_names, "out");
    const char *output_hash = NULL;
    HashAlgo output_hash_algo = HASH_NONE;
    int hash_mode = -1;
    bool content_addressed = false, impure = false;
    StrBuf json = {0};
    size_t json_fields = 0;
    if (structured) {
        sb_init(&json);
        sb_putc(&json, '{');
    }

    uint32_t order_inl[64];
    uint32_t *order = attrs->size <= 64 ? order_inl : attrs_sorted_by_name(st, attrs);
    if (order == order_inl)
        small_order_by_name(st, attrs, order);
    for (uint32_t oi = 0; oi < attrs->size; oi++) {
        Attr *at = &attrs->attrs[order[oi]];
        if (at->name == s_ignore)
            continue;
        const char *key = sym_name(st->symbols, at->name);
        /* The trace frame for this attribute is only formatted if an error passes. */
        TryFrame tf;
        if (!EVAL_TRY(st, &tf)) {
            eval_frame_push(st, at->pos, fmt("while evaluating attribute '%s' of derivation '%s'", key, drv_name));
            eval_rethrow(st, tf.error);
        }
        Value *v = at->value;
        if (ignore_nulls) {
            eval_force(st, v, pos);
            if (v->type == T_NULL) {
                eval_try_leave(st, &tf);
                continue;
            }
        }
        bool dunder = key[0] == '_' && key[1] == '_'; /* cheap test before the special names */
        if (dunder && strcmp(key, "__contentAddressed") == 0) {
            if (eval_force_bool(st, v, pos, NULL)) {
                content_addressed = true;
                xp_require(st, pos, "ca-derivations");
            }
        } else if (dunder && strcmp(key, "__impure") == 0) {
            if (eval_force_bool(st, v, pos, NULL)) {
                impure = true;
                xp_require(st, pos, "impure-derivations");
            }
        } else if (at->name == st->s.args) {
            eval_force_list(st, v, pos, NULL);
            for (uint32_t i = 0; i < v->len; i++) {
                const StrContext *c = NULL;
                size_t len;
                const char *s = eval_coerce_to_string(st, v->list.elems[i], pos,
                                                      "while evaluating an element of the argument list",
                                                      COERCE_MORE | COERCE_COPY_TO_STORE, &c, &len);
                pv_add_ctx(&b.ctx, c);
                pv_push(&b.args, s);
            }
        } else if (structured) {
            if (at->name == s_structured) {
                eval_try_leave(st, &tf);
                continue;
            }
            if (json_fields++)
                sb_putc(&json, ',');
            json_key(st, &json, key, at->pos);
            sb_putc(&json, ':');
            const StrContext *c = NULL;
            prim_to_json(st, v, pos, true, &json, &c);
            pv_add_ctx(&b.ctx, c);
            if (at->name == st->s.builder) {
                const char *s = eval_force_string(st, v, pos, NULL);
                pv_add_ctx(&b.ctx, v->str.ctx);
                b.d.builder = s;
            } else if (at->name == st->s.system) {
                b.d.platform = eval_force_string_no_ctx(st, v, pos, NULL);
            } else if (at->name == st->s.outputHash) {
                output_hash = eval_force_string_no_ctx(st, v, pos, NULL);
            } else if (at->name == st->s.outputHashAlgo) {
                const char *s = eval_force_string_no_ctx(st, v, pos, NULL);
                output_hash_algo = hash_algo_parse(s, strlen(s));
            } else if (at->name == st->s.outputHashMode) {
                hash_mode = parse_hash_mode(st, pos, eval_force_string_no_ctx(st, v, pos, NULL));
            } else if (at->name == st->s.outputs) {
                eval_force_list(st, v, pos, NULL);
                PtrVec names = {0};
                for (uint32_t i = 0; i < v->len; i++)
                    pv_push(&names, eval_force_string_no_ctx(st, v->list.elems[i], pos, NULL));
                set_outputs(st, pos, &b, &names);
            }
            static const char *const checks[] = {"allowedReferences", "allowedRequisites",
                                                 "disallowedReferences", "disallowedRequisites",
                                                 "maxSize", "maxClosureSize", NULL};
            for (int k = 0; checks[k]; k++)
                if (strcmp(key, checks[k]) == 0)
                    warn_attr(st, at->pos, drv_name,
                              fmt("'structuredAttrs' disables the effect of the derivation attribute '%s'; "
                                  "use 'outputChecks.<output>.%s' instead",
                                  key, key));
        } else {
            const char *s = env_string(st, v, pos, &b.ctx);
            env_set(&b, key, s);
            if (dunder && strcmp(key, "__json") == 0)
                warn_attr(st, at->pos, drv_name,
                          "setting structured attributes via '__json' is deprecated, and may be "
                          "disallowed in future versions of Nix. Set '__structuredAttrs = true' instead.");
            if (at->name == st->s.builder)
                b.d.builder = s;
            else if (at->name == st->s.system)
                b.d.platform = s;
            else if (at->name == st->s.outputHash)
                output_hash = s;
            else if (at->name == st->s.outputHashAlgo)
                output_hash_algo = hash_algo_parse(s, strlen(s));
            else if (at->name == st->s.outputHashMode)
                hash_mode = parse_hash_mode(st, pos, s);
            else if (at->name == st->s.outputs) {
                PtrVec names = {0};
                tokenize(s, &names);
                set_outputs(st, pos, &b, &names);
            }
        }
        eval_try_leave(st, &tf);
    }
    if (structured) {
        sb_putc(&json, '}');
        env_set(&b, "__json", sb_finish(&json));
    }

    /* String context becomes the derivation's inputs. */
    PtrVec srcs = {0}, in_drvs = {0}, in_outs = {0};
    add_context_inputs(st, &b, &srcs, &in_drvs, &in_outs);

    if (!*b.d.builder)
        eval_error(st, ERR_EVAL, pos, "required attribute 'builder' missing");
    if (!*b.d.platform)
        eval_error(st, ERR_EVAL, pos, "required attribute 'system' missing");
    pv_sort_unique(&b.out_names);
    if (has_suffix(drv_name, ".drv") &&
        !(hash_mode == 2 && b.out_names.n == 1 && strcmp(b.out_names.v[0], "out") == 0))
        eval_error(st, ERR_EVAL, pos,
                   "derivation names are allowed to end in '%s' only if they produce a single derivation file",
                   ".drv");

    /* The record lives on the stack (or in garbage for big ones): drv_finish caches a copy
     * of its skeleton. */
    Derivation dd, *d = &dd;
    *d = b.d;
    d->args = b.args.v;
    d->nargs = (uint32_t)b.args.n;
    d->srcs = srcs.v;
    d->nsrcs = (uint32_t)srcs.n;
    DrvInput ins_inl[16], *ins = in_drvs.n <= 16 ? ins_inl : GC_MALLOC(in_drvs.n * sizeof *ins);
    make_inputs(d, &in_drvs, &in_outs, ins);
    DrvOutput outs_inl[8];
    const char *sd = store_dir_of(st);

    if (output_hash) {
        if (b.out_names.n != 1 || strcmp(b.out_names.v[0], "out") != 0)
            eval_error(st, ERR_EVAL, pos, "multiple outputs are not supported in fixed-output derivations");
        Hash h;
        if (!*output_hash) {
            if (output_hash_algo == HASH_NONE)
                eval_error(st, ERR_EVAL, pos, "empty hash requires explicit hash algorithm");
            bi_empty_hash(st, output_hash_algo, &h);
        } else {
            const char *e = hash_parse_any(output_hash, output_hash_algo, &h, NULL);
            if (e)
                eval_error(st, ERR_EVAL, pos, "%s", e);
        }
        if (hash_mode == 3)
            eval_error(st, ERR_EVAL, pos, "git hashing of fixed outputs is not supported by cnix");
        FileIngestion m = hash_mode == 1 ? FIM_RECURSIVE : hash_mode == 2 ? FIM_TEXT : FIM_FLAT;
        if (m == FIM_TEXT && h.algo != HASH_SHA256)
            eval_error(st, ERR_EVAL, pos, "text-hashed derivation '%s' must use sha256", drv_name);
        const char *err = NULL;
        const char *outp = store_make_fixed_output_path(sd, drv_name, m, &h, NULL, 0, false, &err);
        if (!outp)
            eval_error(st, ERR_EVAL, pos, "%s", err);
        DrvOutput *o = GC_MALLOC(sizeof *o);
        o->name = "out";
        o->path = outp;
        o->hash_algo = fmt("%s%s", m == FIM_RECURSIVE ? "r:" : m == FIM_TEXT ? "text:" : "",
                           hash_algo_name(h.algo));
        char *hex = GC_MALLOC_ATOMIC(2 * HASH_MAX_SIZE + 1);
        hash_base16_encode(h.bytes, h.len, hex);
        o->hash = hex;
        d->outputs = o;
        d->noutputs = 1;
        env_set(&b, "out", outp);
    } else if (content_addressed || impure) {
        if (content_addressed && impure)
            eval_error(st, ERR_EVAL, pos, "derivation cannot be both content-addressed and impure");
        eval_error(st, ERR_EVAL, pos, "content-addressed and impure derivations are not supported by cnix");
    } else {
        d->outputs = b.out_names.n <= 8 ? outs_inl : GC_MALLOC(b.out_names.n * sizeof *d->outputs);
        d->noutputs = (uint32_t)b.out_names.n;
        for (size_t i = 0; i < b.out_names.n; i++) {
            d->outputs[i] = (DrvOutput){b.out_names.v[i], "", "", ""};
            env_set(&b, b.out_names.v[i], "");
        }
    }
    d->env = b.env;
    d->nenv = b.nenv;
    drv_normalise(d);
    BiStore *bs = bis(st);
    const char *drv_path = NULL;
    const char *err = drv_finish(bs->drvs, d, sd, !output_hash, &drv_path);
    if (err)
        eval_error(st, ERR_EVAL, pos, "%s", err);
    if (bs->writable) {
        const char *got = NULL, *werr = store_write_drv(bs->ls, d, &got);
        if (werr)
            eval_error(st, ERR_EVAL, pos, "%s", werr);
        if (strcmp(got, drv_path) != 0)
            eval_error(st, ERR_EVAL, pos, "derivation '%s' was written as '%s'", drv_path, got);
    }

    Bindings *res = attrs_alloc(st, 1 + d->noutputs);
    Value *vp = val_alloc(st);
    size_t dl = strlen(drv_path);
    val_set_string(vp, drv_path, dl, ctx_single(drv_path - 1)); /* "=" drv_path: see drv_finish */
    attrs_push(res, st->s.drvPath, 0, vp);
    for (uint32_t i = 0; i < d->noutputs; i++) {
        Value *vo = val_alloc(st);
        const char *p = d->outputs[i].path, *on = d->outputs[i].name;
        size_t ol = strlen(on);
        char *c = GC_MALLOC_ATOMIC(ol + dl + 3); /* "!" output "!" drv_path */
        c[0] = '!';
        memcpy(c + 1, on, ol);
        c[1 + ol] = '!';
        memcpy(c + 2 + ol, drv_path, dl + 1);
        val_set_string(vo, p, strlen(p), ctx_single(c));
        attrs_push(res, sym(st, d->outputs[i].name), 0, vo);
    }
    attrs_sort(res);
    val_set_attrs(out, res);
}

static void prim_derivation_strict(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *attrs = eval_force_attrs(st, args[0], 0, "while evaluating the argument passed to builtins.derivationStrict");
    Attr *name = attrs_find(attrs, st->s.name);
    if (!name) {
        eval_frame_push(st, 0, "in the attrset passed as argument to builtins.derivationStrict");
        eval_error(st, ERR_EVAL, 0, "attribute '%s' missing", "name");
    }
    eval_frame_push(st, name->pos, "while evaluating the derivation attribute 'name'");
    const char *drv_name = eval_force_string_no_ctx(st, name->value, 0,
                                                    "while evaluating the `name` attribute passed to builtins.derivationStrict");
    eval_frame_pop(st);
    TryFrame tf;
    if (!EVAL_TRY(st, &tf)) {
        eval_frame_push_always(st, 0,
                               fmt("while evaluating derivation '%s'\nwhose name attribute is located at %s",
                                   drv_name, pos_str(st, name->pos)));
        eval_rethrow(st, tf.error);
    }
    derivation_strict_inner(st, pos, attrs, drv_name, out);
    eval_try_leave(st, &tf);
}

/* ---------- the `derivation` wrapper (builtins/drvwrap.c) ---------- */

/* Loads the wrapper on first use: the value of `derivation` is an application of this
 * primop, which the evaluator forces like any lazy value. */
static void prim_load_derivation(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    BiStore *b = bis(st);
    if (!b->derivation)
        b->derivation = bi_drvwrap_load(st, pos);
    *out = *b->derivation;
}

static const PrimOp load_derivation_op = {
    "derivation", 1, 0, "unused", "Loads the `derivation` wrapper (internal).", prim_load_derivation,
};

void bi_derivation_value(EvalState *st, Value *v)
{
    Value *fn = val_alloc(st), *arg = val_alloc(st);
    fn->type = T_PRIMOP;
    fn->primop = &load_derivation_op;
    val_set_null(arg);
    v->type = T_APP;
    v->app.fn = fn;
    v->app.arg = arg;
}

/* ---------- placeholder, toFile, paths ---------- */

static void prim_placeholder(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    /* CppNix forces the arguments of these builtins without a position (noPos): the
     * "while calling" frame shows the call */
    const char *o = eval_force_string_no_ctx(st, args[0], 0, "while evaluating the first argument passed to builtins.placeholder");
    val_make_string(out, store_hash_placeholder(o));
}

static void set_store_path_string(EvalState *st, Value *out, const char *path)
{
    val_set_string(out, path, strlen(path), ctx_single(path));
}

static void prim_to_file(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *name = eval_force_string_no_ctx(st, args[0], pos, "while evaluating the first argument passed to builtins.toFile");
    const char *text = eval_force_string(st, args[1], pos, "while evaluating the second argument passed to builtins.toFile");
    size_t len = args[1]->len;
    const StrContext *c = args[1]->str.ctx;
    PtrVec refs = {0};
    for (uint32_t i = 0; c && i < c->n; i++) {
        if (c->elems[i][0] == '=' || c->elems[i][0] == '!')
            eval_error(st, ERR_EVAL, pos, "files created by %s may not reference derivations, but %s references %s",
                       "builtins.toFile", name, c->elems[i]);
        pv_push(&refs, c->elems[i]);
    }
    const char *e = store_check_name(name, strlen(name));
    if (e) {
        /* CppNix reports the whole base name of the would-be path */
        const char *p = store_text_path_for(store_dir_of(st), name, text, len, refs.v, refs.n);
        eval_error(st, ERR_EVAL, pos, "path '%.32s-%s' is not a valid store path: %s",
                   strrchr(p, '/') + 1, name, e);
    }
    BiStore *b = bis(st);
    const char *path;
    if (b->writable) {
        const char *werr = store_add_text(b->ls, name, text, len, refs.v, refs.n, &path);
        if (werr)
            eval_error(st, ERR_EVAL, pos, "%s", werr);
    } else {
        path = store_text_path_for(store_dir_of(st), name, text, len, refs.v, refs.n);
    }
    if (refs.n && !strmap_get(&b->text_refs, path)) {
        TextRefs *t = GC_MALLOC(sizeof *t);
        *t = (TextRefs){pv_finish(&refs), refs.n};
        strmap_put(&b->text_refs, path, t);
    }
    set_store_path_string(st, out, path);
}

typedef struct FilterCtx {
    EvalState *st;
    Value *fn;
    PosIdx pos;
} FilterCtx;

static bool call_filter(void *ctx, const char *path, const char *type)
{
    FilterCtx *f = ctx;
    Value *a1 = val_alloc(f->st), *a2 = val_alloc(f->st), res;
    val_make_string(a1, path);
    val_make_string(a2, type);
    Value *args[2] = {a1, a2};
    eval_call(f->st, f->fn, 2, args, &res, f->pos);
    return eval_force_bool(f->st, &res, f->pos, "while evaluating the return value of the path filter function");
}

/* Adds a source to the store (or, evaluating read-only, only computes its path). */
static const char *add_source(EvalState *st, PosIdx pos, const char *name, const char *src,
                              FileIngestion m, Value *filter, Hash *ca)
{
    BiStore *b = bis(st);
    struct stat sst;
    if (lstat(src, &sst) < 0 && errno == ENOENT)
        eval_error(st, ERR_EVAL, 0, "path '%s' does not exist", src);
    FilterCtx fc = {st, filter, pos};
    const char *path = NULL;
    const char *e = store_add_path(b->ls, name, src, m, HASH_SHA256, filter ? call_filter : NULL, &fc,
                                   !b->writable, ca, &path);
    if (e)
        eval_error(st, ERR_EVAL, pos, "%s", e);
    return path;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

const char *bi_copy_path_to_store(EvalState *st, const char *path, PosIdx pos)
{
    BiStore *b = bis(st);
    const char *cached = strmap_get(&b->src_cache, path);
    if (cached)
        return cached;
    if (has_suffix(path, ".drv"))
        eval_error(st, ERR_EVAL, pos, "file names are not allowed to end in '%s'", ".drv");
    const char *sp = add_source(st, pos, base_name(path), path, FIM_RECURSIVE, NULL, NULL);
    size_t n = strlen(path);
    char *key = GC_MALLOC_ATOMIC(n + 1);
    memcpy(key, path, n + 1);
    strmap_put(&b->src_cache, key, (void *)sp);
    return sp;
}

static void prim_filter_source(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *path = eval_coerce_to_path(st, args[1], 0,
                                           "while evaluating the second argument (the path to filter) passed to 'builtins.filterSource'");
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.filterSource");
    eval_frame_push(st, 0, fmt("while adding path '%s'", path));
    const char *sp = add_source(st, 0, base_name(path), path, FIM_RECURSIVE, args[0], NULL);
    eval_frame_pop(st);
    set_store_path_string(st, out, sp);
}

static void prim_path(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *a = eval_force_attrs(st, args[0], pos, "while evaluating the argument passed to 'builtins.path'");
    const char *path = NULL, *name = NULL;
    Value *filter = NULL;
    FileIngestion m = FIM_RECURSIVE;
    bool have_hash = false;
    Hash expected;
    for (uint32_t i = 0; i < a->size; i++) {
        Attr *at = &a->attrs[i];
        const char *n = sym_name(st->symbols, at->name);
        if (strcmp(n, "path") == 0)
            path = eval_coerce_to_path(st, at->value, at->pos, "while evaluating the 'path' attribute passed to 'builtins.path'");
        else if (at->name == st->s.name)
            name = eval_force_string_no_ctx(st, at->value, at->pos, "while evaluating the `name` attribute passed to builtins.path");
        else if (strcmp(n, "filter") == 0) {
            filter = at->value;
            eval_force_function(st, filter, at->pos, "while evaluating the `filter` parameter passed to builtins.path");
        } else if (strcmp(n, "recursive") == 0)
            m = eval_force_bool(st, at->value, at->pos, "while evaluating the `recursive` attribute passed to builtins.path")
                    ? FIM_RECURSIVE
                    : FIM_FLAT;
        else if (strcmp(n, "sha256") == 0) {
            const char *h = eval_force_string_no_ctx(st, at->value, at->pos, "while evaluating the `sha256` attribute passed to builtins.path");
            if (!*h) {
                bi_empty_hash(st, HASH_SHA256, &expected);
            } else {
                const char *e = hash_parse_any(h, HASH_SHA256, &expected, NULL);
                if (e)
                    eval_error(st, ERR_EVAL, at->pos, "%s", e);
            }
            have_hash = true;
        } else
            eval_error(st, ERR_EVAL, at->pos, "unsupported argument '%s' to 'builtins.path'", n);
    }
    if (!path)
        eval_error(st, ERR_EVAL, pos, "missing required 'path' attribute in the first argument to 'builtins.path'");
    if (!name || !*name)
        name = base_name(path);
    eval_frame_push(st, 0, fmt("while adding path '%s'", path));
    Hash ca;
    const char *sp = add_source(st, pos, name, path, m, filter, &ca);
    if (have_hash && memcmp(ca.bytes, expected.bytes, 32) != 0)
        eval_error(st, ERR_EVAL, pos, "store path mismatch in (possibly filtered) path added from '%s'", path);
    eval_frame_pop(st);
    set_store_path_string(st, out, sp);
}

static void prim_store_path(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    if (st->settings.pure_eval)
        eval_error(st, ERR_EVAL, pos, "'%s' is not allowed in pure evaluation mode", "builtins.storePath");
    const char *path = eval_coerce_to_path(st, args[0], 0, "while evaluating the first argument passed to 'builtins.storePath'");
    const char *sd = store_dir_of(st);
    if (!store_is_store_path(sd, path)) {
        char *real = realpath(path, NULL);
        if (real) {
            path = fmt("%s", real);
            free(real);
        }
    }
    const char *sp = store_to_store_path(sd, path);
    if (!sp)
        eval_error(st, ERR_EVAL, pos, "path '%s' is not in the Nix store", path);
    /* The path is used from here on: a concurrent collector must keep it (CppNix's
     * ensurePath); best effort, as evaluation may not be able to write the state dir. */
    if (bis(st)->writable)
        store_add_temp_root(bis(st)->ls, sp);
    val_set_string(out, path, strlen(path), ctx_single(sp));
}

/* ---------- nix-instantiate ---------- */

void bi_store_set_writable(EvalState *st, bool on) { bis(st)->writable = on; }

LocalStore *bi_local_store(EvalState *st) { return bis(st)->ls; }

void bi_store_init(EvalState *st, struct Store *store)
{
    st->copy_path_to_store = bi_copy_path_to_store;
    if (store) /* else nothing until first use: start-up stays cheap */
        bis(st)->store = store;
}

struct Store *bi_store(EvalState *st) { return st->store ? bis(st)->store : NULL; }

typedef struct Found {
    PtrVec lines;
    StrMap done; /* by Bindings address, as CppNix's `done` set */
} Found;

static bool is_derivation_attrs(EvalState *st, Value *v)
{
    return v->type == T_ATTRS && eval_is_derivation(st, v);
}

static void add_derivation(EvalState *st, Value *v, Found *f)
{
    char key[32];
    snprintf(key, sizeof key, "%p", (void *)val_attrs(v)); /* flat: one key per set */
    if (strmap_get(&f->done, key))
        return;
    strmap_put(&f->done, fmt("%s", key), (void *)1);
    Attr *dp = attrs_find(v->attrs, st->s.drvPath);
    if (!dp)
        eval_error(st, ERR_EVAL, 0, "derivation does not have attribute 'drvPath'");
    const char *drv_path = eval_force_string(st, dp->value, 0, "while evaluating the 'drvPath' attribute of a derivation");
    Attr *on = attrs_find(v->attrs, st->s.outputName);
    const char *output = on ? eval_force_string(st, on->value, 0, "while evaluating the output name of a derivation") : "out";
    if (!store_is_valid(bis(st)->ls, drv_path))
        eval_error(st, ERR_EVAL, 0, "derivation '%s' is not in the store (was the evaluation read-only?)", drv_path);
    pv_push(&f->lines, strcmp(output, "out") == 0 ? drv_path : fmt("%s!%s", drv_path, output));
}

static void get_derivations(EvalState *st, Value *v, Found *f, int depth)
{
    if (depth > 10000)
        eval_error(st, ERR_STACK_OVERFLOW, 0, "stack overflow; max-call-depth exceeded");
    eval_force(st, v, 0);
    if (is_derivation_attrs(st, v)) {
        add_derivation(st, v, f);
    } else if (v->type == T_ATTRS) {
        Bindings *b = val_attrs(v);
        uint32_t *order = attrs_sorted_by_name(st, b);
        for (uint32_t i = 0; i < b->size; i++) {
            Value *c = b->attrs[order[i]].value;
            eval_force(st, c, 0);
            if (is_derivation_attrs(st, c)) {
                add_derivation(st, c, f);
            } else if (c->type == T_ATTRS) {
                Attr *r = attrs_find(c->attrs, st->s.recurseForDerivations);
                if (r && eval_force_bool(st, r->value, 0, "while evaluating the attribute 'recurseForDerivations'"))
                    get_derivations(st, c, f, depth + 1);
            }
        }
    } else if (v->type == T_LIST) {
        for (uint32_t i = 0; i < v->len; i++)
            get_derivations(st, v->list.elems[i], f, depth + 1);
    } else if (depth == 0) {
        eval_error(st, ERR_TYPE, 0, "expression does not evaluate to a derivation (or a set or list of those)");
    }
}

const char **bi_instantiate(EvalState *st, Value *v, size_t *n)
{
    Found f;
    memset(&f, 0, sizeof f);
    get_derivations(st, v, &f, 0);
    *n = f.lines.n;
    return pv_finish(&f.lines);
}

/* ---------- outputOf (dynamic derivations) ---------- */

/* A SingleDerivedPath: the store path `base` with outputs[0] of it, outputs[1] of that, ...
 * (innermost first; n == 0 is the opaque path itself). */
typedef struct DerivedRef {
    const char *base;
    const char **outputs;
    size_t n;
} DerivedRef;

/* Context element "!a!b!/s/x.drv" is output a of (output b of x.drv); "/s/p" is opaque. */
static DerivedRef derived_ref_parse(const char *elem)
{
    DerivedRef r = {elem, NULL, 0};
    size_t k = 0;
    for (const char *p = elem; *p == '!';) {
        const char *e = strchr(p + 1, '!');
        if (!e)
            break;
        k++;
        p = e + 1;
    }
    r.outputs = GC_MALLOC(k * sizeof *r.outputs + 1);
    const char *p = elem;
    for (size_t i = 0; i < k; i++) {
        const char *e = strchr(p + 1, '!');
        char *o = GC_MALLOC_ATOMIC((size_t)(e - p));
        memcpy(o, p + 1, (size_t)(e - p - 1));
        o[e - p - 1] = 0;
        r.outputs[k - 1 - i] = o; /* outermost comes first in the text */
        p = e + 1;
    }
    r.base = p;
    r.n = k;
    return r;
}

/* DownstreamPlaceholder::fromSingleDerivedPathBuilt for the first n outputs (n >= 1). */
static void derived_placeholder_hash(EvalState *st, PosIdx pos, const DerivedRef *r, size_t n, Hash *h)
{
    if (n == 1) {
        xp_require(st, pos, "ca-derivations");
        store_upstream_output_hash(store_dir_of(st), r->base, r->outputs[0], h);
        return;
    }
    Hash inner;
    derived_placeholder_hash(st, pos, r, n - 1, &inner);
    xp_require(st, pos, "dynamic-derivations");
    store_computed_output_hash(&inner, r->outputs[n - 1], h);
}

/* The string CppNix renders for the first n levels of r (mkSingleDerivedPathStringRaw):
 * the path itself, an output's static path read from its .drv, or a placeholder. */
static const char *derived_render(EvalState *st, PosIdx pos, const DerivedRef *r, size_t n)
{
    if (n == 0)
        return r->base;
    if (n == 1) {
        if (!has_suffix(r->base, ".drv") || !store_is_store_path(store_dir_of(st), r->base))
            eval_error(st, ERR_EVAL, pos, "path '%s' is not a derivation", r->base);
        const char *err = NULL;
        const Derivation *d = drv_cache_get(bis(st)->drvs, r->base, &err);
        if (!d)
            eval_error(st, ERR_EVAL, pos, "%s", err ? err : "cannot read derivation");
        const DrvOutput *o = NULL;
        for (uint32_t i = 0; i < d->noutputs && !o; i++)
            if (strcmp(d->outputs[i].name, r->outputs[0]) == 0)
                o = &d->outputs[i];
        if (!o)
            eval_error(st, ERR_EVAL, pos, "derivation '%s' does not have output '%s'", r->base,
                       r->outputs[0]);
        if (o->path && *o->path)
            return o->path; /* input-addressed or fixed-output: known statically */
    }
    Hash h;
    derived_placeholder_hash(st, pos, r, n, &h);
    return store_render_placeholder(&h);
}

static void prim_output_of(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    /* CppNix only defines this builtin with the feature; we always define it and refuse
     * the call instead. */
    xp_require(st, pos, "dynamic-derivations");
    const char *ectx = "while evaluating the first argument to builtins.outputOf";
    const char *s = eval_force_string(st, args[0], pos, ectx);
    const StrContext *c = args[0]->str.ctx;
    uint32_t n = c ? c->n : 0;
    eval_frame_push(st, pos, ectx);
    if (n != 1)
        eval_error(st, ERR_EVAL, 0,
                   "string '%s' has %u entries in its context. It should only have exactly one entry",
                   s, n);
    const char *elem = c->elems[0];
    if (elem[0] == '=')
        eval_error(st, ERR_EVAL, 0,
                   "string '%s' has a context which refers to a complete source and binary closure. "
                   "This is not supported at this time",
                   s);
    DerivedRef r = derived_ref_parse(elem);
    /* coerceToSingleDerivedPath: the string must be exactly what the context stands for. */
    const char *expect = derived_render(st, pos, &r, r.n);
    if (strcmp(s, expect) != 0) {
        if (r.n == 0)
            eval_error(st, ERR_EVAL, 0, "path string '%s' has context with the different path '%s'", s,
                       expect);
        /* SingleDerivedPath::to_string of the inner reference: PATH^OUT^OUT... */
        const char *inner = r.base;
        for (size_t i = 0; i + 1 < r.n; i++)
            inner = concat3(inner, "^", r.outputs[i]);
        eval_error(st, ERR_EVAL, 0,
                   "string '%s' has context with the output '%s' from derivation '%s', but the string "
                   "is not the right placeholder for this derivation output. It should be '%s'",
                   s, r.outputs[r.n - 1], inner, expect);
    }
    eval_frame_pop(st);
    const char *output = eval_force_string_no_ctx(st, args[1], pos,
                                                  "while evaluating the second argument to builtins.outputOf");
    DerivedRef r2 = r;
    r2.outputs = GC_MALLOC((r.n + 1) * sizeof *r2.outputs);
    memcpy(r2.outputs, r.outputs, r.n * sizeof *r.outputs);
    r2.outputs[r.n] = output;
    r2.n = r.n + 1;
    const char *res = derived_render(st, pos, &r2, r2.n);
    val_set_string(out, res, strlen(res), ctx_single(concat3("!", output, concat3("!", elem, ""))));
}

/* ---------- the table ---------- */

const PrimOp bi_derivation[] = {
    {"derivationStrict", 1, PRIM_GLOBAL, "attrs",
     "Creates a store derivation from *attrs* and returns a set with `drvPath` and one "
     "attribute per output holding its store path (with string context). This is the "
     "primitive behind `derivation`, which adds `outPath`, `type` and the other usual "
     "attributes.\n\n"
     "    derivationStrict { name = \"x\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; }\n"
     "    => { drvPath = \"/nix/store/...-x.drv\"; out = \"/nix/store/...-x\"; }\n\n"
     "Attributes are passed to the builder as environment variables (lists joined with "
     "spaces, paths copied to the store); `args` gives its arguments; `outputs` names the "
     "outputs; `outputHash`/`outputHashAlgo`/`outputHashMode` make it fixed-output; "
     "`__structuredAttrs = true` passes everything as JSON in `__json`; "
     "`__ignoreNulls = true` drops null attributes.",
     prim_derivation_strict},
    {"placeholder", 1, PRIM_GLOBAL, "output",
     "Returns the placeholder string for *output* that is replaced by the output's path "
     "at build time.\n\n    placeholder \"out\"\n    => \"/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9\"",
     prim_placeholder},
    {"outputOf", 2, 0, "derivation-reference output-name",
     "Returns the path of output *output-name* of the derivation that the string "
     "*derivation-reference* refers to through its (single-element) context: a `.drv` "
     "path whose context is the plain path (e.g. from "
     "`builtins.unsafeDiscardOutputDependency drv.drvPath`) or an output of another "
     "derivation (dynamic derivations). The result is the output's store path when it is "
     "known statically (input-addressed or fixed-output), else a placeholder string; its "
     "context is that output. Calls can be chained. Requires the experimental feature "
     "`dynamic-derivations` (without it `builtins.outputOf` does not exist; `ca-derivations` "
     "where a placeholder is needed).\n\n"
     "    builtins.outputOf (builtins.unsafeDiscardOutputDependency drv.drvPath) \"out\"\n"
     "    => drv.outPath (with context \"!out!\" + drv.drvPath)\n\n"
     "    builtins.outputOf drv.outPath \"out\"  # drv builds a .drv: a placeholder\n\n"
     "The string must be exactly what its context stands for; a `drvPath` with its whole "
     "closure in the context (`=`) is refused.",
     prim_output_of},
    {"toFile", 2, 0, "name s",
     "Stores the string *s* as a file named *name* and returns its store path. The string "
     "may refer to other store paths (through its context) but not to derivations.\n\n"
     "    builtins.toFile \"foo\" \"bar\"\n    => \"/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo\"",
     prim_to_file},
    {"filterSource", 2, 0, "e1 e2",
     "Copies the path *e2* to the store, keeping only the files for which the predicate "
     "*e1* (called with the full path and its type: \"regular\", \"directory\", "
     "\"symlink\" or \"unknown\") returns true. An excluded directory excludes its "
     "whole subtree.\n\n    builtins.filterSource (p: t: baseNameOf p != \".git\") ./src",
     prim_filter_source},
    {"path", 1, 0, "args",
     "Copies a path to the store like a path literal does, with options: `path` (required), "
     "`name` (default: the base name), `filter` (as in filterSource), `recursive` (default "
     "true; false hashes a single regular file flat) and `sha256` (the expected hash).\n\n"
     "    builtins.path { path = ./src; name = \"source\"; }",
     prim_path},
    {"storePath", 1, PRIM_IMPURE, "path",
     "Turns a path already in the store into a string with that store path in its context, "
     "without copying it. Not allowed in pure evaluation mode.\n\n"
     "    builtins.storePath /nix/store/...-hello",
     prim_store_path},
    {0},
};
