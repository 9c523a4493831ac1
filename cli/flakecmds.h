/* cnix flake check, init/new, prefetch, archive (cli/flakecmds.c), run by cli/flake.c. */
#ifndef CNIX_CLI_FLAKECMDS_H
#define CNIX_CLI_FLAKECMDS_H

#include "flake/flake.h"
#include "store/build.h"

/* Evaluates and type-checks every known output, reporting each failure with its attribute
 * and going on; builds checks.SYSTEM.* when build. Returns the exit status. */
int cli_flake_check(EvalState *st, const FlakeSettings *fs, LockedFlake *lf, Store *store, const StoreConfig *cfg,
                    bool build);
/* Copies the template REF#NAME (templates.NAME, default: templates.default) into dest. */
int cli_flake_init(EvalState *st, const FlakeSettings *fs, const char *template_ref, const char *dest);
int cli_flake_prefetch(EvalState *st, const FlakeSettings *fs, const char *arg, bool json);
/* Fetches every input into the store; with json prints {path, inputs: {NAME: {...}}}. */
int cli_flake_archive(EvalState *st, const FlakeSettings *fs, LockedFlake *lf, bool json);

/* git clone of a Git or forge (mirror) flake into dest, at its ref and rev. */
int cli_flake_clone(EvalState *st, const FlakeSettings *fs, const char *arg, const char *dest);

/* Building JSON answers as values: a string, an attribute (attrs_sort afterwards), a
 * flake reference's attributes, and printing one line of JSON. */
Value *cli_fv_str(EvalState *st, const char *s);
void cli_fv_put(EvalState *st, Bindings *b, const char *name, Value *v);
Value *cli_fv_attrs(EvalState *st, const FlakeAttrs *a);
void cli_fv_print_json(EvalState *st, Value *v);

#endif
