/* The Nix lexer (re2c): token rules follow CppNix's lexer.l; the parser picks the mode. */
#include "parser/lexer.h"

#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = cur;
    re2c:define:YYMARKER = mar;
    re2c:define:YYLIMIT = lim;
    re2c:yyfill:enable = 0;
    re2c:eof = 0;
    re2c:indent:top = 1;

    ID          = [a-zA-Z_][a-zA-Z0-9_'-]*;
    INT         = [0-9]+;
    FLOAT       = (([1-9][0-9]*"."[0-9]*)|("0"?"."[0-9]+))([Ee][+-]?[0-9]+)?;
    PATH_CHAR   = [a-zA-Z0-9._+-];
    PATH        = PATH_CHAR*("/"PATH_CHAR+)+"/"?;
    PATH_SEG    = PATH_CHAR*"/";
    HPATH       = "~"("/"PATH_CHAR+)+"/"?;
    HPATH_START = "~/";
    SPATH       = "<"PATH_CHAR+("/"PATH_CHAR+)*">";
    URI         = [a-zA-Z][a-zA-Z0-9+.-]*":"[a-zA-Z0-9%/?:@&=+$,_.!~*'-]+;
*/

void lex_init(Lexer *L, const char *buf, size_t len)
{
    L->buf = buf;
    L->cur = buf;
    L->lim = buf + len;
    L->line = 1;
    L->line_start = buf;
    L->doc_s = L->doc_e = NULL;
    L->doc_fresh = false;
    L->abuf = NULL;
    L->aleft = 0;
    L->run_end = buf;
}

/* One collector heap block (see ARENA_CHUNK in parse_int.h). */
#define LEX_ARENA_CHUNK 4080

void *lex_alloc_atomic(Lexer *L, size_t n)
{
    if (n > L->aleft) {
        if (n > LEX_ARENA_CHUNK / 4)
            return GC_MALLOC_ATOMIC(n);
        L->abuf = GC_MALLOC_ATOMIC(LEX_ARENA_CHUNK);
        L->aleft = LEX_ARENA_CHUNK;
    }
    void *p = L->abuf;
    L->abuf += n;
    L->aleft -= n;
    return p;
}

/* Counts line breaks in [p, e): \n, \r\n and a lone \r each end a line, as in
 * CppNix's position table. A \n right after a \r (even one consumed by an
 * earlier token) only moves the line start. */
static void lex_lines(Lexer *L, const char *p, const char *e)
{
    for (; p < e; p++) {
        if (*p == '\n') {
            if (!(p > L->buf && p[-1] == '\r'))
                L->line++;
            L->line_start = p + 1;
        } else if (*p == '\r') {
            L->line++;
            L->line_start = p + 1;
        }
    }
}

void lex_line_col(const Lexer *L, uint32_t off, uint32_t *line, uint32_t *col)
{
    uint32_t ln = 1;
    const char *ls = L->buf, *p = L->buf, *e = L->buf + off;
    if (e > L->lim)
        e = L->lim;
    for (; p < e; p++) {
        if (*p == '\n') {
            if (!(p > L->buf && p[-1] == '\r'))
                ln++;
            ls = p + 1;
        } else if (*p == '\r') {
            ln++;
            ls = p + 1;
        }
    }
    *line = ln;
    *col = (uint32_t)(e - ls) + 1;
}

static void tok_begin(Lexer *L, Token *t, const char *start)
{
    t->start = (uint32_t)(start - L->buf);
    t->line = L->line;
    t->col = (uint32_t)(start - L->line_start) + 1;
    t->has_indent = false;
    t->slash = false;
    t->s = start;
    t->len = 0;
    if (L->doc_fresh) {
        t->doc_start = (uint32_t)(L->doc_s - L->buf);
        t->doc_end = (uint32_t)(L->doc_e - L->buf);
    } else {
        t->doc_start = t->doc_end = 0;
    }
    L->doc_fresh = false;
}

static void tok_end(Lexer *L, Token *t, TokKind k, const char *end)
{
    t->kind = (uint8_t)k;
    t->end = (uint32_t)(end - L->buf);
    L->cur = end;
}

static void tok_error(Lexer *L, Token *t, const char *end, const char *msg)
{
    tok_end(L, t, TOK_LEXERR, end);
    t->s = msg;
    t->len = strlen(msg);
}

/* Formats an error quoting the token text (like CppNix's "invalid integer '%1%'"). */
static char *lex_msg_quote(const char *pre, const char *s, size_t n)
{
    size_t pl = strlen(pre);
    char *m = GC_MALLOC_ATOMIC(pl + n + 2);
    memcpy(m, pre, pl);
    memcpy(m + pl, s, n);
    m[pl + n] = '\'';
    m[pl + n + 1] = 0;
    return m;
}

/* CppNix rejects strings with NUL bytes: "input string 'a␀b' cannot be ...". */
static bool lex_check_nul(Lexer *L, Token *t, const char *s, size_t n, const char *end)
{
    if (!memchr(s, 0, n))
        return true;
    static const char pre[] = "input string '";
    static const char post[] = "' cannot be represented as Nix string because it contains null bytes";
    size_t nul = 0;
    for (size_t i = 0; i < n; i++)
        nul += s[i] == 0;
    char *m = GC_MALLOC_ATOMIC(sizeof pre + n + 2 * nul + sizeof post);
    char *o = m;
    memcpy(o, pre, sizeof pre - 1);
    o += sizeof pre - 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0) {
            memcpy(o, "\xe2\x90\x80", 3); /* U+2400 SYMBOL FOR NULL */
            o += 3;
        } else {
            *o++ = s[i];
        }
    }
    memcpy(o, post, sizeof post);
    tok_error(L, t, end, m);
    return false;
}

/* Unescapes the body of a "..." string fragment: \n \r \t, \x -> x, and raw
 * CR or CR LF -> LF. The result is NUL-terminated atomic GC memory. */
static char *lex_unescape(Lexer *L, const char *s, size_t n, size_t *outlen)
{
    char *r = lex_alloc_atomic(L, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char c = s[i++];
        if (c == '\\' && i < n) {
            c = s[i++];
            r[o++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        } else if (c == '\r') {
            r[o++] = '\n';
            if (i < n && s[i] == '\n')
                i++;
        } else {
            r[o++] = c;
        }
    }
    r[o] = 0;
    *outlen = o;
    return r;
}

static void lex_int(Lexer *L, Token *t, const char *s, const char *e)
{
    uint64_t v = 0;
    for (const char *p = s; p < e; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_C(9223372036854775807) - d) / 10) {
            tok_error(L, t, e, lex_msg_quote("invalid integer '", s, (size_t)(e - s)));
            return;
        }
        v = v * 10 + d;
    }
    t->i = (int64_t)v;
    tok_end(L, t, TOK_INT, e);
}

static void lex_float(Lexer *L, Token *t, const char *s, const char *e)
{
    size_t n = (size_t)(e - s);
    char small[64];
    char *b = n < sizeof small ? small : GC_MALLOC_ATOMIC(n + 1);
    memcpy(b, s, n);
    b[n] = 0;
    errno = 0;
    t->f = strtod(b, NULL);
    if (errno != 0) {
        tok_error(L, t, e, lex_msg_quote("invalid float '", s, n));
        return;
    }
    tok_end(L, t, TOK_FLOAT, e);
}

/* PATH_CHAR */
static bool is_path_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '+' || c == '-';
}

static const uint8_t lex_char_kind[256] = {
    ['!'] = TOK_BANG, ['('] = TOK_LPAREN, [')'] = TOK_RPAREN, ['*'] = TOK_STAR, ['+'] = TOK_PLUS,
    [','] = TOK_COMMA, ['-'] = TOK_MINUS, ['.'] = TOK_DOT, ['/'] = TOK_SLASH, [':'] = TOK_COLON,
    [';'] = TOK_SEMI, ['<'] = TOK_LT, ['='] = TOK_ASSIGN, ['>'] = TOK_GT, ['?'] = TOK_QUESTION,
    ['@'] = TOK_AT, ['['] = TOK_LBRACK, [']'] = TOK_RBRACK, ['{'] = TOK_LBRACE, ['}'] = TOK_RBRACE,
    ['"'] = TOK_QUOTE,
};

/* The rules of every token that is not a path or URI. */
/*!rules:re2c:common
        $ { tok_begin(L, t, s); tok_end(L, t, TOK_EOF, s); return; }

        "if"      { k = TOK_IF; goto simple; }
        "then"    { k = TOK_THEN; goto simple; }
        "else"    { k = TOK_ELSE; goto simple; }
        "assert"  { k = TOK_ASSERT; goto simple; }
        "with"    { k = TOK_WITH; goto simple; }
        "let"     { k = TOK_LET; goto simple; }
        "in"      { k = TOK_IN; goto simple; }
        "rec"     { k = TOK_REC; goto simple; }
        "inherit" { k = TOK_INHERIT; goto simple; }
        "or"      { k = TOK_OR_KW; goto simple; }
        "..."     { k = TOK_ELLIPSIS; goto simple; }
        "=="      { k = TOK_EQ; goto simple; }
        "!="      { k = TOK_NEQ; goto simple; }
        "<="      { k = TOK_LEQ; goto simple; }
        ">="      { k = TOK_GEQ; goto simple; }
        "&&"      { k = TOK_AND; goto simple; }
        "||"      { k = TOK_OR; goto simple; }
        "->"      { k = TOK_IMPL; goto simple; }
        "//"      { k = TOK_UPDATE; goto simple; }
        "++"      { k = TOK_CONCAT; goto simple; }
        "<|"      { k = TOK_PIPE_FROM; goto simple; }
        "|>"      { k = TOK_PIPE_INTO; goto simple; }

        ID        { k = TOK_ID; goto text; }
        INT       { tok_begin(L, t, s); lex_int(L, t, s, cur); return; }
        FLOAT     { tok_begin(L, t, s); lex_float(L, t, s, cur); return; }
        "${"      { k = TOK_DOLLAR_CURLY; goto simple; }
        "''" (" "* "\n")? {
            tok_begin(L, t, s);
            tok_end(L, t, TOK_IND_OPEN, cur);
            lex_lines(L, s, cur);
            return;
        }


        "/**" [^/*] ([^*] | "*"+ [^*/])* "*"+ "/" {
            L->doc_s = s + 3;
            L->doc_e = cur - 2;
            L->doc_fresh = true;
            lex_lines(L, s, cur);
            continue;
        }
        [ \t\r\n]+ { lex_lines(L, s, cur); continue; }
        "#" [^\r\n]* { continue; }
        "/*" ([^*] | "*"+ [^*/])* "*"+ "/" {
            bool fresh = L->doc_fresh;
            lex_lines(L, s, cur);
            L->doc_fresh = fresh;
            continue;
        }

        * {
            unsigned char c = (unsigned char)*s;
            /* A NUL byte ends the input for the grammar, as in CppNix. */
            k = c == 0 ? TOK_EOF : lex_char_kind[c] ? (TokKind)lex_char_kind[c] : TOK_INVALID;
            goto simple;
        }
*/

/* Where the run of path characters starting at s ends (the first byte that is not one).
 * Tokens that start inside one run share the answer, so finding it is linear overall. */
static const char *path_run_end(Lexer *L, const char *s)
{
    if (s < L->run_end)
        return L->run_end;
    const char *e = s;
    while (e < L->lim && is_path_char((unsigned char)*e))
        e++;
    L->run_end = e;
    return e;
}

/* Can a path or URI go on at e, the end of a run of path characters? (The source is
 * NUL-terminated, so e[1] and e[2] may be read while the bytes before are not NUL.) */
static bool path_may_follow(const char *e)
{
    if (e[0] == '/')
        return is_path_char((unsigned char)e[1]) || (e[1] == '$' && e[2] == '{');
    if (e[0] == ':') /* URI's characters after the scheme */
        return e[1] && (is_path_char((unsigned char)e[1]) || strchr("%/?:@&=$,!~*'", e[1]));
    return false;
}

void lex_next(Lexer *L, Token *t)
{
    const char *cur = L->cur, *lim = L->lim, *mar = cur, *s;
    TokKind k;
    for (;;) {
        s = cur;
        /* A path, a path's first segment and a URI starting inside a run of path characters
         * all cover the rest of the run and continue past its end with "/" and a path
         * character or "${" (PATH, PATH_SEG "${"), or ":" and a URI character (URI's scheme
         * characters are path characters). Their DFA reads the whole run before falling back
         * to a shorter token, so `-----1` or `x.a.a.a` took quadratic time: where the run's
         * end rules them out, the token is lexed without them. */
        if (s < lim && is_path_char((unsigned char)*s) && !path_may_follow(path_run_end(L, s)))
            goto short_token;
        /*!use:re2c:common
        PATH_SEG "${" | HPATH_START "${" {
            /* An interpolated path starts: return its first segment alone. */
            cur -= 2;
            k = *s == '~' ? TOK_HPATH : TOK_PATH;
            tok_begin(L, t, s);
            t->len = (size_t)(cur - s);
            t->slash = true;
            tok_end(L, t, k, cur);
            return;
        }
        PATH      { k = TOK_PATH; goto path; }
        HPATH     { k = TOK_HPATH; goto path; }
        SPATH     { k = TOK_SPATH; goto text; }
        URI       { k = TOK_URI; goto text; }
        */
        continue;
    short_token:
        /*!use:re2c:common */
    }
simple:
    tok_begin(L, t, s);
    tok_end(L, t, k, cur);
    return;
text:
    tok_begin(L, t, s);
    t->len = (size_t)(cur - s);
    tok_end(L, t, k, cur);
    return;
path:
    tok_begin(L, t, s);
    t->len = (size_t)(cur - s);
    t->slash = cur[-1] == '/';
    tok_end(L, t, k, cur);
}

void lex_string(Lexer *L, Token *t)
{
    const char *s = L->cur, *p = s, *lim = L->lim;
    while (p < lim) {
        char c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (p + 1 >= lim)
                break;
            p += 2;
        } else if (c == '$') {
            if (p + 1 >= lim || p[1] == '{')
                break;
            if (p[1] == '"') {
                p++;
                break;
            }
            if (p[1] == '\\') {
                if (p + 2 >= lim)
                    break;
                p += 3;
            } else {
                p += 2;
            }
        } else {
            p++;
        }
    }
    tok_begin(L, t, s);
    if (p > s) {
        size_t n;
        t->s = lex_unescape(L, s, (size_t)(p - s), &n);
        t->len = n;
        lex_lines(L, s, p);
        if (lex_check_nul(L, t, t->s, n, p))
            tok_end(L, t, TOK_STR, p);
        return;
    }
    if (p >= lim) {
        tok_end(L, t, TOK_EOF, p);
    } else if (*p == '"') {
        tok_end(L, t, TOK_QUOTE, p + 1);
    } else if (*p == '$' && p + 1 < lim && p[1] == '{') {
        tok_end(L, t, TOK_DOLLAR_CURLY, p + 2);
    } else {
        /* A lone '$', '\' or "$\" at the very end: CppNix reports end of file. */
        tok_end(L, t, TOK_EOF, lim);
    }
}

void lex_ind_string(Lexer *L, Token *t)
{
    const char *s = L->cur, *p = s, *lim = L->lim;
    while (p < lim) {
        char c = *p;
        if (c == '$') {
            if (p + 1 < lim && p[1] != '{' && p[1] != '\'')
                p += 2;
            else
                break;
        } else if (c == '\'') {
            if (p + 1 < lim && p[1] != '\'' && p[1] != '$')
                p += 2;
            else
                break;
        } else {
            p++;
        }
    }
    tok_begin(L, t, s);
    if (p > s) {
        t->len = (size_t)(p - s);
        t->has_indent = true;
        lex_lines(L, s, p);
        if (lex_check_nul(L, t, s, t->len, p))
            tok_end(L, t, TOK_IND_STR, p);
        return;
    }
    if (p >= lim) {
        tok_end(L, t, TOK_EOF, p);
        return;
    }
    if (*p == '$') {
        if (p + 1 < lim && p[1] == '{') {
            tok_end(L, t, TOK_DOLLAR_CURLY, p + 2);
        } else {
            t->s = "$";
            t->len = 1;
            tok_end(L, t, TOK_IND_STR, p + 1);
        }
        return;
    }
    /* *p == '\'' */
    if (p + 1 < lim && p[1] == '\'') {
        if (p + 2 < lim && p[2] == '\'') {
            t->s = "''";
            t->len = 2;
            tok_end(L, t, TOK_IND_STR, p + 3);
        } else if (p + 2 < lim && p[2] == '$') {
            t->s = "$";
            t->len = 1;
            tok_end(L, t, TOK_IND_STR, p + 3);
        } else if (p + 3 < lim && p[2] == '\\') {
            size_t n;
            t->s = lex_unescape(L, p + 2, 2, &n);
            t->len = n;
            lex_lines(L, p + 3, p + 4);
            if (lex_check_nul(L, t, t->s, n, p + 4))
                tok_end(L, t, TOK_IND_STR, p + 4);
        } else {
            tok_end(L, t, TOK_IND_CLOSE, p + 2);
        }
        return;
    }
    t->s = "'";
    t->len = 1;
    tok_end(L, t, TOK_IND_STR, p + 1);
}

void lex_path(Lexer *L, Token *t, bool after_slash)
{
    const char *cur = L->cur, *lim = L->lim, *mar = cur, *s = cur;
    (void)mar;
    /*!re2c
    "${" {
        tok_begin(L, t, s);
        tok_end(L, t, TOK_DOLLAR_CURLY, cur);
        return;
    }
    PATH | PATH_SEG | PATH_CHAR+ {
        tok_begin(L, t, s);
        t->len = (size_t)(cur - s);
        t->slash = cur[-1] == '/';
        tok_end(L, t, TOK_STR, cur);
        return;
    }
    $ { goto end; }
    * { goto end; }
    */
end:
    {
        tok_begin(L, t, s);
        if (after_slash)
            tok_error(L, t, s, "path has a trailing slash");
        else
            tok_end(L, t, TOK_PATH_END, s);
    }
}
