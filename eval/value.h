/* Values: a 24-byte tagged union, attribute sets as sorted arrays, environments. */
#ifndef CNIX_EVAL_VALUE_H
#define CNIX_EVAL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parser/ast.h"

typedef struct Value Value;
typedef struct Env Env;
typedef struct EvalState EvalState;
typedef struct PrimOp PrimOp;

typedef enum ValueType {
    /* not yet in weak head normal form */
    T_THUNK,     /* thunk.env + thunk.expr */
    T_APP,       /* app.fn applied to app.arg, evaluated lazily */
    T_BLACKHOLE, /* a thunk being forced: re-entry is infinite recursion */
    T_FAILED,    /* a thunk whose evaluation threw: forcing re-raises failed.error
                    (errors are memoised, as in CppNix 2.34) */
    /* normal forms */
    T_NULL,
    T_BOOL,
    T_INT,
    T_FLOAT,
    T_STRING,
    T_PATH,
    T_LIST,
    T_ATTRS,
    T_LAMBDA,
    T_PRIMOP,     /* primop, no arguments yet */
    T_PRIMOP_APP, /* primop partially applied: primop_app.left (a T_PRIMOP or T_PRIMOP_APP) + right */
    T_EXTERNAL,   /* opaque native pointer (foreign functions, plugins) */
} ValueType;

/* String context: the store paths a string refers to, as CppNix encodes them:
 *   "/nix/store/...-foo"          opaque path
 *   "=/nix/store/...-foo.drv"     derivation with its whole closure (DrvDeep)
 *   "!out!/nix/store/...-foo.drv" an output of a derivation (Built)
 * Elements are sorted (strcmp) and unique. NULL means empty context. */
typedef struct StrContext {
    uint32_t n;
    const char *elems[];
} StrContext;

typedef struct Attr {
    Symbol name;
    PosIdx pos;
    Value *value;
} Attr;

/* An attribute set: attrs sorted by Symbol id (not by name!), unique names.
 * Printing and attrNames sort by name.
 *
 * A set is flat (layered == 0) or layered: `a // b` with a small right side makes a
 * layered set whose attrs[0..size) are only b's attributes (the top layer) over a base
 * set (a, itself possibly layered; eval/attrs.c), so that update loops and overlays
 * do not copy the whole set each time. Lookups (attrs_find) see through the layers.
 * Code that iterates attrs[] or reads size must first get the flat view with
 * val_attrs(v) / attrs_flat(b) / eval_force_attrs (they flatten once, cached); code
 * that only looks names up may keep a layered set (attrs_find, attrs_count). */
typedef struct Bindings {
    uint32_t size;     /* attributes in attrs[] (of a layered set: in its top layer) */
    uint32_t capacity;
    PosIdx pos;
    uint32_t layered;  /* 0: flat. Else the number of attributes of the whole layered set */
    Attr attrs[];
} Bindings;

/* Value.flags of a T_STRING: str.s points to a StrRope (an unflattened
 * concatenation, eval/rope.c) instead of characters. Every writer of a T_STRING sets
 * flags (val_set_string does); every reader of the characters goes through val_str. */
#define VAL_ROPE 1
/* Value.flags of a T_LIST: list.elems points to a StrRope node of element arrays (an
 * unflattened `++`, eval/rope.c) instead of elements. Every writer of a T_LIST sets flags
 * (val_set_list does); every reader of the elements goes through val_list. */
#define VAL_LIST_ROPE 1

struct Value {
    uint8_t type;    /* ValueType */
    uint8_t flags;   /* T_STRING: VAL_ROPE; T_BLACKHOLE: the type to restore */
    uint16_t spare;
    uint32_t len;    /* T_STRING: byte length; T_LIST: element count */
    union {
        int64_t integer;
        double fpoint;
        bool boolean;
        /* s: NUL-terminated characters in GC memory; read them with val_str (ropes) */
        struct { const char *s; const StrContext *ctx; } str;
        struct { const char *path; } path;                    /* absolute, canonical */
        struct { Value **elems; } list;
        Bindings *attrs;
        struct { Env *env; ExprLambda *fun; } lambda;
        struct { Env *env; Expr *expr; } thunk;
        struct { Value *fn; Value *arg; } app;
        const PrimOp *primop;
        struct { Value *left; Value *right; } primop_app;
        struct { void *ptr; const char *type_name; } external;
        struct { void *error; } failed; /* T_FAILED: the EvalError */
    };
};

/* An environment: a frame of slots for let/rec/lambda bindings, or (is_with)
 * a `with` frame whose single slot holds the attribute-set value. For a with
 * frame, is_with = 1 + ExprWith.prev_with (hops to the enclosing with frame,
 * 0 if none), which lets variable lookup skip to the next `with`. */
struct Env {
    Env *up;
    uint32_t size;
    uint32_t is_with;
    Value *values[];
};

/* A primitive function. Arguments arrive unforced (they may be thunks);
 * the result is written to *out. pos is the call site. */
typedef void (*PrimOpFn)(EvalState *st, PosIdx pos, Value **args, Value *out);

enum PrimOpFlags {
    /* bound in the global scope under its plain name (map, toString, ...) instead of __NAME:
     * CppNix's primops registered without a "__" prefix */
    PRIM_GLOBAL = 1,
    PRIM_IMPURE = 2, /* refused under --pure-eval */
    PRIM_NO_TRACE = 4, /* no "while calling the 'NAME' builtin" frame (addErrorContext) */
};

/* Each primop family file defines `const PrimOp prim_FAMILY[]`, terminated by
 * an entry with name == NULL; the builtins set, `cnix doc` and the REPL's :doc
 * all read these tables. */
struct PrimOp {
    const char *name;  /* "head": bound as builtins.head and __head (map instead if PRIM_GLOBAL) */
    uint8_t arity;     /* 1..8 */
    uint8_t flags;     /* PrimOpFlags */
    const char *args;  /* argument names, space-separated: "f list" */
    const char *doc;   /* Markdown doc string shown by :doc */
    PrimOpFn fn;
};

/* ---- small hot helpers ---- */

static inline bool val_is_thunk(const Value *v) { return v->type <= T_FAILED; }

static inline void val_set_null(Value *v) { v->type = T_NULL; }
static inline void val_set_bool(Value *v, bool b) { v->type = T_BOOL; v->boolean = b; }
static inline void val_set_int(Value *v, int64_t i) { v->type = T_INT; v->integer = i; }
static inline void val_set_float(Value *v, double f) { v->type = T_FLOAT; v->fpoint = f; }
static inline void val_set_string(Value *v, const char *s, size_t len, const StrContext *ctx)
{
    v->type = T_STRING;
    v->flags = 0;
    v->len = (uint32_t)len;
    v->str.s = s;
    v->str.ctx = ctx;
}

/* Flattens a rope string in place (once; copies of the Value share the result). */
const char *val_str_flatten(const Value *v);
/* The NUL-terminated characters of a T_STRING value (v->len bytes). */
static inline const char *val_str(const Value *v)
{
    if (__builtin_expect(v->flags & VAL_ROPE, 0))
        return val_str_flatten(v);
    return v->str.s;
}
static inline void val_set_path(Value *v, const char *path) { v->type = T_PATH; v->path.path = path; }
static inline void val_set_list(Value *v, Value **elems, size_t n)
{
    v->type = T_LIST;
    v->flags = 0;
    v->len = (uint32_t)n;
    v->list.elems = elems;
}
/* Flattens a rope list in place (once; copies of the Value share the result). */
Value **val_list_flatten(const Value *v);
/* The v->len element pointers of a T_LIST value. */
static inline Value **val_list(const Value *v)
{
    if (__builtin_expect(v->flags & VAL_LIST_ROPE, 0))
        return val_list_flatten(v);
    return v->list.elems;
}
static inline void val_set_attrs(Value *v, Bindings *b) { v->type = T_ATTRS; v->attrs = b; }

/* Allocation (eval/value.c). All on the GC heap. */
Value *val_alloc(EvalState *st);
Value **val_list_alloc(EvalState *st, size_t n);                /* n element pointers, uninitialised */
/* a ++ b (two T_LIST values, both non-empty): long results are ropes (eval/rope.c). */
void val_list_concat(EvalState *st, const Value *a, const Value *b, Value *out);
char *val_str_alloc(size_t len);                                /* len+1 bytes, atomic; caller NUL-terminates */
const char *val_str_dup(const char *s, size_t len);             /* atomic copy, NUL-terminated */
void val_make_string(Value *v, const char *s);                  /* copies s, empty context */
Bindings *attrs_alloc(EvalState *st, size_t capacity);
/* Appends without sorting; call attrs_sort once after pushing all. */
void attrs_push(Bindings *b, Symbol name, PosIdx pos, Value *value);
void attrs_sort(Bindings *b);
/* Binary search by symbol id (through the layers of a layered set); NULL if absent. */
Attr *attrs_find(const Bindings *b, Symbol name);
/* The flat copy of a layered set (made once, then cached in b; eval/attrs.c). */
Bindings *attrs_flatten(Bindings *b);
/* b as one flat sorted array: what every reader of attrs[] and size uses. */
static inline Bindings *attrs_flat(Bindings *b)
{
    return __builtin_expect(b->layered != 0, 0) ? attrs_flatten(b) : b;
}
/* The attributes of a T_ATTRS value as a flat set; v keeps the flat set from then on. */
static inline Bindings *val_attrs(Value *v)
{
    if (__builtin_expect(v->attrs->layered != 0, 0))
        v->attrs = attrs_flatten(v->attrs);
    return v->attrs;
}
/* Number of attributes, without flattening. */
static inline uint32_t attrs_count(const Bindings *b) { return b->layered ? b->layered : b->size; }
/* `a // b` (right side wins): a or b itself if the other is empty, a layered set if b is
 * small next to a, else a flat merge. Counts nrOpUpdateValuesCopied. */
Bindings *attrs_update(EvalState *st, Bindings *a, Bindings *b);
/* Indices of b's attrs (b flat) in lexicographic order of names (for printing,
 * attrNames); eval/attrnames.c. */
uint32_t *attrs_sorted_by_name(EvalState *st, const Bindings *b);

/* String contexts (eval/context.c). */
const StrContext *ctx_merge(const StrContext *a, const StrContext *b);
const StrContext *ctx_single(const char *elem);
const StrContext *ctx_from_array(const char **elems, size_t n); /* sorts and dedups a copy */

#endif
