/* cnix plugin API: the stable C interface through which native code inspects and builds Nix values. */
#ifndef CNIX_PLUGIN_H
#define CNIX_PLUGIN_H

/*
 * A plugin is a shared object loaded with `--plugin-files LIB.so` (or the
 * CNIX_PLUGIN_FILES environment variable, a space-separated list). cnix calls
 * its exported entry point
 *
 *     int cnix_plugin_init(CnixPlugin *plugin);
 *
 * once, before any evaluation. The entry point registers primops with
 * cnix_register_primop and returns 0 (any other value aborts start-up with an
 * error naming the plugin). A primop of arity N is a plain C function
 *
 *     void my_primop(CnixState *st, CnixValue *out, CnixValue *a1, ..., CnixValue *aN);
 *
 * that reads its arguments (they arrive unevaluated: use the cnix_get_* or
 * cnix_force functions) and writes its result to *out with a cnix_set_*
 * function. cnix calls it through a libffi call interface prepared at
 * registration, so any arity from 1 to CNIX_MAX_ARITY works without
 * boilerplate. The primop appears as `builtins.NAME` and in `cnix doc`.
 *
 * The same API serves `builtins.importNative PATH SYMBOL`, whose SYMBOL is a
 *
 *     void init(CnixState *st, CnixValue *out);
 *
 * that sets *out to any value (often a function obtained with cnix_eval_string
 * or an attribute set of values).
 *
 * Errors. Every function that takes a CnixState may raise a Nix error (a type
 * mismatch, an error inside a called Nix function, cnix_throw). Raising an
 * error does not return: it unwinds straight to the nearest Nix-level handler
 * (longjmp), skipping the rest of your C function. Do not hold malloc'd
 * memory, open files or locks across such calls, or wrap the work in
 * cnix_try, which catches the error and hands you its message.
 *
 * Memory. Values live on cnix's garbage-collected heap. Pointers held in local
 * variables, in the arguments, in other values and in the plugin's own global
 * variables are seen by the collector; pointers stored only in malloc'd
 * memory are not, and their values may be freed. Strings returned by the API
 * are owned by the collector too: copy them if you keep them in malloc'd memory.
 * CnixState pointers are valid only during the call that received them.
 *
 * Compile a plugin with:  cc -shared -fPIC -I CNIX/include plugin.c -o plugin.so
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define CNIX_NORETURN [[noreturn]]
extern "C" {
#else
#define CNIX_NORETURN _Noreturn
#endif

/* Bumped when a function is added; existing functions keep their meaning. */
#define CNIX_PLUGIN_API_VERSION 1
/* The largest primop arity cnix can call. */
#define CNIX_MAX_ARITY 8

typedef struct CnixState CnixState;         /* one primop call's evaluator context */
typedef struct CnixValue CnixValue;         /* a Nix value (possibly unevaluated) */
typedef struct CnixPlugin CnixPlugin;       /* a plugin being initialised */
typedef struct CnixAttrsBuilder CnixAttrsBuilder;

typedef enum CnixType {
    CNIX_TYPE_NULL,
    CNIX_TYPE_BOOL,
    CNIX_TYPE_INT,
    CNIX_TYPE_FLOAT,
    CNIX_TYPE_STRING,
    CNIX_TYPE_PATH,
    CNIX_TYPE_LIST,
    CNIX_TYPE_ATTRS,
    CNIX_TYPE_FUNCTION, /* lambdas, primops and partial applications */
    CNIX_TYPE_EXTERNAL, /* an opaque native pointer */
} CnixType;

/* The API version of the running cnix (>= the CNIX_PLUGIN_API_VERSION a plugin was built with). */
unsigned cnix_api_version(void);

/* ---------- registration ---------- */

/* A primop function of any arity, cast with CNIX_PRIMOP_FN. */
typedef void (*CnixPrimOpFn)(void);
#define CNIX_PRIMOP_FN(f) ((CnixPrimOpFn)(void (*)(void))(f))

/* Defined by the plugin; returns 0 on success. */
int cnix_plugin_init(CnixPlugin *plugin);

/* Registers builtins.NAME with ARITY (1..CNIX_MAX_ARITY) arguments named by
 * the space-separated ARGS ("f list") and a Markdown DOC string. A name that
 * is already a builtin is replaced. Returns 0, or -1 (with the reason recorded
 * for the start-up error) on a bad name, arity or NULL function. */
int cnix_register_primop(CnixPlugin *plugin, const char *name, unsigned arity, const char *args,
                         const char *doc, CnixPrimOpFn fn);
/* The path the plugin was loaded from. */
const char *cnix_plugin_path(const CnixPlugin *plugin);
/* Records why cnix_plugin_init is about to fail (shown in the error). */
void cnix_plugin_set_error(CnixPlugin *plugin, const char *message);

/* ---------- inspecting values ---------- */

/* Evaluates v to weak head normal form and returns its type. */
CnixType cnix_force(CnixState *st, CnixValue *v);
/* Evaluates v completely (list elements and attribute values too). */
void cnix_force_deep(CnixState *st, CnixValue *v);
/* CppNix's description of v's type: "an integer", "a set", ... (forces v). */
const char *cnix_type_name(CnixState *st, CnixValue *v);

/* Each getter forces v and raises a type error if v has another type. */
int64_t cnix_get_int(CnixState *st, CnixValue *v);
double cnix_get_float(CnixState *st, CnixValue *v); /* integers are converted */
bool cnix_get_bool(CnixState *st, CnixValue *v);
/* A string's bytes (NUL-terminated, no NUL inside); *len gets its length if len != NULL. */
const char *cnix_get_string(CnixState *st, CnixValue *v, size_t *len);
/* The string context of a string value: store paths it refers to. */
size_t cnix_string_context_size(CnixState *st, CnixValue *v);
const char *cnix_string_context_elem(CnixState *st, CnixValue *v, size_t i);
/* Coerces like "${v}" (strings, paths, sets with outPath or __toString); context is dropped. */
const char *cnix_coerce_to_string(CnixState *st, CnixValue *v, size_t *len);
/* An absolute path value. */
const char *cnix_get_path(CnixState *st, CnixValue *v);
/* Lists: elements are returned unevaluated. */
size_t cnix_list_size(CnixState *st, CnixValue *list);
CnixValue *cnix_list_elem(CnixState *st, CnixValue *list, size_t i);
/* Attribute sets: lookup by name (NULL if absent); iteration in name order. */
size_t cnix_attrs_size(CnixState *st, CnixValue *attrs);
CnixValue *cnix_attrs_get(CnixState *st, CnixValue *attrs, const char *name);
const char *cnix_attrs_name_at(CnixState *st, CnixValue *attrs, size_t i);
CnixValue *cnix_attrs_value_at(CnixState *st, CnixValue *attrs, size_t i);
/* An external value's pointer; if type_name is not NULL it must match the one it was made with. */
void *cnix_get_external(CnixState *st, CnixValue *v, const char *type_name);

/* ---------- building values ---------- */

/* A fresh value (null) on the collected heap. */
CnixValue *cnix_alloc_value(CnixState *st);
void cnix_set_null(CnixState *st, CnixValue *v);
void cnix_set_bool(CnixState *st, CnixValue *v, bool b);
void cnix_set_int(CnixState *st, CnixValue *v, int64_t i);
void cnix_set_float(CnixState *st, CnixValue *v, double f);
/* Strings are copied. */
void cnix_set_string(CnixState *st, CnixValue *v, const char *s);
void cnix_set_string_len(CnixState *st, CnixValue *v, const char *s, size_t len); /* no NUL inside */
/* A string carrying context (store paths in CppNix's encoding: "/nix/store/..",
 * "=/nix/store/...drv", "!out!/nix/store/...drv"). */
void cnix_set_string_with_context(CnixState *st, CnixValue *v, const char *s,
                                  const char *const *context, size_t ncontext);
void cnix_set_path(CnixState *st, CnixValue *v, const char *absolute_path);
/* A list of the given element values (the pointers are copied, not the values). */
void cnix_set_list(CnixState *st, CnixValue *v, CnixValue *const *elems, size_t n);
/* Attribute sets: collect name/value pairs, then turn them into a set. */
CnixAttrsBuilder *cnix_attrs_builder(CnixState *st, size_t capacity_hint);
void cnix_attrs_builder_add(CnixState *st, CnixAttrsBuilder *b, const char *name, CnixValue *value);
void cnix_set_attrs(CnixState *st, CnixValue *v, CnixAttrsBuilder *b); /* duplicate names are an error */
/* An opaque pointer; builtins.typeOf shows it as an external value. */
void cnix_set_external(CnixState *st, CnixValue *v, void *ptr, const char *type_name);
/* *dst = value of src (src is forced first). */
void cnix_copy(CnixState *st, CnixValue *dst, CnixValue *src);

/* ---------- calling Nix ---------- */

/* Applies fn to nargs arguments and evaluates the result into out. */
void cnix_call(CnixState *st, CnixValue *fn, size_t nargs, CnixValue *const *args, CnixValue *out);
/* Parses and evaluates a Nix expression (relative paths resolve against "/"). */
void cnix_eval_string(CnixState *st, const char *expr, CnixValue *out);

/* ---------- errors ---------- */

/* Raises a Nix evaluation error at the primop's call site (printf format). Does not return. */
CNIX_NORETURN void cnix_throw(CnixState *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Raises "expected EXPECTED but found TYPE: VALUE" (expected like "a string"). */
CNIX_NORETURN void cnix_throw_type(CnixState *st, const char *expected, CnixValue *found);

/* Runs body(st, data); returns true if it finished, or false if it raised a
 * Nix error, whose message (without "error: ") is stored in *message if not NULL. */
typedef void (*CnixTryFn)(CnixState *st, void *data);
bool cnix_try(CnixState *st, CnixTryFn body, void *data, const char **message);

#ifdef __cplusplus
}
#endif

#endif
