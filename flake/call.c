/* Calling a locked flake: every node's outputs function gets self and its inputs, fetched
 * lazily from the lock file, as CppNix's callFlake and call-flake.nix do. */
#include <gc.h>
#include <string.h>
#include <time.h>

#include "flake/flake.h"
#include "flake/internal.h"

/* Arguments: the lock file's JSON text, and for each node key what is already known:
 * { sourceInfo (when fetched in this run), dir, extra (attributes the lock file pins,
 * which fetchTree does not report: revCount, lastModified) }. */
static const char call_flake_nix[] =
    "lockText: known: fetchFinal:\n"
    "let\n"
    "  lock = builtins.fromJSON lockText;\n"
    "  # an input is a node key, or a follows path from the root\n"
    "  keyOf = spec: if builtins.isList spec then walk lock.root spec else spec;\n"
    "  walk = key: path:\n"
    "    if path == [ ] then key\n"
    "    else walk (keyOf lock.nodes.${key}.inputs.${builtins.head path}) (builtins.tail path);\n"
    "  built = builtins.mapAttrs (key: node:\n"
    "    let\n"
    "      k = known.${key} or { };\n"
    "      parent = built.${walk lock.root node.parent};\n"
    "      relative = node ? locked && node.locked.type == \"path\" && builtins.substring 0 1 node.locked.path != \"/\";\n"
    "      ownDir = k.dir or node.locked.path or \"\";\n"
    "      flakeDir = if node ? parent then parent.flakeDir + \"/\" + ownDir else ownDir;\n"
    "      sourceInfo =\n"
    "        if k ? sourceInfo then k.sourceInfo\n"
    "        else if relative then parent.sourceInfo // { outPath = parent.sourceInfo.outPath + \"/\" + flakeDir; }\n"
    "        else fetchFinal (builtins.removeAttrs node.locked [ \"dir\" ]) // (k.extra or { });\n"
    "      subdir = k.dir or node.locked.dir or \"\";\n"
    "      outPath = sourceInfo + (if subdir == \"\" then \"\" else \"/\" + subdir);\n"
    "      flake = import (outPath + \"/flake.nix\");\n"
    "      inputs = builtins.mapAttrs (name: spec: built.${keyOf spec}.value) (node.inputs or { });\n"
    "      outputs = flake.outputs (inputs // { self = value; });\n"
    "      value = outputs // sourceInfo // {\n"
    "        inherit outPath inputs outputs sourceInfo;\n"
    "        _type = \"flake\";\n"
    "      };\n"
    "    in {\n"
    "      value = if node.flake or true then assert builtins.isFunction flake.outputs; value else sourceInfo;\n"
    "      inherit flakeDir sourceInfo;\n"
    "    }) lock.nodes;\n"
    "in built.${lock.root}.value\n";

static void put(EvalState *st, Bindings *b, const char *name, Value *v)
{
    attrs_push(b, sym_intern_cstr(st->symbols, name), 0, v);
}

static Value *str_value(EvalState *st, const char *s)
{
    Value *v = val_alloc(st);
    val_make_string(v, s);
    return v;
}

/* What the lock pins beyond fetchTree's answer. */
static Value *extra_of(EvalState *st, const LockNode *n)
{
    Bindings *b = attrs_alloc(st, 4);
    const FlakeAttr *lm = flake_attrs_get(&n->locked, "lastModified");
    if (lm && lm->kind == FA_INT) {
        Value *v = val_alloc(st);
        val_set_int(v, lm->num);
        put(st, b, "lastModified", v);
        put(st, b, "lastModifiedDate", str_value(st, flake_date(lm->num)));
    }
    const FlakeAttr *rc = flake_attrs_get(&n->locked, "revCount");
    if (rc && rc->kind == FA_INT) {
        Value *v = val_alloc(st);
        val_set_int(v, rc->num);
        put(st, b, "revCount", v);
    }
    attrs_sort(b);
    Value *v = val_alloc(st);
    val_set_attrs(v, b);
    return v;
}

typedef struct Seen {
    const LockNode **v;
    uint32_t n, cap;
} Seen;

static void collect(EvalState *st, const LockNode *n, Bindings **known, Seen *seen)
{
    for (uint32_t i = 0; i < seen->n; i++)
        if (seen->v[i] == n)
            return;
    if (seen->n == seen->cap) {
        seen->cap = seen->cap ? seen->cap * 2 : 16;
        const LockNode **nv = GC_MALLOC(seen->cap * sizeof *nv);
        if (seen->n)
            memcpy(nv, seen->v, seen->n * sizeof *nv);
        seen->v = nv;
    }
    seen->v[seen->n++] = n;
    Bindings *k = attrs_alloc(st, 3);
    if (n->source_info) {
        put(st, k, "sourceInfo", n->source_info);
        const char *dir = n->is_root ? NULL : flake_attrs_str(&n->locked, "dir");
        put(st, k, "dir", str_value(st, dir ? dir : ""));
    }
    if (!n->is_root)
        put(st, k, "extra", extra_of(st, n));
    attrs_sort(k);
    Value *kv = val_alloc(st);
    val_set_attrs(kv, k);
    Bindings *b = *known;
    if (b->size == b->capacity) {
        Bindings *nb = attrs_alloc(st, b->capacity * 2);
        for (uint32_t i = 0; i < b->size; i++)
            attrs_push(nb, b->attrs[i].name, 0, b->attrs[i].value);
        *known = b = nb;
    }
    put(st, b, n->key, kv);
    for (uint32_t i = 0; i < n->ninputs; i++)
        if (n->inputs[i].node)
            collect(st, n->inputs[i].node, known, seen);
}

/* fetchFinal SETTINGS LOCKED: a lock entry's tree (its narHash or rev pins it). */
static void prim_fetch_final(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], pos);
    const FlakeSettings *fs = args[0]->type == T_EXTERNAL ? args[0]->external.ptr : NULL;
    FlakeAttrs locked = flake_attrs_from_value(st, args[1], pos, "lock file");
    FlakeTree t;
    flake_fetch(st, fs, &locked, &t);
    *out = *t.source_info;
}

static const PrimOp fetch_final_op = {"fetchFinalTree", 2, 0, "settings input",
                                      "Fetches a locked flake input (flake/call.c).", prim_fetch_final};

void flake_call(EvalState *st, const FlakeSettings *fs, LockedFlake *lf, Value *out)
{
    const char *text = flake_lock_to_json(&lf->lock);
    Bindings *known = attrs_alloc(st, 16);
    Seen seen = {0};
    /* the root's directory inside its source tree */
    collect(st, lf->lock.root, &known, &seen);
    attrs_sort(known);
    Attr *ra = attrs_find(known, sym_intern_cstr(st->symbols, lf->lock.root->key));
    if (ra) {
        const char *subdir = flake_attrs_str(&lf->original_ref, "dir");
        Bindings *rb = attrs_alloc(st, 2);
        put(st, rb, "sourceInfo", lf->tree.source_info);
        put(st, rb, "dir", str_value(st, subdir ? subdir : ""));
        attrs_sort(rb);
        val_set_attrs(ra->value, rb);
    }
    Value *kv = val_alloc(st);
    val_set_attrs(kv, known);
    Expr *e = eval_parse_string(st, call_flake_nix, sizeof call_flake_nix - 1, "/", SRC_NONE);
    Value *fn = val_alloc(st);
    eval_expr(st, e, fn);
    Value *lt = str_value(st, text);
    Value *op = val_alloc(st), *ext = val_alloc(st), *ff = val_alloc(st);
    op->type = T_PRIMOP;
    op->primop = &fetch_final_op;
    ext->type = T_EXTERNAL;
    ext->external.ptr = (void *)fs;
    ext->external.type_name = "flake settings";
    ff->type = T_PRIMOP_APP;
    ff->primop_app.left = op;
    ff->primop_app.right = ext;
    Value *args[3] = {lt, kv, ff};
    eval_call(st, fn, 3, args, out, 0);
}
