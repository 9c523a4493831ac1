/* Primop family bi_output_of: builtins.outputOf (dynamic derivations). */
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>

#include "builtins/bistore.h"
#include "builtins/builtins.h"
#include "store/path.h"
#include "util/strbuf.h"

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
        eval_feature_require(st, pos, "ca-derivations");
        store_upstream_output_hash(bi_store_dir(st), r->base, r->outputs[0], h);
        return;
    }
    Hash inner;
    derived_placeholder_hash(st, pos, r, n - 1, &inner);
    eval_feature_require(st, pos, "dynamic-derivations");
    store_computed_output_hash(&inner, r->outputs[n - 1], h);
}

/* The string CppNix renders for the first n levels of r (mkSingleDerivedPathStringRaw):
 * the path itself, an output's static path read from its .drv, or a placeholder. */
static const char *derived_render(EvalState *st, PosIdx pos, const DerivedRef *r, size_t n)
{
    if (n == 0)
        return r->base;
    if (n == 1) {
        if (!bi_has_suffix(r->base, ".drv") || !store_is_store_path(bi_store_dir(st), r->base))
            eval_error(st, ERR_EVAL, pos, "path '%s' is not a derivation", r->base);
        const char *err = NULL;
        const Derivation *d = drv_cache_get(bi_state(st)->drvs, r->base, &err);
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
    eval_feature_require(st, pos, "dynamic-derivations");
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
            inner = sb_cat3(inner, "^", r.outputs[i]);
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
    val_set_string(out, res, strlen(res), ctx_single(sb_cat3("!", output, sb_cat3("!", elem, ""))));
}

/* ---------- the table ---------- */

const PrimOp bi_output_of[] = {
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
    {0},
};
