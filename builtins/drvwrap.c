/* The `derivation` function: CppNix's derivation-internal.nix wrapper around
 * derivationStrict, evaluated as Nix, with a native fast path that builds the same
 * value without the wrapper's intermediate sets, lists and thunks. */
#include "builtins/derivation.h"

#include <gc/gc.h>
#include <string.h>

/* Traces point into this text, so its line numbers are part of the interface: CppNix's
 * own wrapper has `strict = derivationStrict drvAttrs;` on line 36 and
 * `outPath = strict.${outputName};` on line 49, and the expected error outputs of the
 * language tests show those lines. */
static const char derivation_nix[] =
    "# The `derivation` function of cnix: a wrapper around builtins.derivationStrict that\n"
    "# turns the strict attribute set of output paths into the usual derivation value:\n"
    "#\n"
    "#   - the result is the attribute set of the first output in `outputs`;\n"
    "#   - every output's set holds the original attributes, `outPath`, `drvPath`,\n"
    "#     `outputName`, `type = \"derivation\"`, every other output by name, `all`\n"
    "#     (the list of all outputs) and `drvAttrs` (the argument);\n"
    "#   - nothing is computed before an attribute is selected: derivationStrict\n"
    "#     runs when `outPath` or `drvPath` of some output is first needed.\n"
    "#\n"
    "# Example: derivation { name = \"hello\"; system = \"x86_64-linux\"; builder = \"/bin/sh\";\n"
    "#                       args = [ \"-c\" \"echo hello > $out\" ]; }\n"
    "# evaluates to a set whose outPath is /nix/store/...-hello and whose drvPath is\n"
    "# /nix/store/...-hello.drv; `nix-instantiate` writes that .drv file.\n"
    "#\n"
    "# The layout below is kept so that error positions and code frames match CppNix's\n"
    "# wrapper (traces show this file as «nix-internal»/derivation-internal.nix).\n"
    "#\n"
    "# Fast path: builtins/drvwrap.c makes this lambda's body `derivationValue (let ...\n"
    "# in ...)`. That builtin takes drvAttrs and outputs from the Env of its lazy argument\n"
    "# and builds every output's set at once, with the attributes, positions and thunks\n"
    "# (`outPath`, `drvPath`: the set below, in outputToAttrListElement's scope) that this\n"
    "# code gives them. Unless `outputs` is a non-empty list of distinct plain strings,\n"
    "# it returns its argument, evaluated as written, so that errors are CppNix's.\n"
    "# The wrapper is a function of that builtin.\n"
    "#\n"
    "derivationValue:\n"                                 /* 27 */
    "#\n"                                                /* 28 */
    "drvAttrs@{\n"                                        /* 29 */
    "  outputs ? [ \"out\" ],\n"                          /* 30 */
    "  ...\n"                                             /* 31 */
    "}:\n"                                                /* 32 */
    "\n"                                                  /* 33 */
    "let\n"                                               /* 34 */
    "\n"                                                  /* 35 */
    "  strict = derivationStrict drvAttrs;\n"             /* 36 */
    "\n"                                                  /* 37 */
    "  perOutput = builtins.map outputToAttrListElement outputs;\n" /* 38 */
    "\n"                                                  /* 39 */
    "  commonAttrs = drvAttrs // builtins.listToAttrs perOutput // {\n" /* 40 */
    "    all = builtins.map (o: o.value) perOutput;\n"             /* 41 */
    "    inherit drvAttrs;\n"                             /* 42 */
    "  };\n"                                              /* 43 */
    "\n"                                                  /* 44 */
    "  outputToAttrListElement = outputName: {\n"         /* 45 */
    "    name = outputName;\n"                            /* 46 */
    "    # one output's view of the derivation\n"         /* 47 */
    "    value = commonAttrs // {\n"                      /* 48 */
    "      outPath = strict.${outputName};\n"             /* 49 */
    "      drvPath = strict.drvPath;\n"                   /* 50 */
    "      type = \"derivation\";\n"                      /* 51 */
    "      inherit outputName;\n"                         /* 52 */
    "    };\n"                                            /* 53 */
    "  };\n"                                              /* 54 */
    "\n"                                                  /* 55 */
    "in\n"                                                /* 56 */
    "(builtins.head perOutput).value\n";                  /* 57 */

/* What the fast path needs from the parsed wrapper; found once, when it is loaded. */
typedef struct WrapInfo {
    ExprAttrs *view;          /* `{ outPath = ...; drvPath = ...; type = ...; inherit outputName; }` */
    Expr *strict;             /* `derivationStrict drvAttrs` */
    uint32_t strict_slot;     /* the slot of strict in the let's Env */
    uint32_t drv_attrs_slot;  /* slots of drvAttrs and outputs in the wrapper lambda's Env */
    uint32_t outputs_slot;
    PosIdx pos_value;         /* where listToAttrs's attributes (one per output) are defined */
    PosIdx pos_all, pos_drv_attrs;
    Symbol s_all, s_drv_attrs;
} WrapInfo;

static AttrDef *find_def(ExprAttrs *a, Symbol name)
{
    for (uint32_t i = 0; a && i < a->nattrs; i++)
        if (a->attrs[i].name == name)
            return &a->attrs[i];
    return NULL;
}

static ExprAttrs *as_attrs(Expr *e)
{
    return e && e->kind == EXPR_ATTRS && !((ExprAttrs *)e)->rec && !((ExprAttrs *)e)->ndyn ? (ExprAttrs *)e
                                                                                         : NULL;
}

/* Fills *w from the tree of the wrapper (`derivationValue: drvAttrs@{...}: LET`) and
 * makes the body `derivationValue LET`; false (tree untouched) if the text does not
 * have the expected shape. */
static bool wrap_prepare(EvalState *st, Expr *outer_e, WrapInfo *w)
{
    SymTab *t = st->symbols;
    if (outer_e->kind != EXPR_LAMBDA)
        return false;
    ExprLambda *outer = (ExprLambda *)outer_e;
    if (!outer->arg || outer->formals || outer->body->kind != EXPR_LAMBDA)
        return false;
    ExprLambda *lam = (ExprLambda *)outer->body;
    if (!lam->arg || !lam->formals || lam->body->kind != EXPR_LET)
        return false;
    /* The lambda's Env: its @-name in slot 0, then the formals in their (sorted) order. */
    w->drv_attrs_slot = 0;
    w->outputs_slot = UINT32_MAX;
    for (uint32_t i = 0; i < lam->formals->n; i++)
        if (lam->formals->items[i].name == st->s.outputs)
            w->outputs_slot = 1 + i;
    if (w->outputs_slot == UINT32_MAX)
        return false;
    ExprLet *let = (ExprLet *)lam->body;
    AttrDef *strict = find_def(let->attrs, sym_intern_cstr(t, "strict"));
    AttrDef *common = find_def(let->attrs, sym_intern_cstr(t, "commonAttrs"));
    AttrDef *to_elem = find_def(let->attrs, sym_intern_cstr(t, "outputToAttrListElement"));
    if (!strict || !common || !to_elem || to_elem->e->kind != EXPR_LAMBDA || let->attrs->ninherit_from ||
        strict->kind != ATTR_PLAIN)
        return false;
    w->strict = strict->e;
    w->strict_slot = strict->displ;
    /* commonAttrs = drvAttrs // listToAttrs perOutput // { all = ...; inherit drvAttrs; } */
    Expr *c = common->e;
    while (c->kind == EXPR_BINOP && ((ExprBinOp *)c)->op == OP_UPDATE)
        c = ((ExprBinOp *)c)->rhs;
    w->s_all = sym_intern_cstr(t, "all");
    w->s_drv_attrs = lam->arg;
    AttrDef *all = find_def(as_attrs(c), w->s_all), *da = find_def(as_attrs(c), w->s_drv_attrs);
    /* outputToAttrListElement = outputName: { name = outputName; value = commonAttrs // VIEW; } */
    ExprLambda *te = (ExprLambda *)to_elem->e;
    AttrDef *value = find_def(as_attrs(te->body), st->s.value);
    if (!all || !da || !value || te->formals || !te->arg || te->env_size != 1 ||
        value->e->kind != EXPR_BINOP || ((ExprBinOp *)value->e)->op != OP_UPDATE)
        return false;
    w->view = as_attrs(((ExprBinOp *)value->e)->rhs);
    if (!w->view)
        return false;
    w->pos_value = value->pos;
    w->pos_all = all->pos;
    w->pos_drv_attrs = da->pos;

    /* LET -> derivationValue LET (LET being the lambda's body, `let ... in ...`): the
     * variable is the outer lambda's argument, one Env up from the wrapper lambda's. */
    ExprVar *fn = GC_MALLOC(sizeof *fn);
    fn->base.kind = EXPR_VAR;
    fn->base.pos = let->base.pos;
    fn->name = outer->arg;
    fn->level = 1;
    fn->displ = 0;
    ExprCall *call = GC_MALLOC(sizeof *call);
    call->base.kind = EXPR_CALL;
    call->base.pos = let->base.pos;
    call->fn = &fn->base;
    call->args = GC_MALLOC(sizeof *call->args);
    call->args[0] = &let->base;
    call->nargs = 1;
    lam->body = &call->base;
    return true;
}

/* Attributes pushed with a rank: for equal names the highest rank wins, as the
 * right-hand side of `//` does. */
typedef struct RankedAttr {
    Attr a;
    uint32_t rank;
} RankedAttr;

static void ranked_sort(RankedAttr *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        RankedAttr x = v[i];
        uint32_t j = i;
        while (j > 0 && (v[j - 1].a.name > x.a.name || (v[j - 1].a.name == x.a.name && v[j - 1].rank > x.rank))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* drvAttrs // ovl, where ovl is sorted by name with unique names. */
static Bindings *merge_over(EvalState *st, const Bindings *d, const Attr *ovl, uint32_t no)
{
    uint32_t n = 0, i = 0, j = 0;
    while (i < d->size || j < no) {
        if (j == no || (i < d->size && d->attrs[i].name < ovl[j].name))
            i++;
        else {
            if (i < d->size && d->attrs[i].name == ovl[j].name)
                i++;
            j++;
        }
        n++;
    }
    Bindings *b = attrs_alloc(st, n);
    i = j = 0;
    while (i < d->size || j < no) {
        if (j == no || (i < d->size && d->attrs[i].name < ovl[j].name))
            b->attrs[b->size++] = d->attrs[i++];
        else {
            if (i < d->size && d->attrs[i].name == ovl[j].name)
                i++;
            b->attrs[b->size++] = ovl[j++];
        }
    }
    return b;
}

/* The checks under which the fast path gives what the Nix code would. Forcing
 * `outputs` and its elements may throw: the caller then falls back to the Nix code,
 * which forces them again (a failed thunk re-raises its error with the trace it
 * would have had). */
static bool outputs_plain(EvalState *st, Value *outputs, Symbol *names)
{
    eval_force(st, outputs, 0);
    if (outputs->type != T_LIST || outputs->len == 0)
        return false;
    for (uint32_t i = 0; i < outputs->len; i++) {
        Value *e = val_list(outputs)[i];
        eval_force(st, e, 0);
        if (e->type != T_STRING || e->str.ctx)
            return false;
        /* interned in list order, as listToAttrs does */
        names[i] = sym_intern(st->symbols, val_str(e), e->len);
        for (uint32_t k = 0; k < i; k++)
            if (names[k] == names[i])
                return false;
    }
    return true;
}

static bool try_outputs_plain(EvalState *st, Value *outputs, Symbol *names)
{
    TryFrame tf;
    if (EVAL_TRY(st, &tf)) {
        bool plain = outputs_plain(st, outputs, names);
        eval_try_leave(st, &tf);
        return plain;
    }
    if (tf.error->kind == ERR_INTERRUPTED || tf.error->kind == ERR_OOM)
        eval_rethrow(st, tf.error);
    return false;
}

/* derivationValue INFO BODY: the value of the wrapper's body, BODY being its lazy
 * `let ... in (builtins.head perOutput).value` in the Env of a call of the wrapper. */
static void prim_derivation_value(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const WrapInfo *w = args[0]->external.ptr;
    Value *body = args[1];
    if (body->type != T_THUNK)
        goto slow;
    Env *lam_env = body->thunk.env;
    Value *drv_attrs = lam_env->values[w->drv_attrs_slot], *outputs = lam_env->values[w->outputs_slot];
    if (!drv_attrs || !outputs || drv_attrs->type != T_ATTRS)
        goto slow;
    Symbol names_inl[8], *names = names_inl;
    if (outputs->type == T_LIST && outputs->len > 8)
        names = GC_MALLOC_ATOMIC(outputs->len * sizeof *names);
    if (!try_outputs_plain(st, outputs, names))
        goto slow;

    /* The let's Env, with only what the views use: `strict` (the other bindings build
     * the value the slow way). */
    uint32_t let_size = w->strict_slot + 1; /* no later slot is looked at */
    Env *let_env = eval_scope_new(st, lam_env, let_size);
    for (uint32_t i = 0; i < w->strict_slot; i++)
        let_env->values[i] = val_null(st);
    let_env->values[w->strict_slot] = eval_thunk_new(st, let_env, w->strict);

    uint32_t n = outputs->len;
    Value **vals = val_list_alloc(st, n); /* also the `all` list */
    for (uint32_t i = 0; i < n; i++)
        vals[i] = val_alloc(st);
    Value *all = val_alloc(st);
    val_set_list(all, vals, n);
    /* drvAttrs // listToAttrs outputs // { all; drvAttrs; } // VIEW, VIEW being
     * outputToAttrListElement's set for output i: ranks 0, 1, 2 for the right-hand sides */
    uint32_t cap = n + 2 + w->view->nattrs;
    RankedAttr ovl_inl[16], *ovl = cap <= 16 ? ovl_inl : GC_MALLOC(cap * sizeof *ovl);
    for (uint32_t i = 0; i < n; i++) {
        /* the Env of a call of outputToAttrListElement */
        Env *oe = eval_scope_new(st, let_env, 1);
        oe->values[0] = val_list(outputs)[i];
        Value view;
        eval_in_scope(st, oe, &w->view->base, &view);
        uint32_t k = 0;
        for (uint32_t j = 0; j < n; j++)
            ovl[k++] = (RankedAttr){{names[j], w->pos_value, vals[j]}, 0};
        ovl[k++] = (RankedAttr){{w->s_all, w->pos_all, all}, 1};
        ovl[k++] = (RankedAttr){{w->s_drv_attrs, w->pos_drv_attrs, drv_attrs}, 1};
        Bindings *vb = val_attrs(&view);
        for (uint32_t j = 0; j < vb->size; j++)
            ovl[k++] = (RankedAttr){vb->attrs[j], 2};
        ranked_sort(ovl, k);
        /* keep the last (highest-ranked) of each run of equal names */
        Attr ovl_attrs_inl[16], *oa = k <= 16 ? ovl_attrs_inl : GC_MALLOC(k * sizeof *oa);
        uint32_t m = 0;
        for (uint32_t j = 0; j < k; j++) {
            if (j + 1 < k && ovl[j + 1].a.name == ovl[j].a.name)
                continue;
            oa[m++] = ovl[j].a;
        }
        Bindings *b = merge_over(st, val_attrs(drv_attrs), oa, m);
        b->pos = vb->pos;
        val_set_attrs(vals[i], b);
    }
    *out = *vals[0];
    return;
slow:
    eval_force(st, body, pos);
    *out = *body;
}

static const PrimOp derivation_value_op = {
    "derivationValue", 2, PRIM_NO_TRACE, "info body",
    "The body of the `derivation` wrapper, built natively (internal).", prim_derivation_value,
};

Value *bi_drvwrap_load(EvalState *st, PosIdx pos)
{
    const Source *src = pos_add_source(st->positions, SRC_FILE, "«nix-internal»/derivation-internal.nix", "/",
                                       derivation_nix, sizeof derivation_nix - 1);
    Expr *e = eval_parse_source(st, src);
    WrapInfo *w = GC_MALLOC(sizeof *w);
    Value *fn = val_alloc(st), *info = val_alloc(st), *app = val_alloc(st);
    if (wrap_prepare(st, e, w)) {
        fn->type = T_PRIMOP;
        fn->primop = &derivation_value_op;
        info->type = T_EXTERNAL;
        info->external.ptr = w;
        info->external.type_name = "derivation wrapper";
        app->type = T_PRIMOP_APP;
        app->primop_app.left = fn;
        app->primop_app.right = info;
    } else {
        val_set_null(app); /* unused: the body stays the Nix code */
    }
    Value outer, *v = val_alloc(st);
    eval_expr(st, e, &outer);
    eval_force(st, &outer, pos);
    eval_call(st, &outer, 1, &app, v, pos);
    return v;
}
