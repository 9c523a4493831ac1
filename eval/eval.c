/* The AST walker: environments, thunks, forcing, attribute sets, selection, operators. */
#include "eval/walk.h"

#include <stdlib.h>

/* The argument of stack environment en, moved to the heap if it is en's own. */
NOINLINE Value *eval_local_keep(EvalState *st, Env *en)
{
    StackEnv *se = (StackEnv *)(void *)en;
    Value *v = en->values[0];
    if (v != &se->local)
        return v;
    Value *h = eval_alloc_value(st);
    *h = *v;
    en->values[0] = h;
    return h;
}

NOINLINE Env *eval_env_promote(EvalState *st, Env *env)
{
    StackEnv *se = (StackEnv *)(void *)env;
    if (se->heap)
        return se->heap;
    Env *h = eval_alloc_cell(st, &eval_priv(st)->free_env32, 31); /* counted in stats when it was made */
    h->up = eval_env_keep(st, env->up);
    h->size = 1;
    h->is_with = 0;
    h->values[0] = eval_local_keep(st, env);
    se->heap = h;
    return h;
}

static inline Value *new_thunk(EvalState *st, Env *env, Expr *e)
{
    st->stats.thunks++;
    Value *v = eval_alloc_value(st);
    v->type = T_THUNK;
    v->thunk.env = eval_env_keep(st, env);
    v->thunk.expr = e;
    return v;
}

/* ---------- variables ---------- */

static NOINLINE Value *lookup_with(EvalState *st, Env *env, ExprVar *var)
{
    for (uint32_t l = var->level; l; l--)
        env = env->up;
    for (;;) {
        Value *sv = env->values[0];
        eval_force(st, sv, var->base.pos);
        if (sv->type != T_ATTRS)
            eval_type_error(st, var->base.pos, "a set", sv, NULL);
        Attr *a = attrs_find(sv->attrs, var->name);
        if (a)
            return a->value;
        uint32_t hops = env->is_with - 1;
        if (!hops)
            break;
        while (hops--)
            env = env->up;
    }
    eval_error(st, ERR_UNDEFINED_VAR, var->base.pos, "undefined variable '%s'",
               sym_name(st->symbols, var->name));
}

static inline Value *lookup_var(EvalState *st, Env *env, ExprVar *var)
{
    if (__builtin_expect(var->from_with, 0))
        return lookup_with(st, env, var);
    for (uint32_t l = var->level; l; l--)
        env = env->up;
    return env->values[var->displ];
}

static inline Value *int_value(EvalState *st, int64_t i)
{
    if (i >= SMALL_INT_MIN && i <= SMALL_INT_MAX) {
        uint32_t k = (uint32_t)(i - SMALL_INT_MIN);
        return &eval_priv(st)->small_ints[k / SMALL_INT_CHUNK][k % SMALL_INT_CHUNK];
    }
    Value *v = eval_alloc_value(st);
    val_set_int(v, i);
    return v;
}

/* Speculative strict evaluation of integer arithmetic and comparisons whose operands are
 * already evaluated: it cannot fail, loop or have effects (on overflow we give up), so doing
 * it now instead of allocating a thunk is unobservable. Only with a variable operand
 * (`n - 1`): constant expressions stay thunks, as in CppNix, so unforced values print the
 * same (<CODE>, «thunk»). NULL when it does not apply. */
static Value *try_eager(EvalState *st, Env *env, ExprBinOp *x)
{
    /* eval_eager_ok, its operator test last: most attempts end at an unevaluated operand */
    if (x->lhs->kind != EXPR_VAR && x->rhs->kind != EXPR_VAR)
        return NULL;
    Value *a = eval_immediate(env, x->lhs);
    if (!a || a->type != T_INT)
        return NULL;
    Value *b = eval_immediate(env, x->rhs);
    if (!b || b->type != T_INT || !((1u << x->op) & EAGER_OPS))
        return NULL;
    int64_t r;
    switch (eval_int_op((BinOp)x->op, a->integer, b->integer, &r)) {
    case INT_INT: return int_value(st, r);
    case INT_BOOL: return r ? eval_priv(st)->v_true : eval_priv(st)->v_false;
    default: return NULL;
    }
}

Value *eval_lazy(EvalState *st, Env *env, Expr *e)
{
    switch (e->kind) {
    case EXPR_BINOP: {
        Value *v = try_eager(st, env, (ExprBinOp *)e);
        if (v)
            return v;
        break;
    }
    case EXPR_INT:
        return ((ExprInt *)e)->cache;
    case EXPR_FLOAT:
        return ((ExprFloat *)e)->cache;
    case EXPR_STRING:
        return ((ExprString *)e)->cache;
    case EXPR_PATH:
        return ((ExprPath *)e)->cache;
    case EXPR_VAR: {
        ExprVar *var = (ExprVar *)e;
        if (var->from_with)
            break;
        Env *en = env;
        for (uint32_t l = var->level; l; l--)
            en = en->up;
        Value *v = en->values[var->displ];
        if (v) {
            st->stats.avoided++;
            if (__builtin_expect(en->is_with == ENV_STACK, 0))
                v = eval_local_keep(st, en);
            return v;
        }
        break; /* a recursive binding not yet created */
    }
    default:
        break;
    }
    return new_thunk(st, env, e);
}

/* ---------- forcing ---------- */

static NOINLINE _Noreturn void infinite_recursion(EvalState *st, Value *v, PosIdx pos)
{
    uint32_t at = v->len, floor = st->try_top ? st->try_top->saved_frames : 0;
    if (at >= floor && at <= st->nframes) {
        eval_frame_push(st, 0, "");
        memmove(&st->frames[at + 1], &st->frames[at], (st->nframes - 1 - at) * sizeof(TraceEntry));
        st->frames[at] = (TraceEntry){0, "entering the infinite recursion", TRACE_ALWAYS};
    }
    eval_error(st, ERR_INFINITE_RECURSION, pos, "infinite recursion encountered");
}

/* Zeroes the stack just below the caller's frame. The collector scans stacks
 * conservatively: frames of a later, deeper evaluation reuse this area without
 * initialising every slot, and stale pointers left there by a big evaluation
 * kept its garbage alive (bench fixpoint: each level of the 1715-deep `level`
 * recursion retained the 12000-attribute `self // {...}` set built at that depth:
 * 320 MB peak, 3.0 s user; with this 101 MB, 1.3 s). */
static NOINLINE void clear_stack_below(void)
{
    volatile char buf[2048];
    memset((char *)buf, 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

/* Pointer-array slots (attribute and list elements) allocated so far. */
static inline uint64_t big_allocs(const EvalState *st)
{
    return st->stats.attr_slots + st->stats.list_elems;
}

static NOINLINE void force_slow(EvalState *st, Value *v, PosIdx pos)
{
    if (v->type == T_BLACKHOLE)
        infinite_recursion(st, v, pos);
    if (v->type == T_FAILED)
        eval_rethrow_failed(st, v);
    Value tmp;
    uint64_t allocs = big_allocs(st);
    v->len = st->nframes; /* where "entering the infinite recursion" goes, if it comes to that */
    if (v->type == T_THUNK) {
        v->flags = T_THUNK;
        v->type = T_BLACKHOLE;
        eval_forcing_push(st, v);
        eval_in(st, v->thunk.env, v->thunk.expr, &tmp);
    } else {
        v->flags = T_APP;
        v->type = T_BLACKHOLE;
        eval_forcing_push(st, v);
        eval_call_app(st, v, pos, &tmp);
    }
    eval_forcing_pop(st);
    if (tmp.type != T_STRING && tmp.type != T_LIST)
        tmp.flags = 0; /* a string's or list's flags say whether it is a rope */
    *v = tmp;
    if (__builtin_expect(big_allocs(st) - allocs >= 512, 0))
        clear_stack_below(); /* only after big allocations: it costs ~60 instructions */
}

void eval_force(EvalState *st, Value *v, PosIdx pos)
{
    if (__builtin_expect(val_is_thunk(v), 0))
        force_slow(st, v, pos);
}

#define FORCE(st, v, pos)                                                                        \
    do {                                                                                         \
        if (__builtin_expect(val_is_thunk(v), 0))                                                \
            force_slow((st), (v), (pos));                                                        \
    } while (0)

static NOINLINE _Noreturn void uninitialised_var(EvalState *st, Expr *e);

/* The value of a variable, forced in place (as eval_in does, without the copy). */
static inline Value *force_var(EvalState *st, Env *env, Expr *e)
{
    Value *v = lookup_var(st, env, (ExprVar *)e);
    if (__builtin_expect(!v, 0))
        uninitialised_var(st, e);
    FORCE(st, v, e->pos);
    return v;
}

/* ---------- attribute sets ---------- */

static Symbol attr_name_sym(EvalState *st, Env *env, AttrName *an, bool *is_null)
{
    *is_null = false;
    if (an->sym)
        return an->sym;
    Value v;
    eval_frame_push(st, an->expr->pos, "while evaluating an attribute name");
    eval_in(st, env, an->expr, &v);
    if (v.type == T_NULL) {
        eval_frame_pop(st);
        *is_null = true;
        return 0;
    }
    if (v.type != T_STRING)
        eval_type_error(st, an->expr->pos, "a string", &v, NULL);
    eval_frame_pop(st);
    return sym_intern(st->symbols, val_str(&v), v.len);
}

/* Adds the dynamic attributes of a to b (which has room), evaluated in env. */
static void add_dynamic_attrs(EvalState *st, ExprAttrs *a, Env *env, Env *venv, Bindings *b)
{
    for (uint32_t i = 0; i < a->ndyn; i++) {
        DynAttrDef *d = &a->dyn[i];
        Value nv;
        eval_in(st, env, d->name_expr, &nv);
        if (nv.type == T_NULL)
            continue;
        if (nv.type != T_STRING) {
            eval_frame_push(st, d->name_expr->pos, "while evaluating the name of a dynamic attribute");
            eval_type_error(st, d->name_expr->pos, "a string", &nv, NULL);
        }
        Symbol s = sym_intern(st->symbols, val_str(&nv), nv.len);
        for (uint32_t j = 0; j < b->size; j++)
            if (b->attrs[j].name == s) {
                Pos p = pos_get(st->positions, b->attrs[j].pos);
                StrBuf where;
                sb_init(&where);
                if (p.src && p.src->kind == SRC_FILE)
                    sb_printf(&where, "%s:%u:%u", p.src->path, p.line, p.col);
                else if (p.src)
                    sb_printf(&where, "%s:%u:%u", p.src->kind == SRC_STDIN ? "«stdin»" : "«string»",
                              p.line, p.col);
                eval_error(st, ERR_EVAL, d->pos, "dynamic attribute '%s' already defined at %s",
                           sym_name(st->symbols, s), where.data);
            }
        attrs_push(b, s, d->pos, eval_lazy(st, venv, d->value));
    }
    attrs_sort(b);
}

static Env *inherit_env(EvalState *st, ExprAttrs *a, Env *env)
{
    Env *ie = eval_env_alloc(st, env, a->ninherit_from);
    for (uint32_t i = 0; i < a->ninherit_from; i++)
        ie->values[i] = eval_lazy(st, env, a->inherit_from[i]);
    return ie;
}

static void eval_overrides(EvalState *st, Env *renv, ExprAttrs *a, Bindings **bp);

static NOINLINE void eval_attrs(EvalState *st, Env *env, ExprAttrs *a, Value *out)
{
    Bindings *b = attrs_alloc(st, a->nattrs + a->ndyn);
    b->pos = a->base.pos;
    if (a->rec) {
        Env *renv = eval_env_alloc(st, env, a->nattrs);
        Env *ienv = a->ninherit_from ? inherit_env(st, a, renv) : NULL;
        Symbol ov = sym_lookup(st->symbols, "__overrides", 11);
        bool has_overrides = false;
        for (uint32_t i = 0; ov && i < a->nattrs; i++)
            has_overrides |= a->attrs[i].name == ov;
        for (uint32_t i = 0; i < a->nattrs; i++) {
            AttrDef *d = &a->attrs[i];
            Value *v;
            if (d->kind == ATTR_INHERITED)
                v = eval_lazy(st, env, d->e);
            else if (d->kind == ATTR_INHERITED_FROM)
                v = new_thunk(st, ienv, d->e);
            else if (has_overrides) /* real thunks, so overridden slots are seen */
                v = new_thunk(st, renv, d->e);
            else
                v = eval_lazy(st, renv, d->e);
            renv->values[i] = v;
            b->attrs[i] = (Attr){d->name, d->pos, v};
        }
        b->size = a->nattrs;
        if (a->ndyn)
            add_dynamic_attrs(st, a, renv, renv, b);
        if (has_overrides)
            eval_overrides(st, renv, a, &b);
    } else {
        Env *ienv = a->ninherit_from ? inherit_env(st, a, env) : NULL;
        for (uint32_t i = 0; i < a->nattrs; i++) {
            AttrDef *d = &a->attrs[i];
            Value *v = d->kind == ATTR_INHERITED_FROM ? new_thunk(st, ienv, d->e)
                                                      : eval_lazy(st, env, d->e);
            b->attrs[i] = (Attr){d->name, d->pos, v};
        }
        b->size = a->nattrs;
        if (a->ndyn)
            add_dynamic_attrs(st, a, env, env, b);
    }
    val_set_attrs(out, b);
}

/* Legacy `rec { __overrides = {...}; }`: its attributes replace or extend the set. */
static void eval_overrides(EvalState *st, Env *renv, ExprAttrs *a, Bindings **bp)
{
    Bindings *b = *bp;
    Symbol ov = sym_lookup(st->symbols, "__overrides", 11);
    Attr *oa = attrs_find(b, ov);
    /* CppNix: forceAttrs at the value's own position (none for a thunk or a number) */
    Bindings *o = eval_force_attrs(st, oa->value, 0, "while evaluating the `__overrides` attribute");
    Bindings *n = attrs_alloc(st, b->size + o->size);
    n->pos = b->pos;
    for (uint32_t i = 0; i < b->size; i++)
        n->attrs[n->size++] = b->attrs[i];
    for (uint32_t i = 0; i < o->size; i++) {
        Attr *x = attrs_find(n, o->attrs[i].name);
        if (x)
            x->value = o->attrs[i].value;
        else {
            n->attrs[n->size++] = o->attrs[i];
            attrs_sort(n);
        }
        for (uint32_t j = 0; j < a->nattrs; j++)
            if (a->attrs[j].name == o->attrs[i].name)
                renv->values[j] = o->attrs[i].value;
    }
    *bp = n;
}

/* Best-effort "Did you mean ...?" suggestions: names within edit distance 2. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 100;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

const char *eval_suggest(EvalState *st, const char *name, const Symbol *cands, uint32_t n)
{
    const char *best[5];
    size_t dist[5];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *c = sym_name(st->symbols, cands[i]);
        size_t d = edit_distance(name, c);
        if (d > 2)
            continue;
        /* keep the (at most) 5 nearest, sorted by distance then name */
        uint32_t j = k < 5 ? k++ : 5;
        while (j > 0 && (dist[j - 1] > d || (dist[j - 1] == d && strcmp(best[j - 1], c) > 0))) {
            if (j < 5) {
                best[j] = best[j - 1];
                dist[j] = dist[j - 1];
            }
            j--;
        }
        if (j < 5) {
            best[j] = c;
            dist[j] = d;
        }
    }
    if (k == 0)
        return NULL;
    StrBuf sb;
    sb_init(&sb);
    if (k == 1) {
        sb_printf(&sb, "Did you mean %s?", best[0]);
        return sb.data;
    }
    sb_puts(&sb, "Did you mean one of ");
    for (uint32_t i = 0; i < k; i++) {
        if (i)
            sb_puts(&sb, i == k - 1 ? " or " : ", ");
        sb_puts(&sb, best[i]);
    }
    sb_putc(&sb, '?');
    return sb.data;
}

static _Noreturn void missing_attr(EvalState *st, Bindings *b, Symbol name, PosIdx pos)
{
    b = attrs_flat(b);
    Symbol *c = GC_MALLOC_ATOMIC((b->size + 1) * sizeof(Symbol));
    for (uint32_t i = 0; i < b->size; i++)
        c[i] = b->attrs[i].name;
    const char *n = sym_name(st->symbols, name);
    eval_error_hint(st, ERR_EVAL, pos, eval_suggest(st, n, c, b->size), "attribute '%s' missing", n);
}

static NOINLINE void eval_select(EvalState *st, Env *env, ExprSelect *x, Value *out)
{
    Value tmp;
    Value *cur;
    uint32_t frames = st->nframes;
    st->stats.lookups++;
    if (x->e->kind == EXPR_VAR && !((ExprVar *)x->e)->from_with &&
        (cur = lookup_var(st, env, (ExprVar *)x->e)) != NULL) {
        if (val_is_thunk(cur)) {
            eval_frame_push_sym(st, x->base.pos, "while selecting an attribute", 0);
            force_slow(st, cur, x->e->pos);
            st->nframes = frames;
        }
    } else {
        eval_frame_push_sym(st, x->base.pos, "while selecting an attribute", 0);
        eval_in(st, env, x->e, &tmp);
        st->nframes = frames;
        cur = &tmp;
    }
    if (x->npath == 1 && x->path[0].sym)
        eval_frame_push_sym(st, x->base.pos, "while evaluating the attribute '%s'", x->path[0].sym);
    else
        eval_frame_push_sym(st, x->base.pos, (const char *)x, FRAME_SELECT);
    uint32_t def_frame = 0; /* index of the "from the definition" frame, once pushed */
    for (uint32_t i = 0; i < x->npath; i++) {
        bool is_null;
        Symbol name = attr_name_sym(st, env, &x->path[i], &is_null);
        if (cur->type != T_ATTRS) {
            if (x->def)
                goto use_default;
            eval_type_error(st, x->base.pos, "a set", cur, NULL);
        }
        Attr *a = is_null ? NULL : attrs_find(cur->attrs, name);
        if (!a) {
            if (x->def)
                goto use_default;
            if (is_null)
                eval_error(st, ERR_EVAL, 0, "attribute 'null' missing");
            missing_attr(st, cur->attrs, name, 0);
        }
        cur = a->value;
        if (a->pos) {
            TraceEntry def = {a->pos, "from the definition of '%s'", a->name};
            if (!def_frame) {
                def_frame = st->nframes;
                eval_frame_push_sym(st, def.pos, def.msg, def.sym);
            } else
                st->frames[def_frame] = def;
        }
        FORCE(st, cur, a->pos ? a->pos : x->base.pos);
    }
    st->nframes = frames;
    *out = *cur;
    return;
use_default:
    st->nframes = frames;
    eval_in(st, env, x->def, out);
}

static NOINLINE bool eval_has_attr(EvalState *st, Env *env, ExprHasAttr *x)
{
    Value tmp;
    uint32_t frames = st->nframes;
    eval_frame_push_sym(st, x->e->pos, "in the argument of '?'", 0);
    eval_in(st, env, x->e, &tmp);
    st->nframes = frames;
    Value *cur = &tmp;
    for (uint32_t i = 0; i < x->npath; i++) {
        FORCE(st, cur, x->base.pos);
        if (cur->type != T_ATTRS)
            return false;
        bool is_null;
        Symbol name = attr_name_sym(st, env, &x->path[i], &is_null);
        Attr *a = is_null ? NULL : attrs_find(cur->attrs, name);
        if (!a)
            return false;
        cur = a->value;
    }
    return true;
}

/* `a // b`, right side wins (eval/attrs.c: layered when b is small next to a). */
static void eval_update(EvalState *st, Value *l, Value *r, Value *out)
{
    Bindings *n = attrs_update(st, l->attrs, r->attrs);
    if (n == l->attrs)
        *out = *l;
    else if (n == r->attrs)
        *out = *r;
    else
        val_set_attrs(out, n);
}

/* ---------- strings ---------- */

/* A part of a string or of `+`: CppNix evaluates each "in an operand of '+'". */
static inline void eval_part(EvalState *st, Env *env, Expr *e, Value *v)
{
    uint32_t frames = st->nframes;
    eval_frame_push_sym(st, e->pos, "in an operand of '+'", 0);
    eval_in(st, env, e, v);
    st->nframes = frames;
}

static NOINLINE void eval_concat_strings(EvalState *st, Env *env, ExprConcatStrings *x, Value *out)
{
    Value v;
    eval_part(st, env, x->parts[0], &v);
    if (!x->force_string && v.type == T_PATH) {
        StrBuf sb;
        sb_init(&sb);
        sb_puts(&sb, v.path.path);
        for (uint32_t i = 1; i < x->nparts; i++) {
            eval_part(st, env, x->parts[i], &v);
            if (v.type == T_STRING && v.str.ctx && v.str.ctx->n)
                eval_error(st, ERR_EVAL, x->parts[i]->pos,
                           "a string that refers to a store path cannot be appended to a path");
            size_t len;
            PosIdx ppos = x->part_pos ? x->part_pos[i] : x->parts[i]->pos;
            const char *s = eval_coerce_to_string(st, &v, ppos, "while evaluating a path segment",
                                                  0, NULL, &len);
            sb_add(&sb, s, len);
        }
        val_set_path(out, eval_canon_path(sb.data));
        return;
    }
    const StrContext *ctx = NULL;
    StrCat c;
    strcat_init(st, &c);
    for (uint32_t i = 0;;) {
        if (v.type == T_STRING) {
            /* kept by reference when long: `"${acc}x"` in a loop stays linear */
            ctx = ctx_merge(ctx, v.str.ctx);
            strcat_add_value(&c, &v);
        } else {
            size_t len;
            PosIdx ppos = x->part_pos ? x->part_pos[i] : x->parts[i]->pos;
            const char *s = eval_coerce_to_string(st, &v, ppos, "while evaluating a path segment",
                                                  COERCE_COPY_TO_STORE, &ctx, &len);
            strcat_add(&c, s, len);
        }
        if (++i == x->nparts)
            break;
        eval_part(st, env, x->parts[i], &v);
    }
    strcat_finish(&c, out, ctx);
}

/* ---------- the walker ---------- */

static NOINLINE bool eval_bool(EvalState *st, Env *env, Expr *e, const char *ctx)
{
    Value v;
    eval_in(st, env, e, &v);
    if (v.type != T_BOOL)
        eval_type_error(st, e->pos, "a Boolean", &v, ctx);
    return v.boolean;
}

/* Pushes the frame(s) CppNix shows while an operand of x is evaluated. It
 * desugars - * / < > <= >= into builtin calls, + into string concatenation. */
static void op_frame(EvalState *st, ExprBinOp *x, bool left)
{
    PosIdx pos = x->base.pos;
    switch ((BinOp)x->op) {
    case OP_ADD:
        if (!left)
            st->nframes--; /* replaces the left operand's frame */
        eval_frame_push_sym(st, (left ? x->lhs : x->rhs)->pos, "in an operand of '+'", 0);
        return;
    case OP_SUB:
        if (left)
            eval_frame_push_sym(st, pos, "sub", FRAME_PRIMOP);
        return;
    case OP_MUL:
        if (left)
            eval_frame_push_sym(st, pos, "mul", FRAME_PRIMOP);
        return;
    case OP_DIV:
        if (left)
            eval_frame_push_sym(st, pos, "div", FRAME_PRIMOP);
        return;
    case OP_LE:
    case OP_GE:
        if (left)
            eval_frame_push_sym(st, pos, "in the argument of '!'", 0);
        /* fallthrough */
    case OP_LT:
    case OP_GT:
        if (left)
            eval_frame_push_sym(st, pos, "lessThan", FRAME_PRIMOP);
        return;
    default: {
        static const char *const lmsg[] = {
            [OP_EQ] = "in the left operand of '=='", [OP_NEQ] = "in the left operand of '!='",
            [OP_AND] = "in the left operand of '&&'", [OP_OR] = "in the left operand of '||'",
            [OP_IMPL] = "in the left operand of '->'", [OP_UPDATE] = "in the left operand of '//'",
            [OP_CONCAT_LISTS] = "in the left operand of '++'"};
        static const char *const rmsg[] = {
            [OP_EQ] = "in the right operand of '=='", [OP_NEQ] = "in the right operand of '!='",
            [OP_AND] = "in the right operand of '&&'", [OP_OR] = "in the right operand of '||'",
            [OP_IMPL] = "in the right operand of '->'", [OP_UPDATE] = "in the right operand of '//'",
            [OP_CONCAT_LISTS] = "in the right operand of '++'"};
        if (!left)
            st->nframes--; /* replaces the left operand's frame */
        eval_frame_push_sym(st, (left ? x->lhs : x->rhs)->pos, left ? lmsg[x->op] : rmsg[x->op], 0);
        return;
    }
    }
}

static NOINLINE void binop_apply(EvalState *st, ExprBinOp *x, Value *pa, Value *pb, Value *out)
{
    Value a = *pa, b = *pb;
    switch ((BinOp)x->op) {
    case OP_EQ:
    case OP_NEQ: {
        bool eq = eval_equal(st, &a, &b, x->base.pos, "while testing two values for equality");
        val_set_bool(out, x->op == OP_EQ ? eq : !eq);
        return;
    }
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        /* Like CppNix: a > b is b < a, a <= b is !(b < a), a >= b is !(a < b)
         * (operand order shows in error messages; NaN compares this way too). */
        bool swap = x->op == OP_GT || x->op == OP_LE;
        bool neg = x->op == OP_LE || x->op == OP_GE;
        int c = swap ? eval_compare(st, &b, &a, x->base.pos, NULL)
                     : eval_compare(st, &a, &b, x->base.pos, NULL);
        val_set_bool(out, (c < 0) != neg);
        return;
    }
    case OP_ADD:
        eval_add(st, &a, &b, out, x->base.pos, x->lpos ? x->lpos : x->lhs->pos,
                 x->rpos ? x->rpos : x->rhs->pos);
        return;
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
        eval_arith(st, (BinOp)x->op, &a, &b, out, x->base.pos);
        return;
    case OP_UPDATE:
        /* CppNix (evalAttrs): the operand's frame, the error itself without a position */
        if (a.type != T_ATTRS) {
            eval_frame_push(st, x->lhs->pos, "in the left operand of '//'");
            eval_type_error(st, 0, "a set", &a, NULL);
        }
        if (b.type != T_ATTRS) {
            eval_frame_push(st, x->rhs->pos, "in the right operand of '//'");
            eval_type_error(st, 0, "a set", &b, NULL);
        }
        eval_update(st, &a, &b, out);
        return;
    case OP_CONCAT_LISTS: {
        st->stats.list_concats++;
        /* CppNix (concatLists): one frame at the operator, the error without a position */
        if (a.type != T_LIST || b.type != T_LIST) {
            eval_frame_push(st, x->base.pos, "while evaluating one of the elements to concatenate");
            eval_type_error(st, 0, "a list", a.type != T_LIST ? &a : &b, NULL);
        }
        if (a.len == 0) {
            *out = b;
            return;
        }
        if (b.len == 0) {
            *out = a;
            return;
        }
        val_list_concat(st, &a, &b, out);
        return;
    }
    default:
        eval_error(st, ERR_EVAL, x->base.pos, "unknown operator");
    }
}

static NOINLINE void eval_binop(EvalState *st, Env *env, ExprBinOp *x, Value *out);

/* An operand of an operator: a call goes to the lambda's body directly, its
 * environment in *se (one per caller's frame: at most one call is under way).
 * The caller restores st->nframes afterwards. */
static inline __attribute__((always_inline)) void eval_operand(EvalState *st, Env *env, Expr *e, Value *out,
                                                                StackEnv *se)
{
    Env *ne;
    Expr *body;
    if (e->kind == EXPR_CALL && (ne = eval_enter_call(st, env, (ExprCall *)e, &body, se))) {
        eval_in(st, ne, body, out);
        st->call_depth--;
        return;
    }
    if (e->kind == EXPR_BINOP) {
        eval_binop(st, env, (ExprBinOp *)e, out);
        return;
    }
    eval_in(st, env, e, out);
}

/* The frames of op_frame(x, true) then op_frame(x, false): for a right operand
 * evaluated after a left one that needed no evaluation (`1 + f (n - 1)`). */
static inline void op_frame_rhs(EvalState *st, ExprBinOp *x)
{
    if (x->op == OP_ADD) {
        eval_frame_push_sym(st, x->rhs->pos, "in an operand of '+'", 0);
        return;
    }
    op_frame(st, x, true);
    op_frame(st, x, false);
}

/* `&&`, `||`, `->`: the right operand only when needed. */
static NOINLINE void eval_logic(EvalState *st, Env *env, ExprBinOp *x, Value *out)
{
    uint32_t frames = st->nframes;
    op_frame(st, x, true);
    bool l = eval_bool(st, env, x->lhs, NULL); /* op_frame is the only frame */
    bool shortcut = x->op == OP_AND ? !l : x->op == OP_OR ? l : !l;
    if (shortcut) {
        st->nframes = frames;
        val_set_bool(out, x->op != OP_AND);
        return;
    }
    op_frame(st, x, false);
    bool r = eval_bool(st, env, x->rhs, NULL);
    st->nframes = frames;
    val_set_bool(out, r);
}

/* The general case of a binary operator on evaluated operands. */
static NOINLINE void binop_general(EvalState *st, ExprBinOp *x, Value *pa, Value *pb, Value *out)
{
    uint32_t frames = st->nframes;
    if (x->op == OP_SUB || x->op == OP_MUL || x->op == OP_DIV || x->op >= OP_LT)
        op_frame(st, x, true); /* errors below happen "while calling the builtin" */
    binop_apply(st, x, pa, pb, out);
    st->nframes = frames;
}

/* Both operands need evaluating (`fib (n - 1) + fib (n - 2)`). */
static NOINLINE void binop_both(EvalState *st, Env *env, ExprBinOp *x, Value *out)
{
    Value a, b;
    StackEnv se;
    uint32_t frames = st->nframes;
    op_frame(st, x, true);
    if (!eval_int_leaf(env, x->lhs, &a))
        eval_operand(st, env, x->lhs, &a, &se);
    op_frame(st, x, false);
    if (!eval_int_leaf(env, x->rhs, &b))
        eval_operand(st, env, x->rhs, &b, &se);
    st->nframes = frames;
    if (!eval_int_binop(x, &a, &b, out))
        binop_general(st, x, &a, &b, out);
}

/* A right operand to evaluate after an evaluated left one (`1 + f (n - 1)`):
 * the frame on the C stack once per level of such a recursion, so it is
 * small: *out holds the right operand until the result replaces it (nothing
 * else can see out meanwhile). */
static NOINLINE void binop_rhs(EvalState *st, Env *env, ExprBinOp *x, Value *pa, Value *out)
{
    if (!eval_int_leaf(env, x->rhs, out)) {
        StackEnv se;
        uint32_t frames = st->nframes;
        op_frame_rhs(st, x);
        eval_operand(st, env, x->rhs, out, &se);
        st->nframes = frames;
    }
    if (!eval_int_binop(x, pa, out, out))
        binop_general(st, x, pa, out, out);
}

/* A left operand to evaluate, the right one evaluated or a variable
 * (`acc.v + x`): as binop_rhs, *out holds the left operand meanwhile. */
static NOINLINE void binop_lhs(EvalState *st, Env *env, ExprBinOp *x, Value *out)
{
    uint32_t frames = st->nframes;
    bool leaf = eval_int_leaf(env, x->lhs, out);
    if (!leaf) {
        StackEnv se;
        op_frame(st, x, true);
        eval_operand(st, env, x->lhs, out, &se);
    }
    Value *pb = eval_immediate(env, x->rhs);
    if (!pb) {
        if (leaf)
            op_frame_rhs(st, x);
        else
            op_frame(st, x, false);
        pb = force_var(st, env, x->rhs);
    }
    st->nframes = frames;
    if (!eval_int_binop(x, out, pb, out))
        binop_general(st, x, out, pb, out);
}

/* The other cases with an operand to evaluate (`acc.v + x`, `f x * 2`): one
 * temporary (variables are forced in place), or binop_both. Operands that are
 * literals or evaluated variables are read in place; others are evaluated
 * under CppNix's trace frame for the operator. */
static NOINLINE void binop_mixed(EvalState *st, Env *env, ExprBinOp *x, Value *pa, Value *pb, Value *out)
{
    Value tmp;
    StackEnv se;
    bool used = false; /* tmp holds an operand */
    if (!pa && eval_int_leaf(env, x->lhs, &tmp)) {
        pa = &tmp;
        used = true;
    } else if (!pb && eval_int_leaf(env, x->rhs, &tmp)) {
        pb = &tmp;
        used = true;
    }
    if (!pa || !pb) {
        /* variables are forced in place, so at most one operand needs tmp */
        if (used + (!pa && x->lhs->kind != EXPR_VAR) + (!pb && x->rhs->kind != EXPR_VAR) > 1) {
            binop_both(st, env, x, out);
            return;
        }
        uint32_t frames = st->nframes;
        if (!pa) {
            op_frame(st, x, true);
            if (x->lhs->kind == EXPR_VAR)
                pa = force_var(st, env, x->lhs);
            else {
                eval_operand(st, env, x->lhs, &tmp, &se);
                pa = &tmp;
            }
            if (!pb)
                op_frame(st, x, false);
        } else
            op_frame_rhs(st, x);
        if (!pb) {
            if (x->rhs->kind == EXPR_VAR)
                pb = force_var(st, env, x->rhs);
            else {
                eval_operand(st, env, x->rhs, &tmp, &se);
                pb = &tmp;
            }
        }
        st->nframes = frames;
    }
    if (!eval_int_binop(x, pa, pb, out))
        binop_general(st, x, pa, pb, out);
}

static bool is_concat(const Expr *e)
{
    return e->kind == EXPR_BINOP && ((const ExprBinOp *)e)->op == OP_CONCAT_LISTS;
}

/* `a ++ b ++ c ++ ...` (nested to the right) without a C stack frame per operand: the
 * operands are evaluated left to right under the trace frames the recursion would have
 * (each level's left-operand frame, then its right-operand frame), and joined from the
 * right, where the recursion would check and concatenate first; a chain of 10^6 operands
 * needs neither a deep stack nor the collector scanning one. */
static NOINLINE void eval_concat_chain(EvalState *st, Env *env, ExprBinOp *x, Value *out)
{
    size_t n = 0, cap = 64;
    /* GC memory: the values must be seen by the collector, as on the stack */
    ExprBinOp **ops = GC_MALLOC(cap * sizeof *ops);
    Value *vals = GC_MALLOC(cap * sizeof *vals);
    uint32_t *frames = GC_MALLOC_ATOMIC(cap * sizeof *frames);
    StackEnv se;
    for (ExprBinOp *y = x;; y = (ExprBinOp *)y->rhs) {
        if (n == cap) {
            ExprBinOp **o2 = GC_MALLOC(2 * cap * sizeof *o2);
            Value *v2 = GC_MALLOC(2 * cap * sizeof *v2);
            uint32_t *f2 = GC_MALLOC_ATOMIC(2 * cap * sizeof *f2);
            memcpy(o2, ops, n * sizeof *ops);
            memcpy(v2, vals, n * sizeof *vals);
            memcpy(f2, frames, n * sizeof *frames);
            ops = o2, vals = v2, frames = f2, cap *= 2;
        }
        ops[n] = y;
        frames[n] = st->nframes;
        Value *p = eval_immediate(env, y->lhs);
        if (p) {
            vals[n] = *p;
            op_frame_rhs(st, y);
        } else {
            op_frame(st, y, true);
            if (y->lhs->kind == EXPR_VAR)
                vals[n] = *force_var(st, env, y->lhs);
            else
                eval_operand(st, env, y->lhs, &vals[n], &se);
            op_frame(st, y, false); /* replaces the left operand's frame */
        }
        n++;
        if (!is_concat(y->rhs))
            break;
    }
    Value acc;
    Expr *last = ops[n - 1]->rhs;
    Value *p = eval_immediate(env, last);
    if (p)
        acc = *p;
    else if (last->kind == EXPR_VAR)
        acc = *force_var(st, env, last);
    else
        eval_operand(st, env, last, &acc, &se);
    for (size_t i = n; i-- > 0;) {
        st->nframes = frames[i];
        binop_general(st, ops[i], &vals[i], &acc, &acc);
    }
    *out = acc;
}

static NOINLINE void eval_binop(EvalState *st, Env *env, ExprBinOp *x, Value *out)
{
    if (__builtin_expect(x->op == OP_AND || x->op == OP_OR || x->op == OP_IMPL, 0)) {
        eval_logic(st, env, x, out);
        return;
    }
    if (__builtin_expect(x->op == OP_CONCAT_LISTS && is_concat(x->rhs), 0)) {
        eval_concat_chain(st, env, x, out);
        return;
    }
    Value *pa = eval_immediate(env, x->lhs), *pb = eval_immediate(env, x->rhs);
    if (pa && pb) {
        if (!eval_int_binop(x, pa, pb, out))
            binop_general(st, x, pa, pb, out);
        return;
    }
    if (pa && x->rhs->kind != EXPR_VAR) {
        binop_rhs(st, env, x, pa, out);
        return;
    }
    if (!pa && x->lhs->kind != EXPR_VAR && (pb || x->rhs->kind == EXPR_VAR)) {
        binop_lhs(st, env, x, out);
        return;
    }
    if (!pa && !pb && x->lhs->kind != EXPR_VAR && x->rhs->kind != EXPR_VAR) {
        binop_both(st, env, x, out); /* directly: binop_mixed's frame stays off the stack */
        return;
    }
    binop_mixed(st, env, x, pa, pb, out);
}

static NOINLINE void eval_list(EvalState *st, Env *env, ExprList *x, Value *out)
{
    Value **el = val_list_alloc(st, x->n);
    for (uint32_t i = 0; i < x->n; i++)
        el[i] = eval_lazy(st, env, x->elems[i]);
    val_set_list(out, el, x->n);
}

static NOINLINE Env *eval_let_env(EvalState *st, Env *env, ExprLet *x)
{
    ExprAttrs *a = x->attrs;
    Env *le = eval_env_alloc(st, env, a->nattrs);
    Env *ie = a->ninherit_from ? inherit_env(st, a, le) : NULL;
    for (uint32_t i = 0; i < a->nattrs; i++) {
        AttrDef *d = &a->attrs[i];
        if (d->kind == ATTR_INHERITED)
            le->values[i] = eval_lazy(st, env, d->e);
        else if (d->kind == ATTR_INHERITED_FROM)
            le->values[i] = new_thunk(st, ie, d->e);
        else
            le->values[i] = eval_lazy(st, le, d->e);
    }
    return le;
}

/* `n < 2`, `n == 0`: an integer comparison of evaluated operands, in place.
 * 1 or 0, or -1 if cond is not one. */
static inline int cond_int(Env *env, Expr *cond)
{
    if (cond->kind != EXPR_BINOP)
        return -1;
    ExprBinOp *b = (ExprBinOp *)cond;
    if (b->op > OP_NEQ && b->op < OP_LT)
        return -1; /* not a comparison */
    Value *pa = eval_immediate(env, b->lhs), *pb;
    if (!pa || pa->type != T_INT || !(pb = eval_immediate(env, b->rhs)) || pb->type != T_INT)
        return -1;
    int64_t r;
    return eval_int_op((BinOp)b->op, pa->integer, pb->integer, &r) == INT_BOOL ? (int)r : -1;
}

/* An if-condition that cond_int could not decide. */
static NOINLINE bool eval_cond(EvalState *st, Env *env, Expr *cond)
{
    Value c;
    eval_in(st, env, cond, &c);
    if (__builtin_expect(c.type != T_BOOL, 0))
        eval_type_error(st, cond->pos, "a Boolean", &c, "while evaluating a branch condition");
    return c.boolean;
}

static NOINLINE void eval_assert_cond(EvalState *st, Env *env, ExprAssert *x)
{
    uint32_t frames = st->nframes;
    eval_frame_push_sym(st, x->base.pos, (const char *)x, FRAME_ASSERT);
    Expr *c = x->cond;
    if (c->kind == EXPR_BINOP && ((ExprBinOp *)c)->op == OP_EQ) {
        /* explain a failing `assert a == b` like CppNix does */
        ExprBinOp *eq = (ExprBinOp *)c;
        /* CppNix compares two evaluated copies: `assert f == f` fails, as `f == f` is false */
        Value av, bv, *a = &av, *b = &bv;
        eval_in(st, env, eq->lhs, a);
        eval_in(st, env, eq->rhs, b);
        if (eval_equal(st, a, b, c->pos, NULL)) {
            st->nframes = frames;
            return;
        }
        eval_assert_equal(st, a, b, c->pos);
    } else {
        Value v;
        eval_in(st, env, c, &v);
        if (v.type != T_BOOL)
            eval_type_error(st, c->pos, "a Boolean", &v, NULL);
        if (v.boolean) {
            st->nframes = frames;
            return;
        }
    }
    st->nframes = frames;
    StrBuf sb;
    sb_init(&sb);
    parse_show(st->symbols, x->cond, &sb);
    eval_error(st, ERR_ASSERTION, x->base.pos, "assertion '%s' failed", sb.data);
}

static NOINLINE bool eval_not_arg(EvalState *st, Env *env, ExprNot *x)
{
    uint32_t frames = st->nframes;
    eval_frame_push_sym(st, x->e->pos, "in the argument of '!'", 0);
    bool b = eval_bool(st, env, x->e, NULL);
    st->nframes = frames;
    return b;
}

static NOINLINE Env *with_env(EvalState *st, Env *env, ExprWith *x)
{
    Env *we = eval_env_alloc(st, env, 1);
    we->is_with = 1 + x->prev_with;
    we->values[0] = eval_lazy(st, env, x->attrs);
    return we;
}

static NOINLINE _Noreturn void uninitialised_var(EvalState *st, Expr *e)
{
    eval_error(st, ERR_INFINITE_RECURSION, e->pos, "infinite recursion encountered");
}

static NOINLINE _Noreturn void unknown_expr(EvalState *st, Expr *e)
{
    eval_error(st, ERR_EVAL, e->pos, "unknown expression kind %d", e->kind);
}

/* Ends eval_in with a call: a jump unless calls entered by its loop are to be
 * popped afterwards. */
#define TAIL(call)                                                                               \
    do {                                                                                         \
        if (!ncalls) {                                                                           \
            call;                                                                                \
            return;                                                                              \
        }                                                                                        \
        call;                                                                                    \
        goto done;                                                                               \
    } while (0)

/* The walker. Kept small so its frame is cheap: if/let/with/assert loop
 * instead of recursing, and so does a call of a one-argument lambda (its body
 * is evaluated in this frame: one C frame per level of `1 + f (n - 1)` besides
 * the operator's); everything bulky is out of line. */
void eval_in(EvalState *st, Env *env, Expr *e, Value *out)
{
    uint32_t ncalls = 0, frames = 0; /* calls entered in this frame, st->nframes before them */
    for (;;) {
        switch ((ExprKind)e->kind) {
        case EXPR_INT:
            *out = *(Value *)((ExprInt *)e)->cache;
            goto done;
        case EXPR_FLOAT:
            *out = *(Value *)((ExprFloat *)e)->cache;
            goto done;
        case EXPR_STRING:
            *out = *(Value *)((ExprString *)e)->cache;
            goto done;
        case EXPR_PATH:
            *out = *(Value *)((ExprPath *)e)->cache;
            goto done;
        case EXPR_VAR: {
            Value *v = lookup_var(st, env, (ExprVar *)e);
            if (__builtin_expect(!v, 0))
                uninitialised_var(st, e);
            FORCE(st, v, e->pos);
            *out = *v;
            goto done;
        }
        case EXPR_IF: {
            ExprIf *x = (ExprIf *)e;
            int c = cond_int(env, x->cond);
            if (c < 0)
                c = eval_cond(st, env, x->cond);
            e = c ? x->then : x->else_;
            continue;
        }
        case EXPR_CALL: {
            uint32_t f0 = st->nframes;
            Expr *body;
            Env *ne = eval_enter_call(st, env, (ExprCall *)e, &body, NULL);
            if (ne) { /* a tail call: its body is evaluated by this loop */
                if (!ncalls++)
                    frames = f0;
                env = ne;
                e = body;
                continue;
            }
            TAIL(eval_call_expr(st, env, (ExprCall *)e, out));
        }
        case EXPR_BINOP:
            TAIL(eval_binop(st, env, (ExprBinOp *)e, out));
        case EXPR_SELECT:
            TAIL(eval_select(st, env, (ExprSelect *)e, out));
        case EXPR_LET:
            env = eval_let_env(st, env, (ExprLet *)e);
            e = ((ExprLet *)e)->body;
            continue;
        case EXPR_WITH:
            env = with_env(st, env, (ExprWith *)e);
            e = ((ExprWith *)e)->body;
            continue;
        case EXPR_ASSERT:
            eval_assert_cond(st, env, (ExprAssert *)e);
            e = ((ExprAssert *)e)->body;
            continue;
        case EXPR_HAS_ATTR:
            val_set_bool(out, eval_has_attr(st, env, (ExprHasAttr *)e));
            goto done;
        case EXPR_ATTRS:
            TAIL(eval_attrs(st, env, (ExprAttrs *)e, out));
        case EXPR_LIST:
            TAIL(eval_list(st, env, (ExprList *)e, out));
        case EXPR_LAMBDA:
            out->type = T_LAMBDA;
            out->lambda.env = eval_env_keep(st, env);
            out->lambda.fun = (ExprLambda *)e;
            goto done;
        case EXPR_NOT:
            val_set_bool(out, !eval_not_arg(st, env, (ExprNot *)e));
            goto done;
        case EXPR_CONCAT_STRINGS:
            TAIL(eval_concat_strings(st, env, (ExprConcatStrings *)e, out));
        case EXPR_POS:
            TAIL(eval_pos_value(st, e->pos, false, out));
        }
        unknown_expr(st, e);
    }
done:
    if (ncalls) {
        st->call_depth -= ncalls;
        st->nframes = frames;
    }
}

void eval_expr(EvalState *st, Expr *e, Value *out)
{
    eval_in(st, st->base_env, e, out);
}
