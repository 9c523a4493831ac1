/* Tokens and the re2c lexer interface, private to the parser (prefix lex_). */
#ifndef CNIX_PARSER_LEXER_H
#define CNIX_PARSER_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token kinds. The parser drives the lexer mode (normal, string, indented
 * string, path continuation), so no mode stack is kept here. */
typedef enum TokKind {
    TOK_EOF,
    TOK_INVALID, /* a byte the grammar does not know ("invalid token") */
    TOK_LEXERR,  /* lexical error: s holds the message */
    TOK_ID,
    TOK_STR,      /* fragment of a "..." string (unescaped) or of a path */
    TOK_IND_STR,  /* fragment of an ''...'' string */
    TOK_INT,
    TOK_FLOAT,
    TOK_PATH,
    TOK_HPATH,
    TOK_SPATH,
    TOK_PATH_END,
    TOK_URI,
    TOK_IF,
    TOK_THEN,
    TOK_ELSE,
    TOK_ASSERT,
    TOK_WITH,
    TOK_LET,
    TOK_IN,
    TOK_REC,
    TOK_INHERIT,
    TOK_EQ,
    TOK_NEQ,
    TOK_LEQ,
    TOK_GEQ,
    TOK_UPDATE,
    TOK_CONCAT,
    TOK_AND,
    TOK_OR,
    TOK_IMPL,
    TOK_OR_KW,
    TOK_PIPE_FROM,
    TOK_PIPE_INTO,
    TOK_DOLLAR_CURLY,
    TOK_IND_OPEN,
    TOK_IND_CLOSE,
    TOK_ELLIPSIS,
    TOK_LT,
    TOK_GT,
    TOK_PLUS,
    TOK_MINUS,
    TOK_STAR,
    TOK_SLASH,
    TOK_QUESTION,
    TOK_COLON,
    TOK_AT,
    TOK_SEMI,
    TOK_BANG,
    TOK_DOT,
    TOK_QUOTE,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_LBRACE,
    TOK_RBRACE,
    TOK_LBRACK,
    TOK_RBRACK,
    TOK_ASSIGN,
    TOK_COMMA,
    TOK__COUNT
} TokKind;

typedef struct Token {
    uint8_t kind;
    bool has_indent; /* TOK_IND_STR: literal text, subject to indentation stripping */
    bool slash;      /* TOK_PATH, TOK_HPATH, path TOK_STR: text ends with '/' */
    uint32_t start, end; /* byte offsets of the token text */
    uint32_t line, col;  /* of start, 1-based */
    uint32_t len;
    const char *s;   /* identifier/path text (into the buffer) or unescaped string */
    union {
        int64_t i;
        double f;
    };
    /* A doc comment directly before this token: offsets of its inner text;
     * doc_end == 0 when there is none. */
    uint32_t doc_start, doc_end;
} Token;

typedef struct Lexer {
    const char *buf; /* the source, with a NUL at buf[len] */
    const char *cur, *lim;
    uint32_t line;
    const char *line_start;
    const char *doc_s, *doc_e; /* last doc comment's inner text */
    bool doc_fresh;            /* only whitespace/comments since that doc comment */
    char *abuf;                /* bump allocator for pointer-free data (strings) */
    size_t aleft;
    const char *run_end;       /* end of the last run of path characters measured */
} Lexer;

void lex_init(Lexer *L, const char *buf, size_t len);
/* Pointer-free GC memory carved from larger blocks (strings of the AST). */
void *lex_alloc_atomic(Lexer *L, size_t n);
/* Next token in expression context. */
void lex_next(Lexer *L, Token *t);
/* Next piece inside "...": TOK_STR, TOK_DOLLAR_CURLY, TOK_QUOTE or TOK_EOF. */
void lex_string(Lexer *L, Token *t);
/* Next piece inside ''...'': TOK_IND_STR, TOK_DOLLAR_CURLY, TOK_IND_CLOSE or TOK_EOF. */
void lex_ind_string(Lexer *L, Token *t);
/* Next piece of a path literal after its first part: TOK_STR, TOK_DOLLAR_CURLY,
 * TOK_PATH_END or TOK_LEXERR ("path has a trailing slash"). */
void lex_path(Lexer *L, Token *t, bool after_slash);
/* 1-based line and column of a byte offset already passed by the lexer. */
void lex_line_col(const Lexer *L, uint32_t off, uint32_t *line, uint32_t *col);

#endif
