/* Entry points of the parser: source text in, AST out. */
#ifndef CNIX_PARSER_PARSER_H
#define CNIX_PARSER_PARSER_H

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
} ParseOptions;

/* Parses a whole source registered in pos. Returns NULL and fills *err on a
 * syntax or static error. Never crashes on any input bytes; nesting depth is
 * bounded and reported as an error. */
Expr *parse_source(SymTab *syms, PosTable *pos, const Source *src, const ParseOptions *opts,
                   ParseError *err);

/* Appends the AST in exactly CppNix's `nix-instantiate --parse` format (no newline). */
void parse_show(const SymTab *syms, const Expr *e, StrBuf *out);

#endif
