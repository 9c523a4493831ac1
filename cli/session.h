/* One session for every command and the REPL: settings (evaluator and store), the store,
 * the evaluator state with the builtins and plugins opened into it, SIGINT and the big-stack
 * thread. The one place that creates an EvalState and opens the store.
 *
 *   CliSession s;
 *   if (!cli_session_init(&s, "cnix eval")) return 1;
 *   for (...) { int r = cli_session_option(&s, argc, argv, &i); ... }   // common options
 *   if (!cli_session_open_store(&s)) return 1;
 *   return cli_session_run(&s, fn, ctx);   // fn(s, ctx) evaluates with s->st
 */
#ifndef CNIX_CLI_SESSION_H
#define CNIX_CLI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/evalcommon.h"
#include "cli/flakeopts.h"
#include "cli/storeopts.h"

typedef struct CliSession {
    const char *command; /* for "Try 'COMMAND --help'" after a usage error */
    EvalOpts opts;       /* evaluator settings, --arg/--argstr, --stats */
    StoreConfig cfg;     /* store and build settings (--option, -j, --store, ...) */
    FlakeOpts flake;     /* flake settings and lock flags (--override-input, ...); getFlake's */
    Store *store;        /* cli_session_open_store */
    EvalState *st;       /* during cli_session_run, on its thread */
    /* Evaluation writes .drv files, toFile results and copied sources to the store
     * (nix-instantiate, build, profile, repl); otherwise it only computes their paths. */
    bool writable;
    int status; /* what cli_session_run returns: 1 after an evaluation error */
} CliSession;

/* Process set-up (collector tuning, out-of-memory message), defaults and the configuration
 * files. False (message printed) on a bad configuration file. */
bool cli_session_init(CliSession *s, const char *command);
/* Consumes a common option at argv[*i] (store and build settings first, then evaluator
 * ones): 1 consumed, 0 not common, -1 usage error (printed). */
int cli_session_option(CliSession *s, int argc, char **argv, int *i);
/* Consumes a store or build option only (commands that do not evaluate). */
int cli_session_store_option(CliSession *s, int argc, char **argv, int *i);
/* After the options: adds NIX_PATH after the -I entries and opens the store. False
 * (printed) on error. */
bool cli_session_open_store(CliSession *s);
/* Opens a further store by URI with the session's settings (cnix store copy --from/--to);
 * NULL (printed) on error. */
Store *cli_session_open_other(CliSession *s, const char *uri);

/* Links a root to path, as nix-build's `result` and nix-instantiate's --add-root: named base
 * for the first (nr 1), base-NR for later ones, with "-OUTPUT" appended for an output other
 * than out (output may be NULL); registered as an indirect GC root. NULL on success (*link:
 * the absolute link made), else a message. */
const char *cli_session_add_root(CliSession *s, const char *path, const char *base, size_t nr,
                                 const char *output, const char **link);

typedef void (*CliSessionFn)(CliSession *s, void *ctx);
/* Runs fn on the big-stack thread with s->st ready: builtins and plugins opened, store
 * writability set, Ctrl-C making the evaluation fail with "interrupted by the user" (the
 * previous SIGINT disposition is restored afterwards, so later builds stay interruptible).
 * An evaluation error thrown out of fn is printed and makes the status 1; --stats prints the
 * counters. Returns s->status. */
int cli_session_run(CliSession *s, CliSessionFn fn, void *ctx);

#endif
