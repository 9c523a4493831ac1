/* The binder: resolves every variable to (level, slot) or to a `with` lookup, once per tree. */
#include "eval/internal.h"

#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>

typedef enum ScopeKind { SC_ATTRS, SC_LAMBDA, SC_INDEX, SC_WITH, SC_EMPTY } ScopeKind;

/* A compile-time scope; one per runtime Env, in the same nesting. */
typedef struct Scope {
    const struct Scope *up;
    ScopeKind kind;
    const ExprAttrs *attrs;     /* SC_ATTRS: names sorted by symbol, slot = index */
    const ExprLambda *lambda;   /* SC_LAMBDA */
    const ScopeIndex *index;    /* SC_INDEX */
} Scope;

typedef struct Binder {
    EvalState *st;
} Binder;

static void bind(Binder *b, Expr *e, const Scope *sc);

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

ScopeIndex bind_index_new(EvalState *st, const Symbol *syms, uint32_t n)
{
    (void)st;
    ScopeIndex ix;
    /* Sort (symbol, slot) pairs by symbol, packed into 64-bit keys. */
    uint64_t *pairs = GC_MALLOC_ATOMIC((n ? n : 1) * sizeof(uint64_t));
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (syms[i])
            pairs[k++] = ((uint64_t)syms[i] << 32) | i;
    qsort(pairs, k, sizeof(uint64_t), u64_cmp);
    ix.n = k;
    ix.syms = GC_MALLOC_ATOMIC((k ? k : 1) * sizeof(Symbol));
    ix.displ = GC_MALLOC_ATOMIC((k ? k : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < k; i++) {
        ix.syms[i] = (Symbol)(pairs[i] >> 32);
        ix.displ[i] = (uint32_t)pairs[i];
    }
    return ix;
}

static int index_find(const ScopeIndex *ix, Symbol s)
{
    uint32_t lo = 0, hi = ix->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (ix->syms[mid] == s)
            return (int)ix->displ[mid];
        if (ix->syms[mid] < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Slot of name in a static scope, or -1. */
static int scope_find(const Scope *sc, Symbol name)
{
    switch (sc->kind) {
    case SC_ATTRS: {
        const ExprAttrs *a = sc->attrs;
        uint32_t lo = 0, hi = a->nattrs;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (a->attrs[mid].name == name)
                return (int)mid;
            if (a->attrs[mid].name < name)
                lo = mid + 1;
            else
                hi = mid;
        }
        return -1;
    }
    case SC_LAMBDA: {
        const ExprLambda *l = sc->lambda;
        if (l->arg && l->arg == name)
            return 0;
        if (l->formals) {
            uint32_t off = l->arg ? 1 : 0;
            for (uint32_t i = 0; i < l->formals->n; i++)
                if (l->formals->items[i].name == name)
                    return (int)(off + i);
        }
        return -1;
    }
    case SC_INDEX:
        return index_find(sc->index, name);
    default:
        return -1;
    }
}

static void bind_var(Binder *b, ExprVar *v, const Scope *sc)
{
    uint32_t level = 0;
    int with_level = -1;
    for (const Scope *s = sc; s; s = s->up, level++) {
        if (s->kind == SC_WITH) {
            if (with_level < 0)
                with_level = (int)level;
            continue;
        }
        int d = scope_find(s, v->name);
        if (d >= 0) {
            v->from_with = false;
            v->level = level;
            v->displ = (uint32_t)d;
            return;
        }
    }
    if (with_level < 0)
        eval_error(b->st, ERR_UNDEFINED_VAR, v->base.pos, "undefined variable '%s'",
                   sym_name(b->st->symbols, v->name));
    v->from_with = true;
    v->level = (uint32_t)with_level;
    v->displ = 0;
}

static void bind_path(Binder *b, AttrName *path, uint32_t n, const Scope *sc)
{
    for (uint32_t i = 0; i < n; i++)
        if (!path[i].sym && path[i].expr)
            bind(b, path[i].expr, sc);
}

/* `inherit (src) a` values are selects from a slot of an extra env holding the
 * sources, so each source is evaluated once. */
static void bind_inherit_from(Binder *b, ExprAttrs *a, const Scope *src_scope)
{
    for (uint32_t i = 0; i < a->ninherit_from; i++)
        bind(b, a->inherit_from[i], src_scope);
    for (uint32_t i = 0; i < a->nattrs; i++) {
        AttrDef *d = &a->attrs[i];
        if (d->kind != ATTR_INHERITED_FROM)
            continue;
        ExprSelect *sel = (ExprSelect *)d->e;
        ExprVar *v = GC_MALLOC(sizeof *v);
        v->base.kind = EXPR_VAR;
        v->base.pos = sel->e ? sel->e->pos : d->pos;
        v->name = 0;
        v->from_with = false;
        v->level = 0;
        v->displ = d->from_index;
        sel->e = &v->base;
    }
}

static void bind_attrs(Binder *b, ExprAttrs *a, const Scope *sc)
{
    if (a->rec) {
        Scope rs = {sc, SC_ATTRS, a, NULL, NULL};
        for (uint32_t i = 0; i < a->nattrs; i++) {
            AttrDef *d = &a->attrs[i];
            d->displ = i;
            if (d->kind == ATTR_PLAIN)
                bind(b, d->e, &rs);
            else if (d->kind == ATTR_INHERITED)
                bind(b, d->e, sc);
        }
        bind_inherit_from(b, a, &rs);
        for (uint32_t i = 0; i < a->ndyn; i++) {
            bind(b, a->dyn[i].name_expr, &rs);
            bind(b, a->dyn[i].value, &rs);
        }
    } else {
        for (uint32_t i = 0; i < a->nattrs; i++) {
            AttrDef *d = &a->attrs[i];
            d->displ = i;
            if (d->kind != ATTR_INHERITED_FROM)
                bind(b, d->e, sc);
        }
        bind_inherit_from(b, a, sc);
        for (uint32_t i = 0; i < a->ndyn; i++) {
            bind(b, a->dyn[i].name_expr, sc);
            bind(b, a->dyn[i].value, sc);
        }
    }
}

/* CppNix parses a - b, -a, a * b, a / b and the comparisons as calls of the variables __sub,
 * __mul, __div and __lessThan, so a binding of that name in an enclosing let, rec set,
 * function or scopedImport scope replaces the operator (a `with` cannot: the builtin is
 * lexically bound). Returns the overriding name's symbol, or 0 in the usual case. */
static Symbol op_overridden(Binder *b, const ExprBinOp *x, const Scope *sc)
{
    const char *name;
    switch ((BinOp)x->op) {
    case OP_SUB: name = "__sub"; break;
    case OP_MUL: name = "__mul"; break;
    case OP_DIV: name = "__div"; break;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: name = "__lessThan"; break;
    default: return 0;
    }
    Symbol sym = sym_lookup(b->st->symbols, name, strlen(name));
    for (const Scope *s = sc; sym && s && s->up; s = s->up) /* the outermost scope is the base */
        if (s->kind != SC_WITH && scope_find(s, sym) >= 0)
            return sym;
    return 0;
}

/* Turns an overridden operator node, in place, into the call CppNix builds for it:
 * (__sub a b), (__lessThan b a) for a > b, (! (__lessThan a b)) for a >= b, and so on. */
static void rewrite_op_as_call(ExprBinOp *x, Symbol name)
{
    _Static_assert(sizeof(ExprCall) <= sizeof(ExprBinOp) && sizeof(ExprNot) <= sizeof(ExprBinOp),
                   "operator nodes are rewritten in place");
    BinOp op = (BinOp)x->op;
    PosIdx pos = x->base.pos;
    bool swap = op == OP_GT || op == OP_LE;
    ExprVar *fn = GC_MALLOC(sizeof *fn);
    fn->base.kind = EXPR_VAR;
    fn->base.pos = pos;
    fn->name = name;
    Expr **args = GC_MALLOC(2 * sizeof(Expr *));
    args[0] = swap ? x->rhs : x->lhs;
    args[1] = swap ? x->lhs : x->rhs;
    ExprCall *call = op == OP_LE || op == OP_GE ? GC_MALLOC(sizeof(ExprCall)) : (ExprCall *)x;
    if (call != (ExprCall *)x) {
        ExprNot *n = (ExprNot *)x;
        n->base.kind = EXPR_NOT;
        n->e = &call->base;
    }
    call->base.kind = EXPR_CALL;
    call->base.pos = pos;
    call->fn = &fn->base;
    call->args = args;
    call->nargs = 2;
}

/* Preallocates the Value of a literal so evaluation never allocates for it. */
static Value *literal_value(Binder *b)
{
    return val_alloc(b->st);
}

static void bind(Binder *b, Expr *e, const Scope *sc)
{
    if (!e)
        return;
    switch ((ExprKind)e->kind) {
    case EXPR_INT: {
        ExprInt *x = (ExprInt *)e;
        Value *v = literal_value(b);
        val_set_int(v, x->value);
        x->cache = v;
        break;
    }
    case EXPR_FLOAT: {
        ExprFloat *x = (ExprFloat *)e;
        Value *v = literal_value(b);
        val_set_float(v, x->value);
        x->cache = v;
        break;
    }
    case EXPR_STRING: {
        ExprString *x = (ExprString *)e;
        Value *v = literal_value(b);
        val_set_string(v, x->s, x->len, NULL);
        x->cache = v;
        break;
    }
    case EXPR_PATH: {
        ExprPath *x = (ExprPath *)e;
        Value *v = literal_value(b);
        val_set_path(v, x->path);
        x->cache = v;
        break;
    }
    case EXPR_VAR:
        bind_var(b, (ExprVar *)e, sc);
        break;
    case EXPR_SELECT: {
        ExprSelect *x = (ExprSelect *)e;
        bind(b, x->e, sc);
        bind_path(b, x->path, x->npath, sc);
        bind(b, x->def, sc);
        break;
    }
    case EXPR_HAS_ATTR: {
        ExprHasAttr *x = (ExprHasAttr *)e;
        bind(b, x->e, sc);
        bind_path(b, x->path, x->npath, sc);
        break;
    }
    case EXPR_ATTRS:
        bind_attrs(b, (ExprAttrs *)e, sc);
        break;
    case EXPR_LIST: {
        ExprList *x = (ExprList *)e;
        for (uint32_t i = 0; i < x->n; i++)
            bind(b, x->elems[i], sc);
        break;
    }
    case EXPR_LAMBDA: {
        ExprLambda *x = (ExprLambda *)e;
        x->env_size = (x->arg ? 1 : 0) + (x->formals ? x->formals->n : 0);
        Scope ls = {sc, SC_LAMBDA, NULL, x, NULL};
        if (x->formals)
            for (uint32_t i = 0; i < x->formals->n; i++)
                bind(b, x->formals->items[i].def, &ls);
        bind(b, x->body, &ls);
        break;
    }
    case EXPR_CALL: {
        ExprCall *x = (ExprCall *)e;
        bind(b, x->fn, sc);
        for (uint32_t i = 0; i < x->nargs; i++)
            bind(b, x->args[i], sc);
        break;
    }
    case EXPR_LET: {
        ExprLet *x = (ExprLet *)e;
        ExprAttrs *a = x->attrs;
        Scope ls = {sc, SC_ATTRS, a, NULL, NULL};
        for (uint32_t i = 0; i < a->nattrs; i++) {
            AttrDef *d = &a->attrs[i];
            d->displ = i;
            if (d->kind == ATTR_PLAIN)
                bind(b, d->e, &ls);
            else if (d->kind == ATTR_INHERITED)
                bind(b, d->e, sc);
        }
        bind_inherit_from(b, a, &ls);
        bind(b, x->body, &ls);
        break;
    }
    case EXPR_WITH: {
        ExprWith *x = (ExprWith *)e;
        bind(b, x->attrs, sc);
        uint32_t hops = 1;
        x->prev_with = 0;
        for (const Scope *s = sc; s; s = s->up, hops++)
            if (s->kind == SC_WITH) {
                x->prev_with = hops;
                break;
            }
        Scope ws = {sc, SC_WITH, NULL, NULL, NULL};
        bind(b, x->body, &ws);
        break;
    }
    case EXPR_IF: {
        ExprIf *x = (ExprIf *)e;
        bind(b, x->cond, sc);
        bind(b, x->then, sc);
        bind(b, x->else_, sc);
        break;
    }
    case EXPR_ASSERT: {
        ExprAssert *x = (ExprAssert *)e;
        bind(b, x->cond, sc);
        bind(b, x->body, sc);
        break;
    }
    case EXPR_NOT:
        bind(b, ((ExprNot *)e)->e, sc);
        break;
    case EXPR_BINOP: {
        ExprBinOp *x = (ExprBinOp *)e;
        Symbol over = op_overridden(b, x, sc);
        if (over) {
            rewrite_op_as_call(x, over);
            bind(b, e, sc);
            break;
        }
        bind(b, x->lhs, sc);
        bind(b, x->rhs, sc);
        break;
    }
    case EXPR_CONCAT_STRINGS: {
        ExprConcatStrings *x = (ExprConcatStrings *)e;
        for (uint32_t i = 0; i < x->nparts; i++)
            bind(b, x->parts[i], sc);
        break;
    }
    case EXPR_POS:
        break;
    }
}

void bind_expr(EvalState *st, Expr *e, const ScopeIndex *extra)
{
    Binder b = {st};
    Scope base = {NULL, SC_INDEX, NULL, NULL, &eval_priv(st)->base};
    Scope ext = {&base, SC_INDEX, NULL, NULL, extra};
    bind(&b, e, extra ? &ext : &base);
}

void eval_bind(EvalState *st, Expr *e)
{
    bind_expr(st, e, NULL);
}
