/* JSON printing of values, shared by builtins.toJSON and the CLI's --json. */
#ifndef CNIX_PRIMOPS_JSON_H
#define CNIX_PRIMOPS_JSON_H

#include <stdbool.h>

#include "eval/eval.h"
#include "util/strbuf.h"

/* Appends v as JSON to out, as CppNix's toJSON does: attribute sets are peeled
 * through __toString/outPath, paths are copied to the store when
 * st->copy_path_to_store is set, strings' contexts are merged into *ctx (if ctx
 * is not NULL). strict: force values (else unforced thunks are an error).
 * Errors (including invalid UTF-8) are thrown. */
void prim_to_json(EvalState *st, Value *v, PosIdx pos, bool strict, StrBuf *out, const StrContext **ctx);

/* Appends d as nlohmann::json prints doubles: shortest round-trip digits,
 * "100.0", "0.001", "1e+16", "1.5e-07"; non-finite as "null". */
void prim_json_float(double d, StrBuf *out);

/* Parses JSON text into *out as builtins.fromJSON does; throws on errors. */
void prim_from_json(EvalState *st, const char *s, size_t len, Value *out);

#endif
