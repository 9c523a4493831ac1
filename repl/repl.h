/* The interactive read-eval-print loop (`cnix repl`): public entry point. */
#ifndef CNIX_REPL_REPL_H
#define CNIX_REPL_REPL_H

#include <stdbool.h>
#include <stdint.h>

#include "eval/eval.h"
#include "store/config.h"

/* One --arg NAME EXPR (is_str false) or --argstr NAME S (is_str true). */
typedef struct ReplArg {
    const char *name;
    const char *text;
    bool is_str;
} ReplArg;

typedef struct ReplOptions {
    const char **files; /* loaded into scope at start, like `:l FILE` */
    uint32_t nfiles;
    const ReplArg *args; /* auto-arguments for functions returned by loaded files */
    uint32_t nargs;
    StoreConfig *store_cfg; /* settings for :b and :log, already applied; NULL: defaults */
} ReplOptions;

/* Runs the REPL on stdin/stdout until :q or end of input; returns the exit code. */
int repl_run(EvalState *st, const ReplOptions *opts);

#endif
