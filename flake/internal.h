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


/* lastModifiedDate's form of a time: "YYYYMMDDHHMMSS" (UTC). */
const char *flake_date(int64_t t);

/* The source cache (flake/srccache.c): a path input's tree unchanged since it was fetched
 * (names, types, sizes, times, inodes) gives its store path, narHash and lastModified
 * without copying or hashing. get sets *key (NULL: no cache) for put after a fetch. */
bool flake_srccache_get(EvalState *st, const FlakeSettings *fs, const char *dir, FlakeTree *out, const char **key);
void flake_srccache_put(const FlakeSettings *fs, const char *key, const FlakeTree *t);

#endif
