/* XML printing of values, shared by builtins.toXML and the CLI's --xml. */
#ifndef CNIX_PRIMOPS_XML_H
#define CNIX_PRIMOPS_XML_H

#include <stdbool.h>

#include "eval/eval.h"
#include "util/strbuf.h"

/* Appends the whole document (<?xml ...?> header, <expr> root) for v to out, in
 * CppNix's format, forcing values as it goes (--strict). location: add
 * path/line/column attributes to attributes and functions (--xml without
 * --no-location). Strings' contexts are merged into *ctx (if not NULL). */
void prim_to_xml(EvalState *st, Value *v, PosIdx pos, bool location, StrBuf *out, const StrContext **ctx);
/* As prim_to_xml; without strict, values not yet evaluated print as <unevaluated />. */
void prim_to_xml_opts(EvalState *st, Value *v, PosIdx pos, bool strict, bool location, StrBuf *out,
                      const StrContext **ctx);

#endif
