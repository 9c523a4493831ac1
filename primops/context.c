/* Primop family prim_context: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_context[] = {
    {0},
};
