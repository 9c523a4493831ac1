/* Primop family prim_versions: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_versions[] = {
    {0},
};
