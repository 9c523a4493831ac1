/* Store derivations: the Derivation record, its ATerm text form (.drv files, byte-for-byte
 * as CppNix writes them), parsing, and hashDerivationModulo with a per-process cache. */
#ifndef CNIX_STORE_DRV_H
#define CNIX_STORE_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hash.h"

typedef struct DrvOutput {
    const char *name;
    const char *path;      /* "" when not known yet (deferred, floating) */
    const char *hash_algo; /* "" or e.g. "sha256", "r:sha256", "text:sha256" */
    const char *hash;      /* "" or base16 */
} DrvOutput;

typedef struct DrvInput {
    const char *drv_path;
    const char **outputs; /* sorted, unique */
    uint32_t noutputs;
} DrvInput;

typedef struct DrvEnvVar {
    const char *key;
    const char *value;
} DrvEnvVar;

/* All arrays are GC-allocated; drv_normalise sorts and dedups them as CppNix's
 * std::map/std::set members would be. */
typedef struct Derivation {
    const char *name; /* not part of the ATerm; from the .drv path or the `name` attribute */
    DrvOutput *outputs;
    uint32_t noutputs;
    DrvInput *inputs;
    uint32_t ninputs;
    const char **srcs;
    uint32_t nsrcs;
    const char *platform;
    const char *builder;
    const char **args;
    uint32_t nargs;
    DrvEnvVar *env;
    uint32_t nenv;
} Derivation;

/* Sorts outputs/inputs/srcs/env, merges duplicate inputs and drops duplicate srcs; for
 * env keys a later duplicate wins (std::map assignment). */
void drv_normalise(Derivation *d);

/* Is this a fixed-output derivation (a single output "out" with a hash)? */
bool drv_is_fixed_output(const Derivation *d);

/* The ATerm text. mask_outputs blanks output paths and output env vars (for hashing).
 * input_keys, if not NULL, replace the input .drv paths (already sorted, unique). */
char *drv_unparse(const Derivation *d, bool mask_outputs, const DrvInput *inputs, uint32_t ninputs,
                  size_t *len);

/* Parses an ATerm .drv. NULL on success, else a message. name is stored into out->name. */
const char *drv_parse(const char *text, size_t len, const char *name, Derivation *out);

/* Looks an env var up (after drv_normalise); NULL if absent. */
const char *drv_env_get(const Derivation *d, const char *key);

/* ---- hashDerivationModulo ---- */

typedef struct DrvCache DrvCache;

/* Reads the text of the .drv at a (logical) store path; NULL with *err set if missing. */
typedef char *(*DrvLoader)(void *ctx, const char *drv_path, size_t *len, const char **err);

/* The cache is uncollectable GC memory (a root), so entries stay reachable. */
DrvCache *drv_cache_new(DrvLoader loader, void *loader_ctx);
/* The derivation at drv_path, from the cache or the loader; NULL with *err on failure. */
const Derivation *drv_cache_get(DrvCache *c, const char *drv_path, const char **err);

/* hashDerivationModulo: fixed-output derivations hash as
 * sha256("fixed:out:ALGO:HASH:PATH"); others hash their ATerm with each input .drv path
 * replaced by the base16 of that input's own modulo hash (cached per path). */
const char *drv_hash_modulo(DrvCache *c, const Derivation *d, bool mask_outputs, Hash *out);

/* Fills in output paths and output env vars of an input-addressed derivation whose
 * outputs all have path "" (deferred), as CppNix's derivationStrict does. */
const char *drv_fill_output_paths(DrvCache *c, Derivation *d, const char *store_dir);

/* All that derivationStrict needs, resolving the inputs once: fills in output paths if
 * fill_outputs (input-addressed; as drv_fill_output_paths, for a d whose output paths
 * and output variables are still "", so that d hashes as its masked self), sets *drv_path (from
 * drv_store_path: (*drv_path)[-1] is '='), and records
 * the derivation in the cache: its modulo hash for dependents, and only its skeleton
 * (outputs, inputs, sources; no env or args) so that a big evaluation does not retain
 * every environment. NULL on success, else a message. */
const char *drv_finish(DrvCache *c, Derivation *d, const char *store_dir, bool fill_outputs,
                       const char **drv_path);

/* The store path a derivation is written to: a text path named NAME.drv whose
 * references are the input sources and input .drv paths. *text receives the ATerm.
 * The result r has r[-1] == '=': r - 1 is the context element "=r" of its drvPath. */
char *drv_store_path(const Derivation *d, const char *store_dir, char **text, size_t *text_len);

/* Collects the references of a .drv (srcs + input drvs) into a GC array. */
const char **drv_references(const Derivation *d, size_t *n);

#endif
