/* Entry points of the parser: source text in, AST out. */
#ifndef CNIX_PARSER_PARSER_H
#define CNIX_PARSER_PARSER_H

#include <stdbool.h>
#include <stdio.h>

#include "parser/ast.h"
#include "parser/pos.h"
#include "parser/symtab.h"
#include "util/strbuf.h"

typedef struct ParseError {
    char *msg;  /* e.g. "syntax error, unexpected '}', expecting ';'" (no "error: " prefix) */
    PosIdx pos;
} ParseError;

typedef struct ParseOptions {
    const char *home; /* for `~/...` path literals; NULL if unset */
    /* Lint settings for path/URL literals (CppNix's --lint-* flags): 0 ignore, 1 warn, 2 fatal. */
    int lint_url_literals, lint_short_path_literals, lint_absolute_path_literals;
    /* Receives warnings (msg without the "warning: " prefix); NULL drops them. With a
     * position (lint warnings) CppNix prints a code frame; with pos 0 (the "cursed or"
     * deprecation) the message is printed verbatim after "warning: ". */
    void (*warn)(void *ctx, const char *msg, PosIdx pos);
    void *warn_ctx;
    bool pipe_operators; /* experimental feature 'pipe-operators' (|> and <|) enabled */
    bool pure_eval;      /* `~/x` paths are an error in pure evaluation mode */
} ParseOptions;

/* Parses a whole source registered in pos. Returns NULL and fills *err on a
 * syntax or static error. Never crashes on any input bytes; nesting depth is
 * bounded and reported as an error. */
Expr *parse_source(SymTab *syms, PosTable *pos, const Source *src, const ParseOptions *opts,
                   ParseError *err);

/* Appends an attribute path as CppNix prints it: a.b."c d"."${e}". */
void parse_show_attrpath(const SymTab *syms, const AttrName *path, uint32_t n, StrBuf *out);

/* Appends the AST in exactly CppNix's `nix-instantiate --parse` format (no newline). */
void parse_show(const SymTab *syms, const Expr *e, StrBuf *out);

#endif
