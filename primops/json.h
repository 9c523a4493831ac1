/* JSON conversion shared with the command line (toJSON, --json). */
#ifndef CNIX_PRIMOPS_JSON_H
#define CNIX_PRIMOPS_JSON_H

#include <stdbool.h>

#include "eval/eval.h"

/* Appends v as JSON (builtins.toJSON rules); strict forces nested values, copying
 * paths to the store where toJSON does. Context of strings is merged into *ctx. */
void prim_to_json(EvalState *st, Value *v, PosIdx pos, bool strict, StrBuf *out,
                  const StrContext **ctx);

#endif
