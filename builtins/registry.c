/* Opening the builtins library: the primop tables, the `builtins` set and the global scope
 * built from them. */
#include "builtins/builtins.h"

#include "builtins/derivation.h"

#include <gc/gc.h>
#include <string.h>
#include <time.h>

const PrimOp *const bi_all_tables[] = {
    prim_arith, prim_types,   prim_lists,   prim_attrs, prim_versions, prim_strings,
    prim_regex, prim_json,    prim_toml,    prim_xml,   prim_hash,     prim_context,
    prim_control, bi_import,  bi_files,     bi_fetch,   bi_derivation, bi_output_of, bi_paths,
    native_builtins, NULL,
};

const PrimOp *bi_find_primop(const char *name)
{
    for (const PrimOp *const *t = bi_all_tables; *t; t++)
        for (const PrimOp *p = *t; p->name; p++)
            if (strcmp(p->name, name) == 0)
                return p;
    return NULL;
}

/* Collects global names while the base env is built. Names are looked up by symbol id in
 * `global_at` / `attr_at` (1 + position, 0 = not bound yet), so that registering ~250 names is
 * linear: start-up runs this for every command. */
typedef struct Reg {
    EvalState *st;
    Symbol *names;    /* the global scope: names[i] bound to values[i], i < n */
    Value **values;
    uint32_t n, cap;
    Bindings *builtins;
    uint32_t *global_at, *attr_at; /* indexed by Symbol, nsyms entries */
    size_t nsyms;
} Reg;

/* Grows the symbol-indexed maps to cover s. */
static void reg_cover(Reg *r, Symbol s)
{
    if (s < r->nsyms)
        return;
    size_t n = r->nsyms;
    while (n <= s)
        n *= 2;
    uint32_t *g = GC_REALLOC(r->global_at, n * sizeof *g), *a = GC_REALLOC(r->attr_at, n * sizeof *a);
    memset(g + r->nsyms, 0, (n - r->nsyms) * sizeof *g);
    memset(a + r->nsyms, 0, (n - r->nsyms) * sizeof *a);
    r->global_at = g;
    r->attr_at = a;
    r->nsyms = n;
}

/* Binds v under `global` in the base env (if non-NULL) and as builtins.`attr` (if non-NULL);
 * a later definition of the same name replaces the earlier one. */
static void reg_bind(Reg *r, const char *global, const char *attr, Value *v)
{
    EvalState *st = r->st;
    if (global) {
        Symbol s = sym_intern_cstr(st->symbols, global);
        reg_cover(r, s);
        if (r->global_at[s])
            r->values[r->global_at[s] - 1] = v;
        else if (r->n < r->cap) {
            r->names[r->n] = s;
            r->values[r->n++] = v;
            r->global_at[s] = r->n;
        }
    }
    if (attr) {
        Symbol s = sym_intern_cstr(st->symbols, attr);
        reg_cover(r, s);
        if (r->attr_at[s])
            r->builtins->attrs[r->attr_at[s] - 1].value = v;
        else if (r->builtins->size < r->builtins->capacity) {
            attrs_push(r->builtins, s, 0, v);
            r->attr_at[s] = r->builtins->size;
        }
    }
}

/* "__" + name into buf (names are short identifiers; longer ones are cut, never overflow). */
static const char *dunder(char *buf, size_t size, const char *name)
{
    size_t n = strlen(name);
    if (n > size - 3)
        n = size - 3;
    buf[0] = buf[1] = '_';
    memcpy(buf + 2, name, n);
    buf[n + 2] = 0;
    return buf;
}

static void reg_const(Reg *r, const char *name, Value *v, bool global_plain)
{
    char buf[128];
    reg_bind(r, global_plain ? name : dunder(buf, sizeof buf, name), name, v);
}

static Value *str_value(EvalState *st, const char *s)
{
    Value *v = val_alloc(st);
    val_make_string(v, s);
    return v;
}

/* CppNix binds these primops only when their experimental feature is enabled ("flakes"
 * enables "fetch-tree" as well). */
static const struct {
    const char *name, *feature;
} gated[] = {
    {"fetchTree", "fetch-tree"}, {"fetchClosure", "fetch-closure"}, {"outputOf", "dynamic-derivations"},
    {"parseFlakeRef", "flakes"}, {"flakeRefToString", "flakes"},     {"getFlake", "flakes"},
};

static bool primop_enabled(const EvalState *st, const char *name)
{
    for (size_t i = 0; i < sizeof gated / sizeof gated[0]; i++)
        if (strcmp(gated[i].name, name) == 0)
            return eval_feature_enabled(&st->settings, gated[i].feature) ||
                   (strcmp(gated[i].feature, "fetch-tree") == 0 && eval_feature_enabled(&st->settings, "flakes"));
    return true;
}

void bi_open_all(EvalState *st, struct Store *store)
{
    bi_store_init(st, store);
    uint32_t nprims = 0;
    for (const PrimOp *const *t = bi_all_tables; *t; t++)
        for (const PrimOp *p = *t; p->name; p++)
            nprims++;
    Reg r;
    r.st = st;
    r.cap = 2 * nprims + 64;
    r.n = 0;
    r.names = GC_MALLOC_ATOMIC(r.cap * sizeof(Symbol));
    r.values = GC_MALLOC(r.cap * sizeof(Value *));
    r.builtins = attrs_alloc(st, nprims + 32);
    r.nsyms = sym_count(st->symbols) + 2 * nprims + 64;
    r.global_at = GC_MALLOC_ATOMIC(r.nsyms * sizeof(uint32_t));
    r.attr_at = GC_MALLOC_ATOMIC(r.nsyms * sizeof(uint32_t));
    memset(r.global_at, 0, r.nsyms * sizeof(uint32_t));
    memset(r.attr_at, 0, r.nsyms * sizeof(uint32_t));

    for (const PrimOp *const *t = bi_all_tables; *t; t++)
        for (const PrimOp *p = *t; p->name; p++) {
            if (!primop_enabled(st, p->name))
                continue;
            Value *v = val_alloc(st);
            v->type = T_PRIMOP;
            v->primop = p;
            char buf[128];
            /* CppNix binds a primop under the one name it was registered with */
            reg_bind(&r, p->flags & PRIM_GLOBAL ? p->name : dunder(buf, sizeof buf, p->name), p->name, v);
        }

    reg_const(&r, "true", val_true(st), true);
    reg_const(&r, "false", val_false(st), true);
    reg_const(&r, "null", val_null(st), true);

    if (!st->settings.pure_eval) {
        reg_const(&r, "currentSystem", str_value(st, st->settings.system), false);
        Value *ct = val_alloc(st);
        val_set_int(ct, (int64_t)time(NULL));
        reg_const(&r, "currentTime", ct, false);
    }
    reg_const(&r, "nixVersion", str_value(st, "2.25.0"), false);
    Value *lv = val_alloc(st);
    val_set_int(lv, 6);
    reg_const(&r, "langVersion", lv, false);
    reg_const(&r, "storeDir", str_value(st, st->settings.store_dir), false);

    /* __nixPath: [ { path = "..."; prefix = "..."; } ... ] */
    uint32_t n = st->settings.nix_path_len;
    Value **el = val_list_alloc(st, n);
    for (uint32_t i = 0; i < n; i++) {
        Bindings *b = attrs_alloc(st, 2);
        attrs_push(b, st->s.path, 0, str_value(st, st->settings.nix_path[i].path));
        attrs_push(b, st->s.prefix, 0, str_value(st, st->settings.nix_path[i].prefix));
        attrs_sort(b);
        el[i] = val_alloc(st);
        val_set_attrs(el[i], b);
    }
    Value *np = val_alloc(st);
    val_set_list(np, el, n);
    reg_const(&r, "nixPath", np, false);

    Value *dv = val_alloc(st);
    bi_derivation_value(st, dv);
    reg_const(&r, "derivation", dv, true);

    Value *bv = val_alloc(st);
    val_set_attrs(bv, r.builtins);
    reg_const(&r, "builtins", bv, true);
    attrs_sort(r.builtins);
    st->builtins = bv;

    eval_set_globals(st, r.names, r.values, r.n);
    GC_FREE(r.names);
    GC_FREE(r.values);
    GC_FREE(r.global_at);
    GC_FREE(r.attr_at);
}
