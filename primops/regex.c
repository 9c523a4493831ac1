/* Primop family prim_regex: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_regex[] = {
    {0},
};
