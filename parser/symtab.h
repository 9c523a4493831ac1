/* Interned symbols: every identifier and attribute name becomes a small integer. */
#ifndef CNIX_PARSER_SYMTAB_H
#define CNIX_PARSER_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

/* 0 is never a valid symbol ("no symbol"). Ids are dense and stable for the
 * table's lifetime; order of ids is creation order, not lexicographic. */
typedef uint32_t Symbol;

typedef struct SymTab SymTab;

SymTab *sym_new(void);
Symbol sym_intern(SymTab *t, const char *s, size_t len);
Symbol sym_intern_cstr(SymTab *t, const char *s);
/* A hint that s will be interned or looked up soon: prefetches its hash slot (loops
 * over many names call it a few names ahead, hiding the cache miss). */
void sym_prefetch(const SymTab *t, const char *s, size_t len);
/* Returns 0 if the name was never interned (lookup without creating). */
Symbol sym_lookup(const SymTab *t, const char *s, size_t len);
const char *sym_name(const SymTab *t, Symbol s);
size_t sym_len(const SymTab *t, Symbol s);
size_t sym_count(const SymTab *t);

#endif
