/* Primop family prim_types: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_types[] = {
    {0},
};
