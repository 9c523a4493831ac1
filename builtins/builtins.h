/* The builtins library: opening it into a bare evaluator state (as Lua's linit.c), the
 * store it touches, and the primop tables of every family. */
#ifndef CNIX_BUILTINS_BUILTINS_H
#define CNIX_BUILTINS_BUILTINS_H

#include "eval/eval.h"
#include "primops/primops.h"

struct Store;

/* Binds every primop (builtins.NAME, and __NAME or, if PRIM_GLOBAL, NAME) and the constants
 * (true, false, null, builtins, derivation, currentSystem, storeDir, nixPath, ...) into the
 * global scope of st, a bare state from eval_state_new; builtins that touch the world use
 * store (NULL: the local store, opened on first use). Called once per state, by the host's
 * set-up code, before anything is parsed. */
void bi_open_all(EvalState *st, struct Store *store);
/* The store evaluation reads and writes: the one given to bi_open_all, else (no store
 * given) the default local store, opened on first use. */
struct Store *bi_store(EvalState *st);

/* The tables of the builtins that touch the world (pure ones: primops/primops.h). */
extern const PrimOp bi_import[];     /* builtins/import.c */
extern const PrimOp bi_files[];      /* builtins/files.c */
extern const PrimOp bi_fetch[];      /* builtins/fetch.c */
extern const PrimOp bi_derivation[]; /* builtins/derivation.c */
extern const PrimOp bi_output_of[];  /* builtins/outputof.c */
extern const PrimOp bi_paths[];      /* builtins/paths.c */
extern const PrimOp native_builtins[]; /* native/builtins.c */

/* NULL-terminated list of every table (pure and not), in registration order. */
extern const PrimOp *const bi_all_tables[];

/* Looks up a primop by name across all tables (for `cnix doc`, :doc); NULL if none. */
const PrimOp *bi_find_primop(const char *name);

/* Is s[0..n) a flake identifier (a registry name: a letter, then letters, digits, '_' or '-')?
 * (builtins/fetch.c; parseFlakeRef and flake.nix inputs use the same rule) */
bool bi_is_flake_id(const char *s, size_t n);

#endif
