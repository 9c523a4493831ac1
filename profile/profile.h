/* Profiles: user environments (symlink trees merging packages, with a manifest) added to
 * the store, and generations of a profile (PROFILE-N-link beside PROFILE, swung atomically).
 *
 * The user environment is a content-addressed store path named "user-environment" whose
 * references are the packages' outputs. Its file "manifest.cnix" lists the elements, one
 * "KEY VALUE" line each (values escaped: \\ \n), elements started by a line "element":
 *   name / pname / version / priority / drv / output NAME PATH / origin-file / origin-attr /
 *   origin-expr / origin-args (the --arg/--argstr of the evaluation: "arg|argstr NAME TEXT" per
 *   line, so that `upgrade` re-evaluates the origin as it was evaluated)
 * Generations: PROFILE-N-link -> the environment, PROFILE -> PROFILE-N-link (relative), both
 * created under a temporary name and renamed into place, so PROFILE always names a complete
 * generation. Each generation link is also registered as an indirect GC root
 * (STATEDIR/gcroots/auto), so profiles outside STATEDIR/profiles keep their closures too. */
#ifndef CNIX_PROFILE_PROFILE_H
#define CNIX_PROFILE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/config.h"
#include "store/store.h"
#include "util/strbuf.h"

typedef struct ProfileElem {
    const char *name, *pname, *version;
    int64_t priority; /* lower wins a file conflict; Nix's default 5 */
    const char *drv;  /* may be NULL */
    const char **out_names, **out_paths;
    size_t nouts;
    const char *origin_file, *origin_attr, *origin_expr; /* any may be NULL */
    const char *origin_args;                             /* see above; NULL if none */
} ProfileElem;

typedef struct ProfileGen {
    long num;
    const char *link;   /* absolute path of PROFILE-N-link */
    const char *target; /* store path it points to */
    time_t date;        /* the link's mtime */
    bool current;
} ProfileGen;

/* ---- user environments (profile/env.c) ---- */

/* Builds what the elements' outputs need (realiser settings cfg); 0 when all are valid,
 * else the realiser's exit status with *err set. */
int profile_realise(Store *s, const StoreConfig *cfg, const ProfileElem *el, size_t n, const char **err);

/* Builds the user environment of elems (outputs must be valid) and adds it to the store.
 * NULL on success (*out = the store path), else an error message naming the conflict. */
const char *profile_build_env(Store *s, const ProfileElem *elems, size_t n, const char **out);

/* Reads the manifest of a user environment (store path or any directory). NULL with *err
 * when missing or malformed. */
ProfileElem *profile_read_manifest(const char *env_dir, size_t *n, const char **err);

/* ---- generations (profile/gen.c) ---- */

/* The default profile: STATEDIR/profiles/profile. GC string. */
const char *profile_default_path(Store *s);

/* The elements of the current generation (none if the profile does not exist yet); NULL
 * with *err if its manifest cannot be read. */
ProfileElem *profile_current_elems(Store *s, const char *profile, size_t *n, const char **err);

/* Generations of profile, sorted by number. NULL with *err on a read error (a profile
 * without generations gives n = 0). */
ProfileGen *profile_generations(Store *s, const char *profile, size_t *n, const char **err);
/* The current generation number, 0 if none. */
long profile_current(const char *profile);

/* Makes store_path the next generation and points the profile at it (no new generation if
 * it equals the current one). *num receives the generation. NULL on success. */
const char *profile_new_generation(Store *s, const char *profile, const char *store_path, long *num);
/* Realises el (profile_realise), builds its environment and makes that the next generation
 * (*num, *env); 0, else the exit status with *err set and the profile unchanged. */
int profile_commit(Store *s, const StoreConfig *cfg, const char *profile, const ProfileElem *el, size_t n,
                   long *num, const char **env, const char **err);
/* Points the profile at an existing generation. */
const char *profile_switch_generation(Store *s, const char *profile, long num);
/* Switches to the newest generation older than the current one; *num receives it. */
const char *profile_rollback(Store *s, const char *profile, long *num);
/* Deletes generations per spec: "old", "+K", "Nd" or a list of numbers (nspec entries).
 * The current generation is never deleted (explicitly naming it is an error). */
const char *profile_delete_generations(Store *s, const char *profile, const char *const *spec,
                                       size_t nspec, bool dry_run);

/* ---- diff-closures (profile/diff.c) ---- */

/* Appends to out, one "  PNAME: OLD → NEW, +X.Y KiB" line per package (by pname, sorted)
 * whose versions or size differ between the closures of store paths a and b. */
void profile_diff_closures(Store *s, const char *a, const char *b, StrBuf *out);

#endif
