/* Primop family prim_arith: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_arith[] = {
    {0},
};
