/* Operators and conversions: arithmetic, comparison, equality, coercion, typed forcing. */
#include "eval/internal.h"

#include <gc/gc.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

const char *eval_type_name(const Value *v)
{
    switch ((ValueType)v->type) {
    case T_INT: return "an integer";
    case T_FLOAT: return "a float";
    case T_BOOL: return "a Boolean";
    case T_STRING: return "a string";
    case T_PATH: return "a path";
    case T_NULL: return "null";
    case T_ATTRS: return "a set";
    case T_LIST: return "a list";
    case T_LAMBDA: return "a function";
    case T_PRIMOP: {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "the built-in function '%s'", v->primop->name);
        return sb.data;
    }
    case T_PRIMOP_APP: {
        const Value *w = v;
        while (w->type == T_PRIMOP_APP)
            w = w->primop_app.left;
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "the partially applied built-in function '%s'", w->primop->name);
        return sb.data;
    }
    case T_EXTERNAL: return "an external value";
    case T_THUNK:
    case T_FAILED: return "a thunk";
    case T_APP: return "a function application";
    case T_BLACKHOLE: return "a black hole";
    }
    return "an unknown value";
}

const char *eval_type_of(const Value *v)
{
    switch ((ValueType)v->type) {
    case T_INT: return "int";
    case T_FLOAT: return "float";
    case T_BOOL: return "bool";
    case T_STRING: return "string";
    case T_PATH: return "path";
    case T_NULL: return "null";
    case T_ATTRS: return "set";
    case T_LIST: return "list";
    case T_LAMBDA:
    case T_PRIMOP:
    case T_PRIMOP_APP: return "lambda";
    case T_EXTERNAL: return v->external.type_name ? v->external.type_name : "external";
    default: return "thunk";
    }
}

/* ---------- typed forcing ---------- */

static _Noreturn void type_err(EvalState *st, PosIdx pos, const char *expected, Value *v,
                               const char *ctx)
{
    eval_type_error(st, pos, expected, v, ctx);
}

/* CppNix's forceAttrs and forceList put the position on the context frame only; the error
 * itself has none (forceInt, forceString, ... give both). */
static _Noreturn void type_err_framed(EvalState *st, PosIdx pos, const char *expected, Value *v,
                                      const char *ctx)
{
    if (!ctx)
        eval_type_error(st, pos, expected, v, NULL);
    eval_frame_push(st, pos, ctx);
    eval_type_error(st, 0, expected, v, NULL);
}

int64_t eval_force_int(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type != T_INT)
        type_err(st, pos, "an integer", v, ctx);
    return v->integer;
}

double eval_force_float(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type == T_INT)
        return (double)v->integer;
    if (v->type != T_FLOAT)
        type_err(st, pos, "a float", v, ctx);
    return v->fpoint;
}

bool eval_force_bool(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type != T_BOOL)
        type_err(st, pos, "a Boolean", v, ctx);
    return v->boolean;
}

Bindings *eval_force_attrs(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type != T_ATTRS)
        type_err_framed(st, pos, "a set", v, ctx);
    return val_attrs(v);
}

Bindings *eval_force_attrs_lookup(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type != T_ATTRS)
        type_err_framed(st, pos, "a set", v, ctx);
    return v->attrs;
}

void eval_force_list(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type != T_LIST)
        type_err_framed(st, pos, "a list", v, ctx);
}

void eval_force_function(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type == T_LAMBDA || v->type == T_PRIMOP || v->type == T_PRIMOP_APP)
        return;
    if (v->type == T_ATTRS && attrs_find(v->attrs, st->s.__functor))
        return;
    type_err(st, pos, "a function", v, ctx);
}

const char *eval_force_string(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    eval_force(st, v, pos);
    if (v->type != T_STRING)
        type_err(st, pos, "a string", v, ctx);
    return val_str(v);
}

const char *eval_force_string_no_ctx(EvalState *st, Value *v, PosIdx pos, const char *ctx)
{
    const char *s = eval_force_string(st, v, pos, ctx);
    if (v->str.ctx && v->str.ctx->n) {
        const char *e = v->str.ctx->elems[0];
        if (e[0] == '=')
            e++;
        else if (e[0] == '!') {
            const char *p = strchr(e + 1, '!');
            e = p ? p + 1 : e;
        }
        if (ctx)
            eval_frame_push(st, pos, ctx);
        eval_error(st, ERR_EVAL, pos,
                   "the string '%s' is not allowed to refer to a store path (such as '%s')", s, e);
    }
    return s;
}

bool eval_is_derivation(EvalState *st, Value *v)
{
    if (v->type != T_ATTRS)
        return false;
    Attr *a = attrs_find(v->attrs, st->s.type);
    if (!a)
        return false;
    eval_force(st, a->value, a->pos);
    return a->value->type == T_STRING && strcmp(val_str(a->value), "derivation") == 0;
}

/* ---------- paths ---------- */

const char *eval_canon_path(const char *path)
{
    size_t n = strlen(path);
    char *out = GC_MALLOC_ATOMIC(n + 2);
    size_t o = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 1 && seg[0] == '.')
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, seg, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = 0;
    return out;
}

/* ---------- coercion ---------- */

/* Writes the decimal digits of i ending at end; returns where they start. */
static char *fmt_int(int64_t i, char *end)
{
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--end = '-';
    return end;
}

static void fmt_float_tostring(double d, StrBuf *sb)
{
    sb_printf(sb, "%f", d);
}

/* CppNix's peelToStringOutPath: follows __toString (if use_to_string) and outPath from an
 * attribute set to the value that stands for it, leaving on the trace stack the frames that
 * errors about that value get ("while using the `outPath` attribute", ...); the caller
 * drops them when done. Returns v itself if it is not a set with either attribute. */
static Value *peel_to_string(EvalState *st, Value *v, PosIdx pos, bool use_to_string)
{
    for (;;) {
        eval_force(st, v, pos);
        if (v->type != T_ATTRS)
            return v;
        Attr *ts = use_to_string ? attrs_find(v->attrs, st->s.__toString) : NULL;
        if (ts) {
            Value *r = val_alloc(st);
            Value *arg = v;
            eval_frame_push(st, ts->pos, "while calling the `__toString` attribute");
            eval_call(st, ts->value, 1, &arg, r, ts->pos);
            st->frames[st->nframes - 1].msg = "while using the result of the `__toString` attribute";
            v = r;
            pos = ts->pos;
            continue;
        }
        Attr *op = attrs_find(v->attrs, st->s.outPath);
        if (!op)
            return v;
        /* "evaluating" while the attribute is being forced, then "using" */
        eval_frame_push(st, op->pos, "while evaluating the `outPath` attribute");
        eval_force(st, op->value, op->pos);
        st->frames[st->nframes - 1].msg = "while using the `outPath` attribute";
        v = op->value;
        pos = op->pos;
    }
}

static void coerce_into(EvalState *st, Value *v, PosIdx pos, const char *errctx, int flags,
                        const StrContext **ctx, StrBuf *sb)
{
    eval_force(st, v, pos);
    switch (v->type) {
    case T_STRING:
        sb_add(sb, val_str(v), v->len);
        if (ctx)
            *ctx = ctx_merge(*ctx, v->str.ctx);
        return;
    case T_PATH:
        if ((flags & COERCE_COPY_TO_STORE) && st->copy_path_to_store) {
            const char *sp = st->copy_path_to_store(st, v->path.path, pos);
            sb_puts(sb, sp);
            if (ctx)
                *ctx = ctx_merge(*ctx, ctx_single(sp));
        } else
            sb_puts(sb, v->path.path);
        return;
    case T_ATTRS: {
        uint32_t frames = st->nframes;
        Value *p = peel_to_string(st, v, pos, !(flags & COERCE_NO_FUNCTOR));
        if (p != v) {
            coerce_into(st, p, pos, errctx, flags, ctx, sb);
            st->nframes = frames;
            return;
        }
        break;
    }
    case T_NULL:
        if (flags & COERCE_MORE)
            return;
        break;
    case T_BOOL:
        if (flags & COERCE_MORE) {
            if (v->boolean)
                sb_putc(sb, '1');
            return;
        }
        break;
    case T_INT:
        if (flags & COERCE_MORE) {
            char buf[24], *q = fmt_int(v->integer, buf + sizeof buf);
            sb_add(sb, q, (size_t)(buf + sizeof buf - q));
            return;
        }
        break;
    case T_FLOAT:
        if (flags & COERCE_MORE) {
            fmt_float_tostring(v->fpoint, sb);
            return;
        }
        break;
    case T_LIST:
        if (flags & COERCE_MORE) {
            /* CppNix: an element's error gets the caller's context, and its own
             * "one element" context if the element itself cannot be coerced */
            uint32_t frames = st->nframes;
            if (errctx)
                eval_frame_push(st, pos, errctx);
            for (uint32_t i = 0; i < v->len; i++) {
                Value *e = val_list(v)[i];
                coerce_into(st, e, pos, "while evaluating one element of the list", flags, ctx, sb);
                if (i + 1 < v->len && !(e->type == T_LIST && e->len == 0))
                    sb_putc(sb, ' ');
            }
            st->nframes = frames;
            return;
        }
        break;
    default:
        break;
    }
    if (errctx)
        eval_frame_push(st, pos, errctx);
    const char *shown = eval_show_value_str(st, v);
    /* no position of its own: the frames say where (as CppNix) */
    eval_error(st, ERR_TYPE, 0, "cannot coerce %s to a string: %s", eval_type_name(v), shown);
}

const char *eval_coerce_to_string(EvalState *st, Value *v, PosIdx pos, const char *errctx,
                                  int flags, const StrContext **ctx, size_t *len)
{
    eval_force(st, v, pos);
    if (v->type == T_STRING) {
        if (ctx)
            *ctx = ctx_merge(*ctx, v->str.ctx);
        if (len)
            *len = v->len;
        return val_str(v);
    }
    if (v->type == T_INT && (flags & COERCE_MORE)) {
        /* toString 42: no buffer growing, no printf */
        char buf[24], *q = fmt_int(v->integer, buf + sizeof buf);
        size_t n = (size_t)(buf + sizeof buf - q);
        if (len)
            *len = n;
        return val_str_dup(q, n);
    }
    StrBuf sb;
    sb_init(&sb);
    coerce_into(st, v, pos, errctx, flags, ctx, &sb);
    if (len)
        *len = sb.len;
    return sb.data;
}

const char *eval_coerce_to_path(EvalState *st, Value *v, PosIdx pos, const char *errctx)
{
    uint32_t frames = st->nframes;
    v = peel_to_string(st, v, pos, true); /* the absolute-path check is made under its frames */
    if (v->type == T_PATH) {
        st->nframes = frames;
        return v->path.path;
    }
    size_t len;
    const char *s = eval_coerce_to_string(st, v, pos, errctx, 0, NULL, &len);
    if (s[0] != '/') {
        if (errctx)
            eval_frame_push(st, pos, errctx);
        eval_error(st, ERR_EVAL, pos, "string '%s' doesn't represent an absolute path", s);
    }
    st->nframes = frames;
    return s;
}

/* ---------- arithmetic ---------- */

static bool is_num(const Value *v) { return v->type == T_INT || v->type == T_FLOAT; }

/* a + b like CppNix's ExprConcatStrings: a problem with an operand (coercion, "cannot add",
 * integer overflow) is reported at that operand (lpos, rpos), a path/context clash at the
 * operator (pos). */
void eval_add(EvalState *st, Value *a, Value *b, Value *out, PosIdx pos, PosIdx lpos, PosIdx rpos)
{
    eval_force(st, a, lpos);
    eval_force(st, b, rpos);
    if (!is_num(a)) {
        if (a->type == T_PATH) {
            StrBuf sb;
            sb_init(&sb);
            sb_puts(&sb, a->path.path);
            if (b->type == T_STRING && b->str.ctx && b->str.ctx->n)
                eval_error(st, ERR_EVAL, pos,
                           "a string that refers to a store path cannot be appended to a path");
            size_t len;
            const char *s = eval_coerce_to_string(st, b, rpos, "while evaluating a path segment", 0,
                                                  NULL, &len);
            sb_add(&sb, s, len);
            val_set_path(out, eval_canon_path(sb.data));
            return;
        }
        /* long operands are kept by reference (a rope): `acc + "x"` in a loop stays linear */
        const StrContext *ctx = NULL;
        StrCat c;
        strcat_init(st, &c);
        Value *ops[2] = {a, b};
        PosIdx opos[2] = {lpos, rpos};
        for (int i = 0; i < 2; i++) {
            if (ops[i]->type == T_STRING) {
                ctx = ctx_merge(ctx, ops[i]->str.ctx);
                strcat_add_value(&c, ops[i]);
            } else {
                size_t len;
                const char *s = eval_coerce_to_string(st, ops[i], opos[i], "while evaluating a path segment",
                                                      COERCE_COPY_TO_STORE, &ctx, &len);
                strcat_add(&c, s, len);
            }
        }
        strcat_finish(&c, out, ctx);
        return;
    }
    if (!is_num(b))
        eval_error(st, ERR_EVAL, rpos, "cannot add %s to %s", eval_type_name(b), eval_type_name(a));
    if (a->type == T_FLOAT || b->type == T_FLOAT) {
        double x = a->type == T_FLOAT ? a->fpoint : (double)a->integer;
        double y = b->type == T_FLOAT ? b->fpoint : (double)b->integer;
        val_set_float(out, x + y);
        return;
    }
    int64_t r;
    if (__builtin_add_overflow(a->integer, b->integer, &r))
        eval_error(st, ERR_EVAL, rpos, "integer overflow in adding %" PRId64 " + %" PRId64,
                   a->integer, b->integer);
    val_set_int(out, r);
}

/* a - b, a * b, a / b (and a + b without operand positions). CppNix desugars the first three
 * into calls of builtins.sub/mul/div, whose errors carry no position (the caller's
 * "while calling the 'sub' builtin" frame shows the operator). */
void eval_arith(EvalState *st, BinOp op, Value *a, Value *b, Value *out, PosIdx pos)
{
    if (op == OP_ADD) {
        eval_add(st, a, b, out, pos, pos, pos);
        return;
    }
    eval_force(st, a, pos);
    eval_force(st, b, pos);
    static const char *const first[] = {
        [OP_SUB] = "while evaluating the first argument of the subtraction",
        [OP_MUL] = "while evaluating the first argument of the multiplication",
        [OP_DIV] = "while evaluating the first operand of the division"};
    static const char *const second[] = {
        [OP_SUB] = "while evaluating the second argument of the subtraction",
        [OP_MUL] = "while evaluating the second argument of the multiplication",
        [OP_DIV] = "while evaluating the second operand of the division"};
    const char *c1 = first[op], *c2 = second[op];
    if (op == OP_DIV) { /* like builtins.div: the divisor is checked first */
        double y = eval_force_float(st, b, 0, c2);
        if (y == 0)
            eval_error(st, ERR_EVAL, 0, "division by zero");
    }
    if (a->type == T_FLOAT || b->type == T_FLOAT) {
        /* "the first of the multiplication" is CppNix's wording (builtins.mul), typo included */
        const char *f1 = op == OP_MUL ? "while evaluating the first of the multiplication" : c1;
        double x = eval_force_float(st, a, 0, f1), y = eval_force_float(st, b, 0, c2);
        switch (op) {
        case OP_SUB: val_set_float(out, x - y); return;
        case OP_MUL: val_set_float(out, x * y); return;
        default: val_set_float(out, x / y); return;
        }
    }
    int64_t x = eval_force_int(st, a, 0, c1), y = eval_force_int(st, b, 0, c2), r;
    switch (op) {
    case OP_SUB:
        if (__builtin_sub_overflow(x, y, &r))
            eval_error(st, ERR_EVAL, 0, "integer overflow in subtracting %" PRId64 " - %" PRId64, x, y);
        break;
    case OP_MUL:
        if (__builtin_mul_overflow(x, y, &r))
            eval_error(st, ERR_EVAL, 0, "integer overflow in multiplying %" PRId64 " * %" PRId64, x, y);
        break;
    default:
        if (x == INT64_MIN && y == -1)
            eval_error(st, ERR_EVAL, 0, "integer overflow in dividing %" PRId64 " / %" PRId64, x, y);
        r = x / y;
        break;
    }
    val_set_int(out, r);
}

/* ---------- comparison ---------- */

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c)
        return c < 0 ? -1 : 1;
    return la < lb ? -1 : la > lb;
}

int eval_compare(EvalState *st, Value *a, Value *b, PosIdx pos, const char *ctx)
{
    eval_force(st, a, pos);
    eval_force(st, b, pos);
    if (a->type == T_INT && b->type == T_INT)
        return a->integer < b->integer ? -1 : a->integer > b->integer;
    if (is_num(a) && is_num(b)) {
        double x = a->type == T_INT ? (double)a->integer : a->fpoint;
        double y = b->type == T_INT ? (double)b->integer : b->fpoint;
        return x < y ? -1 : x > y;
    }
    if (a->type == T_STRING && b->type == T_STRING)
        return cmp_bytes(val_str(a), a->len, val_str(b), b->len);
    if (a->type == T_PATH && b->type == T_PATH)
        return cmp_bytes(a->path.path, strlen(a->path.path), b->path.path, strlen(b->path.path));
    if (a->type == T_LIST && b->type == T_LIST) {
        for (uint32_t i = 0;; i++) {
            if (i == b->len)
                return i == a->len ? 0 : 1;
            if (i == a->len)
                return -1;
            Value *x = val_list(a)[i], *y = val_list(b)[i];
            if (x != y && !eval_equal(st, x, y, pos, ctx)) {
                return eval_compare(st, x, y, pos, "while comparing two list elements");
            }
        }
    }
    if (ctx)
        eval_frame_push(st, pos, ctx);
    const char *sa = eval_show_value_str(st, a), *sb = eval_show_value_str(st, b);
    if (a->type == b->type)
        eval_error(st, ERR_EVAL, 0,
                   "cannot compare %s with %s; values of that type are incomparable (values are %s and %s)",
                   eval_type_name(a), eval_type_name(b), sa, sb);
    eval_error(st, ERR_EVAL, 0, "cannot compare %s with %s; values are %s and %s",
               eval_type_name(a), eval_type_name(b), sa, sb);
}

/* Like CppNix's eqValues: both are forced, then a Value is equal to itself (the same Value,
 * not a copy: `f == f` compares two copies, `[ f ] == [ f ]` the same element), functions
 * included; a set compared with itself still forces each attribute. */
bool eval_equal(EvalState *st, Value *a, Value *b, PosIdx pos, const char *ctx)
{
    eval_force(st, a, pos);
    eval_force(st, b, pos);
    if (a == b)
        return true;
    if (is_num(a) && is_num(b)) {
        if (a->type == T_INT && b->type == T_INT)
            return a->integer == b->integer;
        double x = a->type == T_INT ? (double)a->integer : a->fpoint;
        double y = b->type == T_INT ? (double)b->integer : b->fpoint;
        return x == y;
    }
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case T_NULL:
        return true;
    case T_BOOL:
        return a->boolean == b->boolean;
    case T_STRING:
        return a->len == b->len && memcmp(val_str(a), val_str(b), a->len) == 0;
    case T_PATH:
        return strcmp(a->path.path, b->path.path) == 0;
    case T_LIST:
        if (a->len != b->len)
            return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (!eval_equal(st, val_list(a)[i], val_list(b)[i], pos, ctx))
                return false;
        return true;
    case T_ATTRS: {
        if (eval_is_derivation(st, a) && eval_is_derivation(st, b)) {
            Attr *x = attrs_find(a->attrs, st->s.outPath), *y = attrs_find(b->attrs, st->s.outPath);
            if (x && y)
                return eval_equal(st, x->value, y->value, pos, ctx);
        }
        if (attrs_count(a->attrs) != attrs_count(b->attrs))
            return false;
        Bindings *x = val_attrs(a), *y = val_attrs(b);
        for (uint32_t i = 0; i < x->size; i++) {
            if (x->attrs[i].name != y->attrs[i].name)
                return false;
            if (!eval_equal(st, x->attrs[i].value, y->attrs[i].value, pos, ctx))
                return false;
        }
        return true;
    }
    case T_EXTERNAL:
        return a->external.ptr == b->external.ptr;
    default:
        return false; /* functions are never equal */
    }
}

/* ---------- assertion explanations ---------- */

static const char *show_short(EvalState *st, Value *v)
{
    return eval_show_value_str(st, v);
}

/* Throws CppNix's explanation of why a != b (`assert a == b;` failing), or
 * returns if they are equal. */
void eval_assert_equal(EvalState *st, Value *a, Value *b, PosIdx pos)
{
    eval_force(st, a, pos); /* as eval_equal */
    eval_force(st, b, pos);
    if (a == b)
        return;
    if (is_num(a) && is_num(b)) {
        if (eval_equal(st, a, b, pos, NULL))
            return;
        StrBuf x, y;
        sb_init(&x);
        sb_init(&y);
        if (a->type == T_INT)
            sb_printf(&x, "%" PRId64, a->integer);
        else
            eval_print_float(a->fpoint, &x);
        if (b->type == T_INT)
            sb_printf(&y, "%" PRId64, b->integer);
        else
            eval_print_float(b->fpoint, &y);
        eval_error(st, ERR_ASSERTION, 0, "%s with value '%s' is not equal to %s with value '%s'",
                   eval_type_name(a), x.data, eval_type_name(b), y.data);
    }
    if (a->type != b->type)
        eval_error(st, ERR_ASSERTION, 0, "%s of value '%s' is not equal to %s of value '%s'",
                   eval_type_name(a), show_short(st, a), eval_type_name(b), show_short(st, b));
    switch (a->type) {
    case T_NULL:
        return;
    case T_BOOL:
        if (a->boolean != b->boolean)
            eval_error(st, ERR_ASSERTION, 0, "boolean '%s' is not equal to boolean '%s'",
                       a->boolean ? "true" : "false", b->boolean ? "true" : "false");
        return;
    case T_STRING:
        if (!eval_equal(st, a, b, pos, NULL))
            eval_error(st, ERR_ASSERTION, 0, "string '%s' is not equal to string '%s'",
                       show_short(st, a), show_short(st, b));
        return;
    case T_PATH:
        if (!eval_equal(st, a, b, pos, NULL))
            eval_error(st, ERR_ASSERTION, 0, "path '%s' is not equal to path '%s'", a->path.path,
                       b->path.path);
        return;
    case T_LIST:
        if (a->len != b->len)
            eval_error(st, ERR_ASSERTION, 0,
                       "list of size '%u' is not equal to list of size '%u', left hand side is '%s', right hand side is '%s'",
                       a->len, b->len, show_short(st, a), show_short(st, b));
        for (uint32_t i = 0; i < a->len; i++) {
            StrBuf m;
            sb_init(&m);
            sb_printf(&m, "while comparing list element %u", i);
            eval_frame_push(st, pos, m.data);
            eval_assert_equal(st, val_list(a)[i], val_list(b)[i], pos);
            eval_frame_pop(st);
        }
        return;
    case T_ATTRS: {
        if (eval_is_derivation(st, a) && eval_is_derivation(st, b)) {
            Attr *x = attrs_find(a->attrs, st->s.outPath), *y = attrs_find(b->attrs, st->s.outPath);
            if (x && y) {
                eval_frame_push(st, pos, "while comparing a derivation by its 'outPath' attribute");
                eval_assert_equal(st, x->value, y->value, pos);
                eval_frame_pop(st);
                return;
            }
        }
        Bindings *x = val_attrs(a), *y = val_attrs(b);
        bool same = x->size == y->size;
        for (uint32_t i = 0; same && i < x->size; i++)
            same = x->attrs[i].name == y->attrs[i].name;
        if (!same)
            eval_error(st, ERR_ASSERTION, 0,
                       "attribute names of attribute set '%s' differs from attribute set '%s'",
                       show_short(st, a), show_short(st, b));
        uint32_t *ord = attrs_sorted_by_name(st, x);
        for (uint32_t k = 0; k < x->size; k++) {
            uint32_t i = ord[k];
            uint32_t frames = st->nframes;
            eval_frame_push_sym(st, pos, "while comparing attribute '%s'", x->attrs[i].name);
            eval_frame_push_sym(st, x->attrs[i].pos, "where left hand side is", 0);
            eval_frame_push_sym(st, y->attrs[i].pos, "where right hand side is", 0);
            eval_assert_equal(st, x->attrs[i].value, y->attrs[i].value, pos);
            st->nframes = frames;
        }
        return;
    }
    case T_LAMBDA:
    case T_PRIMOP:
    case T_PRIMOP_APP:
        eval_error(st, ERR_ASSERTION, 0,
                   "distinct functions and immediate comparisons of identical functions compare as unequal");
    default:
        if (!eval_equal(st, a, b, pos, NULL))
            eval_error(st, ERR_ASSERTION, 0, "%s of value '%s' is not equal to %s of value '%s'",
                       eval_type_name(a), show_short(st, a), eval_type_name(b), show_short(st, b));
    }
}
