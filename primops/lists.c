/* Primop family prim_lists: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_lists[] = {
    {0},
};
