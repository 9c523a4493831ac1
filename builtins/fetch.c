/* Primop family bi_fetch: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp bi_fetch[] = {
    {0},
};
