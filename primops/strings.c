/* Primop family prim_strings: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_strings[] = {
    {0},
};
