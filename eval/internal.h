/* Evaluator-private declarations shared by the files of eval/ (not for primops). */
#ifndef CNIX_EVAL_INTERNAL_H
#define CNIX_EVAL_INTERNAL_H

#include "eval/eval.h"
#include "util/strbuf.h"

/* A sorted (symbol, slot) index for a runtime-built static scope (global
 * scope, scopedImport's scope). */
typedef struct ScopeIndex {
    Symbol *syms;
    uint32_t *displ;
    uint32_t n;
} ScopeIndex;

/* Private evaluator state hanging off EvalState (st->priv). */
typedef struct EvalPriv {
    ScopeIndex base;       /* names of st->base_env */
    void *import_cache;    /* path -> Value* */
    Value *v_true, *v_false, *v_null;
} EvalPriv;

/* bind.c: resolves variables of a freshly parsed tree. extra (may be NULL) is
 * an additional scope between the global scope and e (scopedImport). Throws
 * "undefined variable" errors. */
void bind_expr(EvalState *st, Expr *e, const ScopeIndex *extra);
ScopeIndex bind_index_new(EvalState *st, const Symbol *syms, uint32_t n);

/* eval.c */
void eval_in(EvalState *st, Env *env, Expr *e, Value *out);
Value *eval_lazy(EvalState *st, Env *env, Expr *e);
Env *eval_env_new(EvalState *st, Env *up, uint32_t size);

/* Special TraceEntry.sym values: msg is then not a format but a primop name
 * (FRAME_PRIMOP: "while calling the 'NAME' builtin") or an ExprSelect*
 * (FRAME_SELECT: "while evaluating the attribute 'a.b'"). */
#define FRAME_PRIMOP ((Symbol)0xFFFFFFFF)
#define FRAME_SELECT ((Symbol)0xFFFFFFFE)
#define FRAME_OMITTED ((Symbol)0xFFFFFFFD) /* in captured traces only */

/* A set of pointers (print.c). Zero-initialise before use. */
typedef struct PtrSet {
    const void **slots;
    size_t cap, n;
} PtrSet;
bool ptrset_insert(PtrSet *s, const void *p); /* false if already present */

/* Pushes a frame whose message is formatted only if an error is raised. */
static inline void eval_frame_push_sym(EvalState *st, PosIdx pos, const char *msg, Symbol sym)
{
    if (__builtin_expect(st->nframes == st->frames_cap, 0)) {
        eval_frame_push(st, pos, msg);
        st->frames[st->nframes - 1].sym = sym;
        return;
    }
    st->frames[st->nframes++] = (TraceEntry){pos, msg, sym};
}

/* error.c */
void eval_forcing_push(EvalState *st, Value *v);
void eval_forcing_pop(EvalState *st);

/* state.c */
EvalPriv *eval_priv(EvalState *st);

#endif
