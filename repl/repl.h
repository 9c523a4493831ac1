/* The interactive read-eval-print loop (`cnix repl`): public entry point. */
#ifndef CNIX_REPL_REPL_H
#define CNIX_REPL_REPL_H

#include <stdbool.h>
#include <stdint.h>

#include "eval/eval.h"
#include "store/config.h"

typedef struct ReplOptions {
    const char **files; /* loaded into scope at start, like `:l FILE` */
    uint32_t nfiles;
    Bindings *auto_args; /* --arg/--argstr for functions returned by loaded files */
    StoreConfig *store_cfg; /* settings for :b and :log, already applied; NULL: defaults */
} ReplOptions;

/* Runs the REPL on stdin/stdout until :q or end of input; returns the exit code. Called on
 * the evaluator's (big-stack) thread of a session that routes SIGINT to that thread and
 * makes it set st->interrupted (cli/session.c): Ctrl-C then abandons the line being edited
 * or interrupts the evaluation. */
int repl_run(EvalState *st, const ReplOptions *opts);

#endif
