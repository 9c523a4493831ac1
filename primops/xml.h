/* XML printing of values, shared by builtins.toXML and the CLI's --xml. */
#ifndef CNIX_PRIMOPS_XML_H
#define CNIX_PRIMOPS_XML_H

#include <stdbool.h>

#include "eval/eval.h"
#include "util/strbuf.h"

/* Appends the whole document (<?xml ...?> header, <expr> root) for v to out, in
 * CppNix's format. strict: force values as it goes (else values not yet
 * evaluated print as <unevaluated />). location: add path/line/column attributes
 * to attributes and functions (--xml without --no-location). Strings' contexts
 * are merged into *ctx (if not NULL). */
void prim_to_xml(EvalState *st, Value *v, PosIdx pos, bool strict, bool location, StrBuf *out,
                 const StrContext **ctx);

#endif
