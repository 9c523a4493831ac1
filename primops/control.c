/* Primop family prim_control: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_control[] = {
    {0},
};
