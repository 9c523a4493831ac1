/* The pure primop families, one table each (name, arity, argument names, doc, function). */
#ifndef CNIX_PRIMOPS_PRIMOPS_H
#define CNIX_PRIMOPS_PRIMOPS_H

#include "eval/eval.h"

/* Each table ends with an entry whose name is NULL. */
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

#endif
