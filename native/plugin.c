/* Plugins: loading shared objects, primops of any arity called through libffi, late binding. */
#include <dirent.h>
#include <dlfcn.h>
#include <ffi.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtins/builtins.h"
#include "native/native.h"
#include "util/sort.h"

/* One plugin primop. Lives for the whole process (plugins are never unloaded),
 * in uncollectable but scanned memory because the libffi closure, which the
 * collector cannot see, is the only thing pointing at it. */
typedef struct PluginPrimOp {
    PrimOp op;          /* op.fn is the closure's code address */
    ffi_cif cif;        /* void fn(CnixState *, CnixValue *out, CnixValue *a1..aN) */
    ffi_type *atypes[2 + CNIX_MAX_ARITY];
    ffi_cif tramp_cif;  /* PrimOpFn's interface, which the closure implements */
    ffi_type *tramp_atypes[4];
    void (*target)(void);
    ffi_closure *closure;
} PluginPrimOp;

/* The primops registered so far, collected across all plugins of one load. */
typedef struct PrimOpList {
    const PrimOp **items;
    size_t n, cap;
} PrimOpList;

struct CnixPlugin {
    const char *path;
    PrimOpList *list;
    char error[512];
};

/* The closure body: unpacks (st, pos, args, out) and calls the plugin's function
 * with one parameter per argument through the call interface prepared at registration. */
static void trampoline(ffi_cif *cif, void *ret, void **ffi_args, void *data)
{
    (void)cif;
    (void)ret;
    PluginPrimOp *pp = data;
    EvalState *st = *(EvalState **)ffi_args[0];
    PosIdx pos = *(PosIdx *)ffi_args[1];
    Value **args = *(Value ***)ffi_args[2];
    Value *out = *(Value **)ffi_args[3];

    CnixState cs = {st, pos, NULL, NULL};
    CnixState *csp = &cs;
    Value *res = val_alloc(st);
    /* No API call produces a blackhole: it marks a result the plugin never set. */
    res->type = T_BLACKHOLE;
    void *avalues[2 + CNIX_MAX_ARITY];
    avalues[0] = &csp;
    avalues[1] = &res;
    for (unsigned i = 0; i < pp->op.arity; i++)
        avalues[2 + i] = &args[i];
    ffi_call(&pp->cif, pp->target, NULL, avalues);
    if (res->type == T_BLACKHOLE)
        eval_error(st, ERR_EVAL, pos, "primop '%s' from a plugin did not set its result",
                   pp->op.name);
    *out = *res;
}

static bool valid_name(const char *name)
{
    if (!name || !(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z') ||
                   (name[0] >= 'A' && name[0] <= 'Z')))
        return false;
    for (const char *p = name; *p; p++)
        if (!(*p == '_' || *p == '-' || *p == '\'' || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

static char *dup_uncollectable(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = GC_MALLOC_ATOMIC_UNCOLLECTABLE(n);
    memcpy(d, s, n);
    return d;
}

int cnix_register_primop(CnixPlugin *pl, const char *name, unsigned arity, const char *args,
                         const char *doc, CnixPrimOpFn fn)
{
    if (!valid_name(name)) {
        snprintf(pl->error, sizeof pl->error, "invalid primop name '%s'", name ? name : "(null)");
        return -1;
    }
    if (arity < 1 || arity > CNIX_MAX_ARITY) {
        snprintf(pl->error, sizeof pl->error, "primop '%s' has arity %u; it must be 1 to %d", name,
                 arity, CNIX_MAX_ARITY);
        return -1;
    }
    if (!fn) {
        snprintf(pl->error, sizeof pl->error, "primop '%s' has no function", name);
        return -1;
    }
    PluginPrimOp *pp = GC_MALLOC_UNCOLLECTABLE(sizeof *pp);
    pp->target = fn;
    pp->atypes[0] = &ffi_type_pointer;
    pp->atypes[1] = &ffi_type_pointer;
    for (unsigned i = 0; i < arity; i++)
        pp->atypes[2 + i] = &ffi_type_pointer;
    if (ffi_prep_cif(&pp->cif, FFI_DEFAULT_ABI, 2 + arity, &ffi_type_void, pp->atypes) != FFI_OK) {
        snprintf(pl->error, sizeof pl->error, "libffi cannot prepare a call to primop '%s'", name);
        return -1;
    }
    /* PrimOpFn (st, pos, args, out) as seen by the closure. */
    pp->tramp_atypes[0] = &ffi_type_pointer;
    pp->tramp_atypes[1] = &ffi_type_uint32;
    pp->tramp_atypes[2] = &ffi_type_pointer;
    pp->tramp_atypes[3] = &ffi_type_pointer;
    void *code = NULL;
    pp->closure = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!pp->closure ||
        ffi_prep_cif(&pp->tramp_cif, FFI_DEFAULT_ABI, 4, &ffi_type_void, pp->tramp_atypes) !=
            FFI_OK ||
        ffi_prep_closure_loc(pp->closure, &pp->tramp_cif, trampoline, pp, code) != FFI_OK) {
        snprintf(pl->error, sizeof pl->error, "libffi cannot create a closure for primop '%s'",
                 name);
        return -1;
    }
    pp->op.name = dup_uncollectable(name);
    pp->op.arity = (uint8_t)arity;
    pp->op.flags = 0;
    pp->op.args = dup_uncollectable(args ? args : "");
    pp->op.doc = dup_uncollectable(doc ? doc : "");
    /* The closure's code address is a function with PrimOpFn's signature. */
    pp->op.fn = (PrimOpFn)code;

    PrimOpList *l = pl->list;
    if (l->n + 2 > l->cap) {
        l->cap = l->cap * 2 + 8;
        const PrimOp **items = GC_MALLOC_UNCOLLECTABLE(l->cap * sizeof *items);
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        GC_FREE(l->items);
        l->items = items;
    }
    l->items[l->n++] = &pp->op;
    l->items[l->n] = NULL;
    return 0;
}

const char *cnix_plugin_path(const CnixPlugin *pl) { return pl->path; }

void cnix_plugin_set_error(CnixPlugin *pl, const char *message)
{
    snprintf(pl->error, sizeof pl->error, "%s", message ? message : "");
}

typedef int (*PluginInit)(CnixPlugin *);

static char *fmt_error(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = GC_MALLOC_ATOMIC(n);
    snprintf(s, n, fmt, a, b);
    return s;
}

static bool load_one(const char *path, PrimOpList *list, const char **err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        *err = fmt_error("could not dynamically open plugin file '%s': %s", path, dlerror());
        return false;
    }
    dlerror();
    PluginInit init = (PluginInit)dlsym(h, "cnix_plugin_init");
    if (!init) {
        *err = fmt_error("plugin file '%s' has no function 'cnix_plugin_init'%s", path, "");
        return false;
    }
    CnixPlugin pl = {.path = path, .list = list};
    size_t before = list->n;
    int rc = init(&pl);
    if (rc != 0 || pl.error[0]) {
        list->n = before;
        if (list->items)
            list->items[before] = NULL;
        *err = fmt_error("plugin '%s' failed to initialise: %s", path,
                         pl.error[0] ? pl.error : "cnix_plugin_init returned an error");
        return false;
    }
    return true;
}

/* A directory stands for all its files, in name order (as CppNix does). */
static bool load_path(const char *path, PrimOpList *list, const char **err)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return load_one(path, list, err);
    DIR *d = opendir(path);
    if (!d)
        return load_one(path, list, err);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap * 2 + 8;
            names = realloc(names, cap * sizeof *names);
        }
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        names[n] = malloc(len);
        snprintf(names[n], len, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, sort_cmp_str);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            char *p = GC_MALLOC_ATOMIC(strlen(names[i]) + 1);
            strcpy(p, names[i]);
            ok = load_one(p, list, err);
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

const PrimOp **native_plugins_load(const char *files, const char **err)
{
    PrimOpList *list = GC_MALLOC_UNCOLLECTABLE(sizeof *list);
    list->cap = 8;
    list->items = GC_MALLOC_UNCOLLECTABLE(list->cap * sizeof *list->items);
    list->items[0] = NULL;
    for (const char *p = files ? files : ""; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        if (p == start)
            break;
        char *path = GC_MALLOC_ATOMIC((size_t)(p - start) + 1);
        memcpy(path, start, (size_t)(p - start));
        path[p - start] = 0;
        if (!load_path(path, list, err))
            return NULL;
    }
    return list->items;
}

const char *native_plugin_files(const EvalSettings *s)
{
    if (s->plugin_files)
        return s->plugin_files;
    return getenv("CNIX_PLUGIN_FILES");
}

/* Binds p as builtins.NAME, replacing a builtin of that name (p lives as long as st). */
static void bind_plugin_primop(EvalState *st, const PrimOp *p)
{
    Symbol name = sym_intern_cstr(st->symbols, p->name);
    Value *fn = val_alloc(st);
    fn->type = T_PRIMOP;
    fn->primop = p;
    /* Sets are immutable values, so build a new one and swap it into the shared
     * `builtins` value: every reference to builtins sees the addition. */
    Bindings *old = val_attrs(st->builtins);
    Bindings *b = attrs_alloc(st, old->size + 1);
    for (uint32_t i = 0; i < old->size; i++)
        if (old->attrs[i].name != name)
            attrs_push(b, old->attrs[i].name, old->attrs[i].pos, old->attrs[i].value);
    attrs_push(b, name, 0, fn);
    attrs_sort(b);
    b->pos = old->pos;
    st->builtins->attrs = b;
}

bool native_load_plugins(EvalState *st, const char **err)
{
    const char *files = native_plugin_files(&st->settings);
    if (!files || !*files)
        return true;
    const PrimOp **ops = native_plugins_load(files, err);
    if (!ops)
        return false;
    for (; *ops; ops++)
        bind_plugin_primop(st, *ops);
    return true;
}


static const char *opt_value(int argc, char **argv, int *i, const char *name, const char **err)
{
    if (*i + 1 >= argc) {
        *err = fmt_error("flag '%s' requires 1 argument%s", name, "");
        return NULL;
    }
    return argv[++*i];
}

static bool parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0)
        *out = false;
    else
        return false;
    return true;
}

bool native_cli_option(EvalSettings *s, int argc, char **argv, int *i, const char **err)
{
    const char *a = argv[*i];
    if (strcmp(a, "--allow-unsafe-native-code-during-evaluation") == 0) {
        s->allow_unsafe_native = true;
        return true;
    }
    if (strcmp(a, "--no-allow-unsafe-native-code-during-evaluation") == 0) {
        s->allow_unsafe_native = false;
        return true;
    }
    if (strcmp(a, "--plugin-files") == 0) {
        const char *v = opt_value(argc, argv, i, a, err);
        if (v)
            s->plugin_files = v;
        return true;
    }
    if (strcmp(a, "--option") == 0 && *i + 1 < argc &&
        (strcmp(argv[*i + 1], "plugin-files") == 0 ||
         strcmp(argv[*i + 1], "allow-unsafe-native-code-during-evaluation") == 0)) {
        if (*i + 2 >= argc) {
            *err = "flag '--option' requires 2 arguments";
            *i = argc - 1;
            return true;
        }
        const char *key = argv[*i + 1], *v = argv[*i + 2];
        *i += 2;
        if (key[0] == 'p')
            s->plugin_files = v;
        else if (!parse_bool(v, &s->allow_unsafe_native))
            *err = fmt_error("option '%s' has invalid value '%s'", key, v);
        return true;
    }
    return false;
}
