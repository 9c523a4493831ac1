/* Literals needing more than lexing: indentation stripping and path resolution. */
#include <stdlib.h>

#include "parser/parse_int.h"

/* CppNix's stripIndentation for ''...'' strings. */
Expr *parse_strip_indentation(Parser *P, PosIdx pos, IndPart *es, uint32_t n)
{
    if (n == 0)
        return parse_mk_string(P, pos, "", 0);
    bool at_start = true;
    size_t min_indent = 1000000, cur_indent = 0;
    for (uint32_t k = 0; k < n; k++) {
        IndPart *i = &es[k];
        if (i->e || !i->has_indent) {
            if (at_start) {
                at_start = false;
                if (cur_indent < min_indent)
                    min_indent = cur_indent;
            }
            continue;
        }
        for (size_t j = 0; j < i->len; j++) {
            char c = i->s[j];
            if (at_start) {
                if (c == ' ') {
                    cur_indent++;
                } else if (c == '\n') {
                    cur_indent = 0;
                } else {
                    at_start = false;
                    if (cur_indent < min_indent)
                        min_indent = cur_indent;
                }
            } else if (c == '\n') {
                at_start = true;
                cur_indent = 0;
            }
        }
    }

    Expr **out = p_alloc(P, n * sizeof(Expr *));
    PosIdx *opos = p_alloc(P, n * sizeof(PosIdx));
    uint32_t nout = 0;
    at_start = true;
    size_t dropped = 0;
    for (uint32_t k = 0; k < n; k++) {
        IndPart *i = &es[k];
        if (i->e) {
            at_start = false;
            dropped = 0;
            opos[nout] = i->pos;
            out[nout++] = i->e;
            continue;
        }
        char *s2 = lex_alloc_atomic(&P->L, i->len + 1);
        size_t o = 0;
        for (size_t j = 0; j < i->len; j++) {
            char c = i->s[j];
            if (at_start) {
                if (c == ' ') {
                    if (dropped++ >= min_indent)
                        s2[o++] = c;
                } else if (c == '\n') {
                    dropped = 0;
                    s2[o++] = c;
                } else {
                    at_start = false;
                    dropped = 0;
                    s2[o++] = c;
                }
            } else {
                s2[o++] = c;
                if (c == '\n')
                    at_start = true;
            }
        }
        /* The last line is dropped if it only holds spaces. */
        if (k == n - 1) {
            size_t p = o;
            while (p > 0 && s2[p - 1] != '\n')
                p--;
            if (p > 0) {
                bool spaces = true;
                for (size_t q = p; q < o; q++)
                    if (s2[q] != ' ')
                        spaces = false;
                if (spaces)
                    o = p;
            }
        }
        if (o > 0) {
            s2[o] = 0;
            ExprString *e = NEW(ExprString, EXPR_STRING, 0);
            e->s = s2;
            e->len = (uint32_t)o;
            opos[nout] = i->pos;
            out[nout++] = &e->base;
        }
    }
    if (nout == 0)
        return parse_mk_string(P, pos, "", 0);
    if (nout == 1 && out[0]->kind == EXPR_STRING) {
        out[0]->pos = pos;
        return out[0];
    }
    ExprConcatStrings *c = NEW(ExprConcatStrings, EXPR_CONCAT_STRINGS, pos);
    c->force_string = true;
    c->parts = out;
    c->part_pos = opos;
    c->nparts = nout;
    return &c->base;
}

/* Reports a lint diagnostic: level 1 warns through the callback, 2 fails. */
void parse_lint(Parser *P, int level, PosIdx pos, const char *msg)
{
    if (level <= 0)
        return;
    if (level >= 2)
        parse_fail_at(P, pos, msg);
    if (P->opts.warn)
        P->opts.warn(P->opts.warn_ctx, msg, pos);
}

static const char *canon_path(const char *base, const char *lit, size_t n)
{
    size_t bl = lit[0] == '/' ? 0 : strlen(base);
    char *out = GC_MALLOC_ATOMIC(bl + n + 3);
    size_t o = 0;
    /* Process base then literal as one stream of segments. */
    for (int part = 0; part < 2; part++) {
        const char *s = part ? lit : base;
        size_t len = part ? n : bl;
        size_t i = 0;
        while (i < len) {
            while (i < len && s[i] == '/')
                i++;
            size_t st = i;
            while (i < len && s[i] != '/')
                i++;
            size_t sl = i - st;
            if (sl == 0 || (sl == 1 && s[st] == '.'))
                continue;
            if (sl == 2 && s[st] == '.' && s[st + 1] == '.') {
                while (o > 0 && out[o - 1] != '/')
                    o--;
                if (o > 0)
                    o--;
                continue;
            }
            out[o++] = '/';
            memcpy(out + o, s + st, sl);
            o += sl;
        }
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = 0;
    return out;
}

/* The first part of a path literal, resolved like CppNix's path_start rule. */
Expr *parse_make_path(Parser *P, const Token *t, PosIdx pos)
{
    const char *lit = t->s;
    size_t n = t->len;
    const char *path;
    if (t->kind == TOK_HPATH) {
        if (P->opts.pure_eval)
            parse_fail_fmt(P, 0, "the path '%.*s' can not be resolved in pure mode", (int)n, lit);
        if (P->opts.lint_absolute_path_literals)
            parse_lint(P, P->opts.lint_absolute_path_literals, pos,
                 parse_pfmt("home path literals are not portable. Consider replacing path literal "
                      "'%.*s' by a string, relative path, or parameter "
                      "(lint-absolute-path-literals)",
                      (int)n, lit));
        const char *home = P->opts.home;
        if (!home)
            home = getenv("HOME");
        if (!home)
            home = "";
        path = parse_pfmt("%s%.*s", home, (int)(n - 1), lit + 1);
    } else {
        if (lit[0] == '/') {
            if (P->opts.lint_absolute_path_literals)
                parse_lint(P, P->opts.lint_absolute_path_literals, pos,
                     parse_pfmt("absolute path literals are not portable. Consider replacing path "
                          "literal '%.*s' by a string, relative path, or parameter "
                          "(lint-absolute-path-literals)",
                          (int)n, lit));
        } else if (lit[0] != '.' && P->opts.lint_short_path_literals) {
            parse_lint(P, P->opts.lint_short_path_literals, pos,
                 parse_pfmt("relative path literal '%.*s' should be prefixed with '.' for clarity: "
                      "'./%.*s' (lint-short-path-literals)",
                      (int)n, lit, (int)n, lit));
        }
        const char *base = P->src->basedir ? P->src->basedir : "/";
        path = canon_path(base, lit, n);
        if (n > 1 && lit[n - 1] == '/')
            path = parse_pfmt("%s/", path);
    }
    ExprPath *e = NEW(ExprPath, EXPR_PATH, pos);
    e->path = path;
    return &e->base;
}
