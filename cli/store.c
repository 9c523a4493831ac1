/* cnix store: realise, and the store maintenance subcommands (see cli/storecmds.c). */
#include "cli/cli.h"
#include "cli/session.h"
#include "store/build.h"

#define GC_THREADS
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/storecmds.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cnix store COMMAND [OPTIONS] ARGS...\n\ncommands:\n"
               "  realise DRV[!OUT]...         build derivations, print their output paths\n"
               "  path-info [-r] [--size] [--closure-size] PATHS...\n"
               "  export PATHS... > FILE       nix-store --export format\n"
               "  import < FILE                nix-store --import format\n"
               "  copy --to file:///DIR PATHS... | --from file:///DIR PATHS...\n"
               "  gc [--dry-run] [--max-freed N]\n"
               "  delete PATHS...\n"
               "  verify [--check-contents] [--repair]\n"
               "  generate-key NAME SECRET-FILE PUBLIC-FILE | sign --key-file FILE PATHS...\n");
}

static int cmd_realise(int argc, char **argv)
{
    CliSession *ses = GC_MALLOC(sizeof *ses);
    if (!cli_session_init(ses, "cnix store"))
        return 1;
    const char **drvs = GC_MALLOC((size_t)argc * sizeof *drvs);
    const char **outs = GC_MALLOC((size_t)argc * sizeof *outs);
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        int r = cli_session_store_option(ses, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (argv[i][0] == '-') {
            fprintf(stderr, "error: unrecognised flag '%s'\n", argv[i]);
            return 1;
        }
        const char *bang = strchr(argv[i], '!');
        drvs[n] = bang ? GC_strndup(argv[i], (size_t)(bang - argv[i])) : argv[i];
        outs[n++] = bang ? bang + 1 : NULL;
    }
    if (!cli_session_open_store(ses))
        return 1;
    Store *s = ses->store;
    for (size_t i = 0; i < n; i++) {
        /* A relative path or a link to a .drv is resolved, as nix-store does. */
        char *rp = realpath(drvs[i], NULL);
        if (rp && store_is_in_store(store_dir(s), rp)) {
            drvs[i] = GC_strdup(rp);
        }
        free(rp);
    }
    int st = store_realise(s, &ses->cfg, drvs, n);
    if (st || ses->cfg.dry_run)
        return st;
    for (size_t i = 0; i < n; i++) {
        const char *err;
        const Derivation *d = store_load_drv(s, drvs[i], &err);
        if (!d) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        for (uint32_t k = 0; k < d->noutputs; k++)
            if (!outs[i] || !strcmp(outs[i], d->outputs[k].name))
                printf("%s\n", d->outputs[k].path);
    }
    return 0;
}

int cli_store(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(c, "realise") || !strcmp(c, "realize") || !strcmp(c, "build"))
        return cmd_realise(argc - 1, argv + 1);
    int r = cli_store_subcommand(c, argc - 1, argv + 1);
    if (r >= 0)
        return r;
    fprintf(stderr, "error: unknown store command '%s'\n", c);
    usage(stderr);
    return 1;
}
