/* The walker's inline pieces shared by eval.c (expressions) and call.c (calls):
 * stack and heap environments, evaluated operands, integer fast paths. */
#ifndef CNIX_EVAL_WALK_H
#define CNIX_EVAL_WALK_H

#include "eval/internal.h"

#include <gc/gc.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

/* Stack environments. The environment of a call of a plain `x:` lambda lives in
 * the C frame that evaluates the body, unless something keeps it: a thunk, a
 * closure or an inner environment (let, with, rec) that refers to it. Those are
 * made through eval_env_keep, which moves ("promotes") the environment to the heap
 * first, once per call, so the heap never points into the stack. Most calls
 * from builtins (`map (x: x * 3 + 1)`, `filter`, `sort`'s comparator) and of
 * recursions like `n: ... f (n - 1)` then allocate no environment at all. An
 * environment's slots never change after the call has bound them, so a heap
 * copy is as good as the original. */
#define ENV_STACK UINT32_MAX /* Env.is_with of a stack environment */

/* A one-slot stack environment: the layout of an Env with one slot, then its
 * heap copy once promoted, and room for the argument when the call computed it
 * on the spot (`f (n - 1)`), so that it needs no heap Value either. A pointer
 * to `local` must not reach the heap: eval_lazy, the one place that hands out
 * pointers to variables' values for keeping, and eval_env_promote copy it first. */
typedef struct StackEnv {
    Env *up;
    uint32_t size, is_with;
    Value *value0;
    Env *heap;
    Value local;
} StackEnv;

static inline Env *eval_env_stack(EvalState *st, StackEnv *se, Env *up, Value *arg)
{
    st->stats.envs++;
    st->stats.env_slots++;
    Env *e = (Env *)(void *)se;
    e->up = up;
    e->size = 1;
    e->is_with = ENV_STACK;
    e->values[0] = arg;
    se->heap = NULL;
    return e;
}

/* eval.c: the heap copy of a stack environment (made once), and the argument of
 * one moved to the heap if it is the environment's own. */
Env *eval_env_promote(EvalState *st, Env *env);
Value *eval_local_keep(EvalState *st, Env *en);

/* env, or its heap copy if it is a stack environment: for storing in the heap. */
static inline Env *eval_env_keep(EvalState *st, Env *env)
{
    if (__builtin_expect(env && env->is_with == ENV_STACK, 0))
        return eval_env_promote(st, env);
    return env;
}

static inline Env *eval_env_alloc(EvalState *st, Env *up, uint32_t size)
{
    st->stats.envs++;
    st->stats.env_slots += size;
    up = eval_env_keep(st, up);
    Env *e;
    if (size > 4)
        e = GC_MALLOC(sizeof(Env) + size * sizeof(Value *));
    else {
        if (size <= 1)
            e = eval_alloc_cell(st, &eval_priv(st)->free_env32, 31);
        else if (size == 2)
            e = eval_alloc32(st);
        else if (size == 3)
            e = eval_alloc_cell(st, &eval_priv(st)->free_env48, 47);
        else
            e = eval_alloc48(st);
        memset(e->values, 0, size * sizeof(Value *));
    }
    e->up = up;
    e->size = size;
    e->is_with = 0;
    return e;
}

/* The value of e if it is already known without evaluating anything: a literal
 * or a variable bound to an evaluated value. */
static inline Value *eval_immediate(Env *env, Expr *e)
{
    if (e->kind == EXPR_INT)
        return ((ExprInt *)e)->cache;
    if (e->kind == EXPR_VAR && !((ExprVar *)e)->from_with) {
        ExprVar *var = (ExprVar *)e;
        for (uint32_t l = var->level; l; l--)
            env = env->up;
        Value *v = env->values[var->displ];
        if (v && !val_is_thunk(v))
            return v;
    }
    return NULL;
}

/* The operators eval_lazy evaluates on the spot when both operands are evaluated integers
 * and one is a variable (try_eager): not division. */
#define EAGER_OPS                                                                                \
    ((1u << OP_ADD) | (1u << OP_SUB) | (1u << OP_MUL) | (1u << OP_LT) | (1u << OP_LE) |          \
     (1u << OP_GT) | (1u << OP_GE) | (1u << OP_EQ) | (1u << OP_NEQ))

static inline bool eval_eager_ok(ExprBinOp *x)
{
    return (x->lhs->kind == EXPR_VAR || x->rhs->kind == EXPR_VAR) && ((1u << x->op) & EAGER_OPS);
}

/* The one integer fast path of every operator site (eval_int_binop, eval.c's try_eager and
 * cond_int): op on p and q into *r. INT_BOOL: a comparison (*r is 0 or 1); INT_INT: an
 * arithmetic result; INT_NONE: op is not one of these, or the result needs the general
 * path (overflow, division by zero), whose errors say why. */
enum { INT_NONE, INT_INT, INT_BOOL };
static inline __attribute__((always_inline)) int eval_int_op(BinOp op, int64_t p, int64_t q, int64_t *r)
{
    switch (op) {
    case OP_EQ: *r = p == q; return INT_BOOL;
    case OP_NEQ: *r = p != q; return INT_BOOL;
    case OP_LT: *r = p < q; return INT_BOOL;
    case OP_LE: *r = p <= q; return INT_BOOL;
    case OP_GT: *r = p > q; return INT_BOOL;
    case OP_GE: *r = p >= q; return INT_BOOL;
    case OP_ADD: return __builtin_add_overflow(p, q, r) ? INT_NONE : INT_INT;
    case OP_SUB: return __builtin_sub_overflow(p, q, r) ? INT_NONE : INT_INT;
    case OP_MUL: return __builtin_mul_overflow(p, q, r) ? INT_NONE : INT_INT;
    case OP_DIV:
        if (q == 0 || (p == INT64_MIN && q == -1))
            return INT_NONE;
        *r = p / q;
        return INT_INT;
    default:
        return INT_NONE;
    }
}

/* Integer arithmetic and comparisons in place; false if x needs binop_apply. */
static inline bool eval_int_binop(ExprBinOp *x, const Value *pa, const Value *pb, Value *out)
{
    if (pa->type != T_INT || pb->type != T_INT)
        return false;
    int64_t r;
    switch (eval_int_op((BinOp)x->op, pa->integer, pb->integer, &r)) {
    case INT_INT: val_set_int(out, r); return true;
    case INT_BOOL: val_set_bool(out, r); return true;
    default: return false;
    }
}

/* An operand that is itself an integer operation on literals or evaluated
 * variables (`i * 7919` in `(i * 7919) - ...`): computed into out without
 * frames or a walker call, as it cannot fail. False if e is not one. */
static inline bool eval_int_leaf(Env *env, Expr *e, Value *out)
{
    if (e->kind != EXPR_BINOP)
        return false;
    ExprBinOp *x = (ExprBinOp *)e;
    Value *pa = eval_immediate(env, x->lhs), *pb;
    return pa && (pb = eval_immediate(env, x->rhs)) && eval_int_binop(x, pa, pb, out);
}

/* call.c */
/* The call of a T_APP being forced. */
void eval_call_app(EvalState *st, Value *v, PosIdx pos, Value *out);
/* A call expression (`f x`, `f x y`). */
void eval_call_expr(EvalState *st, Env *env, ExprCall *x, Value *out);
Env *eval_enter_call(EvalState *st, Env *env, ExprCall *x, Expr **body, StackEnv *se);

#endif
