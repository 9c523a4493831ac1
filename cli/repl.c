/* cnix repl: parses the command line and starts the REPL (repl/). */
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "builtins/derivation.h"
#include "cli/evalcommon.h"
#include "cli/storeopts.h"
#include "native/native.h"
#include "repl/repl.h"

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

/* Like nix repl, evaluation writes .drv files (so that :b can build them), unless
 * --readonly-mode or the store cannot be written (then derivations still get paths). */
static void set_store_writable(EvalState *st, bool readonly)
{
    Store *ls = bi_store(st);
    const char *dir = store_real_path(ls, store_dir(ls));
    bool writable = !dir || access(dir, W_OK) == 0 || errno == ENOENT;
    bi_store_set_writable(st, writable && !readonly);
}

static SearchPathEntry parse_search_entry(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq)
        return (SearchPathEntry){"", s};
    char *prefix = GC_MALLOC_ATOMIC((size_t)(eq - s) + 1);
    memcpy(prefix, s, (size_t)(eq - s));
    prefix[eq - s] = 0;
    return (SearchPathEntry){prefix, eq + 1};
}

int cli_repl(int argc, char **argv)
{
    GC_INIT();
    EvalSettings settings;
    eval_settings_default(&settings);
    const char **files = GC_MALLOC((size_t)argc * sizeof *files);
    ReplArg *args = GC_MALLOC((size_t)argc * sizeof *args);
    SearchPathEntry *incl = GC_MALLOC((size_t)argc * sizeof *incl);
    uint32_t nfiles = 0, nargs = 0, nincl = 0;
    bool readonly = false;
    StoreConfig *store_cfg = GC_MALLOC(sizeof *store_cfg);
    if (!cli_store_config_init(store_cfg))
        return 1;
    const char *native_err = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has1 = i + 1 < argc, has2 = i + 2 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(a, "--file") || !strcmp(a, "-f")) && has1) {
            files[nfiles++] = argv[++i];
        } else if (!strcmp(a, "-I") && has1) {
            incl[nincl++] = parse_search_entry(argv[++i]);
        } else if (!strncmp(a, "-I", 2) && a[2]) {
            incl[nincl++] = parse_search_entry(a + 2);
        } else if ((!strcmp(a, "--arg") || !strcmp(a, "--argstr")) && has2) {
            args[nargs++] = (ReplArg){argv[i + 1], argv[i + 2], a[5] == 's'};
            i += 2;
        } else if (!strcmp(a, "--readonly-mode") || !strcmp(a, "-r")) {
            readonly = true;
        } else if (!strcmp(a, "--show-trace")) {
            settings.show_trace = true;
        } else if (native_cli_option(&settings, argc, argv, &i, &native_err)) {
            if (native_err) {
                fprintf(stderr, "error: %s\n", native_err);
                return 1;
            }
        } else if (a[0] == '-' && a[1]) {
            int used = cli_store_opt(store_cfg, argc, argv, &i);
            if (used < 0)
                return 1;
            if (used)
                continue;
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage(stderr);
            return 1;
        } else {
            files[nfiles++] = a;
        }
    }
    if (nincl) {
        /* -I entries come before NIX_PATH's. */
        SearchPathEntry *np = GC_MALLOC((nincl + settings.nix_path_len) * sizeof *np);
        memcpy(np, incl, nincl * sizeof *np);
        if (settings.nix_path_len)
            memcpy(np + nincl, settings.nix_path, settings.nix_path_len * sizeof *np);
        settings.nix_path = np;
        settings.nix_path_len += nincl;
    }
    Store *store = cli_store_open(store_cfg);
    if (!store)
        return 1;
    EvalState *st = cli_state_new(&settings, store);
    if (!native_load_plugins(st, &native_err)) {
        fprintf(stderr, "error: %s\n", native_err);
        return 1;
    }
    set_store_writable(st, readonly);
    ReplOptions opts = {files, nfiles, args, nargs, store_cfg};
    return repl_run(st, &opts);
}
