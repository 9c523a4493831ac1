/* Unit tests of the plugin API (native/api.c) against the real evaluator, misuse errors included. */
#define GC_THREADS
#include <gc/gc.h>

#include "builtins/builtins.h"
#include "native/native.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;
static EvalState *st;
static CnixState cs;

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (cond)                                                                                \
            passed++;                                                                            \
        else {                                                                                   \
            failed++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                          \
            printf(__VA_ARGS__);                                                                 \
            printf("\n");                                                                        \
        }                                                                                        \
    } while (0)

typedef void (*Body)(void);

/* Runs f; returns NULL if it finished, else the message of the error it raised. */
static const char *raises(Body f)
{
    TryFrame fr;
    if (EVAL_TRY(st, &fr)) {
        f();
        eval_try_leave(st, &fr);
        return NULL;
    }
    return fr.error->msg;
}

#define CHECK_ERROR(f, frag)                                                                     \
    do {                                                                                         \
        const char *m_ = raises(f);                                                              \
        CHECK(m_ && strstr(m_, frag), "%s: want error containing '%s', got '%s'", #f, frag,      \
              m_ ? m_ : "(no error)");                                                           \
    } while (0)

static void nul_in_string(void)
{
    cnix_set_string_len(&cs, cnix_alloc_value(&cs), "a\0b", 3);
}

static void duplicate_attr(void)
{
    CnixAttrsBuilder *b = cnix_attrs_builder(&cs, 1);
    CnixValue *v = cnix_alloc_value(&cs);
    cnix_attrs_builder_add(&cs, b, "a", v);
    cnix_attrs_builder_add(&cs, b, "b", v);
    cnix_attrs_builder_add(&cs, b, "a", v);
    cnix_set_attrs(&cs, cnix_alloc_value(&cs), b);
}

static void builder_reused(void)
{
    CnixAttrsBuilder *b = cnix_attrs_builder(&cs, 0);
    cnix_set_attrs(&cs, cnix_alloc_value(&cs), b);
    cnix_attrs_builder_add(&cs, b, "a", cnix_alloc_value(&cs));
}

static void relative_path(void) { cnix_set_path(&cs, cnix_alloc_value(&cs), "a/b"); }

static void null_list_elem(void)
{
    CnixValue *elems[2] = {cnix_alloc_value(&cs), NULL};
    cnix_set_list(&cs, cnix_alloc_value(&cs), elems, 2);
}

static void list_index(void)
{
    CnixValue *e = cnix_alloc_value(&cs);
    CnixValue *l = cnix_alloc_value(&cs);
    cnix_set_list(&cs, l, &e, 1);
    cnix_list_elem(&cs, l, 1);
}

static void context_index(void)
{
    CnixValue *s = cnix_alloc_value(&cs);
    cnix_set_string(&cs, s, "x");
    cnix_string_context_elem(&cs, s, 0);
}

static void external_type(void)
{
    CnixValue *x = cnix_alloc_value(&cs);
    cnix_set_external(&cs, x, &cs, "mine");
    cnix_get_external(&cs, x, "theirs");
}

static void int_of_string(void)
{
    CnixValue *s = cnix_alloc_value(&cs);
    cnix_set_string(&cs, s, "x");
    cnix_get_int(&cs, s);
}

static void throw_formatted(void) { cnix_throw(&cs, "code %d: %s", 7, "bad"); }

static void throw_type(void)
{
    CnixValue *v = cnix_alloc_value(&cs);
    cnix_set_float(&cs, v, 1.5);
    cnix_throw_type(&cs, "a string", v);
}

static void body_ok(CnixState *c, void *data) { cnix_set_int(c, data, 5); }
static void body_fails(CnixState *c, void *data) { cnix_throw(c, "inside try"); }

static void body(void *unused)
{
    EvalSettings s;
    eval_settings_default(&s);
    st = eval_state_new(&s);
    bi_open_all(st, NULL);
    cs = (CnixState){st, 0, NULL, NULL};

    CHECK(cnix_api_version() == CNIX_PLUGIN_API_VERSION, "api version");

    /* building and reading back */
    CnixValue *v = cnix_alloc_value(&cs);
    CHECK(cnix_force(&cs, v) == CNIX_TYPE_NULL, "fresh value is null");
    cnix_set_int(&cs, v, -7);
    CHECK(cnix_get_int(&cs, v) == -7 && cnix_get_float(&cs, v) == -7.0, "int and promotion");
    cnix_set_bool(&cs, v, true);
    CHECK(cnix_get_bool(&cs, v), "bool");
    cnix_set_string(&cs, v, "hello");
    size_t len = 0;
    CHECK(strcmp(cnix_get_string(&cs, v, &len), "hello") == 0 && len == 5, "string");
    CHECK(strcmp(cnix_type_name(&cs, v), "a string") == 0, "type name %s", cnix_type_name(&cs, v));
    cnix_set_path(&cs, v, "/a/b");
    CHECK(cnix_force(&cs, v) == CNIX_TYPE_PATH && strcmp(cnix_get_path(&cs, v), "/a/b") == 0,
          "path");

    const char *ctx[] = {"/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b",
                         "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a",
                         "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b"};
    cnix_set_string_with_context(&cs, v, "s", ctx, 3);
    CHECK(cnix_string_context_size(&cs, v) == 2, "context deduplicated: %zu",
          cnix_string_context_size(&cs, v));
    CHECK(strcmp(cnix_string_context_elem(&cs, v, 0), ctx[1]) == 0, "context sorted");

    /* sets: lookup and iteration in name order whatever the interning order */
    sym_intern_cstr(st->symbols, "zz-first-interned");
    CnixAttrsBuilder *b = cnix_attrs_builder(&cs, 1);
    const char *names[] = {"zz-first-interned", "mm", "aa"};
    for (int i = 0; i < 3; i++) {
        CnixValue *x = cnix_alloc_value(&cs);
        cnix_set_int(&cs, x, i);
        cnix_attrs_builder_add(&cs, b, names[i], x);
    }
    CnixValue *set = cnix_alloc_value(&cs);
    cnix_set_attrs(&cs, set, b);
    CHECK(cnix_attrs_size(&cs, set) == 3, "set size");
    CHECK(strcmp(cnix_attrs_name_at(&cs, set, 0), "aa") == 0 &&
              strcmp(cnix_attrs_name_at(&cs, set, 2), "zz-first-interned") == 0,
          "name order");
    CHECK(cnix_get_int(&cs, cnix_attrs_value_at(&cs, set, 1)) == 1, "value in name order");
    CHECK(cnix_get_int(&cs, cnix_attrs_get(&cs, set, "mm")) == 1, "lookup");
    CHECK(cnix_attrs_get(&cs, set, "never-interned-name-xyz") == NULL, "missing attr");

    /* evaluating and calling Nix */
    CnixValue *f = cnix_alloc_value(&cs);
    cnix_eval_string(&cs, "a: b: a * 10 + b", f);
    CHECK(cnix_force(&cs, f) == CNIX_TYPE_FUNCTION, "lambda");
    CnixValue *args[2] = {cnix_alloc_value(&cs), cnix_alloc_value(&cs)};
    cnix_set_int(&cs, args[0], 4);
    cnix_set_int(&cs, args[1], 2);
    CnixValue *r = cnix_alloc_value(&cs);
    cnix_call(&cs, f, 2, args, r);
    CHECK(cnix_get_int(&cs, r) == 42, "call");

    /* cnix_try */
    const char *msg = NULL;
    CnixValue *out = cnix_alloc_value(&cs);
    CHECK(cnix_try(&cs, body_ok, out, &msg) && cnix_get_int(&cs, out) == 5, "try success");
    CHECK(!cnix_try(&cs, body_fails, NULL, &msg) && strcmp(msg, "inside try") == 0, "try error");

    /* misuse and errors */
    CHECK_ERROR(nul_in_string, "cannot contain a NUL byte");
    CHECK_ERROR(duplicate_attr, "duplicate attribute 'a'");
    CHECK_ERROR(builder_reused, "builder used after cnix_set_attrs");
    CHECK_ERROR(relative_path, "path 'a/b' is not absolute");
    CHECK_ERROR(null_list_elem, "list element 1 is NULL");
    CHECK_ERROR(list_index, "list index 1 is out of bounds");
    CHECK_ERROR(context_index, "string context index 0 out of range");
    CHECK_ERROR(external_type,
                "expected an external value of type 'theirs' but found one of type 'mine'");
    CHECK_ERROR(int_of_string, "expected an integer but found a string");
    CHECK_ERROR(throw_formatted, "code 7: bad");
    CHECK_ERROR(throw_type, "expected a string but found a float");

    /* plugin loading errors without any evaluation */
    const char *err = NULL;
    CHECK(native_plugins_load("/nonexistent/plugin.so", &err) == NULL && err &&
              strstr(err, "could not dynamically open plugin file '/nonexistent/plugin.so'"),
          "missing plugin: %s", err ? err : "(none)");
    const PrimOp **none = native_plugins_load("  ", &err);
    CHECK(none && none[0] == NULL, "empty plugin list");
}

int main(void)
{
    GC_INIT();
    GC_allow_register_threads();
    eval_run_with_big_stack(body, NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
