/* The plugin API of include/cnix/plugin.h, implemented over eval/eval.h and eval/value.h. */
#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "native/native.h"

/* CnixValue is Value under another name: the public header keeps it opaque. */
#define V(x) ((Value *)(x))
#define CV(x) ((CnixValue *)(x))

unsigned cnix_api_version(void) { return CNIX_PLUGIN_API_VERSION; }

/* ---------- inspecting ---------- */

CnixType cnix_force(CnixState *cs, CnixValue *v)
{
    eval_force(cs->st, V(v), cs->pos);
    switch ((ValueType)V(v)->type) {
    case T_NULL: return CNIX_TYPE_NULL;
    case T_BOOL: return CNIX_TYPE_BOOL;
    case T_INT: return CNIX_TYPE_INT;
    case T_FLOAT: return CNIX_TYPE_FLOAT;
    case T_STRING: return CNIX_TYPE_STRING;
    case T_PATH: return CNIX_TYPE_PATH;
    case T_LIST: return CNIX_TYPE_LIST;
    case T_ATTRS: return CNIX_TYPE_ATTRS;
    case T_EXTERNAL: return CNIX_TYPE_EXTERNAL;
    default: return CNIX_TYPE_FUNCTION;
    }
}

void cnix_force_deep(CnixState *cs, CnixValue *v) { eval_force_deep(cs->st, V(v), cs->pos); }

const char *cnix_type_name(CnixState *cs, CnixValue *v)
{
    eval_force(cs->st, V(v), cs->pos);
    return eval_type_name(V(v));
}

int64_t cnix_get_int(CnixState *cs, CnixValue *v)
{
    return eval_force_int(cs->st, V(v), cs->pos, NULL);
}

double cnix_get_float(CnixState *cs, CnixValue *v)
{
    return eval_force_float(cs->st, V(v), cs->pos, NULL);
}

bool cnix_get_bool(CnixState *cs, CnixValue *v)
{
    return eval_force_bool(cs->st, V(v), cs->pos, NULL);
}

const char *cnix_get_string(CnixState *cs, CnixValue *v, size_t *len)
{
    const char *s = eval_force_string(cs->st, V(v), cs->pos, NULL);
    if (len)
        *len = V(v)->len;
    return s;
}

size_t cnix_string_context_size(CnixState *cs, CnixValue *v)
{
    eval_force_string(cs->st, V(v), cs->pos, NULL);
    return V(v)->str.ctx ? V(v)->str.ctx->n : 0;
}

const char *cnix_string_context_elem(CnixState *cs, CnixValue *v, size_t i)
{
    size_t n = cnix_string_context_size(cs, v);
    if (i >= n)
        eval_error(cs->st, ERR_EVAL, cs->pos, "string context index %zu out of range (size %zu)", i,
                   n);
    return V(v)->str.ctx->elems[i];
}

const char *cnix_coerce_to_string(CnixState *cs, CnixValue *v, size_t *len)
{
    size_t n = 0;
    const char *s = eval_coerce_to_string(cs->st, V(v), cs->pos, NULL, 0, NULL, &n);
    if (len)
        *len = n;
    return s;
}

const char *cnix_get_path(CnixState *cs, CnixValue *v)
{
    eval_force(cs->st, V(v), cs->pos);
    if (V(v)->type != T_PATH)
        eval_type_error(cs->st, cs->pos, "a path", V(v), NULL);
    return V(v)->path.path;
}

size_t cnix_list_size(CnixState *cs, CnixValue *list)
{
    eval_force_list(cs->st, V(list), cs->pos, NULL);
    return V(list)->len;
}

CnixValue *cnix_list_elem(CnixState *cs, CnixValue *list, size_t i)
{
    size_t n = cnix_list_size(cs, list);
    if (i >= n)
        eval_error(cs->st, ERR_EVAL, cs->pos, "list index %zu is out of bounds", i);
    return CV(val_list(V(list))[i]);
}

size_t cnix_attrs_size(CnixState *cs, CnixValue *attrs)
{
    return eval_force_attrs(cs->st, V(attrs), cs->pos, NULL)->size;
}

CnixValue *cnix_attrs_get(CnixState *cs, CnixValue *attrs, const char *name)
{
    Bindings *b = eval_force_attrs(cs->st, V(attrs), cs->pos, NULL);
    Symbol sym = sym_lookup(cs->st->symbols, name, strlen(name));
    Attr *a = sym ? attrs_find(b, sym) : NULL;
    return a ? CV(a->value) : NULL;
}

/* The i-th attribute in name order (attrs are stored in symbol order). */
static Attr *attr_at(CnixState *cs, CnixValue *attrs, size_t i)
{
    Bindings *b = eval_force_attrs(cs->st, V(attrs), cs->pos, NULL);
    if (i >= b->size)
        eval_error(cs->st, ERR_EVAL, cs->pos, "attribute index %zu is out of bounds", i);
    if (cs->order_of != b) {
        cs->order = attrs_sorted_by_name(cs->st, b);
        cs->order_of = b;
    }
    return &b->attrs[cs->order[i]];
}

const char *cnix_attrs_name_at(CnixState *cs, CnixValue *attrs, size_t i)
{
    return sym_name(cs->st->symbols, attr_at(cs, attrs, i)->name);
}

CnixValue *cnix_attrs_value_at(CnixState *cs, CnixValue *attrs, size_t i)
{
    return CV(attr_at(cs, attrs, i)->value);
}

void *cnix_get_external(CnixState *cs, CnixValue *v, const char *type_name)
{
    eval_force(cs->st, V(v), cs->pos);
    if (V(v)->type != T_EXTERNAL)
        eval_type_error(cs->st, cs->pos, "an external value", V(v), NULL);
    const char *have = V(v)->external.type_name ? V(v)->external.type_name : "";
    if (type_name && strcmp(type_name, have) != 0)
        eval_error(cs->st, ERR_TYPE, cs->pos,
                   "expected an external value of type '%s' but found one of type '%s'", type_name,
                   have);
    return V(v)->external.ptr;
}

/* ---------- building ---------- */

CnixValue *cnix_alloc_value(CnixState *cs)
{
    Value *v = val_alloc(cs->st);
    val_set_null(v);
    return CV(v);
}

void cnix_set_null(CnixState *cs, CnixValue *v) { val_set_null(V(v)); }
void cnix_set_bool(CnixState *cs, CnixValue *v, bool b) { val_set_bool(V(v), b); }
void cnix_set_int(CnixState *cs, CnixValue *v, int64_t i) { val_set_int(V(v), i); }
void cnix_set_float(CnixState *cs, CnixValue *v, double f) { val_set_float(V(v), f); }

void cnix_set_string(CnixState *cs, CnixValue *v, const char *s)
{
    cnix_set_string_len(cs, v, s, strlen(s));
}

void cnix_set_string_len(CnixState *cs, CnixValue *v, const char *s, size_t len)
{
    if (memchr(s, 0, len))
        eval_error(cs->st, ERR_EVAL, cs->pos, "a Nix string cannot contain a NUL byte");
    if (len > UINT32_MAX)
        eval_error(cs->st, ERR_EVAL, cs->pos, "string of %zu bytes is too long", len);
    val_set_string(V(v), val_str_dup(s, len), len, NULL);
}

void cnix_set_string_with_context(CnixState *cs, CnixValue *v, const char *s,
                                  const char *const *context, size_t ncontext)
{
    cnix_set_string(cs, v, s);
    if (ncontext == 0)
        return;
    /* The elements are the caller's memory: copy them onto the collected heap. */
    const char **elems = GC_MALLOC(ncontext * sizeof *elems);
    for (size_t i = 0; i < ncontext; i++) {
        if (!context[i] || !context[i][0])
            eval_error(cs->st, ERR_EVAL, cs->pos, "empty string context element");
        elems[i] = val_str_dup(context[i], strlen(context[i]));
    }
    V(v)->str.ctx = ctx_from_array(elems, ncontext);
}

void cnix_set_path(CnixState *cs, CnixValue *v, const char *absolute_path)
{
    if (absolute_path[0] != '/')
        eval_error(cs->st, ERR_EVAL, cs->pos, "path '%s' is not absolute", absolute_path);
    val_set_path(V(v), val_str_dup(absolute_path, strlen(absolute_path)));
}

void cnix_set_list(CnixState *cs, CnixValue *v, CnixValue *const *elems, size_t n)
{
    if (n > UINT32_MAX)
        eval_error(cs->st, ERR_EVAL, cs->pos, "list of %zu elements is too long", n);
    Value **items = val_list_alloc(cs->st, n);
    for (size_t i = 0; i < n; i++) {
        if (!elems[i])
            eval_error(cs->st, ERR_EVAL, cs->pos, "list element %zu is NULL", i);
        items[i] = V(elems[i]);
    }
    val_set_list(V(v), items, n);
}

struct CnixAttrsBuilder {
    Bindings *b; /* NULL once turned into a set */
};

CnixAttrsBuilder *cnix_attrs_builder(CnixState *cs, size_t capacity_hint)
{
    CnixAttrsBuilder *ab = GC_MALLOC(sizeof *ab);
    ab->b = attrs_alloc(cs->st, capacity_hint ? capacity_hint : 4);
    return ab;
}

void cnix_attrs_builder_add(CnixState *cs, CnixAttrsBuilder *ab, const char *name,
                            CnixValue *value)
{
    if (!ab->b)
        eval_error(cs->st, ERR_EVAL, cs->pos, "attribute set builder used after cnix_set_attrs");
    if (!value)
        eval_error(cs->st, ERR_EVAL, cs->pos, "value of attribute '%s' is NULL", name);
    if (ab->b->size == ab->b->capacity) {
        Bindings *nb = attrs_alloc(cs->st, ab->b->capacity * 2 + 4);
        for (uint32_t i = 0; i < ab->b->size; i++)
            attrs_push(nb, ab->b->attrs[i].name, ab->b->attrs[i].pos, ab->b->attrs[i].value);
        ab->b = nb;
    }
    attrs_push(ab->b, sym_intern_cstr(cs->st->symbols, name), cs->pos, V(value));
}

void cnix_set_attrs(CnixState *cs, CnixValue *v, CnixAttrsBuilder *ab)
{
    Bindings *b = ab->b;
    if (!b)
        eval_error(cs->st, ERR_EVAL, cs->pos, "attribute set builder used after cnix_set_attrs");
    attrs_sort(b);
    for (uint32_t i = 1; i < b->size; i++)
        if (b->attrs[i].name == b->attrs[i - 1].name)
            eval_error(cs->st, ERR_EVAL, cs->pos, "duplicate attribute '%s'",
                       sym_name(cs->st->symbols, b->attrs[i].name));
    ab->b = NULL;
    val_set_attrs(V(v), b);
}

void cnix_set_external(CnixState *cs, CnixValue *v, void *ptr, const char *type_name)
{
    V(v)->type = T_EXTERNAL;
    V(v)->external.ptr = ptr;
    V(v)->external.type_name = type_name ? val_str_dup(type_name, strlen(type_name)) : NULL;
}

void cnix_copy(CnixState *cs, CnixValue *dst, CnixValue *src)
{
    eval_force(cs->st, V(src), cs->pos);
    *V(dst) = *V(src);
}

/* ---------- calling ---------- */

void cnix_call(CnixState *cs, CnixValue *fn, size_t nargs, CnixValue *const *args, CnixValue *out)
{
    if (nargs > UINT32_MAX)
        eval_error(cs->st, ERR_EVAL, cs->pos, "too many arguments");
    Value **vargs = GC_MALLOC((nargs ? nargs : 1) * sizeof *vargs);
    for (size_t i = 0; i < nargs; i++)
        vargs[i] = V(args[i]);
    eval_call(cs->st, V(fn), (uint32_t)nargs, vargs, V(out), cs->pos);
    eval_force(cs->st, V(out), cs->pos);
}

void cnix_eval_string(CnixState *cs, const char *expr, CnixValue *out)
{
    size_t len = strlen(expr);
    /* The parser keeps the source text for error frames: give it a collected copy. */
    Expr *e = eval_parse_string(cs->st, val_str_dup(expr, len), len, "/", SRC_STRING);
    eval_expr(cs->st, e, V(out));
    eval_force(cs->st, V(out), cs->pos);
}

/* ---------- errors ---------- */

void cnix_throw(CnixState *cs, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    eval_error(cs->st, ERR_EVAL, cs->pos, "%s", buf);
}

void cnix_throw_type(CnixState *cs, const char *expected, CnixValue *found)
{
    eval_force(cs->st, V(found), cs->pos);
    eval_type_error(cs->st, cs->pos, expected, V(found), NULL);
}

bool cnix_try(CnixState *cs, CnixTryFn body, void *data, const char **message)
{
    TryFrame f;
    if (EVAL_TRY(cs->st, &f)) {
        body(cs, data);
        eval_try_leave(cs->st, &f);
        return true;
    }
    /* Ctrl-C must still stop the evaluation. */
    if (f.error && f.error->kind == ERR_INTERRUPTED)
        eval_throw(cs->st, f.error);
    if (message)
        *message = f.error && f.error->msg ? f.error->msg : "unknown error";
    return false;
}

/* ---------- glue for native/builtins.c ---------- */

typedef void (*Initializer)(CnixState *cs, CnixValue *out);

void native_call_initializer(EvalState *st, PosIdx pos, void *fn, Value *out)
{
    CnixState cs = {st, pos, NULL, NULL};
    Value *res = val_alloc(st);
    /* A thunk type nobody can produce through the API marks "not set". */
    res->type = T_BLACKHOLE;
    ((Initializer)fn)(&cs, CV(res));
    if (res->type == T_BLACKHOLE)
        eval_error(st, ERR_EVAL, pos, "native initializer did not set its result value");
    *out = *res;
}

void native_check_gate(EvalState *st, PosIdx pos, const char *builtin)
{
    if (!st->settings.allow_unsafe_native)
        eval_error(st, ERR_EVAL, pos,
                   "'builtins.%s' is disabled; pass --allow-unsafe-native-code-during-evaluation "
                   "to allow native code during evaluation",
                   builtin);
}
