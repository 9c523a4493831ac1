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

/* Small integers that evaluation produces without allocating (values are immutable). */
#define SMALL_INT_MIN (-64)
#define SMALL_INT_MAX 1023
/* They live in blocks of one collector heap page each (170 * 24 bytes): the marker
 * resolves pointers into the first page of an object cheaply, later pages slowly. */
#define SMALL_INT_CHUNK 170
#define SMALL_INT_CHUNKS ((SMALL_INT_MAX - SMALL_INT_MIN + SMALL_INT_CHUNK) / SMALL_INT_CHUNK)

/* Private evaluator state hanging off EvalState (st->priv). */
typedef struct EvalPriv {
    ScopeIndex base;       /* names of st->base_env */
    Value *v_true, *v_false, *v_null;
    Value *small_ints[SMALL_INT_CHUNKS]; /* SMALL_INT_MIN..SMALL_INT_MAX */
    /* Free lists from GC_malloc_many (linked through the first word): allocating
     * from them avoids the GC's per-call locking and thread-local lookups. Cell sizes:
     * values 32 (Values), env32 32 (1-slot Envs), free32 48 (2-slot Envs, rope nodes),
     * env48 48 (3-slot Envs), free48 64 (4-slot Envs); see eval_refill. */
    void *free32, *free48, *free_values, *free_env32, *free_env48;
    /* GC pacing (value.c): collections seen so far, and a fixed minimum
     * allocation between collections from CNIX_GC_MIN (0: adaptive) */
    size_t gc_seen, gc_min_fixed;
    bool mark_stack_warm;  /* value.c: the collector's mark stack was grown */
    void *name_ranks;      /* attrnames.c: lexicographic ranks of symbols (NameRanks) */
} EvalPriv;

#include <gc/gc.h>

void *eval_refill(EvalState *st, void **list, size_t size);
static inline EvalPriv *eval_priv(EvalState *st);

/* A cleared object from free list *list, refilled with objects of request bytes. */
static inline void *eval_alloc_cell(EvalState *st, void **list, size_t request)
{
    void *o = *list;
    if (__builtin_expect(!o, 0))
        o = eval_refill(st, list, request);
    *list = GC_NEXT(o);
    GC_NEXT(o) = NULL;
    return o;
}

/* Cells of exactly 32 or 48 bytes (a request of one byte less, see eval_refill) are for
 * objects that leave room past their end: Values (24 bytes) and Envs of 1 or 3 slots. */
_Static_assert(sizeof(Value) <= 24 && sizeof(Env) + sizeof(Value *) <= 24,
               "Values and 1-slot Envs leave room past their end in a 32-byte cell");

/* A cleared GC object of 32 usable bytes (an Env of 2 slots, a rope node), in a 48-byte
 * cell. */
static inline void *eval_alloc32(EvalState *st) { return eval_alloc_cell(st, &eval_priv(st)->free32, 32); }
/* A cleared GC object of 48 usable bytes (an Env of 4 slots), in a 64-byte cell. */
static inline void *eval_alloc48(EvalState *st) { return eval_alloc_cell(st, &eval_priv(st)->free48, 48); }
/* A cleared Value, in a cell of exactly 32 bytes. */
static inline Value *eval_alloc_value(EvalState *st)
{
    return eval_alloc_cell(st, &eval_priv(st)->free_values, 31);
}

/* rope.c: builds a string from pieces in order; long pieces (and ropes) are kept by
 * reference in a rope (see VAL_ROPE), short ones copied. */
#define STRCAT_PENDING 8
typedef struct StrPiece {
    const char *s;
    size_t len;
} StrPiece;
typedef struct StrCat {
    EvalState *st;
    StrPiece pend[STRCAT_PENDING]; /* short pieces since the last long one, not copied yet */
    uint32_t npend;
    size_t pend_len;
    const void *acc;    /* the result up to the last long piece: characters or a StrRope */
    size_t acc_len;
    bool acc_rope;
} StrCat;
void strcat_init(EvalState *st, StrCat *c);
/* s[len] must be a NUL and the bytes must never change: a lone piece is shared. */
void strcat_add(StrCat *c, const char *s, size_t len);
void strcat_add_value(StrCat *c, const Value *v); /* a T_STRING, flat or rope; context not read */
void strcat_finish(StrCat *c, Value *out, const StrContext *ctx);

/* bind.c: resolves variables of a freshly parsed tree. extra (may be NULL) is
 * an additional scope between the global scope and e (scopedImport). Throws
 * "undefined variable" errors. */
void bind_expr(EvalState *st, Expr *e, const ScopeIndex *extra);
ScopeIndex bind_index_new(EvalState *st, const Symbol *syms, uint32_t n);

/* eval.c */
void eval_in(EvalState *st, Env *env, Expr *e, Value *out);
Value *eval_lazy(EvalState *st, Env *env, Expr *e);

/* Special TraceEntry.sym values: msg is then not a format but a primop name
 * (FRAME_PRIMOP: "while calling the 'NAME' builtin") or an ExprSelect*
 * (FRAME_SELECT: "while evaluating the attribute 'a.b'"). */
#define FRAME_PRIMOP ((Symbol)0xFFFFFFFF)
#define FRAME_SELECT ((Symbol)0xFFFFFFFE)
#define FRAME_OMITTED ((Symbol)0xFFFFFFFD) /* in captured traces only */
/* A lambda call: pos is the call site, msg the ExprLambda*; shown as "from call
 * site" followed by "while calling 'f'". */
#define FRAME_CALL ((Symbol)0xFFFFFFFC)
/* As FRAME_CALL, for calls made by builtins: only "while calling 'f'". */
#define FRAME_LAMBDA ((Symbol)0xFFFFFFFA)
/* msg is an ExprAssert*: "while evaluating the condition of the assertion '(a == b)'" */
#define FRAME_ASSERT ((Symbol)0xFFFFFFFB)
/* msg is an index (uintptr_t), not a pointer: "while evaluating list element at index N" */
#define FRAME_INDEX ((Symbol)0xFFFFFFF9)

/* ops.c: throws CppNix's explanation of a failing `assert a == b`, or returns. */
void eval_assert_equal(EvalState *st, Value *a, Value *b, PosIdx pos);
/* a + b when not both are integers (or they overflow); lpos/rpos are the operands' positions. */
void eval_add(EvalState *st, Value *a, Value *b, Value *out, PosIdx pos, PosIdx lpos, PosIdx rpos);

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
_Noreturn void eval_rethrow_failed(EvalState *st, Value *v);
void eval_forcing_grow(EvalState *st);
static inline void eval_forcing_push(EvalState *st, Value *v)
{
    if (__builtin_expect(st->nforcing == st->forcing_cap, 0))
        eval_forcing_grow(st);
    ((Value **)st->forcing)[st->nforcing++] = v;
}
static inline void eval_forcing_pop(EvalState *st) { st->nforcing--; }

/* state.c */
static inline EvalPriv *eval_priv(EvalState *st) { return st->priv; }

#endif
