/* Calls: lambdas (formals, stack environments), primops and their partial
 * applications, functors; call expressions of the walker. */
#include "eval/walk.h"

static NOINLINE _Noreturn void check_depth(EvalState *st, PosIdx pos)
{
    if (st->interrupted)
        eval_error(st, ERR_INTERRUPTED, pos, "interrupted by the user");
    eval_error(st, ERR_STACK_OVERFLOW, pos, "stack overflow; max-call-depth exceeded");
}

/* The function as error messages name it: 'f', or 'anonymous lambda'. */
static const char *quoted_lambda_name(EvalState *st, ExprLambda *l)
{
    return l->name ? sb_fmt("'%s'", sym_name(st->symbols, l->name)) : "'anonymous lambda'";
}

/* Binds formals from the attribute set arg into env (slots after the @-argument). */
static NOINLINE void bind_formals(EvalState *st, ExprLambda *l, Env *env, Value *arg, PosIdx pos)
{
    Formals *fs = l->formals;
    uint32_t off = l->arg ? 1 : 0;
    if (arg->type != T_ATTRS) {
        eval_force(st, arg, pos);
        if (arg->type != T_ATTRS)
            eval_type_error(st, pos, "a set", arg, NULL);
    }
    Bindings *b = arg->attrs;
    uint32_t used = 0;
    /* Both sides are sorted by symbol id: one merge pass (a layered set: lookups). */
    uint32_t j = 0;
    for (uint32_t i = 0; i < fs->n; i++) {
        Formal *f = &fs->items[i];
        Attr *a;
        if (__builtin_expect(!b->layered, 1)) {
            while (j < b->size && b->attrs[j].name < f->name)
                j++;
            a = j < b->size && b->attrs[j].name == f->name ? &b->attrs[j] : NULL;
        } else
            a = attrs_find(b, f->name);
        if (a) {
            env->values[off + i] = a->value;
            used++;
        } else if (f->def) {
            env->values[off + i] = eval_lazy(st, env, f->def);
        } else {
            eval_error(st, ERR_MISSING_ARG, l->base.pos,
                       "function %s called without required argument '%s'", quoted_lambda_name(st, l),
                       sym_name(st->symbols, f->name));
        }
    }
    if (!fs->ellipsis && used < attrs_count(b)) {
        b = val_attrs(arg);
        for (uint32_t k = 0; k < b->size; k++) {
            bool found = false;
            for (uint32_t i = 0; i < fs->n; i++)
                if (fs->items[i].name == b->attrs[k].name)
                    found = true;
            if (found)
                continue;
            Symbol *c = GC_MALLOC_ATOMIC((fs->n + 1) * sizeof(Symbol));
            for (uint32_t i = 0; i < fs->n; i++)
                c[i] = fs->items[i].name;
            const char *an = sym_name(st->symbols, b->attrs[k].name);
            eval_error_hint(st, ERR_UNEXPECTED_ARG, l->base.pos, eval_suggest(st, an, c, fs->n),
                            "function %s called with unexpected argument '%s'", quoted_lambda_name(st, l), an);
        }
    }
}

/* site: FRAME_CALL for a call written in the program (shows "from call site"),
 * FRAME_LAMBDA for one made by a builtin. */
static inline __attribute__((always_inline)) void call_lambda(EvalState *st, Value *fn, Value *arg, Value *out, PosIdx pos,
                               Symbol site, StackEnv *se)
{
    ExprLambda *l = fn->lambda.fun;
    Env *env;
    uint32_t frames = st->nframes;
    if (!l->formals)
        env = eval_env_stack(st, se, fn->lambda.env, arg);
    else {
        env = eval_env_alloc(st, fn->lambda.env, l->env_size);
        if (site == FRAME_CALL)
            eval_frame_push_sym(st, pos, "from call site", 0);
        if (l->arg)
            env->values[0] = arg;
        bind_formals(st, l, env, arg, pos);
        st->nframes = frames;
    }
    eval_frame_push_sym(st, pos, (const char *)l, site);
    st->stats.calls++;
    eval_in(st, env, l->body, out);
    st->nframes = frames;
}

/* Counts the arguments already collected by a chain of T_PRIMOP_APP. */
static const PrimOp *primop_app_info(const Value *v, uint32_t *nargs)
{
    uint32_t n = 0;
    while (v->type == T_PRIMOP_APP) {
        n++;
        v = v->primop_app.left;
    }
    *nargs = n;
    return v->primop;
}

static NOINLINE void call_slow(EvalState *st, Value *fnv, uint32_t nargs, Value **args, Value *out,
                               PosIdx pos, Symbol site);

/* Every call counts one level of st->call_depth here (the caller takes it back): the one
 * depth and interrupt check. */
static inline __attribute__((always_inline)) void call_enter(EvalState *st, PosIdx pos)
{
    if (__builtin_expect(++st->call_depth > st->settings.max_call_depth || st->interrupted, 0))
        check_depth(st, pos);
}

/* A call of fnv: site FRAME_CALL for one written in the program ("from call site"
 * frames), FRAME_LAMBDA for one made by a builtin. */
static inline __attribute__((always_inline)) void call_at(EvalState *st, Value *fnv, uint32_t nargs, Value **args,
                                                          Value *out, PosIdx pos, Symbol site)
{
    call_enter(st, pos);
    if (nargs == 1 && fnv->type == T_LAMBDA) {
        StackEnv se;
        call_lambda(st, fnv, args[0], out, pos, site, &se);
        st->call_depth--;
        return;
    }
    call_slow(st, fnv, nargs, args, out, pos, site);
}

NOINLINE void eval_call(EvalState *st, Value *fnv, uint32_t nargs, Value **args, Value *out, PosIdx pos)
{
    call_at(st, fnv, nargs, args, out, pos, FRAME_LAMBDA);
}

/* Everything but the common one-argument lambda call; call_depth is already counted. */
static NOINLINE void call_slow(EvalState *st, Value *fnv, uint32_t nargs, Value **args, Value *out,
                               PosIdx pos, Symbol site)
{
    Value cur = *fnv;
    if (val_is_thunk(&cur)) {
        eval_force(st, fnv, pos);
        cur = *fnv;
    }
    uint32_t i = 0;
    while (i < nargs) {
        switch (cur.type) {
        case T_LAMBDA: {
            Value res;
            StackEnv se;
            ExprLambda *l = cur.lambda.fun, *l2 = (ExprLambda *)l->body;
            if (i + 1 < nargs && !l->formals && l2->base.kind == EXPR_LAMBDA && !l2->formals) {
                /* `a: b: body` given both: the inner closure is not made, and both
                 * environments are on the stack (call_lambda twice, the first
                 * returning at once) */
                StackEnv se2;
                Env *e1 = eval_env_stack(st, &se, cur.lambda.env, args[i]);
                Env *e2 = eval_env_stack(st, &se2, e1, args[i + 1]);
                uint32_t frames = st->nframes;
                eval_frame_push_sym(st, pos, (const char *)l2, site);
                st->stats.calls += 2;
                eval_in(st, e2, l2->body, &res);
                st->nframes = frames;
                i += 2;
            } else {
                call_lambda(st, &cur, args[i], &res, pos, site, &se);
                i++;
            }
            cur = res;
            break;
        }
        case T_PRIMOP:
        case T_PRIMOP_APP: {
            uint32_t have;
            const PrimOp *p = primop_app_info(&cur, &have);
            uint32_t need = p->arity - have;
            if (nargs - i < need) {
                /* partial application: chain the remaining arguments */
                for (; i < nargs; i++) {
                    Value *left = GC_MALLOC(sizeof(Value));
                    *left = cur;
                    cur.type = T_PRIMOP_APP;
                    cur.primop_app.left = left;
                    cur.primop_app.right = args[i];
                }
                break;
            }
            Value *all[8];
            const Value *w = &cur;
            for (uint32_t k = have; k > 0; k--) {
                all[k - 1] = w->primop_app.right;
                w = w->primop_app.left;
            }
            for (uint32_t k = 0; k < need; k++)
                all[have + k] = args[i + k];
            i += need;
            Value res;
            uint32_t frames = st->nframes;
            if (!(p->flags & PRIM_NO_TRACE))
                eval_frame_push_sym(st, pos, p->name, FRAME_PRIMOP);
            st->stats.primop_calls++;
            p->fn(st, pos, all, &res);
            st->nframes = frames;
            cur = res;
            break;
        }
        case T_ATTRS: {
            Attr *f = attrs_find(cur.attrs, st->s.__functor);
            if (!f)
                goto not_fn;
            Value *self = GC_MALLOC(sizeof(Value));
            *self = cur;
            Value res;
            Value *a2[2] = {self, args[i]};
            eval_call(st, f->value, 2, a2, &res, pos);
            cur = res;
            i++;
            break;
        }
        default:
        not_fn: {
            const char *shown = eval_show_value_str(st, &cur);
            eval_error(st, ERR_TYPE, pos, "attempt to call something which is not a function but %s: %s",
                       eval_type_name(&cur), shown);
        }
        }
    }
    st->call_depth--;
    *out = cur;
}

/* The call of a T_APP (out of force_slow: its frame is on the stack once per
 * level of a chain of thunks). */
NOINLINE void eval_call_app(EvalState *st, Value *v, PosIdx pos, Value *out)
{
    Value *arg = v->app.arg;
    /* CppNix's forceValue calls the function with the forcing position: with one, the
     * trace shows it as the call site */
    if (pos)
        call_at(st, v->app.fn, 1, &arg, out, pos, FRAME_CALL);
    else
        eval_call(st, v->app.fn, 1, &arg, out, pos);
}

/* The start of a call of a one-argument lambda written in the program (`f x`
 * with f an evaluated variable): NULL if x is not one. Otherwise counts the
 * call, pushes its "from call site" frame and returns the environment to
 * evaluate the body in; the caller then evaluates the body (in its own C frame:
 * fewer frames per level of a recursion), decrements st->call_depth and pops
 * the frame. As call_at + call_lambda. */
NOINLINE Env *eval_enter_call(EvalState *st, Env *env, ExprCall *x, Expr **body, StackEnv *se)
{
    Value *fn;
    if (x->nargs != 1 || !(fn = eval_immediate(env, x->fn)) || fn->type != T_LAMBDA ||
        fn->lambda.fun->formals)
        return NULL;
    call_enter(st, x->base.pos);
    ExprLambda *l = fn->lambda.fun;
    Expr *ae = x->args[0];
    Env *ne;
    if (se && ae->kind == EXPR_BINOP && eval_eager_ok((ExprBinOp *)ae) && eval_int_leaf(env, ae, &se->local))
        ne = eval_env_stack(st, se, fn->lambda.env, &se->local); /* what eval_lazy would compute */
    else if (se)
        ne = eval_env_stack(st, se, fn->lambda.env, eval_lazy(st, env, ae));
    else {
        Value *arg = eval_lazy(st, env, ae);
        ne = eval_env_alloc(st, fn->lambda.env, l->env_size);
        ne->values[0] = arg;
    }
    eval_frame_push_sym(st, x->base.pos, (const char *)l, FRAME_CALL);
    st->stats.calls++;
    *body = l->body;
    return ne;
}

static NOINLINE void call_expr_multi(EvalState *st, Env *env, ExprCall *x, Value *fn, Value *out)
{
    Value *args[8];
    Value **ap = x->nargs <= 8 ? args : GC_MALLOC(x->nargs * sizeof(Value *));
    for (uint32_t i = 0; i < x->nargs; i++)
        ap[i] = eval_lazy(st, env, x->args[i]);
    call_at(st, fn, x->nargs, ap, out, x->base.pos, FRAME_CALL);
}

static NOINLINE void call_expr_eval_fn(EvalState *st, Env *env, ExprCall *x, Value *out)
{
    Value fn;
    eval_in(st, env, x->fn, &fn);
    if (x->nargs == 1) {
        Value *arg = eval_lazy(st, env, x->args[0]);
        call_at(st, &fn, 1, &arg, out, x->base.pos, FRAME_CALL);
    } else
        call_expr_multi(st, env, x, &fn, out);
}

/* A call whose function is usually an evaluated variable (no copy needed). */
NOINLINE void eval_call_expr(EvalState *st, Env *env, ExprCall *x, Value *out)
{
    Value *fn = eval_immediate(env, x->fn);
    if (!fn) {
        call_expr_eval_fn(st, env, x, out);
        return;
    }
    if (x->nargs == 1) {
        Value *arg = eval_lazy(st, env, x->args[0]);
        call_at(st, fn, 1, &arg, out, x->base.pos, FRAME_CALL);
    } else
        call_expr_multi(st, env, x, fn, out);
}
