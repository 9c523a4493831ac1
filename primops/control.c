/* Primop family prim_control: errors, tracing and evaluation-order control. */
#include "primops/primops.h"


#include <gc/gc.h>
#include <stdio.h>
#include <string.h>

static void prim_throw(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_coerce_to_string(st, args[0], pos,
                                          "while evaluating the error message passed to builtin.throw",
                                          0, NULL, NULL);
    /* like CppNix, the message has no position of its own: the frame of the call shows it */
    eval_error(st, ERR_THROWN, 0, "%s", s);
}

static void prim_abort(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_coerce_to_string(st, args[0], pos,
                                          "while evaluating the error message passed to builtins.abort",
                                          0, NULL, NULL);
    eval_error(st, ERR_ABORT, 0, "evaluation aborted with the following error message: '%s'", s);
}

static void prim_try_eval(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = attrs_alloc(st, 2);
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        eval_force(st, args[0], pos);
        eval_try_leave(st, &f);
        attrs_push(b, st->s.value, 0, args[0]);
        attrs_push(b, sym_intern_cstr(st->symbols, "success"), 0, val_true(st));
    } else {
        if (f.error->kind != ERR_THROWN && f.error->kind != ERR_ASSERTION)
            eval_rethrow(st, f.error);
        attrs_push(b, st->s.value, 0, val_false(st));
        attrs_push(b, sym_intern_cstr(st->symbols, "success"), 0, val_false(st));
    }
    attrs_sort(b);
    val_set_attrs(out, b);
}

static void prim_seq(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], pos);
    eval_force(st, args[1], pos);
    *out = *args[1];
}

static void prim_deep_seq(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_deep(st, args[0], pos);
    eval_force(st, args[1], pos);
    *out = *args[1];
}

static void print_trace(EvalState *st, const char *prefix, Value *v)
{
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, prefix);
    if (v->type == T_STRING)
        sb_add(&sb, val_str(v), v->len);
    else
        eval_show_value(st, v, &sb);
    sb_putc(&sb, '\n');
    fflush(stdout);
    eval_write_log(stderr, sb.data, sb.len);
}

static void prim_trace(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], pos);
    print_trace(st, "trace: ", args[0]);
    eval_force(st, args[1], pos);
    *out = *args[1];
}

static void prim_trace_verbose(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[1], pos);
    *out = *args[1];
}

static void prim_warn(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string(st, args[0], pos, "while evaluating the first argument; the message passed to builtins.warn");
    StrBuf sb;
    sb_init(&sb);
    /* continuation lines are indented like CppNix's logger does, unless the
     * message itself starts on a new line */
    if (args[0]->len && val_str(args[0])[0] == '\n') {
        sb_puts(&sb, "evaluation warning:");
        sb_add(&sb, val_str(args[0]), args[0]->len);
    } else {
        sb_puts(&sb, "evaluation warning: ");
        for (uint32_t i = 0; i < args[0]->len; i++) {
            sb_putc(&sb, val_str(args[0])[i]);
            if (val_str(args[0])[i] == '\n')
                sb_puts(&sb, "                    ");
        }
    }
    sb_putc(&sb, '\n');
    fflush(stdout);
    eval_write_log(stderr, sb.data, sb.len);
    /* ERR_EVAL: like CppNix's EvalBaseError, tryEval does not catch it */
    if (st->settings.abort_on_warn)
        eval_error(st, ERR_EVAL, pos, "aborting to reveal stack trace of warning, as abort-on-warn is set");
    eval_force(st, args[1], pos);
    *out = *args[1];
}

static void prim_add_error_context(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        eval_force(st, args[1], pos);
        eval_try_leave(st, &f);
        *out = *args[1];
        return;
    }
    EvalError *e = f.error;
    const char *msg = eval_coerce_to_string(st, args[0], pos,
                                            "while evaluating the error context string", 0, NULL, NULL);
    TraceEntry *t = GC_MALLOC((e->ntrace + 1) * sizeof(TraceEntry));
    t[0] = (TraceEntry){0, msg, TRACE_ALWAYS};
    if (e->ntrace)
        memcpy(t + 1, e->trace, e->ntrace * sizeof(TraceEntry));
    e->trace = t;
    e->ntrace++;
    eval_rethrow(st, e);
}

static void prim_break(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], pos);
    *out = *args[0];
}

const PrimOp prim_control[] = {
    {"throw", 1, PRIM_GLOBAL, "s",
     "Throw an error with message *s*. `tryEval` catches it, unlike `abort`.\n\n"
     "Example: `throw \"unsupported platform\"`.",
     prim_throw},
    {"abort", 1, PRIM_GLOBAL, "s",
     "Abort evaluation with message *s*; not catchable by `tryEval`.\n\n"
     "Example: `abort \"cannot happen\"` fails with \"evaluation aborted with the following "
     "error message: 'cannot happen'\".",
     prim_abort},
    {"tryEval", 1, 0, "e",
     "Evaluate *e* to weak head normal form and return `{ success = true; value = e; }`, or "
     "`{ success = false; value = false; }` if it throws (`throw`, failed `assert`). Other "
     "errors (e.g. `abort`, type errors) propagate.\n\n"
     "Example: `(builtins.tryEval (throw \"x\")).success` is `false`.",
     prim_try_eval},
    {"seq", 2, 0, "e1 e2",
     "Evaluate *e1* to weak head normal form, then return *e2*.\n\n"
     "Example: `builtins.seq (throw \"x\") 1` fails; `builtins.seq [ (throw \"x\") ] 1` is 1.",
     prim_seq},
    {"deepSeq", 2, 0, "e1 e2",
     "Like `seq`, but evaluate *e1* completely (all list elements and attribute values, "
     "recursively) first.\n\nExample: `builtins.deepSeq [ (throw \"x\") ] 1` fails.",
     prim_deep_seq},
    {"trace", 2, 0, "e1 e2",
     "Print *e1* on standard error as `trace: e1` (strings unquoted), then return *e2*.\n\n"
     "Example: `builtins.trace \"hello\" 1` prints `trace: hello` and returns 1.",
     prim_trace},
    {"traceVerbose", 2, 0, "e1 e2",
     "Like `trace` when `--trace-verbose` is on; otherwise just return *e2*.",
     prim_trace_verbose},
    {"warn", 2, 0, "msg e",
     "Print `evaluation warning: msg` on standard error and return *e*. *msg* must be a "
     "string.\n\nExample: `builtins.warn \"deprecated\" 1` is 1.",
     prim_warn},
    {"addErrorContext", 2, PRIM_NO_TRACE, "ctx e",
     "Return *e*; if evaluating it fails, the string *ctx* is added to the error's trace.\n\n"
     "Example: `builtins.addErrorContext \"while building foo\" (throw \"x\")`.",
     prim_add_error_context},
    {"break", 1, PRIM_GLOBAL, "v",
     "In the debugger, pause evaluation here; otherwise the identity function.\n\n"
     "Example: `builtins.break 1` is 1.",
     prim_break},
    {0},
};
