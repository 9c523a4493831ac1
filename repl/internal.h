/* State and functions shared by the REPL's files (not part of the public API). */
#ifndef CNIX_REPL_INTERNAL_H
#define CNIX_REPL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "eval/eval.h"
#include "repl/repl.h"
#include "store/store.h"
#include "util/strbuf.h"

/* GC-allocated: it holds the only pointers to the REPL's Env and name tables. */
typedef struct Repl {
    EvalState *st;
    /* The REPL's frame over the global scope (eval_scope_new): slot i holds the value
     * of names[i]. Rebinding a name takes a new slot and zeroes the old slot's name, so
     * thunks created earlier keep seeing the value they were bound to. */
    Env *env;
    Symbol *names;
    uint32_t n, cap;
    uint32_t *slot_of; /* symbol id -> slot + 1, 0 when unbound (atomic) */
    size_t nslot_of;
    const char *cwd; /* base directory of expressions typed at the prompt */

    const char **files; /* loaded files, in load order, for :r */
    uint32_t nfiles, files_cap;
    Bindings *auto_args; /* --arg/--argstr for functions returned by files */
    Bindings *last_loaded;

    const char **global_names; /* names of the global scope, for completion (lazy) */
    uint32_t nglobal;

    bool interactive; /* stdin is a terminal: readline, prompts, history */
    bool colour;      /* stdout is a terminal: ANSI colours */
    const char *history_path;

    StoreConfig *store_cfg; /* for :b and :log */
    Store *store;      /* opened at the first :b */
} Repl;

/* repl/repl.c */
/* Parses text in the REPL's scope; throws on errors. */
Expr *repl_parse(Repl *r, const char *text, size_t len);
/* Evaluates text in the REPL's scope to weak head normal form; throws on errors. */
void repl_eval_string(Repl *r, const char *text, Value *out);
/* As repl_eval_string, but errors are swallowed: returns false on any error. */
bool repl_try_eval(Repl *r, const char *text, Value *out);

/* repl/print.c */
/* Appends v as `nix repl` prints it: forced up to max_depth levels of
 * attribute sets and lists (UINT32_MAX for :p), errors inside shown as
 * «error: ...»; an error forcing v itself is thrown. If stream is set, what
 * is in out is written to it whenever out grows large (long output streams). */
void repl_print_value(Repl *r, StrBuf *out, Value *v, uint32_t max_depth, FILE *stream);
/* Appends a position as FILE:LINE:COL («string»:1:5 for typed input). */
void repl_print_pos(Repl *r, StrBuf *out, PosIdx pos);
bool repl_is_var_name(const char *s, size_t len);

/* repl/complete.c */
/* Installs tab completion for r (readline's callbacks carry no user pointer). */
void repl_complete_init(Repl *r);

/* repl/commands.c */
typedef enum ReplLineResult { REPL_CONTINUE, REPL_QUIT } ReplLineResult;
/* Runs one `:command arg` line; throws on evaluation errors. */
ReplLineResult repl_command(Repl *r, const char *cmd, const char *arg);
/* Loads a file's attributes (after auto-calling a function) into scope; throws. */
void repl_load_file(Repl *r, const char *path, bool remember);
/* Adds every attribute of the set v to scope and reports it on stderr. */
void repl_add_attrs(Repl *r, Value *v);
void repl_add_var(Repl *r, Symbol name, Value *v);
/* Forgets every binding (and loaded files' attributes), keeping the list of files. */
void repl_reset_scope(Repl *r);
/* Names of the commands, for completion; NULL-terminated. */
extern const char *const repl_command_names[];

#endif
