/* Printing values the way `nix repl` does: depth-limited, pretty, coloured on a terminal. */
#include <gc/gc.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "repl/internal.h"

#define ANSI_NORMAL "\033[0m"
#define ANSI_FAINT "\033[2m"
#define ANSI_RED "\033[31;1m"
#define ANSI_GREEN "\033[32;1m"
#define ANSI_BLUE "\033[34;1m"
#define ANSI_MAGENTA "\033[35;1m"
#define ANSI_CYAN "\033[36;1m"

/* Identity set of the sets and lists printed so far: printing one twice
 * shows «repeated» (which also stops cycles). Open addressing on pointers. */
typedef struct Seen {
    const void **slots;
    size_t cap, n;
} Seen;

typedef struct Printer {
    Repl *r;
    EvalState *st;
    StrBuf *out;
    FILE *stream; /* if set, out is written to it as it fills: deep values stream */
    uint32_t max_depth;
    bool colour;
    uint32_t indent;
    Seen seen;
} Printer;

/* Returns false if p was already present. */
static bool seen_insert(Seen *s, const void *p)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        /* Atomic: the printed values are reachable from the root being printed. */
        const void **slots = GC_MALLOC_ATOMIC(cap * sizeof *slots);
        memset(slots, 0, cap * sizeof *slots);
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i])
                continue;
            size_t h = ((uintptr_t)s->slots[i] >> 4) & (cap - 1);
            while (slots[h])
                h = (h + 1) & (cap - 1);
            slots[h] = s->slots[i];
        }
        s->slots = slots;
        s->cap = cap;
    }
    size_t h = ((uintptr_t)p >> 4) & (s->cap - 1);
    while (s->slots[h]) {
        if (s->slots[h] == p)
            return false;
        h = (h + 1) & (s->cap - 1);
    }
    s->slots[h] = p;
    s->n++;
    return true;
}

static void colour_on(Printer *p, const char *c)
{
    if (p->colour)
        sb_puts(p->out, c);
}

static void colour_off(Printer *p)
{
    if (p->colour)
        sb_puts(p->out, ANSI_NORMAL);
}

static bool is_keyword(const char *s, size_t len)
{
    static const char *const kw[] = {"if", "then", "else", "assert", "with",
                                     "let", "in", "rec", "inherit", NULL};
    for (const char *const *k = kw; *k; k++)
        if (strlen(*k) == len && memcmp(*k, s, len) == 0)
            return true;
    return false;
}

bool repl_is_var_name(const char *s, size_t len)
{
    if (len == 0 || is_keyword(s, len))
        return false;
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '\'')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '\''))
            return false;
    }
    return true;
}

void repl_print_pos(Repl *r, StrBuf *out, PosIdx pos)
{
    Pos p = pos_get(r->st->positions, pos);
    if (!p.src) {
        sb_puts(out, "«none»");
        return;
    }
    switch (p.src->kind) {
    case SRC_FILE: sb_puts(out, p.src->path ? p.src->path : "«unknown»"); break;
    case SRC_STRING: sb_puts(out, "«string»"); break;
    case SRC_STDIN: sb_puts(out, "«stdin»"); break;
    default: sb_puts(out, "«none»"); break;
    }
    sb_printf(out, ":%" PRIu32 ":%" PRIu32, p.line, p.col);
}

/* Forces v; on an error other than an interrupt returns it (v is left as is). */
static EvalError *try_force(EvalState *st, Value *v)
{
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        eval_force(st, v, 0);
        eval_try_leave(st, &f);
        return NULL;
    }
    if (f.error->kind == ERR_INTERRUPTED)
        eval_throw(st, f.error);
    return f.error;
}

static void print_value(Printer *p, Value *v, uint32_t depth);

static void newline_or_space(Printer *p, bool pretty)
{
    if (!pretty) {
        sb_putc(p->out, ' ');
        return;
    }
    sb_putc(p->out, '\n');
    for (uint32_t i = 0; i < p->indent; i++)
        sb_putc(p->out, ' ');
}

/* A single-element set or list is written on one line unless its element is
 * itself a set, a list or (still) a thunk, as nix repl does. Forces the
 * element; like nix repl, an error there is an error of the whole container. */
static bool should_pretty(uint32_t n, Value *only, EvalState *st, EvalError **err)
{
    *err = NULL;
    if (n == 0)
        return false;
    if (n > 1)
        return true;
    *err = try_force(st, only);
    return only->type == T_LIST || only->type == T_ATTRS || val_is_thunk(only);
}

static void print_error(Printer *p, EvalError *e)
{
    colour_on(p, ANSI_RED);
    sb_puts(p->out, "«error: ");
    /* Strip escape codes the message may carry. */
    for (const char *s = e->msg ? e->msg : ""; *s; s++) {
        if (*s == '\033') {
            while (s[1] && !((s[1] >= 'A' && s[1] <= 'Z') || (s[1] >= 'a' && s[1] <= 'z')))
                s++;
            if (s[1])
                s++;
            continue;
        }
        sb_putc(p->out, *s);
    }
    sb_puts(p->out, "»");
    colour_off(p);
}

static void print_derivation(Printer *p, Value *v)
{
    const char *drv = NULL;
    Attr *a = attrs_find(v->attrs, p->st->s.drvPath);
    if (a) {
        EvalError *e = try_force(p->st, a->value);
        if (e) {
            print_error(p, e);
            return;
        }
        if (a->value->type == T_STRING)
            drv = val_str(a->value);
        else if (a->value->type == T_PATH)
            drv = a->value->path.path;
    }
    colour_on(p, ANSI_GREEN);
    sb_puts(p->out, "«derivation");
    if (drv)
        sb_printf(p->out, " %s", drv);
    sb_puts(p->out, "»");
    colour_off(p);
}

static void print_attrs(Printer *p, Value *v, uint32_t depth)
{
    Bindings *b = val_attrs(v);
    if (!seen_insert(&p->seen, b)) {
        colour_on(p, ANSI_MAGENTA);
        sb_puts(p->out, "«repeated»");
        colour_off(p);
        return;
    }
    TryFrame f;
    bool is_drv = false;
    if (EVAL_TRY(p->st, &f)) {
        is_drv = eval_is_derivation(p->st, v);
        eval_try_leave(p->st, &f);
    } else if (f.error->kind == ERR_INTERRUPTED) {
        eval_throw(p->st, f.error);
    }
    if (is_drv) {
        print_derivation(p, v);
        return;
    }
    if (depth >= p->max_depth) {
        sb_puts(p->out, "{ ... }");
        return;
    }
    uint32_t *order = attrs_sorted_by_name(p->st, b);
    EvalError *err;
    bool pretty = should_pretty(b->size, b->size ? b->attrs[order[0]].value : NULL, p->st, &err);
    if (err) {
        if (depth == 0)
            eval_throw(p->st, err);
        print_error(p, err);
        return;
    }
    p->indent += 2;
    sb_putc(p->out, '{');
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *a = &b->attrs[order[i]];
        newline_or_space(p, pretty);
        const char *name = sym_name(p->st->symbols, a->name);
        size_t len = sym_len(p->st->symbols, a->name);
        if (repl_is_var_name(name, len))
            sb_add(p->out, name, len);
        else
            eval_print_string_literal(name, len, p->out);
        sb_puts(p->out, " = ");
        print_value(p, a->value, depth + 1);
        sb_putc(p->out, ';');
    }
    p->indent -= 2;
    newline_or_space(p, pretty);
    sb_putc(p->out, '}');
}

static void print_list(Printer *p, Value *v, uint32_t depth)
{
    /* Lists are told apart by their Value, as nix repl does. */
    if (v->len && !seen_insert(&p->seen, v)) {
        colour_on(p, ANSI_MAGENTA);
        sb_puts(p->out, "«repeated»");
        colour_off(p);
        return;
    }
    if (depth >= p->max_depth) {
        sb_puts(p->out, "[ ... ]");
        return;
    }
    EvalError *err;
    bool pretty = should_pretty(v->len, v->len ? val_list(v)[0] : NULL, p->st, &err);
    if (err) {
        if (depth == 0)
            eval_throw(p->st, err);
        print_error(p, err);
        return;
    }
    p->indent += 2;
    sb_putc(p->out, '[');
    for (uint32_t i = 0; i < v->len; i++) {
        newline_or_space(p, pretty);
        print_value(p, val_list(v)[i], depth + 1);
    }
    p->indent -= 2;
    newline_or_space(p, pretty);
    sb_putc(p->out, ']');
}

static const PrimOp *primop_of_app(Value *v)
{
    while (v && v->type == T_PRIMOP_APP)
        v = v->primop_app.left;
    return v && v->type == T_PRIMOP ? v->primop : NULL;
}

static void print_function(Printer *p, Value *v)
{
    colour_on(p, ANSI_BLUE);
    sb_puts(p->out, "«");
    if (v->type == T_LAMBDA) {
        sb_puts(p->out, "lambda");
        ExprLambda *fun = v->lambda.fun;
        if (fun) {
            if (fun->name)
                sb_printf(p->out, " %s", sym_name(p->st->symbols, fun->name));
            sb_puts(p->out, " @ ");
            repl_print_pos(p->r, p->out, fun->base.pos);
        }
    } else {
        const PrimOp *op = v->type == T_PRIMOP ? v->primop : primop_of_app(v);
        if (v->type == T_PRIMOP_APP)
            sb_puts(p->out, "partially applied ");
        sb_printf(p->out, "primop %s", op && op->name ? op->name : "");
    }
    sb_puts(p->out, "»");
    colour_off(p);
}

static void print_scalar(Printer *p, Value *v)
{
    switch (v->type) {
    case T_NULL:
    case T_BOOL:
    case T_INT:
    case T_FLOAT:
        colour_on(p, ANSI_CYAN);
        if (v->type == T_NULL)
            sb_puts(p->out, "null");
        else if (v->type == T_BOOL)
            sb_puts(p->out, v->boolean ? "true" : "false");
        else if (v->type == T_INT)
            sb_printf(p->out, "%" PRId64, v->integer);
        else
            eval_print_float(v->fpoint, p->out);
        colour_off(p);
        break;
    case T_STRING:
        colour_on(p, ANSI_MAGENTA);
        eval_print_string_literal(val_str(v), v->len, p->out);
        colour_off(p);
        break;
    case T_PATH:
        colour_on(p, ANSI_GREEN);
        sb_puts(p->out, eval_path_display(v->path.path));
        colour_off(p);
        break;
    case T_EXTERNAL:
        sb_printf(p->out, "<%s>", v->external.type_name ? v->external.type_name : "external");
        break;
    case T_BLACKHOLE:
        colour_on(p, ANSI_RED);
        sb_puts(p->out, "«potential infinite recursion»");
        colour_off(p);
        break;
    case T_THUNK:
    case T_APP:
        colour_on(p, ANSI_MAGENTA);
        sb_puts(p->out, "«thunk»");
        colour_off(p);
        break;
    default:
        colour_on(p, ANSI_RED);
        sb_puts(p->out, "«unknown»");
        colour_off(p);
        break;
    }
}

static void print_value(Printer *p, Value *v, uint32_t depth)
{
    if (p->st->interrupted)
        eval_error(p->st, ERR_INTERRUPTED, 0, "interrupted by the user");
    if (p->st->settings.max_call_depth && depth > p->st->settings.max_call_depth)
        eval_error(p->st, ERR_STACK_OVERFLOW, 0, "stack overflow; max-call-depth exceeded");
    if (p->stream && p->out->len >= 65536) {
        fwrite(p->out->data, 1, p->out->len, p->stream);
        p->out->len = 0;
        p->out->data[0] = 0;
    }
    if (depth == 0) {
        eval_force(p->st, v, 0); /* errors at the top are the caller's */
    } else {
        EvalError *e = try_force(p->st, v);
        if (e) {
            print_error(p, e);
            return;
        }
    }
    switch (v->type) {
    case T_ATTRS: print_attrs(p, v, depth); break;
    case T_LIST: print_list(p, v, depth); break;
    case T_LAMBDA:
    case T_PRIMOP:
    case T_PRIMOP_APP: print_function(p, v); break;
    default: print_scalar(p, v); break;
    }
}

void repl_print_value(Repl *r, StrBuf *out, Value *v, uint32_t max_depth, FILE *stream)
{
    Printer p = {.r = r, .st = r->st, .out = out, .stream = stream, .max_depth = max_depth,
                 .colour = r->colour};
    print_value(&p, v, 0);
}
