/* Primop family prim_context: inspecting and changing string contexts. */
#include "primops/primops.h"
#include "primops/ctxbuf.h"

#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>

static bool is_drv_path(const char *p)
{
    size_t n = strlen(p);
    return n >= 4 && strcmp(p + n - 4, ".drv") == 0;
}

/* Whether s is directly inside the store: STOREDIR/<32 nix32 chars>-<name>. */
static bool is_store_path(EvalState *st, const char *s)
{
    const char *dir = st->settings.store_dir ? st->settings.store_dir : "/nix/store";
    size_t dl = strlen(dir);
    if (strncmp(s, dir, dl) != 0 || s[dl] != '/')
        return false;
    const char *base = s + dl + 1;
    size_t bl = strlen(base);
    if (bl < 34 || base[32] != '-' || bl > 32 + 1 + 211)
        return false;
    for (int i = 0; i < 32; i++)
        if (!strchr("0123456789abcdfghijklmnpqrsvwxyz", base[i]) || !base[i])
            return false;
    const char *name = base + 33;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("+-._?=", *c)))
            return false;
    return true;
}

static const char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *r = val_str_alloc(la + lb + lc);
    memcpy(r, a, la);
    memcpy(r + la, b, lb);
    memcpy(r + la + lb, c, lc);
    r[la + lb + lc] = 0;
    return r;
}

static void prim_unsafe_discard_string_context(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    size_t len;
    const char *s = eval_coerce_to_string(st, args[0], 0,
        "while evaluating the argument passed to builtins.unsafeDiscardStringContext",
        COERCE_COPY_TO_STORE, NULL, &len);
    val_set_string(out, s, len, NULL);
}

static void prim_has_context(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string(st, args[0], 0, "while evaluating the argument passed to builtins.hasContext");
    val_set_bool(out, args[0]->str.ctx && args[0]->str.ctx->n > 0);
}

static void prim_unsafe_discard_output_dependency(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const StrContext *ctx = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, args[0], 0,
        "while evaluating the argument passed to builtins.unsafeDiscardOutputDependency",
        COERCE_COPY_TO_STORE, &ctx, &len);
    CtxBuf cb;
    prim_ctxbuf_init(&cb);
    for (uint32_t i = 0; ctx && i < ctx->n; i++)
        prim_ctxbuf_add(&cb, ctx->elems[i][0] == '=' ? ctx->elems[i] + 1 : ctx->elems[i]);
    val_set_string(out, s, len, prim_ctxbuf_finish(&cb));
}

static void prim_add_drv_output_dependencies(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const StrContext *ctx = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, args[0], 0,
        "while evaluating the argument passed to builtins.addDrvOutputDependencies",
        COERCE_COPY_TO_STORE, &ctx, &len);
    uint32_t n = ctx ? ctx->n : 0;
    if (n != 1)
        eval_error(st, ERR_EVAL, 0, "context of string '%s' must have exactly one element, but has %u", s, n);
    const char *e = ctx->elems[0];
    if (e[0] == '!') {
        const char *end = strchr(e + 1, '!');
        int olen = end ? (int)(end - e - 1) : (int)strlen(e + 1);
        eval_error(st, ERR_EVAL, 0,
                   "`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as '%.*s'",
                   olen, e + 1);
    }
    if (e[0] != '=') {
        if (!is_drv_path(e))
            eval_error(st, ERR_EVAL, 0, "path '%s' is not a derivation", e);
        e = cat3("=", e, "");
    }
    val_set_string(out, s, len, ctx_single(e));
}

typedef struct CtxInfo {
    const char *path;
    bool is_path, all_outputs;
    const char **outputs;
    uint32_t noutputs;
} CtxInfo;

/* One decoded context element: kind is '=' (all outputs), '!' (an output) or '/'. */
typedef struct CtxEntry {
    const char *path;
    const char *output;
    char kind;
} CtxEntry;

static int cmp_entry(const void *a, const void *b)
{
    const CtxEntry *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    if (!x->output || !y->output)
        return (x->output != NULL) - (y->output != NULL);
    return strcmp(x->output, y->output);
}

static void prim_get_context(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_string(st, args[0], 0, "while evaluating the argument passed to builtins.getContext");
    const StrContext *ctx = args[0]->str.ctx;
    uint32_t n = ctx ? ctx->n : 0;
    /* Decode every element, sort by (path, output) and group by path: linear
     * after the sort, however many elements the string carries. */
    CtxEntry *ents = GC_MALLOC((n + 1) * sizeof *ents);
    uint32_t ne = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *e = ctx->elems[i];
        CtxEntry *x = &ents[ne];
        x->kind = e[0];
        x->path = e;
        x->output = NULL;
        if (e[0] == '=') {
            x->path = e + 1;
        } else if (e[0] == '!') {
            const char *end = strchr(e + 1, '!');
            if (!end)
                continue;
            x->output = val_str_dup(e + 1, (size_t)(end - e - 1));
            x->path = end + 1;
        }
        ne++;
    }
    qsort(ents, ne, sizeof *ents, cmp_entry);
    CtxInfo *infos = GC_MALLOC((ne + 1) * sizeof *infos);
    uint32_t ninfos = 0;
    for (uint32_t i = 0; i < ne; i++) {
        CtxEntry *x = &ents[i];
        if (!ninfos || strcmp(infos[ninfos - 1].path, x->path) != 0) {
            infos[ninfos].path = x->path;
            infos[ninfos].outputs = GC_MALLOC((ne - i) * sizeof(const char *));
            ninfos++;
        }
        CtxInfo *info = &infos[ninfos - 1];
        if (x->kind == '=')
            info->all_outputs = true;
        else if (x->kind == '!')
            info->outputs[info->noutputs++] = x->output;
        else
            info->is_path = true;
    }

    Symbol s_path = sym_intern_cstr(st->symbols, "path");
    Symbol s_all = sym_intern_cstr(st->symbols, "allOutputs");
    Bindings *b = attrs_alloc(st, ninfos);
    for (uint32_t i = 0; i < ninfos; i++) {
        CtxInfo *info = &infos[i];
        Bindings *ib = attrs_alloc(st, 3);
        if (info->is_path) {
            Value *t = val_alloc(st);
            val_set_bool(t, true);
            attrs_push(ib, s_path, 0, t);
        }
        if (info->all_outputs) {
            Value *t = val_alloc(st);
            val_set_bool(t, true);
            attrs_push(ib, s_all, 0, t);
        }
        if (info->noutputs) {
            Value **l = val_list_alloc(st, info->noutputs);
            for (uint32_t j = 0; j < info->noutputs; j++) {
                l[j] = val_alloc(st);
                val_make_string(l[j], info->outputs[j]);
            }
            Value *lv = val_alloc(st);
            val_set_list(lv, l, info->noutputs);
            attrs_push(ib, st->s.outputs, 0, lv);
        }
        attrs_sort(ib);
        Value *iv = val_alloc(st);
        val_set_attrs(iv, ib);
        attrs_push(b, sym_intern_cstr(st->symbols, info->path), 0, iv);
    }
    attrs_sort(b);
    val_set_attrs(out, b);
}

static void prim_append_context(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_force_string(st, args[0], 0,
        "while evaluating the first argument passed to builtins.appendContext");
    size_t len = args[0]->len;
    CtxBuf cb;
    prim_ctxbuf_init(&cb);
    prim_ctxbuf_add_ctx(&cb, args[0]->str.ctx);
    Bindings *b = eval_force_attrs(st, args[1], 0,
        "while evaluating the second argument passed to builtins.appendContext");
    Symbol s_path = sym_intern_cstr(st->symbols, "path");
    Symbol s_all = sym_intern_cstr(st->symbols, "allOutputs");

    /* Walked in symbol order like CppNix, so the same bad key is reported first. */
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[k];
        const char *name = sym_name(st->symbols, a->name);
        if (!is_store_path(st, name))
            eval_error(st, ERR_EVAL, a->pos, "context key '%s' is not a store path", name);
        Bindings *info = eval_force_attrs(st, a->value, a->pos, "while evaluating the value of a string context");
        Attr *x = attrs_find(info, s_path);
        if (x && eval_force_bool(st, x->value, x->pos, "while evaluating the `path` attribute of a string context"))
            prim_ctxbuf_add(&cb, name);
        x = attrs_find(info, s_all);
        if (x && eval_force_bool(st, x->value, x->pos,
                                 "while evaluating the `allOutputs` attribute of a string context")) {
            if (!is_drv_path(name))
                eval_error(st, ERR_EVAL, a->pos,
                           "tried to add all-outputs context of %s, which is not a derivation, to a string", name);
            prim_ctxbuf_add(&cb, cat3("=", name, ""));
        }
        x = attrs_find(info, st->s.outputs);
        if (x) {
            eval_force_list(st, x->value, x->pos, "while evaluating the `outputs` attribute of a string context");
            if (x->value->len && !is_drv_path(name))
                eval_error(st, ERR_EVAL, a->pos,
                           "tried to add derivation output context of %s, which is not a derivation, to a string",
                           name);
            for (uint32_t j = 0; j < x->value->len; j++) {
                const char *o = eval_force_string_no_ctx(st, val_list(x->value)[j], x->pos,
                    "while evaluating an output name within a string context");
                prim_ctxbuf_add(&cb, cat3("!", o, cat3("!", name, "")));
            }
        }
    }
    val_set_string(out, s, len, prim_ctxbuf_finish(&cb));
}

const PrimOp prim_context[] = {
    {"unsafeDiscardStringContext", 1, 0, "s",
     "Return the string *s* (coerced like interpolation does) without its context.\n\n"
     "    builtins.hasContext (builtins.unsafeDiscardStringContext \"${drv}\")   # false",
     prim_unsafe_discard_string_context},
    {"hasContext", 1, 0, "s",
     "Return whether the string *s* has a non-empty context.\n\n"
     "    builtins.hasContext \"foo\"   # false",
     prim_has_context},
    {"unsafeDiscardOutputDependency", 1, 0, "s",
     "Turn every derivation-deep context element of *s* (as created by `drvPath`) into a plain\n"
     "reference to the `.drv` file, so that using the string does not require building outputs.\n\n"
     "    builtins.unsafeDiscardOutputDependency drv.drvPath",
     prim_unsafe_discard_output_dependency},
    {"addDrvOutputDependencies", 1, 0, "s",
     "The inverse of `unsafeDiscardOutputDependency`: *s* must have exactly one context element,\n"
     "a `.drv` path, which becomes a derivation-deep element (all outputs and their closure).\n\n"
     "    builtins.addDrvOutputDependencies (builtins.unsafeDiscardOutputDependency drv.drvPath)",
     prim_add_drv_output_dependencies},
    {"getContext", 1, 0, "s",
     "Return the context of *s* as a set from store paths to `{ path = true; }` (plain\n"
     "reference), `{ allOutputs = true; }` (derivation deep) and `{ outputs = [ ... ]; }`.\n\n"
     "    builtins.getContext \"${drv}\"   # { \"/nix/store/...drv\" = { outputs = [ \"out\" ]; }; }",
     prim_get_context},
    {"appendContext", 2, 0, "s context",
     "Add to *s* the context described by *context*, a set in the format `getContext` returns.\n"
     "Keys must be store paths; `allOutputs` and `outputs` need `.drv` paths.\n\n"
     "    builtins.appendContext \"x\" { \"/nix/store/...-a\" = { path = true; }; }",
     prim_append_context},
    {0},
};
