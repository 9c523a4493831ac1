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
    return rc ? 1 : 0;
}
