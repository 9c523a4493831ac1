/* Primop family bi_derivation: derivationStrict (attributes -> a .drv and its output paths),
 * placeholder, and the lazily loaded `derivation` wrapper. */
#include "builtins/derivation.h"

#include <gc/gc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/bistore.h"
#include "builtins/builtins.h"
#include "primops/json.h"
#include "store/path.h"
#include "util/strbuf.h"

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
    return bi_fmt("%s:%u:%u", where, pos.line, pos.col);
}

/* A warning about one attribute of a derivation, traced like CppNix's. */
static void warn_attr(EvalState *st, PosIdx pos, const char *drv_name, const char *msg)
{
    EvalError w = {.kind = ERR_EVAL, .msg = msg, .pos = pos};
    TraceEntry *t = GC_MALLOC(sizeof *t);
    t->pos = 0;
    t->msg = bi_fmt("while evaluating derivation '%s'", drv_name);
    w.trace = t;
    w.ntrace = 1;
    eval_print_warning_traced(st, &w, stderr);
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
        bi_pv_push(out, w);
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
        bi_pv_push(&b->out_names, names->v[i]);
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
        eval_feature_require(st, pos, "dynamic-derivations");
        return 2;
    }
    if (strcmp(s, "git") == 0) {
        eval_feature_require(st, pos, "git-hashing");
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
    const Derivation *d = drv_cache_get(bi_state(st)->drvs, drv, &err);
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
    BiStore *bs = bi_state(st);
    bi_pv_sort_unique(&b->ctx);
    for (size_t i = 0; i < b->ctx.n; i++) {
        const char *c = b->ctx.v[i];
        if (c[0] == '=') {
            /* The whole closure of a derivation, with all outputs of each .drv in it. */
            StrMap seen = {0};
            PtrVec cl = {0};
            bi_closure(st, c + 1, &seen, &cl);
            for (size_t j = 0; j < cl.n; j++) {
                bi_pv_push(srcs, cl.v[j]);
                if (!bi_has_suffix(cl.v[j], ".drv"))
                    continue;
                const char *err = NULL;
                const Derivation *d = drv_cache_get(bs->drvs, cl.v[j], &err);
                if (!d)
                    eval_error(st, ERR_EVAL, 0, "%s", err);
                for (uint32_t k = 0; k < d->noutputs; k++) {
                    bi_pv_push(inputs_drv, cl.v[j]);
                    bi_pv_push(inputs_out, d->outputs[k].name);
                }
            }
        } else if (c[0] == '!') {
            const char *bang = strchr(c + 1, '!');
            if (!bang)
                continue;
            size_t n = (size_t)(bang - c - 1);
            bi_pv_push(inputs_drv, bang + 1);
            bi_pv_push(inputs_out, output_name(st, bang + 1, c + 1, n));
        } else {
            bi_pv_push(srcs, c);
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
        bi_pv_add_ctx(ctx, p->str.ctx);
        return val_str(p);
    }
    if (v->type == T_LIST) {
        const Value *inl[32], **pieces = v->len <= 32 ? inl : GC_MALLOC(v->len * sizeof *pieces);
        size_t total = 0;
        uint32_t n = v->len;
        for (uint32_t i = 0; i < n; i++) {
            pieces[i] = plain_piece(st, val_list(v)[i], pos);
            if (!pieces[i])
                goto coerce;
            total += pieces[i]->len + (i ? 1 : 0);
        }
        if (n == 1) {
            bi_pv_add_ctx(ctx, pieces[0]->str.ctx);
            return val_str(pieces[0]);
        }
        char *r = GC_MALLOC_ATOMIC(total + 1), *q = r;
        for (uint32_t i = 0; i < n; i++) {
            if (i)
                *q++ = ' ';
            memcpy(q, val_str(pieces[i]), pieces[i]->len);
            q += pieces[i]->len;
            bi_pv_add_ctx(ctx, pieces[i]->str.ctx);
        }
        *q = 0;
        return r;
    }
coerce:;
    const StrContext *c = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, v, pos, NULL, COERCE_MORE | COERCE_COPY_TO_STORE, &c, &len);
    bi_pv_add_ctx(ctx, c);
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
    bi_pv_push(&b.out_names, "out");
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
            eval_frame_push(st, at->pos, bi_fmt("while evaluating attribute '%s' of derivation '%s'", key, drv_name));
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
                eval_feature_require(st, pos, "ca-derivations");
            }
        } else if (dunder && strcmp(key, "__impure") == 0) {
            if (eval_force_bool(st, v, pos, NULL)) {
                impure = true;
                eval_feature_require(st, pos, "impure-derivations");
            }
        } else if (at->name == st->s.args) {
            eval_force_list(st, v, pos, NULL);
            for (uint32_t i = 0; i < v->len; i++) {
                const StrContext *c = NULL;
                size_t len;
                const char *s = eval_coerce_to_string(st, val_list(v)[i], pos,
                                                      "while evaluating an element of the argument list",
                                                      COERCE_MORE | COERCE_COPY_TO_STORE, &c, &len);
                bi_pv_add_ctx(&b.ctx, c);
                bi_pv_push(&b.args, s);
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
            bi_pv_add_ctx(&b.ctx, c);
            if (at->name == st->s.builder) {
                const char *s = eval_force_string(st, v, pos, NULL);
                bi_pv_add_ctx(&b.ctx, v->str.ctx);
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
                    bi_pv_push(&names, eval_force_string_no_ctx(st, val_list(v)[i], pos, NULL));
                set_outputs(st, pos, &b, &names);
            }
            static const char *const checks[] = {"allowedReferences", "allowedRequisites",
                                                 "disallowedReferences", "disallowedRequisites",
                                                 "maxSize", "maxClosureSize", NULL};
            for (int k = 0; checks[k]; k++)
                if (strcmp(key, checks[k]) == 0)
                    warn_attr(st, at->pos, drv_name,
                              bi_fmt("'structuredAttrs' disables the effect of the derivation attribute '%s'; "
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
    bi_pv_sort_unique(&b.out_names);
    if (bi_has_suffix(drv_name, ".drv") &&
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
    const char *sd = bi_store_dir(st);

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
        o->hash_algo = bi_fmt("%s%s", m == FIM_RECURSIVE ? "r:" : m == FIM_TEXT ? "text:" : "",
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
    BiStore *bs = bi_state(st);
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
                               bi_fmt("while evaluating derivation '%s'\nwhose name attribute is located at %s",
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
    BiStore *b = bi_state(st);
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

/* ---------- placeholder ---------- */

static void prim_placeholder(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    /* CppNix forces the arguments of these builtins without a position (noPos): the
     * "while calling" frame shows the call */
    const char *o = eval_force_string_no_ctx(st, args[0], 0, "while evaluating the first argument passed to builtins.placeholder");
    val_make_string(out, store_hash_placeholder(o));
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
    {0},
};
