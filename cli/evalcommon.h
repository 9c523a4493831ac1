/* Helpers shared by the evaluating commands (instantiate, eval, build, profile): settings from
 * options, auto-arguments, attribute paths, statistics. */
#ifndef CNIX_CLI_EVALCOMMON_H
#define CNIX_CLI_EVALCOMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "eval/eval.h"

typedef struct EvalOpts {
    EvalSettings settings;
    AutoArg *auto_args;
    int nauto_args;
    bool stats;
} EvalOpts;

/* Initialises defaults (and NIX_PATH after -I entries, see cli_opts_finish). */
void cli_opts_init(EvalOpts *o);
/* Tries to consume a common option at argv[*i]; returns 1 if consumed, 0 if not
 * an evaluator option, -1 on a usage error (message printed). */
int cli_opts_parse(EvalOpts *o, int argc, char **argv, int *i);
/* Appends NIX_PATH entries after the -I ones. */
void cli_opts_finish(EvalOpts *o);

/* Builds the auto-arguments set (thunks) for --arg/--argstr. */
Bindings *cli_auto_args(EvalState *st, const EvalOpts *o);
/* Calls v if it is a function with formals, as CppNix's autoCallFunction does. */
void cli_auto_call(EvalState *st, Bindings *args, Value *v, Value *out);
/* Follows an attribute path like "a.b.0" (auto-calling functions on the way). */
void cli_attr_path(EvalState *st, Bindings *args, const char *path, Value *v, Value *out);
/* Prints NIX_SHOW_STATS-style counters to stderr. */
void cli_print_stats(EvalState *st, double seconds);
/* CPU time used by the process so far, in seconds (for --stats). */
double cli_cpu_seconds(void);
/* Makes a path given on the command line absolute (relative to the cwd). */
const char *cli_abs_path(const char *p);
/* A file argument: `<nixpkgs>` is looked up in the search path (as nix-build and
 * nix-instantiate do), anything else made absolute. */
const char *cli_file_arg(EvalState *st, const char *arg);

/* The current directory as a GC string ("/" if unknown): the base of -E expressions. */
const char *cli_cwd(void);
/* Registers command-line text (-E) as a source based in the current directory. */
const Source *cli_string_source(EvalState *st, const char *text);
/* Reads a file (already resolved, e.g. default.nix appended) and registers it as a source
 * based in the file's directory. NULL with errno set if it cannot be opened, so that each
 * command words the error its own way. */
const Source *cli_file_source(EvalState *st, const char *path);
/* Parses a source without binding; a syntax error is thrown as ERR_PARSE. */
Expr *cli_parse(EvalState *st, const Source *src);

/* What a nix-instantiate / nix-build style command evaluates: FILE... (./default.nix if
 * none), with -E the arguments are expressions instead, "-" is standard input; each is
 * selected by every -A ATTRPATH (or used whole). */
typedef struct CliInputs {
    bool from_args;  /* -E / --expr */
    bool read_stdin; /* "-" */
    const char **args;
    int nargs;
    const char **attr_paths;
    int nattr_paths;
} CliInputs;

/* Room for argc arguments. */
void cli_inputs_init(CliInputs *in, int argc);
/* Consumes -E/--expr, -A/--attr PATH or "-" at argv[*i]: 1 consumed, 0 not one, -1 error
 * (printed). Positional arguments are added with cli_inputs_add. */
int cli_inputs_option(CliInputs *in, int argc, char **argv, int *i);
void cli_inputs_add(CliInputs *in, const char *arg);
/* Parses each input in turn (stdin first, unbound) and calls fn(st, expr, ctx). Files are
 * checked against pure/restricted evaluation; a directory means its default.nix. An
 * argument claim(st, arg, ctx) returns true for (a flake installable) is the caller's
 * instead; claim may be NULL. */
void cli_inputs_each(EvalState *st, const CliInputs *in, bool (*claim)(EvalState *st, const char *arg, void *ctx),
                     void (*fn)(EvalState *st, Expr *e, void *ctx), void *ctx);
/* Evaluates a bound input: calls it with the auto-arguments and selects each attribute
 * path, calling fn(st, value, ctx) for each. */
void cli_inputs_select(EvalState *st, const CliInputs *in, const EvalOpts *o, Expr *e,
                       void (*fn)(EvalState *st, Value *v, void *ctx), void *ctx);

#endif
