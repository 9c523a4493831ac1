/* The list of primop tables; bi_register_all is implemented with the evaluator. */
#include "builtins/registry.h"

#include <string.h>

const PrimOp *const bi_all_tables[] = {
    prim_arith, prim_types,   prim_lists,   prim_attrs, prim_versions, prim_strings,
    prim_regex, prim_json,    prim_toml,    prim_xml,   prim_hash,     prim_context,
    prim_control, bi_import,  bi_files,     bi_fetch,   bi_derivation, NULL,
};

const PrimOp *bi_find_primop(const char *name)
{
    for (const PrimOp *const *t = bi_all_tables; *t; t++)
        for (const PrimOp *p = *t; p->name; p++)
            if (strcmp(p->name, name) == 0)
                return p;
    return NULL;
}
