/* Primop family bi_import: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp bi_import[] = {
    {0},
};
