/* cnix repl: parses the command line and starts the REPL (repl/) in a session. */
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "repl/repl.h"

typedef struct ReplCmd {
    const char **files;
    uint32_t nfiles;
} ReplCmd;

static void usage(FILE *f)
{
    fprintf(f, "usage: cnix repl [FILE...] [--file FILE] [-I PATH] [--arg NAME EXPR]\n"
               "                 [--argstr NAME STRING] [--show-trace] [-r] [STORE-OPTIONS]\n"
               "\n"
               "Starts an interactive read-eval-print loop. The attributes of each FILE\n"
               "(after calling it with the --arg/--argstr values if it is a function)\n"
               "become variables. Type :? at the prompt for the list of commands.\n"
               "Store options (--option NAME VALUE, -j N, --store ...) apply to :b.\n");
}

static void run(CliSession *s, void *ctx)
{
    ReplCmd *c = ctx;
    ReplOptions opts = {c->files, c->nfiles, cli_auto_args(s->st, &s->opts), &s->cfg};
    s->status = repl_run(s->st, &opts);
}

int cli_repl(int argc, char **argv)
{
    CliSession *s = GC_MALLOC(sizeof *s);
    if (!cli_session_init(s, "cnix repl"))
        return 1;
    ReplCmd *c = GC_MALLOC(sizeof *c);
    c->files = GC_MALLOC((size_t)argc * sizeof *c->files);
    bool readonly = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--readonly-mode") || !strcmp(a, "-r")) {
            readonly = true;
            continue;
        }
        int r = cli_session_option(s, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if ((!strcmp(a, "--file") || !strcmp(a, "-f")) && i + 1 < argc) {
            c->files[c->nfiles++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage(stderr);
            return 1;
        } else {
            c->files[c->nfiles++] = a;
        }
    }
    if (!cli_session_open_store(s))
        return 1;
    /* Like nix repl, evaluation writes .drv files (so that :b can build them), unless
     * --readonly-mode or the store cannot be written (then derivations still get paths). */
    const char *dir = store_real_path(s->store, store_dir(s->store));
    s->writable = !readonly && (!dir || access(dir, W_OK) == 0 || errno == ENOENT);
    return cli_session_run(s, run, c);
}
