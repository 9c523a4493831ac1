/* A TOML 1.0 parser producing a small document tree (used by builtins.fromTOML). */
#ifndef CNIX_PRIMOPS_TOML_H
#define CNIX_PRIMOPS_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum TomlKind {
    TOML_TABLE,
    TOML_ARRAY,
    TOML_STRING,
    TOML_INT,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME, /* str holds the canonical text, as toml11 prints it */
} TomlKind;

typedef struct TomlNode TomlNode;

struct TomlNode {
    uint8_t kind;  /* TomlKind */
    uint8_t flags; /* parser-private (how a table/array was created) */
    uint32_t n, cap;
    union {
        struct { const char *s; size_t len; } str; /* TOML_STRING, TOML_DATETIME */
        int64_t i;
        double f;
        bool b;
        struct { const char **keys; size_t *key_lens; TomlNode **vals; } table; /* in order of definition */
        TomlNode **items;                                               /* TOML_ARRAY */
    };
};

/* Parses text (len bytes) into a root table. Returns NULL on a syntax or
 * semantic error, with *err set to a message in toml11's style ("[error] ...",
 * with a " --> NAME" source excerpt); name is used as the file name in it.
 * All memory is GC-allocated. */
TomlNode *prim_toml_parse(const char *text, size_t len, const char *name, const char **err);

#endif
