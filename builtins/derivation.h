/* The store side of the builtins, for the host and the other builtins: the per-state
 * store data (bistore.c), copying paths to the store (paths.c), what `nix-instantiate
 * FILE` prints (instantiate.c), the `derivation` value (derivation.c, drvwrap.c). */
#ifndef CNIX_BUILTINS_DERIVATION_H
#define CNIX_BUILTINS_DERIVATION_H

#include <stdbool.h>
#include <stddef.h>

#include "eval/eval.h"
#include "store/hash.h"

/* By default evaluation is read-only, like CppNix's --eval: derivations, toFile and
 * copied sources get their store paths but nothing is written. nix-instantiate without
 * --eval turns writing on before evaluating: .drv files and sources are then added to
 * the store as they are created. */
void bi_store_set_writable(EvalState *st, bool on);

/* The st->copy_path_to_store hook ("${./file}"): the store path of a copy of path
 * (copied if writable). Cached per path. */
const char *bi_copy_path_to_store(EvalState *st, const char *path, PosIdx pos);

/* An empty hash attribute (`outputHash = ""`, `sha256 = ""`): sets *out to the all-zero
 * hash of algo and warns, as CppNix does, which hash was assumed (so that the build's
 * mismatch error shows the real one). */
void bi_empty_hash(EvalState *st, HashAlgo algo, Hash *out);

/* nix-instantiate FILE: collects the derivations in v (a derivation, or a set or list of
 * them, recursing into sets with recurseForDerivations = true, as CppNix's
 * getDerivations) and returns the lines to print: "DRVPATH" or "DRVPATH!OUTPUT" for
 * outputs other than out. Needs bi_store_set_writable(st, true) before evaluation.
 * *n receives the count. Errors are thrown as evaluation errors. */
const char **bi_instantiate(EvalState *st, Value *v, size_t *n);

/* Sets up the per-state store data of st (bi_open_all). */
struct Store;
void bi_store_init(EvalState *st, struct Store *store);

/* The `derivation` function, written in Nix like CppNix's derivation-internal.nix and
 * parsed on first use: sets *v to a lazy value (no parsing at start-up). */
void bi_derivation_value(EvalState *st, Value *v);

/* builtins/drvwrap.c: the value of `derivation` (CppNix's derivation-internal.nix
 * wrapper around derivationStrict, with a native fast path); parsed once per state. */
Value *bi_drvwrap_load(EvalState *st, PosIdx pos);

#endif
