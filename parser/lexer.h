/* Tokens and the re2c lexer interface, private to the parser (prefix lex_). */
#ifndef CNIX_PARSER_LEXER_H
#define CNIX_PARSER_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token kinds. The parser drives the lexer mode (normal, string, indented
 * string, path continuation), so no mode stack is kept here. */
typedef enum TokKind {
    T_EOF,
    T_INVALID, /* a byte the grammar does not know ("invalid token") */
    T_LEXERR,  /* lexical error: s holds the message */
    T_ID,
    T_STR,      /* fragment of a "..." string (unescaped) or of a path */
    T_IND_STR,  /* fragment of an ''...'' string */
    T_INT,
    T_FLOAT,
    T_PATH,
    T_HPATH,
    T_SPATH,
    T_PATH_END,
    T_URI,
    T_IF,
    T_THEN,
    T_ELSE,
    T_ASSERT,
    T_WITH,
    T_LET,
    T_IN,
    T_REC,
    T_INHERIT,
    T_EQ,
    T_NEQ,
    T_LEQ,
    T_GEQ,
    T_UPDATE,
    T_CONCAT,
    T_AND,
    T_OR,
    T_IMPL,
    T_OR_KW,
    T_PIPE_FROM,
    T_PIPE_INTO,
    T_DOLLAR_CURLY,
    T_IND_OPEN,
    T_IND_CLOSE,
    T_ELLIPSIS,
    T_LT,
    T_GT,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_QUESTION,
    T_COLON,
    T_AT,
    T_SEMI,
    T_BANG,
    T_DOT,
    T_QUOTE,
    T_LPAREN,
    T_RPAREN,
    T_LBRACE,
    T_RBRACE,
    T_LBRACK,
    T_RBRACK,
    T_ASSIGN,
    T_COMMA,
    T__COUNT
} TokKind;

typedef struct Token {
    uint8_t kind;
    bool has_indent; /* T_IND_STR: literal text, subject to indentation stripping */
    bool slash;      /* T_PATH, T_HPATH, path T_STR: text ends with '/' */
    uint32_t start, end; /* byte offsets of the token text */
    uint32_t line, col;  /* of start, 1-based */
    const char *s;   /* identifier/path text (into the buffer) or unescaped string */
    size_t len;
    int64_t i;
    double f;
    /* A doc comment directly before this token: offsets of its
     * inner text; doc_end == 0 when there is none. */
    uint32_t doc_start, doc_end;
} Token;

typedef struct Lexer {
    const char *buf; /* the source, with a NUL at buf[len] */
    const char *cur, *lim;
    uint32_t line;
    const char *line_start;
    const char *doc_s, *doc_e; /* last doc comment's inner text */
    bool doc_fresh;            /* only whitespace/comments since that doc comment */
} Lexer;

void lex_init(Lexer *L, const char *buf, size_t len);
/* Next token in expression context. */
void lex_next(Lexer *L, Token *t);
/* Next piece inside "...": T_STR, T_DOLLAR_CURLY, T_QUOTE or T_EOF. */
void lex_string(Lexer *L, Token *t);
/* Next piece inside ''...'': T_IND_STR, T_DOLLAR_CURLY, T_IND_CLOSE or T_EOF. */
void lex_ind_string(Lexer *L, Token *t);
/* Next piece of a path literal after its first part: T_STR, T_DOLLAR_CURLY,
 * T_PATH_END or T_LEXERR ("path has a trailing slash"). */
void lex_path(Lexer *L, Token *t, bool after_slash);
/* 1-based line and column of a byte offset already passed by the lexer. */
void lex_line_col(const Lexer *L, uint32_t off, uint32_t *line, uint32_t *col);

#endif
