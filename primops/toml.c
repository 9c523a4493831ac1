/* Primop family prim_toml: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_toml[] = {
    {0},
};
