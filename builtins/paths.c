/* Primop family bi_paths: putting files into the store: toFile, path, filterSource,
 * storePath, and "${./file}" (bi_copy_path_to_store). */
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtins/bistore.h"
#include "builtins/builtins.h"
#include "builtins/derivation.h"
#include "store/gc.h"
#include "store/path.h"
#include "util/strbuf.h"

static void set_store_path_string(EvalState *st, Value *out, const char *path)
{
    val_set_string(out, path, strlen(path), ctx_single(path));
}

static void prim_to_file(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *name = eval_force_string_no_ctx(st, args[0], pos, "while evaluating the first argument passed to builtins.toFile");
    const char *text = eval_force_string(st, args[1], pos, "while evaluating the second argument passed to builtins.toFile");
    size_t len = args[1]->len;
    const StrContext *c = args[1]->str.ctx;
    PtrVec refs = {0};
    for (uint32_t i = 0; c && i < c->n; i++) {
        if (c->elems[i][0] == '=' || c->elems[i][0] == '!')
            eval_error(st, ERR_EVAL, pos, "files created by %s may not reference derivations, but %s references %s",
                       "builtins.toFile", name, c->elems[i]);
        bi_pv_push(&refs, c->elems[i]);
    }
    const char *e = store_check_name(name, strlen(name));
    if (e) {
        /* CppNix reports the whole base name of the would-be path */
        const char *p = store_text_path_for(bi_store_dir(st), name, text, len, refs.v, refs.n);
        eval_error(st, ERR_EVAL, pos, "path '%.32s-%s' is not a valid store path: %s",
                   strrchr(p, '/') + 1, name, e);
    }
    BiStore *b = bi_state(st);
    const char *path;
    if (b->writable) {
        const char *werr = store_add_text(b->ls, name, text, len, refs.v, refs.n, &path);
        if (werr)
            eval_error(st, ERR_EVAL, pos, "%s", werr);
    } else {
        path = store_text_path_for(bi_store_dir(st), name, text, len, refs.v, refs.n);
    }
    if (refs.n && !strmap_get(&b->text_refs, path)) {
        TextRefs *t = GC_MALLOC(sizeof *t);
        *t = (TextRefs){bi_pv_finish(&refs), refs.n};
        strmap_put(&b->text_refs, path, t);
    }
    set_store_path_string(st, out, path);
}

typedef struct FilterCtx {
    EvalState *st;
    Value *fn;
    PosIdx pos;
} FilterCtx;

static bool call_filter(void *ctx, const char *path, const char *type)
{
    FilterCtx *f = ctx;
    Value *a1 = val_alloc(f->st), *a2 = val_alloc(f->st), res;
    val_make_string(a1, path);
    val_make_string(a2, type);
    Value *args[2] = {a1, a2};
    eval_call(f->st, f->fn, 2, args, &res, f->pos);
    return eval_force_bool(f->st, &res, f->pos, "while evaluating the return value of the path filter function");
}

/* Adds a source to the store (or, evaluating read-only, only computes its path). */
static const char *add_source(EvalState *st, PosIdx pos, const char *name, const char *src,
                              FileIngestion m, Value *filter, Hash *ca)
{
    BiStore *b = bi_state(st);
    struct stat sst;
    if (lstat(src, &sst) < 0 && errno == ENOENT)
        eval_error(st, ERR_EVAL, 0, "path '%s' does not exist", src);
    FilterCtx fc = {st, filter, pos};
    const char *path = NULL;
    const char *e = store_add_path(b->ls, name, src, m, HASH_SHA256, filter ? call_filter : NULL, &fc,
                                   !b->writable, ca, &path);
    if (e)
        eval_error(st, ERR_EVAL, pos, "%s", e);
    return path;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

const char *bi_copy_path_to_store(EvalState *st, const char *path, PosIdx pos)
{
    BiStore *b = bi_state(st);
    const char *cached = strmap_get(&b->src_cache, path);
    if (cached)
        return cached;
    if (bi_has_suffix(path, ".drv"))
        eval_error(st, ERR_EVAL, pos, "file names are not allowed to end in '%s'", ".drv");
    const char *sp = add_source(st, pos, base_name(path), path, FIM_RECURSIVE, NULL, NULL);
    size_t n = strlen(path);
    char *key = GC_MALLOC_ATOMIC(n + 1);
    memcpy(key, path, n + 1);
    strmap_put(&b->src_cache, key, (void *)sp);
    return sp;
}

static void prim_filter_source(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *path = eval_coerce_to_path(st, args[1], 0,
                                           "while evaluating the second argument (the path to filter) passed to 'builtins.filterSource'");
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.filterSource");
    eval_frame_push(st, 0, bi_fmt("while adding path '%s'", path));
    const char *sp = add_source(st, 0, base_name(path), path, FIM_RECURSIVE, args[0], NULL);
    eval_frame_pop(st);
    set_store_path_string(st, out, sp);
}

static void prim_path(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *a = eval_force_attrs(st, args[0], pos, "while evaluating the argument passed to 'builtins.path'");
    const char *path = NULL, *name = NULL;
    Value *filter = NULL;
    FileIngestion m = FIM_RECURSIVE;
    bool have_hash = false;
    Hash expected;
    for (uint32_t i = 0; i < a->size; i++) {
        Attr *at = &a->attrs[i];
        const char *n = sym_name(st->symbols, at->name);
        if (strcmp(n, "path") == 0)
            path = eval_coerce_to_path(st, at->value, at->pos, "while evaluating the 'path' attribute passed to 'builtins.path'");
        else if (at->name == st->s.name)
            name = eval_force_string_no_ctx(st, at->value, at->pos, "while evaluating the `name` attribute passed to builtins.path");
        else if (strcmp(n, "filter") == 0) {
            filter = at->value;
            eval_force_function(st, filter, at->pos, "while evaluating the `filter` parameter passed to builtins.path");
        } else if (strcmp(n, "recursive") == 0)
            m = eval_force_bool(st, at->value, at->pos, "while evaluating the `recursive` attribute passed to builtins.path")
                    ? FIM_RECURSIVE
                    : FIM_FLAT;
        else if (strcmp(n, "sha256") == 0) {
            const char *h = eval_force_string_no_ctx(st, at->value, at->pos, "while evaluating the `sha256` attribute passed to builtins.path");
            if (!*h) {
                bi_empty_hash(st, HASH_SHA256, &expected);
            } else {
                const char *e = hash_parse_any(h, HASH_SHA256, &expected, NULL);
                if (e)
                    eval_error(st, ERR_EVAL, at->pos, "%s", e);
            }
            have_hash = true;
        } else
            eval_error(st, ERR_EVAL, at->pos, "unsupported argument '%s' to 'builtins.path'", n);
    }
    if (!path)
        eval_error(st, ERR_EVAL, pos, "missing required 'path' attribute in the first argument to 'builtins.path'");
    if (!name || !*name)
        name = base_name(path);
    eval_frame_push(st, 0, bi_fmt("while adding path '%s'", path));
    Hash ca;
    const char *sp = add_source(st, pos, name, path, m, filter, &ca);
    if (have_hash && memcmp(ca.bytes, expected.bytes, 32) != 0)
        eval_error(st, ERR_EVAL, pos, "store path mismatch in (possibly filtered) path added from '%s'", path);
    eval_frame_pop(st);
    set_store_path_string(st, out, sp);
}

static void prim_store_path(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    if (st->settings.pure_eval)
        eval_error(st, ERR_EVAL, pos, "'%s' is not allowed in pure evaluation mode", "builtins.storePath");
    const char *path = eval_coerce_to_path(st, args[0], 0, "while evaluating the first argument passed to 'builtins.storePath'");
    const char *sd = bi_store_dir(st);
    if (!store_is_store_path(sd, path)) {
        char *real = realpath(path, NULL);
        if (real) {
            path = bi_fmt("%s", real);
            free(real);
        }
    }
    const char *sp = store_to_store_path(sd, path);
    if (!sp)
        eval_error(st, ERR_EVAL, pos, "path '%s' is not in the Nix store", path);
    /* The path is used from here on: a concurrent collector must keep it (CppNix's
     * ensurePath); best effort, as evaluation may not be able to write the state dir. */
    if (bi_state(st)->writable)
        store_add_temp_root(bi_state(st)->ls, sp);
    val_set_string(out, path, strlen(path), ctx_single(sp));
}

/* ---------- the table ---------- */

const PrimOp bi_paths[] = {
    {"toFile", 2, 0, "name s",
     "Stores the string *s* as a file named *name* and returns its store path. The string "
     "may refer to other store paths (through its context) but not to derivations.\n\n"
     "    builtins.toFile \"foo\" \"bar\"\n    => \"/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo\"",
     prim_to_file},
    {"filterSource", 2, 0, "e1 e2",
     "Copies the path *e2* to the store, keeping only the files for which the predicate "
     "*e1* (called with the full path and its type: \"regular\", \"directory\", "
     "\"symlink\" or \"unknown\") returns true. An excluded directory excludes its "
     "whole subtree.\n\n    builtins.filterSource (p: t: baseNameOf p != \".git\") ./src",
     prim_filter_source},
    {"path", 1, 0, "args",
     "Copies a path to the store like a path literal does, with options: `path` (required), "
     "`name` (default: the base name), `filter` (as in filterSource), `recursive` (default "
     "true; false hashes a single regular file flat) and `sha256` (the expected hash).\n\n"
     "    builtins.path { path = ./src; name = \"source\"; }",
     prim_path},
    {"storePath", 1, PRIM_IMPURE, "path",
     "Turns a path already in the store into a string with that store path in its context, "
     "without copying it. Not allowed in pure evaluation mode.\n\n"
     "    builtins.storePath /nix/store/...-hello",
     prim_store_path},
    {0},
};
