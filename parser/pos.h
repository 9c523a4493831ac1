/* Source positions: sources (files, strings, stdin) and compact position indices. */
#ifndef CNIX_PARSER_POS_H
#define CNIX_PARSER_POS_H

#include <stddef.h>
#include <stdint.h>

/* Index into a PosTable; 0 means "no position". 4 bytes per AST node or attribute. */
typedef uint32_t PosIdx;

typedef enum SourceKind {
    SRC_FILE,   /* a file on disk; path is its absolute path */
    SRC_STRING, /* -E / --expr text; printed as «string» */
    SRC_STDIN,  /* read from standard input; printed as «stdin» */
    SRC_NONE,   /* synthetic (e.g. builtins written in Nix); printed as «none» */
} SourceKind;

typedef struct Source {
    SourceKind kind;
    const char *path;    /* absolute file path (SRC_FILE), else NULL */
    const char *basedir; /* directory that relative path literals resolve against */
    const char *text;    /* full source text, for code frames (may contain NUL bytes) */
    size_t len;
    uint32_t pos_base;   /* pos.c internal: start of this source's offset positions, 0 if none */
} Source;

typedef struct Pos {
    const Source *src; /* NULL for "no position" */
    uint32_t line;     /* 1-based */
    uint32_t col;      /* 1-based, in bytes */
} Pos;

typedef struct PosTable PosTable;

PosTable *pos_table_new(void);
/* Registers a source; the strings are not copied (keep them alive on the GC heap). */
const Source *pos_add_source(PosTable *t, SourceKind kind, const char *path, const char *basedir,
                             const char *text, size_t len);
PosIdx pos_add(PosTable *t, const Source *src, uint32_t line, uint32_t col);
/* The position of byte offset off (0..len) in src, for sources registered with
 * pos_add_source: costs no memory (line and column are computed on lookup).
 * Returns 0 if src has no offset range; then use pos_add. */
PosIdx pos_add_offset(const PosTable *t, const Source *src, uint32_t off);
Pos pos_get(const PosTable *t, PosIdx p);

#endif
