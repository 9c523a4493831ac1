/* An example cnix plugin: primops of several arities, a callback into Nix, sets, lists, errors.
 *
 * Build:  cc -shared -fPIC -I CNIX/include examples/plugin/example.c -o example.so
 * Use:    cnix instantiate --plugin-files ./example.so --eval -E 'builtins.add3 1 2 3'
 *         cnix doc --plugin-files ./example.so add3
 */
#include <stdio.h>
#include <string.h>

#include "cnix/plugin.h"

/* add3 a b c: the sum of three integers. */
static void add3(CnixState *st, CnixValue *out, CnixValue *a, CnixValue *b, CnixValue *c)
{
    cnix_set_int(st, out, cnix_get_int(st, a) + cnix_get_int(st, b) + cnix_get_int(st, c));
}

/* applyTwice f x: f (f x), calling back into Nix. */
static void apply_twice(CnixState *st, CnixValue *out, CnixValue *f, CnixValue *x)
{
    CnixValue *once = cnix_alloc_value(st);
    cnix_call(st, f, 1, &x, once);
    cnix_call(st, f, 1, &once, out);
}

/* describe v: { type = "int"; ... } with details depending on the type. */
static void describe(CnixState *st, CnixValue *out, CnixValue *v)
{
    static const char *const names[] = {"null", "bool", "int", "float", "string",
                                        "path", "list", "set", "lambda", "external"};
    CnixType t = cnix_force(st, v);
    CnixAttrsBuilder *b = cnix_attrs_builder(st, 4);
    CnixValue *type = cnix_alloc_value(st);
    cnix_set_string(st, type, names[t]);
    cnix_attrs_builder_add(st, b, "type", type);
    CnixValue *size = cnix_alloc_value(st);
    switch (t) {
    case CNIX_TYPE_STRING: {
        size_t len;
        cnix_get_string(st, v, &len);
        cnix_set_int(st, size, (int64_t)len);
        cnix_attrs_builder_add(st, b, "size", size);
        CnixValue *ctx = cnix_alloc_value(st);
        cnix_set_int(st, ctx, (int64_t)cnix_string_context_size(st, v));
        cnix_attrs_builder_add(st, b, "contextSize", ctx);
        break;
    }
    case CNIX_TYPE_LIST:
        cnix_set_int(st, size, (int64_t)cnix_list_size(st, v));
        cnix_attrs_builder_add(st, b, "size", size);
        break;
    case CNIX_TYPE_ATTRS: {
        size_t n = cnix_attrs_size(st, v);
        cnix_set_int(st, size, (int64_t)n);
        cnix_attrs_builder_add(st, b, "size", size);
        CnixValue *names_v = cnix_alloc_value(st);
        CnixValue *elems[64];
        size_t k = n < 64 ? n : 64;
        for (size_t i = 0; i < k; i++) {
            elems[i] = cnix_alloc_value(st);
            cnix_set_string(st, elems[i], cnix_attrs_name_at(st, v, i));
        }
        cnix_set_list(st, names_v, elems, k);
        cnix_attrs_builder_add(st, b, "names", names_v);
        break;
    }
    case CNIX_TYPE_FLOAT:
        cnix_set_float(st, size, cnix_get_float(st, v) * 2);
        cnix_attrs_builder_add(st, b, "doubled", size);
        break;
    default:
        break;
    }
    cnix_set_attrs(st, out, b);
}

/* range n: [ 0 1 ... n-1 ] for 0 <= n <= 256. */
static void range(CnixState *st, CnixValue *out, CnixValue *n_v)
{
    int64_t n = cnix_get_int(st, n_v);
    if (n < 0 || n > 256)
        cnix_throw(st, "range: %lld is not between 0 and 256", (long long)n);
    /* The array is on the stack, where the collector sees the pointers. */
    CnixValue *elems[256];
    for (int64_t i = 0; i < n; i++) {
        elems[i] = cnix_alloc_value(st);
        cnix_set_int(st, elems[i], i);
    }
    cnix_set_list(st, out, elems, (size_t)n);
}

/* lookupOr set name default: set.${name} or default. */
static void lookup_or(CnixState *st, CnixValue *out, CnixValue *set, CnixValue *name,
                      CnixValue *def)
{
    CnixValue *v = cnix_attrs_get(st, set, cnix_get_string(st, name, NULL));
    cnix_copy(st, out, v ? v : def);
}

/* withContext s path: the string s carrying path as its context. */
static void with_context(CnixState *st, CnixValue *out, CnixValue *s, CnixValue *path)
{
    const char *elem = cnix_get_string(st, path, NULL);
    cnix_set_string_with_context(st, out, cnix_get_string(st, s, NULL), &elem, 1);
}

/* fail msg: raises a Nix error. */
static void fail(CnixState *st, CnixValue *out, CnixValue *msg)
{
    (void)out;
    cnix_throw(st, "example plugin: %s", cnix_get_string(st, msg, NULL));
}

struct CallData {
    CnixValue *f, *x, *out;
};

static void do_call(CnixState *st, void *data)
{
    struct CallData *d = data;
    cnix_call(st, d->f, 1, &d->x, d->out);
}

/* tryApply f x: { ok = true; value = f x; } or { ok = false; error = "..."; }. */
static void try_apply(CnixState *st, CnixValue *out, CnixValue *f, CnixValue *x)
{
    struct CallData d = {f, x, cnix_alloc_value(st)};
    const char *msg = NULL;
    bool ok = cnix_try(st, do_call, &d, &msg);
    CnixAttrsBuilder *b = cnix_attrs_builder(st, 2);
    CnixValue *ok_v = cnix_alloc_value(st);
    cnix_set_bool(st, ok_v, ok);
    cnix_attrs_builder_add(st, b, "ok", ok_v);
    if (ok) {
        cnix_attrs_builder_add(st, b, "value", d.out);
    } else {
        CnixValue *m = cnix_alloc_value(st);
        cnix_set_string(st, m, msg);
        cnix_attrs_builder_add(st, b, "error", m);
    }
    cnix_set_attrs(st, out, b);
}

/* sum8 a b c d e f g h: eight integers, the largest arity. */
static void sum8(CnixState *st, CnixValue *out, CnixValue *a, CnixValue *b, CnixValue *c,
                 CnixValue *d, CnixValue *e, CnixValue *f, CnixValue *g, CnixValue *h)
{
    CnixValue *all[8] = {a, b, c, d, e, f, g, h};
    int64_t s = 0;
    for (int i = 0; i < 8; i++)
        s = s * 10 + cnix_get_int(st, all[i]);
    cnix_set_int(st, out, s);
}

/* parent p: the directory containing the path p. */
static void parent(CnixState *st, CnixValue *out, CnixValue *p)
{
    const char *path = cnix_get_path(st, p);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash == buf)
        slash[1] = 0;
    else if (slash)
        *slash = 0;
    cnix_set_path(st, out, buf);
}

/* box n / unbox b: an integer hidden in an external value of type "example-box". */
static void box(CnixState *st, CnixValue *out, CnixValue *n)
{
    cnix_set_external(st, out, (void *)(intptr_t)cnix_get_int(st, n), "example-box");
}

static void unbox(CnixState *st, CnixValue *out, CnixValue *b)
{
    cnix_set_int(st, out, (int64_t)(intptr_t)cnix_get_external(st, b, "example-box"));
}

/* show v: v coerced to a string as "${v}" does. */
static void show(CnixState *st, CnixValue *out, CnixValue *v)
{
    size_t len;
    const char *s = cnix_coerce_to_string(st, v, &len);
    cnix_set_string_len(st, out, s, len);
}

/* typeName v: "an integer", "a set", ... */
static void type_name(CnixState *st, CnixValue *out, CnixValue *v)
{
    cnix_set_string(st, out, cnix_type_name(st, v));
}

/* nth list i: element i, unevaluated until needed. */
static void nth(CnixState *st, CnixValue *out, CnixValue *list, CnixValue *i)
{
    int64_t k = cnix_get_int(st, i);
    if (k < 0 || (uint64_t)k >= cnix_list_size(st, list))
        cnix_throw(st, "nth: index %lld out of range", (long long)k);
    cnix_copy(st, out, cnix_list_elem(st, list, (size_t)k));
}

/* values set: the attribute values in name order. */
static void values(CnixState *st, CnixValue *out, CnixValue *set)
{
    size_t n = cnix_attrs_size(st, set);
    CnixValue *elems[256];
    if (n > 256)
        cnix_throw(st, "values: more than 256 attributes");
    for (size_t i = 0; i < n; i++)
        elems[i] = cnix_attrs_value_at(st, set, i);
    cnix_set_list(st, out, elems, n);
}

/* strict v: v, evaluated completely first. */
static void strict(CnixState *st, CnixValue *out, CnixValue *v)
{
    cnix_force_deep(st, v);
    cnix_copy(st, out, v);
}

/* needString v: v if it is a string, else a type error. */
static void need_string(CnixState *st, CnixValue *out, CnixValue *v)
{
    if (cnix_force(st, v) != CNIX_TYPE_STRING)
        cnix_throw_type(st, "a string", v);
    cnix_copy(st, out, v);
}

/* An importNative initializer: { greeting = "hello from C"; double = x: x * 2; }. */
void example_init(CnixState *st, CnixValue *out)
{
    CnixAttrsBuilder *b = cnix_attrs_builder(st, 2);
    CnixValue *g = cnix_alloc_value(st);
    cnix_set_string(st, g, "hello from C");
    cnix_attrs_builder_add(st, b, "greeting", g);
    CnixValue *dbl = cnix_alloc_value(st);
    cnix_eval_string(st, "x: x * 2", dbl);
    cnix_attrs_builder_add(st, b, "double", dbl);
    cnix_set_attrs(st, out, b);
}

int cnix_plugin_init(CnixPlugin *p)
{
    if (cnix_api_version() < CNIX_PLUGIN_API_VERSION) {
        cnix_plugin_set_error(p, "cnix is too old for this plugin");
        return 1;
    }
    int rc = 0;
    rc |= cnix_register_primop(p, "add3", 3, "a b c",
                               "Add three integers.\n\n    add3 1 2 3  # 6", CNIX_PRIMOP_FN(add3));
    rc |= cnix_register_primop(p, "applyTwice", 2, "f x",
                               "Apply the function *f* twice: `f (f x)`.\n\n"
                               "    applyTwice (x: x * 3) 2  # 18",
                               CNIX_PRIMOP_FN(apply_twice));
    rc |= cnix_register_primop(p, "describe", 1, "v",
                               "Describe a value as a set `{ type; size?; ... }`.",
                               CNIX_PRIMOP_FN(describe));
    rc |= cnix_register_primop(p, "range", 1, "n", "The list `[ 0 .. n-1 ]`.",
                               CNIX_PRIMOP_FN(range));
    rc |= cnix_register_primop(p, "lookupOr", 3, "set name default",
                               "`set.${name}` if present, else *default*.",
                               CNIX_PRIMOP_FN(lookup_or));
    rc |= cnix_register_primop(p, "withContext", 2, "s path",
                               "The string *s* with the store path *path* as context.",
                               CNIX_PRIMOP_FN(with_context));
    rc |= cnix_register_primop(p, "fail", 1, "msg", "Raise an error with *msg*.",
                               CNIX_PRIMOP_FN(fail));
    rc |= cnix_register_primop(p, "tryApply", 2, "f x",
                               "`{ ok = true; value = f x; }`, or `{ ok = false; error = MSG; }` "
                               "if `f x` fails.",
                               CNIX_PRIMOP_FN(try_apply));
    rc |= cnix_register_primop(p, "sum8", 8, "a b c d e f g h",
                               "Digits a..h as one decimal number: sum8 1 2 3 4 5 6 7 8 = 12345678.",
                               CNIX_PRIMOP_FN(sum8));
    rc |= cnix_register_primop(p, "parent", 1, "path", "The directory containing *path*.",
                               CNIX_PRIMOP_FN(parent));
    rc |= cnix_register_primop(p, "box", 1, "n", "Hide the integer *n* in an external value.",
                               CNIX_PRIMOP_FN(box));
    rc |= cnix_register_primop(p, "unbox", 1, "b", "The integer inside a `box`.",
                               CNIX_PRIMOP_FN(unbox));
    rc |= cnix_register_primop(p, "show", 1, "v", "*v* coerced to a string like `\"${v}\"`.",
                               CNIX_PRIMOP_FN(show));
    rc |= cnix_register_primop(p, "typeName", 1, "v", "The type of *v*: `\"an integer\"`, ...",
                               CNIX_PRIMOP_FN(type_name));
    rc |= cnix_register_primop(p, "nth", 2, "list i", "Element *i* of *list*.",
                               CNIX_PRIMOP_FN(nth));
    rc |= cnix_register_primop(p, "values", 1, "set", "The values of *set* in name order.",
                               CNIX_PRIMOP_FN(values));
    rc |= cnix_register_primop(p, "strict", 1, "v", "*v*, evaluated deeply.",
                               CNIX_PRIMOP_FN(strict));
    rc |= cnix_register_primop(p, "needString", 1, "v", "*v* if it is a string, else an error.",
                               CNIX_PRIMOP_FN(need_string));
    return rc ? 1 : 0;
}
