/* Primop family prim_attrs: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_attrs[] = {
    {0},
};
