/* Parsing the flake options shared by cnix flake, eval and build. */
#include <gc.h>
#include <stdio.h>
#include <string.h>

#include "cli/flakeopts.h"

void cli_flake_opts_init(FlakeOpts *o)
{
    memset(o, 0, sizeof *o);
    flake_settings_default(&o->settings);
    flake_lock_flags_default(&o->lock);
}

static void push(const char ***v, uint32_t *n, const char *s)
{
    const char **nv = GC_MALLOC((*n + 1) * sizeof *nv);
    if (*n)
        memcpy(nv, *v, *n * sizeof *nv);
    nv[(*n)++] = s;
    *v = nv;
}

int cli_flake_opt(FlakeOpts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
#define NEED(k)                                                                                                      \
    do {                                                                                                             \
        if (*i + (k) >= argc) {                                                                                      \
            fprintf(stderr, "error: flag '%s' requires %d argument%s\n", a, k, (k) > 1 ? "s" : "");                  \
            return -1;                                                                                               \
        }                                                                                                            \
    } while (0)
    if (strcmp(a, "--impure") == 0) {
        o->impure = true;
        return 0; /* the evaluator options see it too */
    }
    if (strcmp(a, "--no-write-lock-file") == 0)
        o->lock.write_lock_file = false;
    else if (strcmp(a, "--recreate-lock-file") == 0)
        o->lock.recreate_lock_file = true;
    else if (strcmp(a, "--no-update-lock-file") == 0)
        o->lock.update_lock_file = false;
    else if (strcmp(a, "--commit-lock-file") == 0)
        o->lock.commit_lock_file = true;
    else if (strcmp(a, "--no-registries") == 0)
        o->settings.use_registries = false;
    else if (strcmp(a, "--reference-lock-file") == 0 || strcmp(a, "--output-lock-file") == 0) {
        NEED(1);
        if (a[2] == 'r')
            o->lock.reference_lock_file = argv[++*i];
        else
            o->lock.output_lock_file = argv[++*i];
    } else if (strcmp(a, "--override-input") == 0) {
        NEED(2);
        push(&o->override_args, &o->noverride_args, argv[*i + 1]);
        push(&o->override_args, &o->noverride_args, argv[*i + 2]);
        *i += 2;
    } else if (strcmp(a, "--update-input") == 0) {
        NEED(1);
        push(&o->update_args, &o->nupdate_args, argv[++*i]);
    } else if (strcmp(a, "--flake-registry") == 0 || strcmp(a, "--forge-mirror") == 0) {
        NEED(1);
        flake_settings_set(&o->settings, a + 2, argv[++*i]);
    } else if (strcmp(a, "--accept-flake-config") == 0)
        o->settings.accept_flake_config = true;
    else if (strcmp(a, "--option") == 0 && *i + 2 < argc && flake_settings_set(&o->settings, argv[*i + 1], argv[*i + 2]))
        *i += 2;
    else
        return 0;
    return 1;
#undef NEED
}

void cli_flake_opts_finish(EvalState *st, FlakeOpts *o, const char *cwd)
{
    uint32_t n = o->noverride_args / 2;
    o->lock.overrides = GC_MALLOC((n + 1) * sizeof *o->lock.overrides);
    o->lock.noverrides = n;
    for (uint32_t k = 0; k < n; k++) {
        o->lock.overrides[k].path = input_path_parse(st, o->override_args[2 * k], 0);
        o->lock.overrides[k].ref = flake_ref_parse(st, o->override_args[2 * k + 1], cwd, 0);
    }
    o->lock.updates = GC_MALLOC((o->nupdate_args + 1) * sizeof *o->lock.updates);
    o->lock.nupdates = o->nupdate_args;
    for (uint32_t k = 0; k < o->nupdate_args; k++)
        o->lock.updates[k] = input_path_parse(st, o->update_args[k], 0);
}
