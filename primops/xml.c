/* Primop family prim_xml: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp prim_xml[] = {
    {0},
};
