/* Primop family bi_derivation: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp bi_derivation[] = {
    {0},
};
