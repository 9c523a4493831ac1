/* Fetching flake inputs through builtins.fetchTree, and what pins them in a lock file. */
#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flake/flake.h"
#include "flake/internal.h"

/* The branch HEAD names in a local repository ("refs/heads/master"), as CppNix's
 * getWorkdirRef; NULL for a detached HEAD or no repository. */
static const char *git_head_ref(const char *repo)
{
    const char *gitdir = sb_fmt("%s/.git", repo);
    FILE *f = fopen(sb_fmt("%s/HEAD", gitdir), "r");
    if (!f) {
        /* a worktree or submodule: ".git" is a file "gitdir: PATH" */
        FILE *g = fopen(gitdir, "r");
        if (!g)
            return NULL;
        char line[4096];
        const char *gd = NULL;
        if (fgets(line, sizeof line, g) && strncmp(line, "gitdir: ", 8) == 0) {
            line[strcspn(line, "\n")] = 0;
            gd = line[8] == '/' ? sb_fmt("%s", line + 8) : sb_fmt("%s/%s", repo, line + 8);
        }
        fclose(g);
        if (!gd || !(f = fopen(sb_fmt("%s/HEAD", gd), "r")))
            return NULL;
    }
    char line[4096];
    const char *ref = NULL;
    if (fgets(line, sizeof line, f) && strncmp(line, "ref: ", 5) == 0) {
        line[strcspn(line, "\n")] = 0;
        ref = sb_fmt("%s", line + 5);
    }
    fclose(f);
    return ref;
}

static const char *local_path_of_url(const char *url)
{
    if (strncmp(url, "file://", 7) == 0)
        return url + 7;
    if (strncmp(url, "file:", 5) == 0)
        return url + 5;
    return url[0] == '/' ? url : NULL;
}

static void copy_attr(FlakeAttrs *to, const FlakeAttrs *from, const char *name)
{
    const FlakeAttr *x = flake_attrs_get(from, name);
    if (!x)
        return;
    if (x->kind == FA_STR)
        flake_attrs_set_str(to, name, x->str);
    else
        flake_attrs_set_int(to, name, x->num, x->kind == FA_BOOL);
}

/* fetchTree with pure evaluation lifted: locking must fetch unlocked inputs. */
static Value *fetch_tree(EvalState *st, Value *arg)
{
    bool pure = st->settings.pure_eval;
    st->settings.pure_eval = false;
    TryFrame tf;
    Value *r = NULL;
    if (EVAL_TRY(st, &tf)) {
        r = flake_call_builtin(st, "fetchTree", arg);
        eval_try_leave(st, &tf);
        st->settings.pure_eval = pure;
    } else {
        st->settings.pure_eval = pure;
        eval_throw(st, tf.error);
    }
    return r;
}

static bool is_forge(const char *type)
{
    return strcmp(type, "github") == 0 || strcmp(type, "gitlab") == 0 || strcmp(type, "sourcehut") == 0;
}

/* github:/gitlab:/sourcehut: from the forge mirror: the Git repository
 * MIRROR/TYPE/OWNER/REPO at the reference's rev or ref (HEAD by default). The tree is the
 * one the forge's tarball of that commit holds, so narHash is the same. */
static void fetch_forge(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref, FlakeTree *out)
{
    const char *type = flake_attrs_str(ref, "type"), *owner = flake_attrs_str(ref, "owner"),
               *repo = flake_attrs_str(ref, "repo");
    if (!owner || !repo)
        eval_error(st, ERR_EVAL, 0, "'%s' lacks an owner or repository", flake_ref_to_string(st, ref));
    if (!fs || !fs->forge_mirror)
        eval_error(st, ERR_IO, 0,
                   "unable to download '%s': cnix fetches only local sources (set 'forge-mirror' to a directory of "
                   "Git repositories %s/OWNER/REPO)",
                   flake_ref_to_string(st, ref), type);
    FlakeAttrs g = {0};
    flake_attrs_set_str(&g, "type", "git");
    flake_attrs_set_str(&g, "url", sb_fmt("file://%s/%s/%s/%s", fs->forge_mirror, type, owner, repo));
    const char *rev = flake_attrs_str(ref, "rev"), *r = flake_attrs_str(ref, "ref");
    if (rev)
        flake_attrs_set_str(&g, "rev", rev);
    if (r)
        flake_attrs_set_str(&g, "ref", r);
    const char *nh = flake_attrs_str(ref, "narHash");
    if (nh)
        flake_attrs_set_str(&g, "narHash", nh);
    FlakeTree t;
    flake_fetch(st, NULL, &g, &t);
    if (!flake_attrs_get(&t.locked, "rev"))
        eval_error(st, ERR_EVAL, 0, "mirror of '%s' has no commits", flake_ref_to_string(st, ref));
    FlakeAttrs locked = {0};
    flake_attrs_set_str(&locked, "type", type);
    flake_attrs_set_str(&locked, "owner", owner);
    flake_attrs_set_str(&locked, "repo", repo);
    copy_attr(&locked, &t.locked, "rev");
    copy_attr(&locked, &t.locked, "narHash");
    copy_attr(&locked, &t.locked, "lastModified");
    copy_attr(&locked, ref, "dir");
    copy_attr(&locked, ref, "host");
    out->store_path = t.store_path;
    out->locked = locked;
    /* a forge tarball has no revCount; rev and the dates it has */
    Value *si = t.source_info;
    Bindings *b = val_attrs(si), *nb = attrs_alloc(st, b->size);
    for (uint32_t i = 0; i < b->size; i++)
        if (b->attrs[i].name != sym_intern_cstr(st->symbols, "revCount") &&
            b->attrs[i].name != sym_intern_cstr(st->symbols, "submodules"))
            attrs_push(nb, b->attrs[i].name, b->attrs[i].pos, b->attrs[i].value);
    attrs_sort(nb);
    out->source_info = val_alloc(st);
    val_set_attrs(out->source_info, nb);
}

void flake_fetch(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref0, FlakeTree *out)
{
    FlakeAttrs ref = flake_resolve(st, fs, ref0);
    const char *type = flake_attrs_str(&ref, "type");
    if (!type)
        eval_error(st, ERR_EVAL, 0, "flake reference has no 'type' attribute");
    if (is_forge(type)) {
        fetch_forge(st, fs, &ref, out);
        return;
    }
    FlakeAttrs arg = flake_attrs_copy(&ref);
    flake_attrs_del(&arg, "dir");
    bool git = strcmp(type, "git") == 0;
    /* an unchanged local tree: no copy, no hash */
    const char *cache_key = NULL;
    const char *ppath = strcmp(type, "path") == 0 ? flake_attrs_str(&arg, "path") : NULL;
    if (ppath && ppath[0] == '/' && !flake_attrs_get(&arg, "rev") &&
        flake_srccache_get(st, fs, eval_canon_path(ppath), out, &cache_key)) {
        Bindings *sb = val_attrs(out->source_info);
        FlakeAttrs locked = flake_attrs_copy(&arg);
        Attr *nh = attrs_find(sb, sym_intern_cstr(st->symbols, "narHash")),
             *lm = attrs_find(sb, sym_intern_cstr(st->symbols, "lastModified"));
        const char *want = flake_attrs_str(&arg, "narHash");
        if (want && strcmp(want, val_str(nh->value)) != 0)
            eval_error(st, ERR_EVAL, 0, "NAR hash mismatch in input '%s', expected '%s' but got '%s'",
                       flake_ref_to_string(st, &ref), want, val_str(nh->value));
        flake_attrs_set_str(&locked, "narHash", val_str(nh->value));
        flake_attrs_set_int(&locked, "lastModified", lm->value->integer, false);
        copy_attr(&locked, &ref, "dir");
        out->locked = locked;
        return;
    }
    if (git && !flake_attrs_get(&arg, "shallow"))
        flake_attrs_set_int(&arg, "shallow", 0, true); /* so that fetchTree counts revisions */
    /* fetchTree rejects what it does not read (lastModified, revCount are results) */
    FlakeAttrs fetch_arg = flake_attrs_copy(&arg);
    flake_attrs_del(&fetch_arg, "lastModified");
    flake_attrs_del(&fetch_arg, "revCount");
    Value *si = fetch_tree(st, flake_attrs_to_value(st, &fetch_arg, true));
    Bindings *b = val_attrs(si);
    Attr *op = attrs_find(b, st->s.outPath);
    if (!op)
        eval_error(st, ERR_EVAL, 0, "fetchTree gave no outPath for '%s'", flake_ref_to_string(st, &ref));
    eval_force(st, op->value, 0);
    out->store_path = val_str(op->value);
    out->source_info = si;

    /* The locked reference: the input plus what the fetch pinned down. */
    FlakeAttrs locked = flake_attrs_copy(&arg);
    if (git)
        flake_attrs_del(&locked, "shallow");
    FlakeAttrs got = {0};
    for (uint32_t i = 0; i < b->size; i++) {
        const char *n = sym_name(st->symbols, b->attrs[i].name);
        if (strcmp(n, "narHash") == 0 || strcmp(n, "rev") == 0 || strcmp(n, "revCount") == 0 ||
            strcmp(n, "lastModified") == 0) {
            eval_force(st, b->attrs[i].value, 0);
            Value *x = b->attrs[i].value;
            if (x->type == T_STRING)
                flake_attrs_set_str(&got, n, val_str(x));
            else if (x->type == T_INT)
                flake_attrs_set_int(&got, n, x->integer, false);
        }
    }
    copy_attr(&locked, &got, "narHash");
    if (git) {
        copy_attr(&locked, &got, "rev");
        copy_attr(&locked, &got, "revCount");
        copy_attr(&locked, &got, "lastModified");
        const char *repo = local_path_of_url(flake_attrs_str(&ref, "url") ? flake_attrs_str(&ref, "url") : "");
        if (flake_attrs_get(&got, "rev") && !flake_attrs_get(&locked, "ref") && !flake_attrs_get(&ref, "rev") && repo) {
            const char *head = git_head_ref(repo);
            if (head)
                flake_attrs_set_str(&locked, "ref", head);
        }
    } else if (strcmp(type, "path") == 0)
        copy_attr(&locked, &got, "lastModified");
    copy_attr(&locked, &ref, "dir");
    out->locked = locked;
    flake_srccache_put(fs, cache_key, out);
}
