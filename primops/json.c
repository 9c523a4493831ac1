/* Primop family prim_json: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_json[] = {
    {0},
};
