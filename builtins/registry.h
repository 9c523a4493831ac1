/* The primop families and the construction of the global scope and `builtins`. */
#ifndef CNIX_BUILTINS_REGISTRY_H
#define CNIX_BUILTINS_REGISTRY_H

#include "eval/eval.h"

/* One table per family, each terminated by an entry with name == NULL. */
extern const PrimOp prim_arith[];    /* primops/arith.c */
extern const PrimOp prim_types[];    /* primops/types.c */
extern const PrimOp prim_lists[];    /* primops/lists.c */
extern const PrimOp prim_attrs[];    /* primops/attrs.c */
extern const PrimOp prim_versions[]; /* primops/versions.c */
extern const PrimOp prim_strings[];  /* primops/strings.c */
extern const PrimOp prim_regex[];    /* primops/regex.c */
extern const PrimOp prim_json[];     /* primops/json.c */
extern const PrimOp prim_toml[];     /* primops/toml.c */
extern const PrimOp prim_xml[];      /* primops/xml.c */
extern const PrimOp prim_hash[];     /* primops/hash.c */
extern const PrimOp prim_context[];  /* primops/context.c */
extern const PrimOp prim_control[];  /* primops/control.c */
extern const PrimOp bi_import[];     /* builtins/import.c */
extern const PrimOp bi_files[];      /* builtins/files.c */
extern const PrimOp bi_fetch[];      /* builtins/fetch.c */
extern const PrimOp bi_derivation[]; /* builtins/derivation.c */
extern const PrimOp native_builtins[]; /* native/builtins.c */

/* NULL-terminated list of all tables above, in registration order. */
extern const PrimOp *const bi_all_tables[];

/* Binds every primop (builtins.NAME, and __NAME or, if PRIM_GLOBAL, NAME) and the
 * constants (true, false, null, builtins, currentSystem, ...) into st's global scope. */
void bi_register_all(EvalState *st);

/* Binds one more primop after bi_register_all (plugins): builtins.NAME, replacing
 * a builtin of the same name. p must stay alive for the state's lifetime. (native/plugin.c) */
void bi_register_primop(EvalState *st, const PrimOp *p);

/* The `derivation` function (builtins/derivation.c), written in Nix like CppNix's
 * derivation-internal.nix and parsed on first use: sets *v to a lazy value (no parsing
 * at start-up). bi_register_all binds it as global `derivation` and builtins.derivation. */
void bi_derivation_value(EvalState *st, Value *v);

/* Looks up a primop by name across all tables (for `cnix doc`, :doc); NULL if none. */
const PrimOp *bi_find_primop(const char *name);

#endif
