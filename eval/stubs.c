/* Weak fallbacks for functions other modules will provide (JSON, XML, derivation), so the
 * binary links before they land. Archive order puts parser/ and primops/ objects first,
 * so their real definitions win as soon as they exist. Remove each stub once its owner lands. */
#include "eval/internal.h"
#include "primops/json.h"
#include "primops/xml.h"
#include "builtins/registry.h"

#include <gc/gc.h>
#include <string.h>

__attribute__((weak)) void prim_to_json(EvalState *st, Value *v, PosIdx pos, bool strict,
                                        StrBuf *out, const StrContext **ctx)
{
    eval_error(st, ERR_EVAL, pos, "JSON output is not available in this build");
}

__attribute__((weak)) void prim_to_xml(EvalState *st, Value *v, PosIdx pos, bool strict,
                                       bool location, StrBuf *out, const StrContext **ctx)
{
    eval_error(st, ERR_EVAL, pos, "XML output is not available in this build");
}

static void no_derivation(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_error(st, ERR_EVAL, pos, "'derivation' is not available in this build");
}

static const PrimOp missing_derivation = {"derivation", 1, 0, "attrs", "Not available in this build.",
                                          no_derivation};

__attribute__((weak)) void bi_derivation_value(EvalState *st, Value *v)
{
    /* until builtins/derivation.c lands: a function that fails when called */
    v->type = T_PRIMOP;
    v->primop = &missing_derivation;
}
