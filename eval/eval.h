/* The evaluator: state, forcing, calling, coercion, comparison and errors. */
#ifndef CNIX_EVAL_EVAL_H
#define CNIX_EVAL_EVAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "eval/value.h"
#include "parser/parser.h"

/* ---------- errors ---------- */

typedef enum ErrorKind {
    ERR_EVAL,               /* generic EvalError */
    ERR_TYPE,               /* "expected a set but found ..." */
    ERR_THROWN,             /* builtins.throw: caught by tryEval */
    ERR_ASSERTION,          /* failed assert: caught by tryEval */
    ERR_ABORT,              /* builtins.abort */
    ERR_INFINITE_RECURSION,
    ERR_STACK_OVERFLOW,
    ERR_UNDEFINED_VAR,
    ERR_MISSING_ARG,
    ERR_UNEXPECTED_ARG,
    ERR_PARSE,
    ERR_RESTRICTED,         /* pure/restricted evaluation denials */
    ERR_IO,
    ERR_INTERRUPTED,        /* Ctrl-C */
    ERR_OOM,
    ERR_USAGE,              /* CppNix UsageError (bad hash algo/format name): the CLI adds
                               "Try 'PROG --help' for more information." after the message */
} ErrorKind;

typedef struct TraceEntry {
    PosIdx pos;
    const char *msg; /* e.g. "while evaluating the attribute 'body'" */
    /* Live frames only: if nonzero, msg is a format with one %s that is
     * replaced by this symbol's name when an error is raised (keeps pushes cheap). */
    Symbol sym;
} TraceEntry;
/* TraceEntry.sym of a frame whose msg is plain text printed even where the short trace
 * (without --show-trace) stops: CppNix's TracePrint::Always (addErrorContext, derivations,
 * "entering the infinite recursion"). */
#define TRACE_ALWAYS ((Symbol)0xFFFFFFF8)

typedef struct EvalError {
    ErrorKind kind;
    const char *msg; /* without the "error: " prefix */
    PosIdx pos;
    TraceEntry *trace; /* outermost first, as CppNix prints them */
    uint32_t ntrace;
    const char *hint;  /* extra line(s) after the code frame ("Did you mean y?"), or NULL */
} EvalError;

/* A catch point. Use through EVAL_TRY:
 *     TryFrame f;
 *     if (EVAL_TRY(st, &f)) { ...; eval_try_leave(st, &f); }
 *     else { use f.error; }
 * Throwing restores the state saved at entry (call depth, trace frames) and
 * resets thunks that were being forced back to unevaluated thunks, so that
 * forcing them again re-raises instead of reporting infinite recursion. */
typedef struct TryFrame {
    struct TryFrame *prev;
    jmp_buf jb;
    EvalError *error;
    uint32_t saved_depth;
    uint32_t saved_frames;
    uint32_t saved_forcing;
} TryFrame;

void eval_try_enter(EvalState *st, TryFrame *f);
void eval_try_leave(EvalState *st, TryFrame *f);
#define EVAL_TRY(st, f) (eval_try_enter((st), (f)), setjmp((f)->jb) == 0)

_Noreturn void eval_throw(EvalState *st, EvalError *e);
/* Re-raises an error caught with EVAL_TRY, adding the frames live at this point. */
_Noreturn void eval_rethrow(EvalState *st, EvalError *e);
_Noreturn void eval_error(EvalState *st, ErrorKind kind, PosIdx pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "expected a set but found an integer: 1" style type errors. */
_Noreturn void eval_type_error(EvalState *st, PosIdx pos, const char *expected, Value *found,
                               const char *ctx);

/* Renders v as CppNix prints values inside error messages (abbreviated); forces
 * nothing. Implemented in eval/print.c. */
const char *eval_show_value_str(EvalState *st, Value *v);

/* Prints a warning that has a trace, as CppNix does: like eval_print_error but headed
 * "warning:" and with every line indented two more columns ("         … while evaluating
 * derivation 'x'", blank line, "         warning: MSG", "         at FILE:L:C:" and the
 * code frame; see lang/eval-okay-derivation-legacy.err.exp). Implemented in eval/error.c. */
void eval_print_warning_traced(EvalState *st, const EvalError *w, FILE *f);

/* Writes log output (errors, warnings, traces) to f. As CppNix's logger does, ANSI escape
 * sequences (which Nix code such as nixpkgs' lib puts into messages) are removed unless f
 * is a terminal and NO_COLOR is unset and TERM is not "dumb". */
void eval_write_log(FILE *f, const char *s, size_t len);

/* Trace frames for --show-trace ("… while evaluating ..."). LIFO; cheap to push. */
void eval_frame_push(EvalState *st, PosIdx pos, const char *msg);
void eval_frame_pop(EvalState *st);
/* As eval_frame_push, for frames CppNix prints even in a truncated trace (TracePrint::Always:
 * "while evaluating derivation 'x'", see lang/eval-fail-derivation-stack-trace.err.exp,
 * where without --show-trace CppNix prints the first 4 frames, then only such frames, then
 * "(stack trace truncated; ...)"). Owner: the evaluator helper; builtins/derivation.c has a
 * weak fallback that calls eval_frame_push. */
void eval_frame_push_always(EvalState *st, PosIdx pos, const char *msg);

/* Prints an error like CppNix: "error:", the trace (if show_trace), code frames, message. */
void eval_print_error(EvalState *st, const EvalError *e, FILE *out);
/* Prints "warning: msg" with the code frame of pos to stderr, like CppNix. */
void eval_print_warning(EvalState *st, const char *msg, PosIdx pos);
/* Like eval_error, with a hint line printed after the code frame ("Did you mean y?"). */
_Noreturn void eval_error_hint(EvalState *st, ErrorKind kind, PosIdx pos, const char *hint,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---------- printing values (eval/print.c) ---------- */

/* Files CppNix keeps in its corepkgs accessor (<nix/fetchurl.nix>) are paths under this prefix;
 * they are shown as CppNix shows them since 2.20: "<nix/fetchurl.nix>". */
#define EVAL_COREPKGS_PREFIX "/__corepkgs__/"
/* p, or its display form for a corepkgs path ("<nix/NAME>", a GC string). */
const char *eval_path_display(const char *p);

/* Appends v as `nix-instantiate --eval` prints it (<CODE> for thunks, «repeated»);
 * forces nothing. */
void eval_print_value(EvalState *st, Value *v, StrBuf *out);
/* Appends v as CppNix prints values inside error messages (abbreviated:
 * «lambda @ pos», «N items elided»); forces nothing. */
void eval_show_value(EvalState *st, Value *v, StrBuf *out);
/* As `nix eval` prints: forces as it goes, no abbreviation, derivations as
 * «derivation /nix/store/...drv». */
void eval_show_value_forced(EvalState *st, Value *v, StrBuf *out);
/* eval_show_value into a fresh string. */
const char *eval_show_value_str(EvalState *st, Value *v);
/* Appends s as a Nix string literal with escapes ("a\n\${"). */
void eval_print_string_literal(const char *s, size_t len, StrBuf *out);
/* Appends a float as CppNix prints it (like printf %g). */
void eval_print_float(double d, StrBuf *out);

/* ---------- settings and state ---------- */

/* One --arg NAME EXPR (is_str false: a Nix expression) or --argstr NAME S, for calling a
 * function at the top of a file (CppNix's autoCallFunction). */
typedef struct AutoArg {
    const char *name;
    const char *text;
    bool is_str;
} AutoArg;

typedef struct SearchPathEntry {
    const char *prefix; /* "" for a plain path entry, "nixpkgs" for nixpkgs=/path */
    const char *path;
} SearchPathEntry;

typedef struct EvalSettings {
    const char *store_dir;     /* builtins.storeDir: the store's logical directory, given by the host */
    const char *system;        /* currentSystem, e.g. "x86_64-linux" */
    SearchPathEntry *nix_path; /* -I entries first, then NIX_PATH */
    uint32_t nix_path_len;
    bool pure_eval;
    bool restrict_eval;
    const char **allowed_paths;
    uint32_t nallowed_paths;
    const char **allowed_uris;
    uint32_t nallowed_uris;
    bool show_trace;
    bool allow_unsafe_native; /* --allow-unsafe-native-code-during-evaluation */
    const char *plugin_files; /* --plugin-files: space-separated shared objects, or NULL (native/) */
    uint32_t max_call_depth;
    /* Depth limit of value traversals (deepSeq, toJSON, toXML, structured attrs). CppNix
     * counts these against max-call-depth, whose default 10000 the suite's stack-overflow
     * tests expect; function calls get a far larger default here, so the two are separate
     * settings, both set by an explicit --max-call-depth. */
    uint32_t max_value_depth;
    bool abort_on_warn; /* --option abort-on-warn: builtins.warn raises an error after printing */
    /* Space-separated experimental features enabled by --extra-experimental-features /
     * --experimental-features (e.g. "parse-toml-timestamps"); NULL for none. */
    const char *experimental_features;
    ParseOptions parse;
} EvalSettings;

typedef struct EvalStats {
    uint64_t thunks, values, envs, env_slots, attrsets, attr_slots, list_elems;
    uint64_t calls, primop_calls, lookups;
    /* as CppNix's nrOpUpdates, nrOpUpdateValuesCopied, list.concats, nrAvoided */
    uint64_t updates, update_copied, list_concats, avoided;
    /* the heap in use after each collection, summed over collections: about the bytes
     * the marker traversed (eval/value.c, seen at the first allocation refill after) */
    uint64_t gc_marked;
} EvalStats;

typedef struct EvalState {
    SymTab *symbols;
    PosTable *positions;
    EvalSettings settings;
    EvalStats stats;

    Env *base_env;       /* global scope: builtins, __name for every primop, plain names */
    uint32_t base_env_used;
    Value *builtins;     /* the `builtins` attribute set */

    /* well-known symbols, interned at start */
    struct {
        Symbol outPath, drvPath, type, name, value, outputs, outputName, __toString,
            __functor, __ignoreNulls, file, line, column, body, meta, system, builder, args,
            key, operator_, startSet, path, prefix, wrong, right, data, outputHash,
            outputHashAlgo, outputHashMode, recurseForDerivations, description, self;
    } s;

    /* error handling */
    TryFrame *try_top;
    uint32_t call_depth;
    TraceEntry *frames; /* the live trace stack */
    uint32_t nframes, frames_cap;
    void *forcing;      /* evaluator-private stack of thunks being forced */
    uint32_t nforcing, forcing_cap;

    /* caches: imported files (path -> Value*), parsed files (path -> Expr*) */
    void *import_cache;
    void *parse_cache;
    void *regex_cache;  /* primops/regex.c: compiled regexes by source text */
    Value **sym_strings; /* primops/primutil.c: shared string Values of symbol names, by Symbol */
    uint32_t nsym_strings;

    /* Hook set by the builtins layer: copies a path into the store (for
     * "${./file}" interpolation) and returns the store path. NULL: no store. */
    const char *(*copy_path_to_store)(EvalState *st, const char *path, PosIdx pos);
    void *store; /* opaque, owned by the builtins/store layer */

    volatile int interrupted; /* set from a signal handler; checked at calls */
    void *priv;               /* evaluator-private state (eval/internal.h) */
} EvalState;

/* Creates a bare state: symbols interned, an empty global scope, no builtin known. The
 * host binds the globals (builtins/builtins.h: bi_open_all) before parsing anything. */
EvalState *eval_state_new(const EvalSettings *settings);
/* Defaults for every setting (store_dir "/nix/store", the host's system); reads HOME. */
void eval_settings_default(EvalSettings *s);
/* Is the experimental feature enabled in s->experimental_features (e.g. "pipe-operators")? */
bool eval_feature_enabled(const EvalSettings *s, const char *feature);
/* Throws CppNix's "experimental Nix feature 'F' is disabled" error unless it is enabled. */
void eval_feature_require(EvalState *st, PosIdx pos, const char *feature);

/* `{ file; line; column; }` of pos (value.c). Positions without a source give null, and so
 * do sources other than files if files_only (unsafeGetAttrPos); __curPos names them
 * «string» or «stdin». */
void eval_pos_value(EvalState *st, PosIdx pos, bool files_only, Value *out);

/* ---------- the global scope, scopes and thunks (eval/scope.c) ---------- */

/* Makes the global scope: names[i] (distinct, nonzero) bound to values[i]. Called once, on
 * a bare state, before anything is parsed (variables are bound to slots at parse time). */
void eval_set_globals(EvalState *st, const Symbol *names, Value *const *values, uint32_t n);
/* A scope of n variables (slots NULL until filled), inside up (NULL: the global scope);
 * names are given to the binder separately (eval_parse_*_in_scope). */
Env *eval_scope_new(EvalState *st, Env *up, uint32_t n);
/* A thunk of e in scope (NULL: the global scope), evaluated when forced. */
Value *eval_thunk_new(EvalState *st, Env *scope, Expr *e);
/* Evaluates e in scope (NULL: the global scope) now. */
void eval_in_scope(EvalState *st, Env *scope, Expr *e, Value *out);
/* The shared values of true, false and null (never to be written). */
Value *val_true(EvalState *st);
Value *val_false(EvalState *st);
Value *val_null(EvalState *st);

/* ---------- evaluation ---------- */

/* Parses (and binds) a file or string in the global scope; errors are thrown. */
Expr *eval_parse_file(EvalState *st, const char *path);
Expr *eval_parse_string(EvalState *st, const char *text, size_t len, const char *basedir,
                        SourceKind kind);
/* Parses and binds text in the global scope extended by one frame of extra
 * variables (the REPL's bindings): names[i], if nonzero, is slot i of a scope
 * made by eval_scope_new(st, NULL, n); nonzero names are distinct (the caller zeroes
 * a shadowed slot's name). The result must be evaluated in such a scope
 * (eval_thunk_new or eval_in_scope). Errors (ERR_PARSE, with CppNix's
 * message, e.g. "syntax error, unexpected end of file") are thrown. */
Expr *eval_parse_string_in_scope(EvalState *st, const char *text, size_t len, const char *basedir,
                                 SourceKind kind, const Symbol *names, uint32_t n);
/* Binds a tree parsed with parse_source in the global scope (undefined variables throw). */
void eval_bind(EvalState *st, Expr *e);
/* Parses and binds a source already registered in st->positions with pos_add_source
 * (e.g. the built-in «nix-internal»/derivation-internal.nix, so that traces name it)
 * in the global scope; errors are thrown. */
Expr *eval_parse_source(EvalState *st, const Source *src);
/* Evaluates an expression in the global scope (result may be a thunk-free WHNF value). */
void eval_expr(EvalState *st, Expr *e, Value *out);
/* import: evaluates a file (directory: default.nix), cached per path. */
void eval_import(EvalState *st, const char *path, Value *out, PosIdx pos);

/* Forgets parsed and imported files so that they are read again (the REPL's
 * :l and :r after a file changed). */
void eval_reset_file_cache(EvalState *st);

/* Forces v to weak head normal form, in place. */
void eval_force(EvalState *st, Value *v, PosIdx pos);
/* Forces v and everything reachable from it (lists and attribute values). */
void eval_force_deep(EvalState *st, Value *v, PosIdx pos);

/* Force to a type or throw a type error with ctx as a trace frame
 * (ctx like "while evaluating the first argument passed to builtins.map"; may be NULL). */
int64_t eval_force_int(EvalState *st, Value *v, PosIdx pos, const char *ctx);
double eval_force_float(EvalState *st, Value *v, PosIdx pos, const char *ctx); /* ints promoted */
bool eval_force_bool(EvalState *st, Value *v, PosIdx pos, const char *ctx);
/* The set as a flat array (see Bindings in value.h); v keeps the flat set. */
Bindings *eval_force_attrs(EvalState *st, Value *v, PosIdx pos, const char *ctx);
/* As eval_force_attrs, but a layered set stays layered: for callers that only look
 * names up (attrs_find, attrs_count), so that `(s // { x = 1; }) ? y` copies nothing. */
Bindings *eval_force_attrs_lookup(EvalState *st, Value *v, PosIdx pos, const char *ctx);
void eval_force_list(EvalState *st, Value *v, PosIdx pos, const char *ctx);
void eval_force_function(EvalState *st, Value *v, PosIdx pos, const char *ctx);
/* A string value (not a path); returns its chars; context stays in v->str.ctx. */
const char *eval_force_string(EvalState *st, Value *v, PosIdx pos, const char *ctx);
/* As above but throws if the string has context. */
const char *eval_force_string_no_ctx(EvalState *st, Value *v, PosIdx pos, const char *ctx);

typedef enum CoerceFlags {
    COERCE_MORE = 1,          /* toString rules: null, bools, ints, floats, lists too */
    COERCE_COPY_TO_STORE = 2, /* paths are copied to the store (interpolation) */
    COERCE_NO_FUNCTOR = 4,
} CoerceFlags;

/* Coerces to a string as "${v}" / toString do; appends context to *ctx if ctx != NULL. */
const char *eval_coerce_to_string(EvalState *st, Value *v, PosIdx pos, const char *errctx,
                                  int flags, const StrContext **ctx, size_t *len);
/* Coerces to an absolute path (paths, or strings starting with '/'). */
const char *eval_coerce_to_path(EvalState *st, Value *v, PosIdx pos, const char *errctx);

/* Calls fn with nargs arguments (fn may be a lambda, primop, partial app or functor set). */
void eval_call(EvalState *st, Value *fn, uint32_t nargs, Value **args, Value *out, PosIdx pos);

/* Deep equality as `==`. */
bool eval_equal(EvalState *st, Value *a, Value *b, PosIdx pos, const char *ctx);
/* Ordering as `<` (numbers, strings, paths, lists): <0, 0, >0; throws on incomparable. */
int eval_compare(EvalState *st, Value *a, Value *b, PosIdx pos, const char *ctx);
/* Binary arithmetic as the operators do it (int overflow, division by zero are errors). */
void eval_arith(EvalState *st, BinOp op, Value *a, Value *b, Value *out, PosIdx pos);

bool eval_is_derivation(EvalState *st, Value *v);
/* Canonical form of an absolute path: no ".", "..", repeated or trailing slashes (GC string). */
const char *eval_canon_path(const char *path);
const char *eval_type_name(const Value *v); /* "an integer", "a set", ... as CppNix's showType */
const char *eval_type_of(const Value *v);   /* "int", "set", ... as builtins.typeOf */

/* Runs fn(arg) on a thread with a very large stack (registered with the GC),
 * so deep but bounded recursion does not overflow the C stack. Returns when fn does. */
void eval_run_with_big_stack(void (*fn)(void *), void *arg);

/* Appends NIX_PATH-syntax entries ("a:p=/b") to s->nix_path. */
void eval_settings_add_nix_path(EvalSettings *s, const char *spec);
/* Parses a file with extra variables over the global scope (scopedImport):
 * names[i] is bound to slot i of a scope made by eval_scope_new(st, NULL, n). */
Expr *eval_parse_file_in_scope(EvalState *st, const char *path, const Symbol *names, uint32_t n);
/* import's path resolution: a directory means its default.nix; throws if missing. */
const char *eval_resolve_import_path(EvalState *st, const char *path, PosIdx pos);
/* "Did you mean ...?" for name among cands, or NULL. */
const char *eval_suggest(EvalState *st, const char *name, const Symbol *cands, uint32_t n);

/* Looks up a path in the search path like CppNix's findFile (<nixpkgs/lib>). */
const char *eval_find_file(EvalState *st, Value *search_path, const char *name, PosIdx pos);

#endif
