/* What hosts and builtins build evaluator objects with: the global scope, scopes, thunks
 * and the shared constants. */
#include "eval/walk.h"

void eval_set_globals(EvalState *st, const Symbol *names, Value *const *values, uint32_t n)
{
    Env *env = eval_env_alloc(st, NULL, n);
    if (n) /* a bare state has no globals yet (values is NULL): memcpy must not see it */
        memcpy(env->values, values, n * sizeof(Value *));
    st->base_env = env;
    st->base_env_used = n;
    eval_priv(st)->base = bind_index_new(st, names, n);
}

Env *eval_scope_new(EvalState *st, Env *up, uint32_t n)
{
    return eval_env_alloc(st, up ? up : st->base_env, n);
}

Value *eval_thunk_new(EvalState *st, Env *scope, Expr *e)
{
    st->stats.thunks++;
    Value *v = eval_alloc32(st);
    v->type = T_THUNK;
    v->thunk.env = scope ? scope : st->base_env;
    v->thunk.expr = e;
    return v;
}

void eval_in_scope(EvalState *st, Env *scope, Expr *e, Value *out)
{
    eval_in(st, scope ? scope : st->base_env, e, out);
}

Value *val_true(EvalState *st) { return eval_priv(st)->v_true; }
Value *val_false(EvalState *st) { return eval_priv(st)->v_false; }
Value *val_null(EvalState *st) { return eval_priv(st)->v_null; }
