/* Locking a flake (CppNix's lockFlake): computing the lock graph from flake.nix and the old
 * flake.lock, and writing flake.lock back. */
#include <errno.h>
#include <fcntl.h>
#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flake/flake.h"
#include "flake/internal.h"

void flake_lock_flags_default(LockFlags *f)
{
    memset(f, 0, sizeof *f);
    f->update_lock_file = true;
    f->write_lock_file = true;
    f->apply_nix_config = true;
}

/* An override of an input (inputs.X.inputs.Y = ... in a flake, or --override-input). */
typedef struct Override {
    InputPath path;
    FlakeInput input;
    const char *source_dir; /* relative path inputs resolve against the overrider's flake */
    bool has_parent;
    InputPath parent;
    bool cli;
    bool used;
} Override;

typedef struct Locker {
    EvalState *st;
    const FlakeSettings *fs;
    const LockFlags *flags;
    Override *ov;
    uint32_t nov, cov;
    bool *updates_used;
    FlakeAttrs *parents; /* circular import guard */
    uint32_t nparents;
} Locker;

static Override *find_override(Locker *L, const InputPath *p)
{
    for (uint32_t i = 0; i < L->nov; i++)
        if (input_path_equal(&L->ov[i].path, p))
            return &L->ov[i];
    return NULL;
}

static void add_override(Locker *L, const InputPath *p, const FlakeInput *in, const char *source_dir,
                         const InputPath *parent, bool cli)
{
    if (find_override(L, p))
        return; /* the outermost flake's override wins */
    if (L->nov == L->cov) {
        L->cov = L->cov ? L->cov * 2 : 8;
        Override *nv = GC_MALLOC(L->cov * sizeof *nv);
        if (L->nov)
            memcpy(nv, L->ov, L->nov * sizeof *nv);
        L->ov = nv;
    }
    Override *o = &L->ov[L->nov++];
    memset(o, 0, sizeof *o);
    o->path = *p;
    o->input = *in;
    o->source_dir = source_dir;
    o->cli = cli;
    if (parent) {
        o->has_parent = true;
        o->parent = *parent;
    }
}

static void add_overrides(Locker *L, const FlakeInput *in, const InputPath *prefix, const char *source_dir,
                          const InputPath *node_path)
{
    for (uint32_t i = 0; i < in->overrides.n; i++) {
        const FlakeInput *o = &in->overrides.v[i];
        InputPath p = input_path_append(prefix, o->name);
        if (o->has_ref || o->has_follows)
            add_override(L, &p, o, source_dir, node_path, false);
        add_overrides(L, o, &p, source_dir, node_path);
    }
}

static bool is_update(Locker *L, const InputPath *p)
{
    for (uint32_t i = 0; i < L->flags->nupdates; i++)
        if (input_path_equal(&L->flags->updates[i], p))
            return true;
    return false;
}

/* Whether an update names an input below p (so p's flake must be fetched to update it). */
static bool update_below(Locker *L, const InputPath *p)
{
    for (uint32_t i = 0; i < L->flags->nupdates; i++) {
        const InputPath *u = &L->flags->updates[i];
        if (u->n <= p->n)
            continue;
        bool prefix = true;
        for (uint32_t k = 0; k < p->n && prefix; k++)
            prefix = strcmp(u->v[k], p->v[k]) == 0;
        if (prefix)
            return true;
    }
    return false;
}

static void mark_update_used(Locker *L, const InputPath *p)
{
    for (uint32_t i = 0; i < L->flags->nupdates; i++)
        if (input_path_equal(&L->flags->updates[i], p))
            L->updates_used[i] = true;
}

static const char *join_dir(const char *base, const char *dir)
{
    return dir && *dir ? eval_canon_path(sb_fmt("%s/%s", base, dir)) : base;
}

/* Fetches and reads an input flake; relative paths are read in the parent's tree. */
static void get_input_flake(Locker *L, const FlakeAttrs *ref, const char *rel_base, const InputPath *path,
                            Flake *flake, FlakeTree *tree)
{
    EvalState *st = L->st;
    memset(tree, 0, sizeof *tree);
    const char *dir;
    if (flake_ref_is_relative(ref)) {
        dir = join_dir(rel_base, flake_attrs_str(ref, "path"));
        tree->locked = *ref;
    } else {
        flake_fetch(st, L->fs, ref, tree);
        dir = join_dir(tree->store_path, flake_attrs_str(&tree->locked, "dir"));
    }
    flake_read(st, dir, flake_ref_to_string(st, ref), path, flake);
}

static void compute_locks(Locker *L, const FlakeInputs *inputs, LockNode *node, const InputPath *prefix,
                          const LockNode *old_node, const InputPath *follows_prefix, const char *source_dir,
                          bool trust_lock);

static void lock_one(Locker *L, const FlakeInput *input2, LockNode *node, const InputPath *prefix,
                     const LockNode *old_node, const InputPath *follows_prefix, const char *source_dir,
                     bool trust_lock)
{
    EvalState *st = L->st;
    const char *id = input2->name;
    InputPath path = input_path_append(prefix, id);
    Override *ov = find_override(L, &path);
    bool has_cli = ov && ov->cli;
    if (ov)
        ov->used = true;
    FlakeInput input = ov ? ov->input : *input2;
    const char *ov_source = ov ? ov->source_dir : source_dir;
    if (ov)
        input.is_flake = input2->is_flake; /* an override keeps the input's flakeness */
    if (input.has_follows) {
        lock_node_set_edge(node, id, NULL, &input.follows);
        return;
    }
    if (!input.has_ref) {
        input.has_ref = true;
        memset(&input.ref, 0, sizeof input.ref);
        flake_attrs_set_str(&input.ref, "id", id);
        flake_attrs_set_str(&input.ref, "type", "indirect");
    }
    bool relative = flake_ref_is_relative(&input.ref);
    bool has_parent = relative;
    InputPath parent_path = {0};
    if (relative) {
        if (ov) {
            has_parent = ov->has_parent;
            parent_path = ov->parent;
        } else
            parent_path = *prefix;
    }

    const LockNode *old_lock = NULL;
    mark_update_used(L, &path);
    if (old_node && !is_update(L, &path)) {
        const LockEdge *e = lock_node_edge(old_node, id);
        if (e && e->node)
            old_lock = e->node;
    }

    if (old_lock && flake_attrs_equal(&old_lock->original, &input.ref) && old_lock->has_parent == has_parent &&
        (!has_parent || input_path_equal(&old_lock->parent, &parent_path)) && !has_cli) {
        /* unchanged: copy the entry without fetching */
        LockNode *child = lock_node_new();
        child->locked = old_lock->locked;
        child->original = old_lock->original;
        child->is_flake = old_lock->is_flake;
        child->has_parent = old_lock->has_parent;
        child->parent = old_lock->parent;
        lock_node_set_edge(node, id, child, NULL);
        bool must_refetch = update_below(L, &path);
        FlakeInputs fake = {GC_MALLOC((old_lock->ninputs + 1) * sizeof(FlakeInput)), 0};
        if (!must_refetch)
            for (uint32_t i = 0; i < old_lock->ninputs; i++) {
                const LockEdge *e = &old_lock->inputs[i];
                FlakeInput *f = &fake.v[fake.n];
                memset(f, 0, sizeof *f);
                f->name = e->name;
                if (e->node) {
                    f->has_ref = true;
                    f->ref = e->node->original;
                    f->is_flake = e->node->is_flake;
                } else {
                    if (!trust_lock) {
                        /* the flake may have dropped this follows: then read it again */
                        InputPath op = input_path_append(&path, e->name);
                        if (!find_override(L, &op)) {
                            must_refetch = true;
                            break;
                        }
                    }
                    f->has_follows = true;
                    f->follows = *follows_prefix;
                    for (uint32_t k = 0; k < e->follows.n; k++)
                        f->follows = input_path_append(&f->follows, e->follows.v[k]);
                }
                fake.n++;
            }
        if (must_refetch) {
            Flake fl;
            FlakeTree tree;
            get_input_flake(L, &old_lock->locked, ov_source, &path, &fl, &tree);
            child->src_dir = fl.dir;
            child->source_info = tree.source_info;
            compute_locks(L, &fl.inputs, child, &path, old_lock, follows_prefix, fl.dir, false);
        } else
            compute_locks(L, &fake, child, &path, old_lock, follows_prefix, source_dir, true);
        return;
    }

    /* new or changed: fetch it. With --override-input the flake.nix reference stays the
     * "original", so that the override is not sticky. */
    const FlakeAttrs *original = (input2->has_ref && has_cli) ? &input2->ref : &input.ref;
    LockNode *child = lock_node_new();
    child->original = *original;
    child->is_flake = input.is_flake;
    child->has_parent = has_parent;
    child->parent = parent_path;
    if (input.is_flake) {
        Flake fl;
        FlakeTree tree;
        get_input_flake(L, &input.ref, ov_source, &path, &fl, &tree);
        child->locked = tree.locked;
        child->src_dir = fl.dir;
        child->source_info = tree.source_info;
        lock_node_set_edge(node, id, child, NULL);
        for (uint32_t i = 0; i < L->nparents; i++)
            if (flake_attrs_equal(&L->parents[i], &input.ref))
                eval_error(st, ERR_EVAL, 0, "found circular import of flake '%s'", flake_ref_to_string(st, &input.ref));
        FlakeAttrs *np = GC_MALLOC((L->nparents + 1) * sizeof *np);
        if (L->nparents)
            memcpy(np, L->parents, L->nparents * sizeof *np);
        np[L->nparents] = input.ref;
        FlakeAttrs *saved = L->parents;
        L->parents = np;
        L->nparents++;
        LockFile sub = {NULL};
        if (!relative)
            sub = flake_lock_read(st, sb_fmt("%s/flake.lock", fl.dir));
        else {
            /* a relative flake's own lock entries live in the parent's lock file */
            sub.root = NULL;
        }
        compute_locks(L, &fl.inputs, child, &path, sub.root, &path, fl.dir, false);
        L->parents = saved;
        L->nparents--;
    } else {
        if (relative) {
            child->locked = input.ref;
            child->src_dir = join_dir(ov_source, flake_attrs_str(&input.ref, "path"));
        } else {
            FlakeTree tree;
            flake_fetch(st, L->fs, &input.ref, &tree);
            child->locked = tree.locked;
            child->src_dir = join_dir(tree.store_path, flake_attrs_str(&tree.locked, "dir"));
            child->source_info = tree.source_info;
        }
        lock_node_set_edge(node, id, child, NULL);
    }
}

static void compute_locks(Locker *L, const FlakeInputs *inputs, LockNode *node, const InputPath *prefix,
                          const LockNode *old_node, const InputPath *follows_prefix, const char *source_dir,
                          bool trust_lock)
{
    EvalState *st = L->st;
    for (uint32_t i = 0; i < inputs->n; i++) {
        InputPath p = input_path_append(prefix, inputs->v[i].name);
        add_overrides(L, &inputs->v[i], &p, source_dir, prefix);
    }
    for (uint32_t i = 0; i < L->nov; i++) {
        const InputPath *op = &L->ov[i].path;
        InputPath parent = {op->v, op->n - 1};
        if (!input_path_equal(&parent, prefix))
            continue;
        bool exists = false;
        for (uint32_t k = 0; k < inputs->n && !exists; k++)
            exists = strcmp(inputs->v[k].name, op->v[op->n - 1]) == 0;
        if (!exists && !L->ov[i].cli)
            flake_warn("input '%s' has an override for a non-existent input '%s'", input_path_str(prefix),
                       op->v[op->n - 1]);
    }
    for (uint32_t i = 0; i < inputs->n; i++) {
        InputPath p = input_path_append(prefix, inputs->v[i].name);
        eval_frame_push_always(st, 0, sb_fmt("while updating the flake input '%s'", input_path_str(&p)));
        lock_one(L, &inputs->v[i], node, prefix, old_node, follows_prefix, source_dir, trust_lock);
        eval_frame_pop(st);
    }
}

/* ---------- the top-level flake ---------- */

/* The writable local directory of a flake reference (path: and git+file:), or NULL. */
static const char *local_source_dir(const FlakeAttrs *ref)
{
    const char *type = flake_attrs_str(ref, "type");
    const char *dir = NULL;
    if (!type)
        return NULL;
    if (strcmp(type, "path") == 0 && !flake_ref_is_relative(ref))
        dir = flake_attrs_str(ref, "path");
    else if (strcmp(type, "git") == 0 && !flake_attrs_get(ref, "rev") && !flake_attrs_get(ref, "ref")) {
        const char *url = flake_attrs_str(ref, "url");
        if (url && strncmp(url, "file://", 7) == 0)
            dir = url + 7;
    }
    return dir;
}

static bool write_file(const char *path, const char *text)
{
    const char *tmp = sb_fmt("%s.tmp-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return false;
    bool ok = fwrite(text, 1, strlen(text), f) == strlen(text);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

/* git -C repo ARGS... with output discarded; the exit status (-1 if it could not run). */
static int run_git(const char *repo, const char *const *args)
{
    const char *argv[16] = {"git", "-C", repo};
    int n = 3;
    for (; *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int dn = open("/dev/null", 0);
        if (dn >= 0) {
            dup2(dn, 0);
            dup2(dn, 1);
        }
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_lock(Locker *L, LockedFlake *out, const char *lock_path, const char *text, const char *diff,
                       const char *top_str)
{
    EvalState *st = L->st;
    struct stat sb;
    bool existed = stat(lock_path, &sb) == 0;
    if (!write_file(lock_path, sb_fmt("%s\n", text)))
        eval_error(st, ERR_IO, 0, "writing lock file '%s': %s", lock_path, strerror(errno));
    size_t dl = strlen(diff);
    while (dl && diff[dl - 1] == '\n')
        dl--;
    if (existed)
        flake_warn(dl ? "updating lock file '%s':\n%.*s" : "updating lock file '%s'%.*s", lock_path, (int)dl, diff);
    else
        flake_warn("creating lock file '%s': \n%.*s", lock_path, (int)dl, diff);
    const char *type = flake_attrs_str(&out->original_ref, "type");
    if (type && strcmp(type, "git") == 0) {
        /* like CppNix: make the new lock file visible to Git (and commit it if asked) */
        const char *repo = flake_attrs_str(&out->original_ref, "url") + 7;
        const char *rel = lock_path + strlen(repo) + 1;
        const char *add[] = {"add", "--intent-to-add", "--", rel, NULL};
        run_git(repo, add);
        if (L->flags->commit_lock_file) {
            const char *summary = L->fs && L->fs->commit_lock_file_summary && *L->fs->commit_lock_file_summary
                                      ? L->fs->commit_lock_file_summary
                                      : sb_fmt("%s: %s", rel, existed ? "Update" : "Add");
            const char *msg = sb_fmt("%s\n\nFlake lock file updates:\n\n%s", summary, diff);
            const char *commit[] = {"commit", "-q", "-m", msg, "--", rel, NULL};
            if (run_git(repo, commit) != 0)
                eval_error(st, ERR_EVAL, 0, "committing lock file of flake '%s' failed", top_str);
        }
    }
}

void flake_lock(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref, const LockFlags *flags, LockedFlake *out)
{
    memset(out, 0, sizeof *out);
    Locker L = {st, fs, flags, NULL, 0, 0, GC_MALLOC(flags->nupdates + 1), NULL, 0};
    out->original_ref = *ref;
    const char *top_str = flake_ref_to_string(st, ref);
    flake_fetch(st, fs, ref, &out->tree);
    out->locked_ref = out->tree.locked;
    const char *subdir = flake_attrs_str(ref, "dir");
    const char *dir = join_dir(out->tree.store_path, subdir);
    InputPath empty = {0};
    flake_read(st, dir, top_str, &empty, &out->flake);
    if (flags->apply_nix_config)
        flake_apply_config(st, fs, &out->flake);
    const char *src = local_source_dir(ref);
    out->source_dir = src ? join_dir(src, subdir) : NULL;

    eval_frame_push_always(st, 0, sb_fmt("while updating the lock file of flake '%s'", flake_ref_to_string(st, &out->locked_ref)));
    LockFile old_lf = flake_lock_read(st, flags->reference_lock_file ? flags->reference_lock_file
                                                                     : sb_fmt("%s/flake.lock", dir));
    for (uint32_t i = 0; i < flags->noverrides; i++) {
        FlakeInput in = {0};
        in.has_ref = true;
        in.ref = flags->overrides[i].ref;
        in.is_flake = true;
        add_override(&L, &flags->overrides[i].path, &in, dir, NULL, true);
    }
    LockFile new_lf = {lock_node_new()};
    new_lf.root->is_root = true;
    new_lf.root->src_dir = dir;
    new_lf.root->source_info = out->tree.source_info;
    compute_locks(&L, &out->flake.inputs, new_lf.root, &empty, flags->recreate_lock_file ? NULL : old_lf.root, &empty,
                  dir, false);
    for (uint32_t i = 0; i < L.nov; i++)
        if (L.ov[i].cli && !L.ov[i].used)
            flake_warn("the flag '--override-input %s %s' does not match any input", input_path_str(&L.ov[i].path),
                       flake_ref_to_string(st, &L.ov[i].input.ref));
    for (uint32_t i = 0; i < flags->nupdates; i++)
        if (!L.updates_used[i])
            flake_warn("'%s' does not match any input of this flake", input_path_str(&flags->updates[i]));
    flake_lock_check(st, &new_lf);

    const char *new_text = flake_lock_to_json(&new_lf);
    const char *old_text = flake_lock_to_json(&old_lf);
    if (strcmp(new_text, old_text) != 0 || flags->output_lock_file) {
        const char *diff = flake_lock_diff(st, &old_lf, &new_lf);
        if (flags->write_lock_file) {
            if (out->source_dir || flags->output_lock_file) {
                const FlakeAttrs *unlocked = flake_lock_unlocked(&new_lf);
                if (unlocked)
                    flake_warn("not writing lock file of flake '%s' because it has an unlocked input ('%s')", top_str,
                               flake_ref_to_string(st, unlocked));
                else {
                    if (!flags->update_lock_file)
                        eval_error(st, ERR_EVAL, 0,
                                   "flake '%s' requires lock file changes but they're not allowed due to '--no-update-lock-file'",
                                   top_str);
                    if (flags->output_lock_file) {
                        if (flags->commit_lock_file)
                            eval_error(st, ERR_EVAL, 0, "'--commit-lock-file' and '--output-lock-file' are incompatible");
                        if (!write_file(flags->output_lock_file, sb_fmt("%s\n", new_text)))
                            eval_error(st, ERR_IO, 0, "writing '%s': %s", flags->output_lock_file, strerror(errno));
                    } else {
                        write_lock(&L, out, sb_fmt("%s/flake.lock", out->source_dir), new_text, diff, top_str);
                        /* the lock file is part of the source: fetch it again */
                        flake_fetch(st, fs, ref, &out->tree);
                        out->locked_ref = out->tree.locked;
                        dir = join_dir(out->tree.store_path, subdir);
                        flake_read(st, dir, top_str, &empty, &out->flake);
                        new_lf.root->src_dir = dir;
                        new_lf.root->source_info = out->tree.source_info;
                    }
                }
            } else
                eval_error(st, ERR_EVAL, 0, "cannot write modified lock file of flake '%s' (use '--no-write-lock-file' to ignore)",
                           top_str);
        } else {
            size_t dl = strlen(diff);
            while (dl && diff[dl - 1] == '\n')
                dl--;
            flake_warn("not writing modified lock file of flake '%s':\n%.*s", top_str, (int)dl, diff);
            out->force_dirty = true;
        }
    }
    eval_frame_pop(st);
    out->lock = new_lf;
}
