/* Parser internals shared by parser.c, binds.c and literals.c (prefix parse_). */
#ifndef CNIX_PARSER_PARSE_INT_H
#define CNIX_PARSER_PARSE_INT_H

#include <gc/gc.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include "parser/lexer.h"
#include "parser/parser.h"

/* A source location not yet registered in the PosTable (registering costs
 * an entry, so it is only done for locations that end up in the AST). */
typedef struct Loc {
    uint32_t line, col, off;
} Loc;

/* Entry of the (ExprAttrs, Symbol) -> attribute index table used to find
 * duplicates while sets are built. */
typedef struct AttrSlot {
    ExprAttrs *attrs;
    Symbol sym;
    uint32_t idx;
} AttrSlot;

typedef struct Parser {
    Lexer L;
    Token la[2];
    int nla;
    SymTab *syms;
    PosTable *pt;
    const Source *src;
    ParseOptions opts;
    ParseError *err;
    jmp_buf jb;
    int depth;
    uintptr_t stack_limit; /* lowest stack address the parser may reach */
    AttrSlot *slots;
    uint32_t nslots, nused;
    ExprAttrs **all_attrs; /* every set built, sorted by symbol at the end */
    uint32_t nall, capall;
    Symbol s_body, s_or, s_find_file, s_nix_path;
    /* A stack for arrays under construction (paths, list elements, string
     * parts...): nested constructs push above and pop before returning, and
     * each finished array is copied out at its exact size. */
    char *scratch;
    size_t sc_len, sc_cap;
    Expr *cursed; /* the last `f or` call built, until it is known not to be cursed */
    uint32_t cursed_start, cursed_end;
    char *arena; /* bump allocator for AST nodes and arrays (scanned GC blocks) */
    size_t aleft;
} Parser;

typedef struct PathBuf {
    AttrName *items;
    uint32_t n, cap;
} PathBuf;

typedef struct IndPart {
    Expr *e;         /* interpolation, or NULL for text */
    const char *s;
    size_t len;
    bool has_indent;
    PosIdx pos;      /* the text's or the `${`'s position */
} IndPart;

static inline PosIdx mkpos(Parser *P, Loc l)
{
    PosIdx p = pos_add_offset(P->pt, P->src, l.off);
    return p ? p : pos_add(P->pt, P->src, l.line, l.col);
}

static inline Loc tok_loc(const Token *t) { return (Loc){t->line, t->col, t->start}; }

static inline PosIdx tok_pos(Parser *P, const Token *t) { return mkpos(P, tok_loc(t)); }

/* Arena blocks fit one 4 KB heap block of the collector (4080 bytes + its one extra byte):
 * values point into the middle of blocks (thunks and lambdas at their expressions), and
 * bdwgc's marker caches the header of a pointer's first page only, so pointers past the
 * first page of a larger block cost a header lookup and a walk back on every collection
 * (home.nix: 10.36 -> 9.55 G instructions with the lexer's blocks likewise). */
#define ARENA_CHUNK 4080

/* Zeroed GC memory carved from larger blocks: AST nodes are many and small,
 * and all of a tree lives and dies together. */
static inline void *p_alloc(Parser *P, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n > P->aleft) {
        if (n > ARENA_CHUNK / 4)
            return GC_MALLOC(n);
        P->arena = GC_MALLOC(ARENA_CHUNK);
        P->aleft = ARENA_CHUNK;
    }
    void *p = P->arena;
    P->arena += n;
    P->aleft -= n;
    return p;
}

#define NEW(T, kind_, pos_) ((T *)new_node(P, sizeof(T), kind_, pos_))

static inline Expr *new_node(Parser *P, size_t size, ExprKind kind, PosIdx pos)
{
    Expr *e = p_alloc(P, size);
    e->kind = (uint8_t)kind;
    e->pos = pos;
    return e;
}

/* Makes room for element n of an array grown in powers of two (capacity is
 * implied by the count: 1, 2, 4, 8, ...). */
static inline void *grow(void *arr, uint32_t n, size_t elem)
{
    if (n & (n - 1))
        return arr; /* n is not a power of two: capacity > n */
    void *a = GC_MALLOC((n ? 2 * (size_t)n : 1) * elem);
    if (n) {
        memcpy(a, arr, n * elem);
        GC_FREE(arr); /* only the owner being grown refers to it */
    }
    return a;
}

_Noreturn void parse_fail_at(Parser *P, PosIdx pos, const char *msg);
_Noreturn void parse_fail_fmt(Parser *P, PosIdx pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *parse_pfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
Expr *parse_mk_string(Parser *P, PosIdx pos, const char *s, size_t n);

/* binds.c: building attribute sets with CppNix's merging and duplicate errors. */
ExprAttrs *parse_mk_attrs(Parser *P, PosIdx pos);
AttrDef *parse_attr_find(Parser *P, ExprAttrs *a, Symbol s);
void parse_attr_push(Parser *P, ExprAttrs *a, AttrDef def);
void parse_inherit_from_push(ExprAttrs *a, Expr *e);
_Noreturn void parse_dup_attr(Parser *P, const AttrName *path, uint32_t n, PosIdx pos, PosIdx prev);
void parse_add_attr(Parser *P, ExprAttrs *a, PathBuf *path, PosIdx pos, Expr *e, const char *doc);
void parse_set_doc(Expr *e, const char *doc);
void parse_finish_attrs(Parser *P);
/* Appends a position as CppNix prints it: «stdin»:1:2 or /path/file.nix:1:2. */
void parse_format_pos(Parser *P, StrBuf *sb, PosIdx p);

/* literals.c: indented strings and path literals. */
Expr *parse_strip_indentation(Parser *P, PosIdx pos, IndPart *es, uint32_t n);
void parse_lint(Parser *P, int level, PosIdx pos, const char *msg);
Expr *parse_make_path(Parser *P, const Token *t, PosIdx pos);

#endif
