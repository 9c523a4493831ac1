/* Helpers shared by the pure primop families: bulk value allocation, symbol maps. */
#ifndef CNIX_PRIMOPS_PRIMUTIL_H
#define CNIX_PRIMOPS_PRIMUTIL_H

#include "eval/eval.h"

/* n Values in one GC block (GC_MALLOC; interior pointers keep it alive). Used for
 * the per-element thunks of map/genList/mapAttrs: one allocation instead of n. */
Value *prim_values(EvalState *st, size_t n);

/* The string Value of a symbol's name, shared by every caller (attrNames, mapAttrs,
 * zipAttrsWith: one Value per name instead of one per use). Never mutate it. */
Value *prim_sym_string(EvalState *st, Symbol s);

/* CppNix's Value::determinePos: the position of a set or lambda, else fallback. */
PosIdx prim_value_pos(const Value *v, PosIdx fallback);

/* Open-addressing map from Symbol (nonzero) to uint32, in atomic GC memory. */
typedef struct PrimSymMap {
    uint32_t *keys; /* 0 = empty */
    uint32_t *vals;
    uint32_t mask;
    uint32_t n;
} PrimSymMap;

void prim_symmap_init(PrimSymMap *m, size_t expected);
/* Slot for key; inserted (value 0) if absent, then *added is set. */
uint32_t *prim_symmap_get(PrimSymMap *m, Symbol key, bool *added);

/* Indices of b's attributes in lexicographic (bytewise) order of their names: the
 * same as attrs_sorted_by_name (eval/attrnames.c: radix sort, symbol ranks). */
uint32_t *prim_attrs_by_name(EvalState *st, const Bindings *b);

/* Sorts n (symbol << 32 | index) keys ascending. Callers pass indices ascending in
 * input order, so a stable sort on the symbol alone (used for large n) is enough. */
void prim_sort_u64(uint64_t *a, size_t n);

#endif
