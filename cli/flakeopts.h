/* Options of the commands that take flakes (cnix flake, eval, build): lock flags
 * (--override-input, --no-write-lock-file, ...), flake settings (--option flake-registry,
 * forge-mirror, ...), --impure. */
#ifndef CNIX_CLI_FLAKEOPTS_H
#define CNIX_CLI_FLAKEOPTS_H

#include "flake/flake.h"

typedef struct FlakeOpts {
    FlakeSettings settings;
    LockFlags lock;
    bool impure;
    const char **override_args; /* --override-input NAME REF, parsed once a state exists */
    uint32_t noverride_args;
    const char **update_args;   /* --update-input NAME and `flake update NAME` */
    uint32_t nupdate_args;
} FlakeOpts;

void cli_flake_opts_init(FlakeOpts *o);
/* Consumes argv[*i] if it is such an option: 1 consumed, 0 not ours, -1 error (printed). */
int cli_flake_opt(FlakeOpts *o, int argc, char **argv, int *i);
/* Turns the textual overrides and updates into lock flags (errors are thrown). */
void cli_flake_opts_finish(EvalState *st, FlakeOpts *o, const char *cwd);

#endif
