/* Primop family prim_hash: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_hash[] = {
    {0},
};
