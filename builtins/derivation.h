/* The store side of the builtins: derivations, copying paths to the store, and what
 * `nix-instantiate FILE` prints. */
#ifndef CNIX_BUILTINS_DERIVATION_H
#define CNIX_BUILTINS_DERIVATION_H

#include <stddef.h>

#include "eval/eval.h"

/* The st->copy_path_to_store hook ("${./file}"): the store path of a copy of path.
 * During evaluation nothing is written (like CppNix's read-only mode); the copy is
 * remembered and made by bi_instantiate when a written .drv needs it. */
const char *bi_copy_path_to_store(EvalState *st, const char *path, PosIdx pos);

/* nix-instantiate FILE: collects the derivations in v (a derivation, or a set or list of
 * them, recursing into sets with recurseForDerivations = true, as CppNix's
 * getDerivations), writes each one's .drv closure (and the sources it needs) to the
 * store, and returns the lines to print: "DRVPATH" or "DRVPATH!OUTPUT" for outputs other
 * than out. *n receives the count. Errors are thrown as evaluation errors. */
const char **bi_instantiate(EvalState *st, Value *v, size_t *n);

#endif
