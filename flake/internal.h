/* Helpers shared by the files of flake/ (not part of its interface). */
#ifndef CNIX_FLAKE_INTERNAL_H
#define CNIX_FLAKE_INTERNAL_H

#include "flake/flake.h"

/* builtins.NAME applied to arg, forced. */
Value *flake_call_builtin(EvalState *st, const char *name, Value *arg);
void flake_json_indent(StrBuf *out, int depth);
void flake_json_string(StrBuf *out, const char *s);
/* JSON text as a value (fromJSON); errors: "Could not parse 'FILE': ...". */
Value *flake_parse_json(EvalState *st, const char *text, size_t len, const char *file);
/* "FILE:LINE:COL" of pos, or "«none»". */
const char *flake_pos_str(EvalState *st, PosIdx pos);


#endif
