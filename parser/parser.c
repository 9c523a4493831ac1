/* Recursive-descent Nix parser with precedence climbing; mirrors CppNix's parser.y. */
#include "parser/parser.h"

#include <gc/gc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parser/lexer.h"
#include "parser/parse_int.h"

/* Nesting is bounded twice: by a count of recursive entries, and by the C
 * stack actually used (frames are larger under sanitizers, and the evaluator
 * may parse on a thread with a much bigger stack than the main one). Beyond
 * either a clean error is reported instead of overflowing the stack. */
#define PARSE_MAX_DEPTH 100000
#define PARSE_STACK_MARGIN (256 * 1024)

/* ---- errors ---------------------------------------------------------- */

_Noreturn void parse_fail_at(Parser *P, PosIdx pos, const char *msg)
{
    P->err->msg = (char *)msg;
    P->err->pos = pos;
    longjmp(P->jb, 1);
}


char *parse_pfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *parse_pfmt(const char *fmt, ...)
{
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb_finish(&sb);
}

_Noreturn void parse_fail_fmt(Parser *P, PosIdx pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void parse_fail_fmt(Parser *P, PosIdx pos, const char *fmt, ...)
{
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    parse_fail_at(P, pos, sb_finish(&sb));
}

static const char *const tok_names[TOK__COUNT] = {
    [TOK_EOF] = "end of file", [TOK_INVALID] = "invalid token", [TOK_LEXERR] = "invalid token",
    [TOK_ID] = "identifier", [TOK_STR] = "string", [TOK_IND_STR] = "indented string",
    [TOK_INT] = "integer", [TOK_FLOAT] = "floating-point literal", [TOK_PATH] = "path",
    [TOK_HPATH] = "'~/\xe2\x80\xa6' path", [TOK_SPATH] = "'<\xe2\x80\xa6>' path",
    [TOK_PATH_END] = "end of path", [TOK_URI] = "URI", [TOK_IF] = "'if'", [TOK_THEN] = "'then'",
    [TOK_ELSE] = "'else'", [TOK_ASSERT] = "'assert'", [TOK_WITH] = "'with'", [TOK_LET] = "'let'",
    [TOK_IN] = "'in'", [TOK_REC] = "'rec'", [TOK_INHERIT] = "'inherit'", [TOK_EQ] = "'=='",
    [TOK_NEQ] = "'!='", [TOK_LEQ] = "'<='", [TOK_GEQ] = "'>='", [TOK_UPDATE] = "'//'",
    [TOK_CONCAT] = "'++'", [TOK_AND] = "'&&'", [TOK_OR] = "'||'", [TOK_IMPL] = "'->'",
    [TOK_OR_KW] = "'or'", [TOK_PIPE_FROM] = "'<|'", [TOK_PIPE_INTO] = "'|>'",
    [TOK_DOLLAR_CURLY] = "'${'", [TOK_IND_OPEN] = "start of an indented string",
    [TOK_IND_CLOSE] = "end of an indented string", [TOK_ELLIPSIS] = "'...'", [TOK_LT] = "'<'",
    [TOK_GT] = "'>'", [TOK_PLUS] = "'+'", [TOK_MINUS] = "'-'", [TOK_STAR] = "'*'", [TOK_SLASH] = "'/'",
    [TOK_QUESTION] = "'?'", [TOK_COLON] = "':'", [TOK_AT] = "'@'", [TOK_SEMI] = "';'",
    [TOK_BANG] = "'!'", [TOK_DOT] = "'.'", [TOK_QUOTE] = "'\"'", [TOK_LPAREN] = "'('",
    [TOK_RPAREN] = "')'", [TOK_LBRACE] = "'{'", [TOK_RBRACE] = "'}'", [TOK_LBRACK] = "'['",
    [TOK_RBRACK] = "']'", [TOK_ASSIGN] = "'='", [TOK_COMMA] = "','",
};

/* Expected-token lists, written as bison prints them for the LALR state in
 * which CppNix's parser detects the error (after its default reductions). */
#define EXP_ATTR "identifier or 'or' or '${' or '\"'"
#define EXP_FORMAL_START "identifier or '...' or '}'"

/* "syntax error, unexpected X[, expecting Y]" at t (at its end for end of file). */
static _Noreturn void syntax_error_at(Parser *P, const Token *t, Loc loc, const char *expecting)
{
    if (t->kind == TOK_LEXERR)
        parse_fail_at(P, mkpos(P, loc), t->s);
    PosIdx pos;
    if (t->kind == TOK_EOF) {
        Loc end = {0, 0, t->end};
        lex_line_col(&P->L, t->end, &end.line, &end.col);
        pos = mkpos(P, end);
    } else {
        pos = mkpos(P, loc);
    }
    if (expecting)
        parse_fail_fmt(P, pos, "syntax error, unexpected %s, expecting %s", tok_names[t->kind], expecting);
    parse_fail_fmt(P, pos, "syntax error, unexpected %s", tok_names[t->kind]);
}

static _Noreturn void syntax_error(Parser *P, const Token *t, const char *expecting)
{
    syntax_error_at(P, t, tok_loc(t), expecting);
}

static void enter(Parser *P, const Token *t)
{
    char here;
    if (++P->depth > PARSE_MAX_DEPTH || (uintptr_t)&here < P->stack_limit)
        parse_fail_at(P, tok_pos(P, t), "expression nesting too deep");
}

/* Sets how far down the stack parsing may go: most of what is left of this
 * thread's stack, keeping a margin for the caller. */
static void set_stack_limit(Parser *P)
{
    char here;
    uintptr_t sp = (uintptr_t)&here, low = 0;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t size;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0)
            low = (uintptr_t)addr;
        pthread_attr_destroy(&attr);
    }
    if (!low || sp < low + 2 * PARSE_STACK_MARGIN)
        low = sp > 4 * 1024 * 1024 ? sp - 4 * 1024 * 1024 : 0; /* unknown: assume 4 MiB */
    else
        low += PARSE_STACK_MARGIN;
    P->stack_limit = low;
}

/* ---- tokens ---------------------------------------------------------- */

static void check_token(Parser *P, const Token *t)
{
    if (t->kind == TOK_LEXERR)
        parse_fail_at(P, tok_pos(P, t), t->s);
    if ((t->kind == TOK_PIPE_FROM || t->kind == TOK_PIPE_INTO) && !P->opts.pipe_operators)
        parse_fail_at(P, tok_pos(P, t),
                "experimental Nix feature 'pipe-operators' is disabled; add "
                "'--extra-experimental-features pipe-operators' to enable it");
}

static Token *peek(Parser *P)
{
    if (P->nla == 0) {
        lex_next(&P->L, &P->la[0]);
        P->nla = 1;
        check_token(P, &P->la[0]);
    }
    return &P->la[0];
}

static Token *peek2(Parser *P)
{
    peek(P);
    if (P->nla < 2) {
        lex_next(&P->L, &P->la[1]);
        P->nla = 2;
        check_token(P, &P->la[1]);
    }
    return &P->la[1];
}

static void advance(Parser *P)
{
    if (P->nla == 2)
        P->la[0] = P->la[1];
    P->nla--;
}

/* Consumes a token of kind k or reports the syntax error. Never looks past it,
 * so the caller may switch the lexer mode afterwards. */
static Token expect(Parser *P, TokKind k, const char *expecting)
{
    Token *t = peek(P);
    if (t->kind != k)
        syntax_error(P, t, expecting);
    Token r = *t;
    advance(P);
    return r;
}

/* Lexes in string/path mode: only valid when no lookahead is buffered. */
static void lex_mode(Parser *P, Token *t, int mode, bool slash)
{
    if (mode == 0)
        lex_string(&P->L, t);
    else if (mode == 1)
        lex_ind_string(&P->L, t);
    else
        lex_path(&P->L, t, slash);
}

/* ---- node construction ----------------------------------------------- */


static size_t sc_mark(Parser *P) { return P->sc_len; }

/* Room for one more element of size sz; returns its offset (the buffer may
 * move, so callers keep offsets, not pointers, across nested parsing). */
static size_t sc_push(Parser *P, const void *item, size_t sz)
{
    size_t need = P->sc_len + ((sz + 7) & ~(size_t)7);
    if (need > P->sc_cap) {
        size_t cap = P->sc_cap ? P->sc_cap * 2 : 4096;
        while (cap < need)
            cap *= 2;
        char *b = GC_MALLOC(cap);
        if (P->sc_len)
            memcpy(b, P->scratch, P->sc_len);
        P->scratch = b;
        P->sc_cap = cap;
    }
    size_t off = P->sc_len;
    memcpy(P->scratch + off, item, sz);
    P->sc_len = need;
    return off;
}

/* Pops everything above mark into an exact-size GC array of n elements. */
static void *sc_take(Parser *P, size_t mark, size_t elem, uint32_t *n)
{
    size_t stride = (elem + 7) & ~(size_t)7;
    uint32_t cnt = (uint32_t)((P->sc_len - mark) / stride);
    void *a = NULL;
    if (cnt) {
        a = p_alloc(P, cnt * elem);
        if (stride == elem) {
            memcpy(a, P->scratch + mark, cnt * elem);
        } else {
            for (uint32_t i = 0; i < cnt; i++)
                memcpy((char *)a + i * elem, P->scratch + mark + i * stride, elem);
        }
    }
    P->sc_len = mark;
    *n = cnt;
    return a;
}

Expr *parse_mk_string(Parser *P, PosIdx pos, const char *s, size_t n)
{
    ExprString *e = NEW(ExprString, EXPR_STRING, pos);
    char *c = lex_alloc_atomic(&P->L, n + 1);
    memcpy(c, s, n);
    c[n] = 0;
    e->s = c;
    e->len = (uint32_t)n;
    return &e->base;
}

/* An ExprString taking over s, which must be NUL-terminated GC memory. */
static Expr *mk_string_owned(Parser *P, PosIdx pos, const char *s, size_t n)
{
    ExprString *e = NEW(ExprString, EXPR_STRING, pos);
    e->s = s;
    e->len = (uint32_t)n;
    return &e->base;
}

static Expr *mk_var(Parser *P, PosIdx pos, Symbol s)
{
    ExprVar *v = NEW(ExprVar, EXPR_VAR, pos);
    v->name = s;
    return &v->base;
}

static Expr *mk_binop(Parser *P, PosIdx pos, BinOp op, Expr *a, Expr *b)
{
    ExprBinOp *e = NEW(ExprBinOp, EXPR_BINOP, pos);
    e->op = (uint8_t)op;
    e->lhs = a;
    e->rhs = b;
    return &e->base;
}

/* Like CppNix's makeCall: arguments of a call applied again are merged. */
static Expr *mk_call(Parser *P, PosIdx pos, Expr *fn, Expr **args, uint32_t nargs)
{
    if (fn->kind == EXPR_CALL) {
        ExprCall *c = (ExprCall *)fn;
        Expr **a = p_alloc(P, (c->nargs + nargs) * sizeof(Expr *));
        memcpy(a, c->args, c->nargs * sizeof(Expr *));
        memcpy(a + c->nargs, args, nargs * sizeof(Expr *));
        c->args = a;
        c->nargs += nargs;
        return fn;
    }
    ExprCall *c = NEW(ExprCall, EXPR_CALL, pos);
    c->fn = fn;
    c->args = p_alloc(P, nargs * sizeof(Expr *));
    memcpy(c->args, args, nargs * sizeof(Expr *));
    c->nargs = nargs;
    return &c->base;
}

static Expr *mk_call1(Parser *P, PosIdx pos, Expr *fn, Expr *arg) { return mk_call(P, pos, fn, &arg, 1); }

static const char *doc_text(Parser *P, const Token *t)
{
    if (!t->doc_end)
        return NULL;
    size_t n = t->doc_end - t->doc_start;
    char *d = lex_alloc_atomic(&P->L, n + 1);
    memcpy(d, P->L.buf + t->doc_start, n);
    d[n] = 0;
    return d;
}

/* ---- attribute sets ---------------------------------------------------- */

/* ---- grammar ------------------------------------------------------------ */

static Expr *parse_expr(Parser *P);
static Expr *parse_op_expr(Parser *P, Expr *prim, Loc loc);
static Expr *parse_select(Parser *P, Expr *prim, Loc loc);
static Expr *parse_simple(Parser *P);
static void parse_binds(Parser *P, ExprAttrs *a);
static Expr *parse_string(Parser *P, const Token *open, bool *is_static);

/* CppNix warns when a `f or` call (see parse_select) is used where a future
 * release will read `or` differently: as an argument, list element or `or`
 * default. As the function of an application it is not cursed. */
static void warn_cursed_or(Parser *P, Expr *e)
{
    if (e != P->cursed || !e)
        return;
    P->cursed = NULL;
    if (!P->opts.warn)
        return;
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "at ");
    parse_format_pos(P, &sb, e->pos);
    sb_puts(&sb, ": This expression uses `or` as an identifier in a way that will change in a future "
                 "Nix release.\nWrap this entire expression in parentheses to preserve its current "
                 "meaning:\n    (");
    sb_add(&sb, P->L.buf + P->cursed_start, P->cursed_end - P->cursed_start);
    sb_puts(&sb, ")\nGive feedback at https://github.com/NixOS/nix/pull/11121");
    P->opts.warn(P->opts.warn_ctx, sb_finish(&sb), 0);
}

static bool starts_simple(TokKind k)
{
    switch (k) {
    case TOK_ID: case TOK_INT: case TOK_FLOAT: case TOK_QUOTE: case TOK_IND_OPEN: case TOK_PATH:
    case TOK_HPATH: case TOK_SPATH: case TOK_URI: case TOK_LPAREN: case TOK_LET: case TOK_REC:
    case TOK_LBRACE: case TOK_LBRACK:
        return true;
    default:
        return false;
    }
}

/* One element of an attribute path. `"s"` and `${"s"}` are static names. */
static AttrName parse_attr(Parser *P, const char *expecting)
{
    Token *t = peek(P);
    if (t->kind == TOK_ID) {
        Symbol s = sym_intern(P->syms, t->s, t->len);
        advance(P);
        return (AttrName){s, NULL};
    }
    if (t->kind == TOK_OR_KW) {
        advance(P);
        return (AttrName){P->s_or, NULL};
    }
    if (t->kind == TOK_QUOTE) {
        Token open = *t;
        advance(P);
        bool is_static;
        Expr *e = parse_string(P, &open, &is_static);
        if (is_static) {
            ExprString *s = (ExprString *)e;
            return (AttrName){sym_intern(P->syms, s->s, s->len), NULL};
        }
        return (AttrName){0, e};
    }
    if (t->kind == TOK_DOLLAR_CURLY) {
        advance(P);
        Expr *e = parse_expr(P);
        expect(P, TOK_RBRACE, "'}'");
        if (e->kind == EXPR_STRING) {
            ExprString *s = (ExprString *)e;
            return (AttrName){sym_intern(P->syms, s->s, s->len), NULL};
        }
        return (AttrName){0, e};
    }
    syntax_error(P, t, expecting);
}

static PathBuf parse_attrpath(Parser *P)
{
    size_t mark = sc_mark(P);
    for (;;) {
        AttrName an = parse_attr(P, EXP_ATTR);
        sc_push(P, &an, sizeof an);
        if (peek(P)->kind != TOK_DOT)
            break;
        advance(P);
    }
    PathBuf pb;
    pb.items = sc_take(P, mark, sizeof(AttrName), &pb.n);
    pb.cap = pb.n;
    return pb;
}

/* "..." after the opening quote. Sets *is_static when the result is a plain
 * ExprString that may serve as a static attribute name. */
typedef struct StrPart {
    Expr *e; /* first: a plain string is read back as an Expr * */
    PosIdx pos;
} StrPart;

/* Moves the StrParts pushed since mark into c's parts and part_pos. */
static void take_str_parts(Parser *P, size_t mark, ExprConcatStrings *c)
{
    uint32_t n;
    StrPart *sp = sc_take(P, mark, sizeof(StrPart), &n);
    c->parts = p_alloc(P, (n ? n : 1) * sizeof(Expr *));
    c->part_pos = p_alloc(P, (n ? n : 1) * sizeof(PosIdx));
    for (uint32_t i = 0; i < n; i++) {
        c->parts[i] = sp[i].e;
        c->part_pos[i] = sp[i].pos;
    }
    c->nparts = n;
}

static Expr *parse_string(Parser *P, const Token *open, bool *is_static)
{
    size_t mark = sc_mark(P);
    bool interp = false;
    Loc first = {0, 0, 0};
    Token t;
    for (bool start = true;; start = false) {
        lex_mode(P, &t, 0, false);
        if (start)
            first = tok_loc(&t);
        if (t.kind == TOK_STR) {
            StrPart sp = {mk_string_owned(P, 0, t.s, t.len), tok_pos(P, &t)};
            sc_push(P, &sp, sizeof sp);
        } else if (t.kind == TOK_DOLLAR_CURLY) {
            interp = true;
            PosIdx at = tok_pos(P, &t);
            StrPart sp = {parse_expr(P), at};
            expect(P, TOK_RBRACE, "'}'");
            sc_push(P, &sp, sizeof sp);
        } else if (t.kind == TOK_QUOTE) {
            break;
        } else {
            syntax_error(P, &t, "'\"'");
        }
    }
    *is_static = !interp;
    if (!interp) {
        uint32_t n = (uint32_t)((P->sc_len - mark) / ((sizeof(StrPart) + 7) & ~(size_t)7));
        Expr *e = n ? *(Expr **)(P->scratch + mark) : parse_mk_string(P, 0, "", 0);
        P->sc_len = mark;
        e->pos = tok_pos(P, open);
        return e;
    }
    ExprConcatStrings *c = NEW(ExprConcatStrings, EXPR_CONCAT_STRINGS, mkpos(P, first));
    c->force_string = true;
    take_str_parts(P, mark, c);
    return &c->base;
}

static Expr *parse_ind_string(Parser *P, const Token *open)
{
    size_t mark = sc_mark(P);
    Token t;
    for (;;) {
        lex_mode(P, &t, 1, false);
        if (t.kind == TOK_IND_STR) {
            IndPart ip = {NULL, t.s, t.len, t.has_indent, tok_pos(P, &t)};
            sc_push(P, &ip, sizeof ip);
        } else if (t.kind == TOK_DOLLAR_CURLY) {
            PosIdx at = tok_pos(P, &t);
            Expr *e = parse_expr(P);
            expect(P, TOK_RBRACE, "'}'");
            IndPart ip = {e, NULL, 0, false, at};
            sc_push(P, &ip, sizeof ip);
        } else if (t.kind == TOK_IND_CLOSE) {
            break;
        } else {
            syntax_error(P, &t, "indented string or '${' or end of an indented string");
        }
    }
    _Static_assert(sizeof(IndPart) % 8 == 0, "IndPart is pushed unpadded");
    uint32_t n = (uint32_t)((P->sc_len - mark) / sizeof(IndPart));
    Expr *e = parse_strip_indentation(P, tok_pos(P, open), (IndPart *)(P->scratch + mark), n);
    P->sc_len = mark;
    return e;
}

static Expr *parse_path(Parser *P, const Token *start)
{
    PosIdx pos = tok_pos(P, start);
    Expr *first = parse_make_path(P, start, pos);
    Expr **parts = NULL;
    PosIdx *ppos = NULL;
    uint32_t n = 0;
    bool slash = start->slash;
    Loc prev = tok_loc(start);
    Token t;
    lex_mode(P, &t, 2, slash);
    for (;;) {
        if (t.kind == TOK_PATH_END)
            break;
        if (t.kind == TOK_LEXERR) {
            /* At the very end CppNix points at the previous path piece. */
            Loc l = t.start == (uint32_t)(P->L.lim - P->L.buf) ? prev : tok_loc(&t);
            parse_fail_at(P, mkpos(P, l), t.s);
        }
        if (t.kind == TOK_STR) {
            Token s = t;
            lex_mode(P, &t, 2, s.slash);
            /* The grammar only allows text right after the path start when an
             * interpolation follows. */
            if (n == 0 && t.kind != TOK_DOLLAR_CURLY)
                syntax_error_at(P, &t, t.kind == TOK_PATH_END ? tok_loc(&s) : tok_loc(&t), "'${'");
            parts = grow(parts, n, sizeof(Expr *));
            ppos = grow(ppos, n, sizeof(PosIdx));
            ppos[n] = tok_pos(P, &s);
            parts[n++] = parse_mk_string(P, 0, s.s, s.len);
            prev = tok_loc(&s);
            continue;
        }
        /* TOK_DOLLAR_CURLY */
        PosIdx at = tok_pos(P, &t);
        Expr *e = parse_expr(P);
        Token rb = expect(P, TOK_RBRACE, "'}'");
        prev = tok_loc(&rb);
        parts = grow(parts, n, sizeof(Expr *));
        ppos = grow(ppos, n, sizeof(PosIdx));
        ppos[n] = at;
        parts[n++] = e;
        lex_mode(P, &t, 2, false);
    }
    if (n == 0)
        return first;
    ExprConcatStrings *c = NEW(ExprConcatStrings, EXPR_CONCAT_STRINGS, pos);
    c->force_string = false;
    c->parts = p_alloc(P, (n + 1) * sizeof(Expr *));
    c->parts[0] = first;
    memcpy(c->parts + 1, parts, n * sizeof(Expr *));
    c->part_pos = p_alloc(P, (n + 1) * sizeof(PosIdx));
    c->part_pos[0] = pos;
    memcpy(c->part_pos + 1, ppos, n * sizeof(PosIdx));
    c->nparts = n + 1;
    return &c->base;
}

static Expr *parse_list(Parser *P, const Token *open)
{
    ExprList *l = NEW(ExprList, EXPR_LIST, tok_pos(P, open));
    size_t mark = sc_mark(P);
    for (;;) {
        Token *t = peek(P);
        if (t->kind == TOK_RBRACK) {
            advance(P);
            l->elems = sc_take(P, mark, sizeof(Expr *), &l->n);
            return &l->base;
        }
        if (!starts_simple(t->kind))
            syntax_error(P, t, NULL);
        Loc loc = tok_loc(t);
        Expr *e = parse_select(P, NULL, loc);
        warn_cursed_or(P, e);
        sc_push(P, &e, sizeof e);
    }
}

/* `{ binds }` after the opening brace (not formals). */
static Expr *parse_attrs_body(Parser *P, PosIdx pos, bool rec, const char *expecting)
{
    ExprAttrs *a = parse_mk_attrs(P, pos);
    a->rec = rec;
    parse_binds(P, a);
    expect(P, TOK_RBRACE, expecting);
    return &a->base;
}

static Expr *parse_simple(Parser *P)
{
    Token *t = peek(P);
    Token tk = *t;
    switch (t->kind) {
    case TOK_ID: {
        advance(P);
        PosIdx pos = tok_pos(P, &tk);
        if (tk.len == 8 && memcmp(tk.s, "__curPos", 8) == 0)
            return new_node(P, sizeof(Expr), EXPR_POS, pos);
        return mk_var(P, pos, sym_intern(P->syms, tk.s, tk.len));
    }
    case TOK_INT: {
        advance(P);
        ExprInt *e = NEW(ExprInt, EXPR_INT, tok_pos(P, &tk));
        e->value = tk.i;
        return &e->base;
    }
    case TOK_FLOAT: {
        advance(P);
        ExprFloat *e = NEW(ExprFloat, EXPR_FLOAT, tok_pos(P, &tk));
        e->value = tk.f;
        return &e->base;
    }
    case TOK_QUOTE: {
        advance(P);
        bool is_static;
        return parse_string(P, &tk, &is_static);
    }
    case TOK_IND_OPEN:
        advance(P);
        return parse_ind_string(P, &tk);
    case TOK_PATH:
    case TOK_HPATH:
        advance(P);
        return parse_path(P, &tk);
    case TOK_SPATH: {
        advance(P);
        PosIdx pos = tok_pos(P, &tk);
        Expr *args[2] = {mk_var(P, 0, P->s_nix_path), parse_mk_string(P, 0, tk.s + 1, tk.len - 2)};
        return mk_call(P, pos, mk_var(P, 0, P->s_find_file), args, 2);
    }
    case TOK_URI: {
        advance(P);
        PosIdx pos = tok_pos(P, &tk);
        int lv = P->opts.lint_url_literals;
        if (lv > 0)
            parse_lint(P, lv, pos,
                 parse_pfmt("URL literals are %s. Consider using a string literal \"%.*s\" instead "
                      "(lint-url-literals)",
                      lv >= 2 ? "disallowed" : "discouraged", (int)tk.len, tk.s));
        return parse_mk_string(P, pos, tk.s, tk.len);
    }
    case TOK_LPAREN: {
        advance(P);
        Expr *e = parse_expr(P);
        expect(P, TOK_RPAREN, "')'");
        return e;
    }
    case TOK_LET: {
        /* let { ...; body = e; } is (rec { ... }).body */
        advance(P);
        expect(P, TOK_LBRACE, "'{'");
        PosIdx pos = tok_pos(P, &tk);
        Expr *a = parse_attrs_body(P, pos, true, "'inherit' or '}'");
        ExprSelect *s = NEW(ExprSelect, EXPR_SELECT, pos);
        s->e = a;
        s->path = p_alloc(P, sizeof(AttrName));
        s->path[0] = (AttrName){P->s_body, NULL};
        s->npath = 1;
        return &s->base;
    }
    case TOK_REC:
        advance(P);
        expect(P, TOK_LBRACE, "'{'");
        return parse_attrs_body(P, tok_pos(P, &tk), true, "'inherit' or '}'");
    case TOK_LBRACE:
        advance(P);
        return parse_attrs_body(P, tok_pos(P, &tk), false, "'inherit'");
    case TOK_LBRACK:
        advance(P);
        return parse_list(P, &tk);
    default:
        syntax_error(P, t, NULL);
    }
}

/* expr_select: simple ('.' attrpath ('or' expr_select)?)? | simple 'or' */
static Expr *parse_select(Parser *P, Expr *prim, Loc loc)
{
    Token *t0 = peek(P);
    enter(P, t0);
    if (!prim)
        prim = parse_simple(P);
    Token *t = peek(P);
    if (t->kind == TOK_DOT) {
        advance(P);
        PathBuf pb = parse_attrpath(P);
        ExprSelect *s = NEW(ExprSelect, EXPR_SELECT, mkpos(P, loc));
        s->e = prim;
        s->path = pb.items;
        s->npath = pb.n;
        if (peek(P)->kind == TOK_OR_KW) {
            advance(P);
            Token *d = peek(P);
            s->def = parse_select(P, NULL, tok_loc(d));
            warn_cursed_or(P, s->def);
        }
        prim = &s->base;
    } else if (t->kind == TOK_OR_KW) {
        /* CppNix's "cursed or": `f or` applies f to a variable named or. */
        uint32_t end = t->end;
        advance(P);
        PosIdx pos = mkpos(P, loc);
        prim = mk_call1(P, pos, prim, mk_var(P, pos, P->s_or));
        P->cursed = prim;
        P->cursed_start = loc.off;
        P->cursed_end = end;
    }
    P->depth--;
    return prim;
}

static Expr *parse_app(Parser *P, Expr *prim, Loc loc)
{
    Expr *fn = parse_select(P, prim, loc);
    if (fn == P->cursed)
        P->cursed = NULL; /* the function of an application is not cursed */
    Token *t = peek(P);
    if (!starts_simple(t->kind))
        return fn;
    size_t mark = sc_mark(P);
    do {
        Expr *a = parse_select(P, NULL, tok_loc(t));
        warn_cursed_or(P, a);
        sc_push(P, &a, sizeof a);
        t = peek(P);
    } while (starts_simple(t->kind));
    uint32_t n = (uint32_t)((P->sc_len - mark) / sizeof(Expr *));
    Expr *c = mk_call(P, mkpos(P, loc), fn, (Expr **)(P->scratch + mark), n);
    P->sc_len = mark;
    return c;
}

enum { ASSOC_LEFT, ASSOC_RIGHT, ASSOC_NONE };

/* Binding power of binary operators (CppNix's %left/%right/%nonassoc order). */
static int binop_prec(TokKind k, int *assoc)
{
    switch (k) {
    case TOK_IMPL: *assoc = ASSOC_RIGHT; return 1;
    case TOK_OR: *assoc = ASSOC_LEFT; return 2;
    case TOK_AND: *assoc = ASSOC_LEFT; return 3;
    case TOK_EQ: case TOK_NEQ: *assoc = ASSOC_NONE; return 4;
    case TOK_LT: case TOK_GT: case TOK_LEQ: case TOK_GEQ: *assoc = ASSOC_NONE; return 5;
    case TOK_UPDATE: *assoc = ASSOC_RIGHT; return 6;
    case TOK_PLUS: case TOK_MINUS: *assoc = ASSOC_LEFT; return 8;
    case TOK_STAR: case TOK_SLASH: *assoc = ASSOC_LEFT; return 9;
    case TOK_CONCAT: *assoc = ASSOC_RIGHT; return 10;
    case TOK_QUESTION: *assoc = ASSOC_NONE; return 11;
    default: return 0;
    }
}
#define PREC_NOT 7
#define PREC_NEGATE 12

static Expr *build_binop(Parser *P, const Token *op, Expr *a, Expr *b)
{
    PosIdx pos = tok_pos(P, op);
    switch (op->kind) {
    case TOK_IMPL: return mk_binop(P, pos, OP_IMPL, a, b);
    case TOK_OR: return mk_binop(P, pos, OP_OR, a, b);
    case TOK_AND: return mk_binop(P, pos, OP_AND, a, b);
    case TOK_EQ: return mk_binop(P, pos, OP_EQ, a, b);
    case TOK_NEQ: return mk_binop(P, pos, OP_NEQ, a, b);
    case TOK_LT: return mk_binop(P, pos, OP_LT, a, b);
    case TOK_GT: return mk_binop(P, pos, OP_GT, a, b);
    case TOK_LEQ: return mk_binop(P, pos, OP_LE, a, b);
    case TOK_GEQ: return mk_binop(P, pos, OP_GE, a, b);
    case TOK_UPDATE: return mk_binop(P, pos, OP_UPDATE, a, b);
    case TOK_PLUS: return mk_binop(P, pos, OP_ADD, a, b);
    case TOK_MINUS: return mk_binop(P, pos, OP_SUB, a, b);
    case TOK_STAR: return mk_binop(P, pos, OP_MUL, a, b);
    case TOK_SLASH: return mk_binop(P, pos, OP_DIV, a, b);
    default: return mk_binop(P, pos, OP_CONCAT_LISTS, a, b);
    }
}

static Expr *parse_binop(Parser *P, int min, Expr *prim, Loc loc);

/* A chain `a OP b OP c ...` of one right-associative operator, collected
 * iteratively and folded from the right, so that long `a ++ b ++ ...` chains
 * need no deep recursion. Kept out of parse_binop to keep its frame small. */
__attribute__((noinline)) static Expr *parse_right_chain(Parser *P, Expr *lhs, const Token *op,
                                                         int prec, Loc loc)
{
    typedef struct {
        Expr *e;
        PosIdx pos;
    } Item;
    TokKind kind = op->kind;
    size_t mark = sc_mark(P);
    Item it = {lhs, tok_pos(P, op)};
    sc_push(P, &it, sizeof it);
    Expr *r;
    for (;;) {
        r = parse_binop(P, prec + 1, NULL, loc);
        Token *nt = peek(P);
        if (nt->kind != kind)
            break;
        it = (Item){r, tok_pos(P, nt)};
        sc_push(P, &it, sizeof it);
        advance(P);
    }
    size_t stride = (sizeof(Item) + 7) & ~(size_t)7;
    for (size_t off = P->sc_len; off > mark;) {
        off -= stride;
        Item *x = (Item *)(P->scratch + off);
        BinOp bop = kind == TOK_IMPL ? OP_IMPL : kind == TOK_UPDATE ? OP_UPDATE : OP_CONCAT_LISTS;
        r = mk_binop(P, x->pos, bop, x->e, r);
    }
    P->sc_len = mark;
    return r;
}

/* Precedence climbing over expr_op: parses operators binding tighter than or
 * as tight as min. prim, if set, is an already parsed expr_simple at loc. */
static Expr *parse_binop(Parser *P, int min, Expr *prim, Loc loc)
{
    Expr *lhs;
    Token *t = peek(P);
    Loc start = prim ? loc : tok_loc(t);
    enter(P, t);
    if (prim) {
        lhs = parse_app(P, prim, loc);
    } else if (t->kind == TOK_BANG) {
        Token op = *t;
        advance(P);
        Expr *e = parse_binop(P, PREC_NOT + 1, NULL, loc);
        ExprNot *n = NEW(ExprNot, EXPR_NOT, tok_pos(P, &op));
        n->e = e;
        lhs = &n->base;
    } else if (t->kind == TOK_MINUS) {
        Token op = *t;
        advance(P);
        Expr *e = parse_binop(P, PREC_NEGATE + 1, NULL, loc);
        PosIdx pos = tok_pos(P, &op);
        ExprInt *zero = NEW(ExprInt, EXPR_INT, 0);
        lhs = mk_binop(P, pos, OP_SUB, &zero->base, e);
    } else {
        if (!starts_simple(t->kind))
            syntax_error(P, t, NULL);
        lhs = parse_app(P, NULL, tok_loc(t));
    }
    for (;;) {
        t = peek(P);
        int assoc, prec = binop_prec(t->kind, &assoc);
        if (prec == 0 || prec < min)
            break;
        Token op = *t;
        advance(P);
        if (op.kind == TOK_QUESTION) {
            PathBuf pb = parse_attrpath(P);
            ExprHasAttr *h = NEW(ExprHasAttr, EXPR_HAS_ATTR, tok_pos(P, &op));
            h->e = lhs;
            h->path = pb.items;
            h->npath = pb.n;
            lhs = &h->base;
            continue;
        }
        if (assoc == ASSOC_RIGHT) {
            lhs = parse_right_chain(P, lhs, &op, prec, loc);
            continue;
        }
        Loc rstart = tok_loc(peek(P));
        Expr *rhs = parse_binop(P, prec + 1, NULL, loc);
        lhs = build_binop(P, &op, lhs, rhs);
        if (op.kind == TOK_PLUS) {
            ((ExprBinOp *)lhs)->lpos = mkpos(P, start);
            ((ExprBinOp *)lhs)->rpos = mkpos(P, rstart);
        }
        if (assoc == ASSOC_NONE) {
            int a2;
            Token *nt = peek(P);
            if (binop_prec(nt->kind, &a2) == prec)
                syntax_error(P, nt, NULL);
        }
    }
    P->depth--;
    return lhs;
}

/* expr_if minus `if`: an operator expression, optionally in a pipe chain. */
static Expr *parse_op_expr(Parser *P, Expr *prim, Loc loc)
{
    Expr *lhs = parse_binop(P, 1, prim, loc);
    Token *t = peek(P);
    if (t->kind == TOK_PIPE_INTO) {
        while ((t = peek(P))->kind == TOK_PIPE_INTO) {
            PosIdx pos = tok_pos(P, t);
            advance(P);
            Token *s = peek(P);
            Expr *f = parse_binop(P, 1, NULL, tok_loc(s));
            lhs = mk_call1(P, pos, f, lhs);
        }
    } else if (t->kind == TOK_PIPE_FROM) {
        Expr **es = NULL;
        PosIdx *ps = NULL;
        uint32_t n = 0;
        es = grow(es, n, sizeof(Expr *));
        es[n++] = lhs;
        while ((t = peek(P))->kind == TOK_PIPE_FROM) {
            ps = grow(ps, n - 1, sizeof(PosIdx));
            ps[n - 1] = tok_pos(P, t);
            advance(P);
            Token *s = peek(P);
            Expr *x = parse_binop(P, 1, NULL, tok_loc(s));
            es = grow(es, n, sizeof(Expr *));
            es[n++] = x;
        }
        lhs = es[n - 1];
        for (uint32_t i = n - 1; i > 0; i--)
            lhs = mk_call1(P, ps[i - 1], es[i - 1], lhs);
    }
    return lhs;
}

/* Formals after '{' up to and including '}'. */
static Formals *parse_formals(Parser *P)
{
    Formals *f = p_alloc(P, sizeof *f);
    Token *t = peek(P);
    if (t->kind == TOK_RBRACE) {
        advance(P);
        return f;
    }
    for (;;) {
        t = peek(P);
        if (t->kind == TOK_ELLIPSIS) {
            advance(P);
            expect(P, TOK_RBRACE, "'}'");
            f->ellipsis = true;
            return f;
        }
        if (t->kind == TOK_RBRACE && f->n > 0) {
            advance(P);
            return f;
        }
        if (t->kind != TOK_ID)
            syntax_error(P, t, EXP_FORMAL_START);
        Formal fm = {sym_intern(P->syms, t->s, t->len), tok_pos(P, t), NULL};
        advance(P);
        if (peek(P)->kind == TOK_QUESTION) {
            advance(P);
            fm.def = parse_expr(P);
        }
        f->items = grow(f->items, f->n, sizeof(Formal));
        f->items[f->n++] = fm;
        t = peek(P);
        if (t->kind == TOK_RBRACE) {
            advance(P);
            return f;
        }
        if (t->kind != TOK_COMMA)
            syntax_error(P, t, "'}' or ','");
        advance(P);
        t = peek(P);
        if (t->kind != TOK_ID && t->kind != TOK_ELLIPSIS && t->kind != TOK_RBRACE)
            syntax_error(P, t, EXP_FORMAL_START);
    }
}

static int cmp_formal(const void *a, const void *b)
{
    const Formal *x = a, *y = b;
    if (x->name != y->name)
        return x->name < y->name ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* CppNix's validateFormals: sorts, then rejects duplicates. */
static void validate_formals(Parser *P, Formals *f, PosIdx pos, Symbol arg)
{
    if (f->n > 1)
        qsort(f->items, f->n, sizeof(Formal), cmp_formal);
    for (uint32_t i = 0; i + 1 < f->n; i++)
        if (f->items[i].name == f->items[i + 1].name)
            parse_fail_fmt(P, f->items[i + 1].pos, "duplicate formal function argument '%s'",
                     sym_name(P->syms, f->items[i].name));
    if (arg)
        for (uint32_t i = 0; i < f->n; i++)
            if (f->items[i].name == arg)
                parse_fail_fmt(P, pos, "duplicate formal function argument '%s'", sym_name(P->syms, arg));
}

static void parse_inherit(Parser *P, ExprAttrs *a)
{
    advance(P); /* inherit */
    Expr *from = NULL;
    if (peek(P)->kind == TOK_LPAREN) {
        advance(P);
        from = parse_expr(P);
        expect(P, TOK_RPAREN, "')'");
    }
    Symbol *names = NULL;
    PosIdx *poss = NULL;
    uint32_t n = 0;
    for (;;) {
        Token *t = peek(P);
        if (t->kind == TOK_SEMI) {
            advance(P);
            break;
        }
        if (t->kind != TOK_ID && t->kind != TOK_OR_KW && t->kind != TOK_QUOTE &&
            t->kind != TOK_DOLLAR_CURLY)
            syntax_error(P, t, NULL);
        PosIdx pos = tok_pos(P, t);
        AttrName an = parse_attr(P, NULL);
        if (!an.sym)
            parse_fail_at(P, pos, "dynamic attributes not allowed in inherit");
        names = grow(names, n, sizeof(Symbol));
        poss = grow(poss, n, sizeof(PosIdx));
        names[n] = an.sym;
        poss[n++] = pos;
    }
    uint32_t from_index = 0;
    if (from) {
        parse_inherit_from_push(a, from);
        from_index = a->ninherit_from - 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        AttrDef *j = parse_attr_find(P, a, names[i]);
        if (j)
            parse_dup_attr(P, &(AttrName){names[i], NULL}, 1, poss[i], j->pos);
        Expr *e;
        if (from) {
            ExprSelect *s = NEW(ExprSelect, EXPR_SELECT, poss[i]);
            s->e = from;
            s->path = p_alloc(P, sizeof(AttrName));
            s->path[0] = (AttrName){names[i], NULL};
            s->npath = 1;
            e = &s->base;
        } else {
            e = mk_var(P, poss[i], names[i]);
        }
        parse_attr_push(P, a, (AttrDef){.name = names[i],
                                  .kind = from ? ATTR_INHERITED_FROM : ATTR_INHERITED,
                                  .from_index = from_index, .pos = poss[i], .e = e});
    }
}

/* Bindings until a token that cannot start one; the caller checks it. */
static void parse_binds(Parser *P, ExprAttrs *a)
{
    for (;;) {
        Token *t = peek(P);
        switch (t->kind) {
        case TOK_INHERIT:
            parse_inherit(P, a);
            break;
        case TOK_ID:
        case TOK_OR_KW:
        case TOK_QUOTE:
        case TOK_DOLLAR_CURLY: {
            PosIdx pos = tok_pos(P, t);
            const char *doc = doc_text(P, t);
            PathBuf pb = parse_attrpath(P);
            expect(P, TOK_ASSIGN, "'.' or '='");
            Expr *e = parse_expr(P);
            expect(P, TOK_SEMI, "';'");
            parse_add_attr(P, a, &pb, pos, e, doc);
            break;
        }
        default:
            return;
        }
    }
}

/* A construct whose last part is an expression, kept on an explicit stack so
 * that long `x: y: ...`, `if ... else if ...` or `with a; with b; ...` chains
 * do not recurse. */
typedef struct Pending {
    Expr *node;
    Formals *formals;
    PosIdx pos;
} Pending;
_Static_assert(sizeof(Pending) % 8 == 0, "Pending is pushed unpadded");

static Expr *parse_expr(Parser *P)
{
    Token *t = peek(P);
    enter(P, t);
    size_t mark = sc_mark(P);
    uint32_t n = 0;
    Expr *e;
    for (;;) {
        t = peek(P);
        Token tk = *t;
        Pending pdv = {0};
        Pending *pd = &pdv;
        switch (tk.kind) {
        case TOK_ASSERT: {
            advance(P);
            Expr *c = parse_expr(P);
            expect(P, TOK_SEMI, "';'");
            ExprAssert *a = NEW(ExprAssert, EXPR_ASSERT, tok_pos(P, &tk));
            a->cond = c;
            pd->node = &a->base;
            sc_push(P, pd, sizeof *pd);
            n++;
            continue;
        }
        case TOK_WITH: {
            advance(P);
            Expr *c = parse_expr(P);
            expect(P, TOK_SEMI, "';'");
            ExprWith *w = NEW(ExprWith, EXPR_WITH, tok_pos(P, &tk));
            w->attrs = c;
            pd->node = &w->base;
            sc_push(P, pd, sizeof *pd);
            n++;
            continue;
        }
        case TOK_IF: {
            advance(P);
            Expr *c = parse_expr(P);
            expect(P, TOK_THEN, "'then'");
            Expr *th = parse_expr(P);
            expect(P, TOK_ELSE, "'else'");
            ExprIf *i = NEW(ExprIf, EXPR_IF, tok_pos(P, &tk));
            i->cond = c;
            i->then = th;
            pd->node = &i->base;
            sc_push(P, pd, sizeof *pd);
            n++;
            continue;
        }
        case TOK_LET: {
            if (peek2(P)->kind == TOK_LBRACE)
                break;
            advance(P);
            PosIdx pos = tok_pos(P, &tk);
            ExprAttrs *a = parse_mk_attrs(P, pos);
            a->rec = true;
            parse_binds(P, a);
            expect(P, TOK_IN, "'in' or 'inherit'");
            ExprLet *l = NEW(ExprLet, EXPR_LET, pos);
            l->attrs = a;
            pd->node = &l->base;
            pd->pos = pos;
            sc_push(P, pd, sizeof *pd);
            n++;
            continue;
        }
        case TOK_ID: {
            Token *t2 = peek2(P);
            if (t2->kind == TOK_COLON) {
                advance(P);
                advance(P);
                ExprLambda *l = NEW(ExprLambda, EXPR_LAMBDA, tok_pos(P, &tk));
                l->arg = sym_intern(P->syms, tk.s, tk.len);
                l->doc = doc_text(P, &tk);
                pd->node = &l->base;
                sc_push(P, pd, sizeof *pd);
                n++;
                continue;
            }
            if (t2->kind == TOK_AT) {
                advance(P);
                advance(P);
                expect(P, TOK_LBRACE, "'{'");
                Formals *f = parse_formals(P);
                expect(P, TOK_COLON, "':'");
                ExprLambda *l = NEW(ExprLambda, EXPR_LAMBDA, tok_pos(P, &tk));
                l->arg = sym_intern(P->syms, tk.s, tk.len);
                l->formals = f;
                l->doc = doc_text(P, &tk);
                pd->node = &l->base;
                pd->formals = f;
                pd->pos = l->base.pos;
                sc_push(P, pd, sizeof *pd);
                n++;
                continue;
            }
            advance(P);
            PosIdx pos = tok_pos(P, &tk);
            Expr *v = tk.len == 8 && memcmp(tk.s, "__curPos", 8) == 0
                          ? new_node(P, sizeof(Expr), EXPR_POS, pos)
                          : mk_var(P, pos, sym_intern(P->syms, tk.s, tk.len));
            e = parse_op_expr(P, v, tok_loc(&tk));
            goto done;
        }
        case TOK_LBRACE: {
            /* Formals or an attribute set: decided by at most two tokens. */
            advance(P);
            Token *a1 = peek(P);
            bool formals;
            if (a1->kind == TOK_RBRACE) {
                TokKind k2 = peek2(P)->kind;
                formals = k2 == TOK_COLON || k2 == TOK_AT;
            } else if (a1->kind == TOK_ELLIPSIS) {
                formals = true;
            } else if (a1->kind == TOK_ID) {
                TokKind k2 = peek2(P)->kind;
                formals = k2 == TOK_COMMA || k2 == TOK_QUESTION || k2 == TOK_RBRACE;
            } else {
                formals = false;
            }
            PosIdx pos = tok_pos(P, &tk);
            if (!formals) {
                Expr *a = parse_attrs_body(P, pos, false, "'inherit'");
                e = parse_op_expr(P, a, tok_loc(&tk));
                goto done;
            }
            Formals *f = parse_formals(P);
            Token *c = peek(P);
            Symbol arg = 0;
            if (c->kind == TOK_AT) {
                advance(P);
                Token id = expect(P, TOK_ID, "identifier");
                arg = sym_intern(P->syms, id.s, id.len);
                expect(P, TOK_COLON, "':'");
            } else if (c->kind == TOK_COLON) {
                advance(P);
            } else {
                syntax_error(P, c, "':' or '@'");
            }
            ExprLambda *l = NEW(ExprLambda, EXPR_LAMBDA, pos);
            l->arg = arg;
            l->formals = f;
            l->doc = doc_text(P, &tk);
            pd->node = &l->base;
            pd->formals = f;
            pd->pos = pos;
            sc_push(P, pd, sizeof *pd);
            n++;
            continue;
        }
        default:
            break;
        }
        if (!starts_simple(tk.kind) && tk.kind != TOK_BANG && tk.kind != TOK_MINUS)
            syntax_error(P, t, NULL);
        e = parse_op_expr(P, NULL, tok_loc(&tk));
        break;
    }
done:
    /* Reduce the pending constructs innermost first, as bison would. */
    while (n > 0) {
        Pending *pd = (Pending *)(P->scratch + mark + (size_t)(--n) * sizeof(Pending));
        Expr *node = pd->node;
        switch (node->kind) {
        case EXPR_ASSERT: ((ExprAssert *)node)->body = e; break;
        case EXPR_WITH: ((ExprWith *)node)->body = e; break;
        case EXPR_IF: ((ExprIf *)node)->else_ = e; break;
        case EXPR_LET: {
            ExprLet *l = (ExprLet *)node;
            if (l->attrs->ndyn)
                parse_fail_at(P, pd->pos, "dynamic attributes not allowed in let");
            l->body = e;
            break;
        }
        case EXPR_LAMBDA: {
            ExprLambda *l = (ExprLambda *)node;
            if (pd->formals)
                validate_formals(P, pd->formals, pd->pos, l->arg);
            l->body = e;
            if (l->doc) {
                /* The doc comment also belongs to curried inner lambdas. */
                const char *d = l->doc;
                l->doc = NULL;
                parse_set_doc(node, d);
            }
            break;
        }
        default:
            break;
        }
        e = node;
    }
    P->sc_len = mark;
    P->depth--;
    return e;
}

/* ---- entry point ---------------------------------------------------------- */

Expr *parse_source(SymTab *syms, PosTable *pos, const Source *src, const ParseOptions *opts,
                   ParseError *err)
{
    Parser P;
    memset(&P, 0, sizeof P);
    P.syms = syms;
    P.pt = pos;
    P.src = src;
    P.err = err;
    if (opts)
        P.opts = *opts;
    err->msg = NULL;
    err->pos = 0;
    if (src->len >= UINT32_MAX - 2) {
        err->msg = "source text too large";
        return NULL;
    }
    /* The lexer needs a NUL after the text. GC-allocated texts that already
     * have one (the usual case for files read by the evaluator) are used in
     * place; anything else is copied. */
    const char *buf = src->text;
#ifdef PARSE_SOURCE_MALLOC
    /* Fuzzing: an exact-size malloc'd copy lets AddressSanitizer see overreads. */
    char *mcopy = malloc(src->len + 1);
    if (!mcopy) {
        err->msg = "out of memory";
        return NULL;
    }
    memcpy(mcopy, src->text, src->len);
    mcopy[src->len] = 0;
    buf = mcopy;
#else
    void *base = src->text ? GC_base((void *)src->text) : NULL;
    if (!base || (size_t)(src->text - (const char *)base) + src->len >= GC_size(base) ||
        src->text[src->len] != 0) {
        char *copy = GC_MALLOC_ATOMIC(src->len + 1);
        if (src->len)
            memcpy(copy, src->text, src->len);
        copy[src->len] = 0;
        buf = copy;
    }
#endif
    lex_init(&P.L, buf, src->len);
    P.s_body = sym_intern_cstr(syms, "body");
    P.s_or = sym_intern_cstr(syms, "or");
    P.s_find_file = sym_intern_cstr(syms, "__findFile");
    P.s_nix_path = sym_intern_cstr(syms, "__nixPath");
    /* Nearly everything allocated while parsing stays live, so collections
     * during the parse would only scan the growing tree again and again. */
    GC_disable();
    set_stack_limit(&P);
    P.sc_cap = 4096;
    P.scratch = GC_MALLOC(P.sc_cap);
    Expr *volatile result = NULL;
    if (setjmp(P.jb) == 0) {
        Expr *e = parse_expr(&P);
        Token *t = peek(&P);
        if (t->kind != TOK_EOF)
            syntax_error(&P, t, "end of file");
        parse_finish_attrs(&P);
        result = e;
    }
    GC_enable();
#ifdef PARSE_SOURCE_MALLOC
    free(mcopy);
#endif
    return result;
}
