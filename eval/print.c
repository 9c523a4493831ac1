/* Printing values: nix-instantiate's output format and the abbreviated form used in errors. */
#include "eval/internal.h"

#include <gc/gc.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

bool ptrset_insert(PtrSet *s, const void *p)
{
    if (s->n * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        const void **n = GC_MALLOC_ATOMIC(cap * sizeof(void *));
        memset(n, 0, cap * sizeof(void *));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i]) {
                size_t h = (size_t)(((uint64_t)(uintptr_t)s->slots[i] * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
                while (n[h])
                    h = (h + 1) & (cap - 1);
                n[h] = s->slots[i];
            }
        s->slots = n;
        s->cap = cap;
    }
    size_t h = (size_t)(((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull) >> 32) & (s->cap - 1);
    while (s->slots[h]) {
        if (s->slots[h] == p)
            return false;
        h = (h + 1) & (s->cap - 1);
    }
    s->slots[h] = p;
    s->n++;
    return true;
}

void eval_print_string_literal(const char *s, size_t len, StrBuf *out)
{
    sb_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        switch (c) {
        case '"': sb_puts(out, "\\\""); break;
        case '\\': sb_puts(out, "\\\\"); break;
        case '\n': sb_puts(out, "\\n"); break;
        case '\r': sb_puts(out, "\\r"); break;
        case '\t': sb_puts(out, "\\t"); break;
        case '$':
            if (i + 1 < len && s[i + 1] == '{')
                sb_puts(out, "\\$");
            else
                sb_putc(out, '$');
            break;
        default: sb_putc(out, c);
        }
    }
    sb_putc(out, '"');
}

void eval_print_float(double d, StrBuf *out)
{
    if (isinf(d)) {
        sb_puts(out, d < 0 ? "-inf" : "inf");
        return;
    }
    if (isnan(d)) {
        sb_puts(out, signbit(d) ? "-nan" : "nan");
        return;
    }
    sb_printf(out, "%g", d);
}

static bool is_keyword(const char *s)
{
    static const char *const kw[] = {"if", "then", "else", "assert", "with", "let", "in",
                                     "rec", "inherit", NULL};
    for (int i = 0; kw[i]; i++)
        if (strcmp(s, kw[i]) == 0)
            return true;
    return false;
}

static void print_attr_name(const char *s, size_t len, StrBuf *out)
{
    bool ok = len > 0 && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_');
    for (size_t i = 1; ok && i < len; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '\'' || c == '-';
    }
    if (ok && !is_keyword(s))
        sb_add(out, s, len);
    else
        eval_print_string_literal(s, len, out);
}

/* What makes two values "the same" for «repeated», as CppNix's printers: a list is the same
 * only as the same Value object (a copy, such as `x ++ [ ]` or a filter keeping everything,
 * is another list), an attribute set is its bindings (`s // { }` is s again). */
static const void *list_identity(const Value *v) { return v; }

/* In error messages CppNix marks empty sets as well: every `{ }` is its one shared empty
 * Bindings. */
static const char shared_empty_bindings;

const char *eval_path_display(const char *p)
{
    size_t n = strlen(EVAL_COREPKGS_PREFIX);
    if (strncmp(p, EVAL_COREPKGS_PREFIX, n) != 0)
        return p;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "<nix/%s>", p + n);
    return sb.data;
}

/* ---------- nix-instantiate format ---------- */

static void print_amb(EvalState *st, Value *v, StrBuf *out, PtrSet *seen)
{
    switch ((ValueType)v->type) {
    case T_INT: sb_put_int(out, v->integer); break;
    case T_FLOAT: eval_print_float(v->fpoint, out); break;
    case T_BOOL: sb_puts(out, v->boolean ? "true" : "false"); break;
    case T_NULL: sb_puts(out, "null"); break;
    case T_STRING: eval_print_string_literal(val_str(v), v->len, out); break;
    case T_PATH: sb_puts(out, eval_path_display(v->path.path)); break;
    case T_ATTRS: {
        Bindings *b = val_attrs(v);
        if (b->size && !ptrset_insert(seen, b)) {
            sb_puts(out, "«repeated»");
            break;
        }
        sb_puts(out, "{ ");
        uint32_t *ord = attrs_sorted_by_name(st, b);
        for (uint32_t i = 0; i < b->size; i++) {
            Attr *a = &b->attrs[ord[i]];
            print_attr_name(sym_name(st->symbols, a->name), sym_len(st->symbols, a->name), out);
            sb_puts(out, " = ");
            print_amb(st, a->value, out, seen);
            sb_puts(out, "; ");
        }
        sb_putc(out, '}');
        break;
    }
    case T_LIST:
        if (v->len && !ptrset_insert(seen, list_identity(v))) {
            sb_puts(out, "«repeated»");
            break;
        }
        sb_puts(out, "[ ");
        for (uint32_t i = 0; i < v->len; i++) {
            print_amb(st, val_list(v)[i], out, seen);
            sb_putc(out, ' ');
        }
        sb_putc(out, ']');
        break;
    case T_THUNK:
    case T_FAILED:
    case T_APP: sb_puts(out, "<CODE>"); break;
    case T_BLACKHOLE: sb_puts(out, "«potential infinite recursion»"); break;
    case T_LAMBDA: sb_puts(out, "<LAMBDA>"); break;
    case T_PRIMOP: sb_puts(out, "<PRIMOP>"); break;
    case T_PRIMOP_APP: sb_puts(out, "<PRIMOP-APP>"); break;
    case T_EXTERNAL: sb_printf(out, "<%s>", v->external.type_name ? v->external.type_name : "EXTERNAL"); break;
    }
}

void eval_print_value(EvalState *st, Value *v, StrBuf *out)
{
    PtrSet seen = {0};
    print_amb(st, v, out, &seen);
}

/* ---------- error-message format ---------- */

typedef struct ShowCtx {
    EvalState *st;
    PtrSet seen;
    uint32_t attrs_printed, items_printed;
    uint32_t max_depth, max_attrs, max_items, max_string;
    bool force; /* `nix eval`: force values as they are printed */
} ShowCtx;

static void show_pos_short(EvalState *st, PosIdx pos, StrBuf *out)
{
    Pos p = pos_get(st->positions, pos);
    if (!p.src) {
        sb_puts(out, "«none»");
        return;
    }
    if (p.src->kind == SRC_FILE)
        sb_puts(out, p.src->path);
    else
        sb_puts(out, p.src->kind == SRC_STDIN ? "«stdin»" : p.src->kind == SRC_NONE ? "«none»" : "«string»");
    sb_printf(out, ":%u:%u", p.line, p.col);
}

static void show(ShowCtx *c, Value *v, StrBuf *out, uint32_t depth)
{
    EvalState *st = c->st;
    if (c->force)
        eval_force(st, v, 0);
    switch ((ValueType)v->type) {
    case T_STRING:
        if (v->len > c->max_string) {
            eval_print_string_literal(val_str(v), c->max_string, out);
            sb_printf(out, "«%u bytes elided»", v->len - c->max_string);
        } else
            eval_print_string_literal(val_str(v), v->len, out);
        return;
    case T_ATTRS: {
        Bindings *b = val_attrs(v);
        if (!ptrset_insert(&c->seen, b->size ? (const void *)b : &shared_empty_bindings)) {
            sb_puts(out, "«repeated»");
            return;
        }
        if (b->size == 0) {
            sb_puts(out, "{ }");
            return;
        }
        Attr *type = attrs_find(b, st->s.type);
        if (type && type->value->type == T_STRING && strcmp(val_str(type->value), "derivation") == 0) {
            Attr *dp = attrs_find(b, st->s.drvPath);
            if (dp && c->force)
                eval_force(st, dp->value, 0);
            sb_puts(out, "«derivation");
            if (dp && dp->value->type == T_STRING) {
                sb_putc(out, ' ');
                sb_puts(out, val_str(dp->value));
            } else if (dp)
                sb_puts(out, " «thunk»");
            sb_puts(out, "»");
            return;
        }
        if (depth >= c->max_depth) {
            sb_puts(out, "{ ... }");
            return;
        }
        sb_puts(out, "{ ");
        uint32_t *ord = attrs_sorted_by_name(st, b);
        for (uint32_t i = 0; i < b->size; i++) {
            if (c->attrs_printed >= c->max_attrs) {
                uint32_t left = b->size - i;
                sb_printf(out, "«%u attribute%s elided» ", left, left == 1 ? "" : "s");
                break;
            }
            Attr *a = &b->attrs[ord[i]];
            print_attr_name(sym_name(st->symbols, a->name), sym_len(st->symbols, a->name), out);
            sb_puts(out, " = ");
            show(c, a->value, out, depth + 1);
            sb_puts(out, "; ");
            c->attrs_printed++;
        }
        sb_putc(out, '}');
        return;
    }
    case T_LIST:
        if (v->len && !ptrset_insert(&c->seen, list_identity(v))) {
            sb_puts(out, "«repeated»");
            return;
        }
        if (v->len == 0) {
            sb_puts(out, "[ ]");
            return;
        }
        if (depth >= c->max_depth) {
            sb_puts(out, "[ ... ]");
            return;
        }
        sb_puts(out, "[ ");
        for (uint32_t i = 0; i < v->len; i++) {
            if (c->items_printed >= c->max_items) {
                uint32_t left = v->len - i;
                sb_printf(out, "«%u item%s elided» ", left, left == 1 ? "" : "s");
                break;
            }
            show(c, val_list(v)[i], out, depth + 1);
            sb_putc(out, ' ');
            c->items_printed++;
        }
        sb_putc(out, ']');
        return;
    case T_THUNK:
    case T_FAILED:
    case T_APP: sb_puts(out, "«thunk»"); return;
    case T_BLACKHOLE: sb_puts(out, "«potential infinite recursion»"); return;
    case T_LAMBDA: {
        ExprLambda *l = v->lambda.fun;
        sb_puts(out, "«lambda ");
        if (l->name)
            sb_printf(out, "%s ", sym_name(st->symbols, l->name));
        sb_puts(out, "@ ");
        show_pos_short(st, l->base.pos, out);
        sb_puts(out, "»");
        return;
    }
    case T_PRIMOP: sb_printf(out, "«primop %s»", v->primop->name); return;
    case T_PRIMOP_APP: {
        Value *w = v;
        while (w->type == T_PRIMOP_APP)
            w = w->primop_app.left;
        sb_printf(out, "«partially applied primop %s»", w->primop->name);
        return;
    }
    default: {
        PtrSet dummy = {0};
        print_amb(st, v, out, &dummy);
    }
    }
}

void eval_show_value(EvalState *st, Value *v, StrBuf *out)
{
    ShowCtx c = {st, {0}, 0, 0, 10, 10, 10, 1024, false};
    show(&c, v, out, 0);
}

void eval_show_value_forced(EvalState *st, Value *v, StrBuf *out)
{
    ShowCtx c = {st, {0}, 0, 0, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, true};
    show(&c, v, out, 0);
}

const char *eval_show_value_str(EvalState *st, Value *v)
{
    StrBuf sb;
    sb_init(&sb);
    eval_show_value(st, v, &sb);
    return sb.data;
}
