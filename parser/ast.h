/* The abstract syntax tree produced by the parser and walked by the evaluator. */
#ifndef CNIX_PARSER_AST_H
#define CNIX_PARSER_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "parser/pos.h"
#include "parser/symtab.h"

/* All nodes are GC-allocated (GC_MALLOC). The parser builds the tree; the
 * evaluator's binder (eval/bind.c) then fills in the fields marked "binder"
 * (variable levels/slots and environment sizes) exactly once per tree.
 *
 * Sugar is desugared by the parser the way CppNix does it, so that
 * `--parse` output matches CppNix:
 *   a - b, -a       EXPR_BINOP OP_SUB (unary minus: lhs is EXPR_INT 0)
 *   a < b etc.      EXPR_BINOP OP_LT / OP_LE / OP_GT / OP_GE
 *   a + b           EXPR_BINOP OP_ADD   (printed "(a + b)")
 *   "x${y}z"        EXPR_CONCAT_STRINGS force_string=true (printed "("x" + y + "z")")
 *   ./a/${b}        EXPR_CONCAT_STRINGS force_string=false, first part EXPR_PATH
 *   <nixpkgs/lib>   EXPR_CALL (EXPR_VAR __findFile) [EXPR_VAR __nixPath, EXPR_STRING "nixpkgs/lib"]
 *   a |> f, f <| a  EXPR_CALL f [a]
 *   let { ..; body = e; }  EXPR_SELECT of a rec EXPR_ATTRS, path [body]
 *   __curPos        EXPR_POS
 */

typedef enum ExprKind {
    EXPR_INT,
    EXPR_FLOAT,
    EXPR_STRING,
    EXPR_PATH,
    EXPR_VAR,
    EXPR_SELECT,
    EXPR_HAS_ATTR,
    EXPR_ATTRS,
    EXPR_LIST,
    EXPR_LAMBDA,
    EXPR_CALL,
    EXPR_LET,
    EXPR_WITH,
    EXPR_IF,
    EXPR_ASSERT,
    EXPR_NOT,
    EXPR_BINOP,
    EXPR_CONCAT_STRINGS,
    EXPR_POS,
} ExprKind;

typedef enum BinOp {
    OP_EQ,
    OP_NEQ,
    OP_AND,
    OP_OR,
    OP_IMPL,
    OP_UPDATE,       /* // */
    OP_CONCAT_LISTS, /* ++ */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
} BinOp;

/* Common header of every node. */
typedef struct Expr {
    uint8_t kind; /* ExprKind */
    uint8_t flags;
    uint16_t reserved;
    PosIdx pos;
} Expr;

typedef struct ExprInt {
    Expr base;
    int64_t value;
    void *cache; /* reserved for the evaluator (e.g. a preallocated Value) */
} ExprInt;

typedef struct ExprFloat {
    Expr base;
    double value;
    void *cache;
} ExprFloat;

/* A string literal without interpolation (may contain no NUL bytes). */
typedef struct ExprString {
    Expr base;
    const char *s; /* atomic GC memory, NUL-terminated */
    uint32_t len;
    void *cache;
} ExprString;

/* A path literal, already made absolute and canonical by the parser
 * (relative to the source's basedir; `~/x` expanded with $HOME). */
typedef struct ExprPath {
    Expr base;
    const char *path;
    void *cache;
} ExprPath;

/* One element of an attribute path: a static symbol, or a dynamic
 * expression (`"${e}"` or `${e}`) when sym == 0. */
typedef struct AttrName {
    Symbol sym;
    struct Expr *expr;
} AttrName;

typedef struct ExprVar {
    Expr base;
    Symbol name;
    /* binder: */
    bool from_with;     /* not bound lexically: look up in enclosing `with`s */
    uint32_t level;     /* number of env hops (or, if from_with, hops to the innermost with env) */
    uint32_t displ;     /* slot in that env */
} ExprVar;

typedef struct ExprSelect {
    Expr base;
    struct Expr *e;
    AttrName *path;
    uint32_t npath;
    struct Expr *def; /* `or` default, or NULL */
} ExprSelect;

typedef struct ExprHasAttr {
    Expr base;
    struct Expr *e;
    AttrName *path;
    uint32_t npath;
} ExprHasAttr;

typedef enum AttrDefKind {
    ATTR_PLAIN,          /* name = e; */
    ATTR_INHERITED,      /* inherit name; (e is an EXPR_VAR resolved in the enclosing scope) */
    ATTR_INHERITED_FROM, /* inherit (src) name; (e is EXPR_SELECT of inherit_from[from_index]) */
} AttrDefKind;

typedef struct AttrDef {
    Symbol name;
    uint8_t kind; /* AttrDefKind */
    uint32_t from_index; /* ATTR_INHERITED_FROM: index into ExprAttrs.inherit_from */
    PosIdx pos;
    struct Expr *e;
    uint32_t displ; /* binder: slot in the rec/let env */
} AttrDef;

typedef struct DynAttrDef {
    struct Expr *name_expr;
    struct Expr *value;
    PosIdx pos;
} DynAttrDef;

/* Attribute sets, `rec` sets and the bindings of `let`. attrs is sorted by
 * Symbol id (so lookups can binary-search); duplicates are rejected at parse time. */
typedef struct ExprAttrs {
    Expr base;
    bool rec;
    AttrDef *attrs;
    uint32_t nattrs;
    DynAttrDef *dyn;
    uint32_t ndyn;
    struct Expr **inherit_from; /* sources of `inherit (src) ...` in source order */
    uint32_t ninherit_from;
} ExprAttrs;

typedef struct ExprList {
    Expr base;
    struct Expr **elems;
    uint32_t n;
} ExprList;

typedef struct Formal {
    Symbol name;
    PosIdx pos;
    struct Expr *def; /* default, or NULL */
} Formal;

/* Formals are sorted by Symbol id (CppNix sorts them too). */
typedef struct Formals {
    Formal *items;
    uint32_t n;
    bool ellipsis;
} Formals;

typedef struct ExprLambda {
    Expr base;
    Symbol arg;        /* `x:` or `args@{...}:`, else 0 */
    Formals *formals;  /* NULL for a plain `x:` lambda */
    struct Expr *body;
    Symbol name;       /* set by the parser when bound as `name = x: ...`, else 0 */
    const char *doc;   /* raw inner text of the doc comment (slash-star-star) before the lambda or its binding, or NULL */
    /* binder: env size = (arg != 0) + (formals ? formals->n : 0) */
    uint32_t env_size;
} ExprLambda;

typedef struct ExprCall {
    Expr base;
    struct Expr *fn;
    struct Expr **args;
    uint32_t nargs;
} ExprCall;

typedef struct ExprLet {
    Expr base;
    ExprAttrs *attrs; /* recursive bindings (rec is true) */
    struct Expr *body;
} ExprLet;

typedef struct ExprWith {
    Expr base;
    struct Expr *attrs;
    struct Expr *body;
    /* binder: */
    uint32_t prev_with; /* env hops from this with's env to the enclosing with's env, 0 if none */
} ExprWith;

typedef struct ExprIf {
    Expr base;
    struct Expr *cond, *then, *else_;
} ExprIf;

typedef struct ExprAssert {
    Expr base;
    struct Expr *cond, *body;
} ExprAssert;

typedef struct ExprNot {
    Expr base;
    struct Expr *e;
} ExprNot;

typedef struct ExprBinOp {
    Expr base;
    uint8_t op; /* BinOp */
    /* OP_ADD: where each operand's text starts, parentheses included (CppNix reports an
     * operand's coercion errors there); 0 if unknown, then the operand node's pos is used. */
    PosIdx lpos, rpos;
    struct Expr *lhs, *rhs;
} ExprBinOp;

typedef struct ExprConcatStrings {
    Expr base;
    bool force_string;
    struct Expr **parts;
    uint32_t nparts;
    /* Where each part starts (for an interpolation, its `${`), as CppNix reports a part's
     * coercion errors; NULL if unknown, then the part node's pos is used. */
    PosIdx *part_pos;
} ExprConcatStrings;

#endif
