/* Profile elements from evaluation: what a package list evaluates to, the origin recorded
 * for `upgrade`, and the element set operations of install, remove and upgrade. The only
 * part of profile/ that knows the evaluator. */
#ifndef CNIX_PROFILE_ELEMS_H
#define CNIX_PROFILE_ELEMS_H

#include "eval/eval.h"
#include "profile/profile.h"

/* Where a package list came from, recorded in each element so that `upgrade` can evaluate
 * it again: FILE or EXPR (one is NULL), an attribute path (may be NULL), --arg/--argstr. */
typedef struct ProfileOrigin {
    const char *file, *expr, *attr;
    const AutoArg *args;
    int nargs;
} ProfileOrigin;

/* The elements of an evaluated package list: a list of derivations, a set whose `packages`
 * is one, or a single derivation. name, pname and version (pname/version attributes, else
 * parseDrvName of name), meta.priority, the outputs to install (meta.outputsToInstall, else
 * outputName) and their paths. Errors are thrown as evaluation errors. */
ProfileElem *profile_elems_of_value(EvalState *st, Value *v, const ProfileOrigin *o, size_t *n);
/* The --arg/--argstr recorded in e's origin. */
void profile_origin_args(const ProfileElem *e, const AutoArg **args, int *n);

/* Does name select e (its name or its pname)? */
bool profile_elem_matches(const ProfileElem *e, const char *name);
/* install: cur without the elements add replaces (same pname), then add. */
ProfileElem *profile_install(const ProfileElem *cur, size_t n, const ProfileElem *add, size_t m, size_t *out_n);
/* remove: cur without the elements any of names selects; NULL with *err if a name selects
 * none. */
ProfileElem *profile_remove(const ProfileElem *cur, size_t n, const char *const *names, size_t nnames,
                            size_t *out_n, const char **err);
/* upgrade: the element of fresh (a new evaluation of e's origin) with e's pname, or NULL. */
const ProfileElem *profile_upgrade_of(const ProfileElem *e, const ProfileElem *fresh, size_t n);

#endif
