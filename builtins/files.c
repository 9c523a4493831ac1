/* Primop family bi_files: placeholder table, filled in by its owner. */
#include "builtins/registry.h"

const PrimOp bi_files[] = {
    {0},
};
