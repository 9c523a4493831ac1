/* XML conversion shared with the command line (toXML, --xml). */
#ifndef CNIX_PRIMOPS_XML_H
#define CNIX_PRIMOPS_XML_H

#include <stdbool.h>

#include "eval/eval.h"

/* Appends v as builtins.toXML does (the <expr> document); location says whether
 * to include source positions (nix-instantiate --xml without --no-location). */
void prim_to_xml(EvalState *st, Value *v, PosIdx pos, bool strict, bool location, StrBuf *out,
                 const StrContext **ctx);

#endif
