/* cnix flake check, init/new, prefetch and archive. */
#define GC_THREADS
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtins/derivation.h"
#include "cli/evalcommon.h"
#include "cli/flakecmds.h"
#include "primops/json.h"
#include "util/fs.h"

Value *cli_fv_str(EvalState *st, const char *s)
{
    Value *v = val_alloc(st);
    val_make_string(v, s);
    return v;
}

void cli_fv_put(EvalState *st, Bindings *b, const char *name, Value *v)
{
    attrs_push(b, sym_intern_cstr(st->symbols, name), 0, v);
}

static Value *set_v(EvalState *st, Bindings *b)
{
    attrs_sort(b);
    Value *v = val_alloc(st);
    val_set_attrs(v, b);
    return v;
}

void cli_fv_print_json(EvalState *st, Value *v)
{
    StrBuf out;
    sb_init(&out);
    prim_to_json(st, v, 0, true, &out, NULL);
    sb_putc(&out, '\n');
    fwrite(out.data, 1, out.len, stdout);
}

Value *cli_fv_attrs(EvalState *st, const FlakeAttrs *a)
{
    StrBuf sb;
    sb_init(&sb);
    flake_attrs_json(a, 0, &sb);
    Value *v = val_alloc(st);
    prim_from_json(st, sb.data, sb.len, v);
    return v;
}

static Value *outputs_of(EvalState *st, const FlakeSettings *fs, LockedFlake *lf)
{
    Value *fv = val_alloc(st);
    flake_call(st, fs, lf, fv);
    Attr *oa = attrs_find(eval_force_attrs(st, fv, 0, "while evaluating a flake"), sym_intern_cstr(st->symbols, "outputs"));
    return oa->value;
}

/* ---------- check ---------- */

typedef struct Checker {
    EvalState *st;
    int errors;
    const char **drvs; /* checks to build */
    size_t ndrvs, cap;
} Checker;

static void add_drv(Checker *k, const char *line)
{
    if (k->ndrvs == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 8;
        const char **nv = GC_MALLOC(k->cap * sizeof *nv);
        if (k->ndrvs)
            memcpy(nv, k->drvs, k->ndrvs * sizeof *nv);
        k->drvs = nv;
    }
    k->drvs[k->ndrvs++] = line;
}

typedef enum CheckKind { CK_DRV, CK_BUILD, CK_APP, CK_OVERLAY, CK_MODULE, CK_NIXOS, CK_TEMPLATE, CK_HYDRA } CheckKind;

static void check_one(Checker *k, CheckKind kind, const char *attr, Value *v)
{
    EvalState *st = k->st;
    TryFrame tf;
    if (EVAL_TRY(st, &tf)) {
        eval_frame_push_always(st, 0, sb_fmt("while checking flake output attribute '%s'", attr));
        eval_force(st, v, 0);
        switch (kind) {
        case CK_DRV:
        case CK_BUILD:
            if (v->type != T_ATTRS || !eval_is_derivation(st, v))
                eval_error(st, ERR_EVAL, 0, "flake attribute '%s' is not a derivation", attr);
            {
                size_t n;
                const char **lines = bi_instantiate(st, v, &n);
                if (kind == CK_BUILD)
                    for (size_t i = 0; i < n; i++)
                        add_drv(k, lines[i]);
            }
            break;
        case CK_APP: {
            Bindings *b = eval_force_attrs(st, v, 0, "while evaluating an app definition");
            Attr *t = attrs_find(b, st->s.type);
            if (!t || strcmp(eval_force_string_no_ctx(st, t->value, t->pos, ""), "app") != 0)
                eval_error(st, ERR_EVAL, 0, "attribute 'type' of app '%s' is not 'app'", attr);
            Attr *p = attrs_find(b, sym_intern_cstr(st->symbols, "program"));
            if (!p)
                eval_error(st, ERR_EVAL, 0, "app '%s' lacks attribute 'program'", attr);
            eval_force_string(st, p->value, p->pos, "while evaluating the program of an app");
            break;
        }
        case CK_OVERLAY:
            if (v->type != T_LAMBDA && v->type != T_PRIMOP && v->type != T_PRIMOP_APP)
                eval_error(st, ERR_EVAL, 0, "overlay is not a function, but %s instead", eval_type_name(v));
            if (v->type == T_LAMBDA) {
                if (v->lambda.fun->formals)
                    eval_error(st, ERR_EVAL, 0, "overlay function must not use formals (use 'final: prev:' instead)");
                Expr *body = v->lambda.fun->body;
                if (body->kind != EXPR_LAMBDA || ((ExprLambda *)body)->formals)
                    eval_error(st, ERR_EVAL, 0, "overlay function must take two arguments ('final: prev:')");
            }
            break;
        case CK_MODULE:
            if (v->type != T_ATTRS && v->type != T_LAMBDA && v->type != T_PATH)
                eval_error(st, ERR_EVAL, 0, "module '%s' is %s, not a function or a set", attr, eval_type_name(v));
            break;
        case CK_NIXOS: {
            Bindings *b = eval_force_attrs(st, v, 0, "while evaluating a NixOS configuration");
            Attr *c = attrs_find(b, sym_intern_cstr(st->symbols, "config"));
            if (!c)
                eval_error(st, ERR_EVAL, 0, "attribute 'config' missing in NixOS configuration '%s'", attr);
            break;
        }
        case CK_TEMPLATE: {
            Bindings *b = eval_force_attrs(st, v, 0, "while evaluating a template");
            Attr *p = attrs_find(b, st->s.path);
            if (!p)
                eval_error(st, ERR_EVAL, 0, "template '%s' lacks attribute 'path'", attr);
            eval_force(st, p->value, p->pos);
            if (p->value->type != T_PATH && p->value->type != T_STRING)
                eval_error(st, ERR_EVAL, 0, "template '%s' has a non-path 'path' attribute", attr);
            Attr *d = attrs_find(b, st->s.description);
            if (!d)
                eval_error(st, ERR_EVAL, 0, "template '%s' lacks attribute 'description'", attr);
            eval_force_string_no_ctx(st, d->value, d->pos, "while evaluating the template description");
            break;
        }
        case CK_HYDRA:
            if (v->type == T_ATTRS && eval_is_derivation(st, v)) {
                size_t n;
                bi_instantiate(st, v, &n);
            } else {
                Bindings *b = eval_force_attrs(st, v, 0, "while evaluating hydraJobs");
                uint32_t *order = attrs_sorted_by_name(st, b);
                for (uint32_t i = 0; i < b->size; i++) {
                    Attr *a = &b->attrs[order[i]];
                    check_one(k, CK_HYDRA, sb_fmt("%s.%s", attr, sym_name(st->symbols, a->name)), a->value);
                }
            }
            break;
        }
        eval_frame_pop(st);
        eval_try_leave(st, &tf);
    } else {
        eval_print_error(st, tf.error, stderr);
        k->errors++;
    }
}

/* kind of OUTPUT.SYSTEM.NAME (per_system, per_name), OUTPUT.SYSTEM (per_system), OUTPUT.NAME
 * (per_name), or OUTPUT itself. */
typedef struct OutputKind {
    const char *name;
    CheckKind kind;
    bool per_system, per_name;
} OutputKind;

static const OutputKind kinds[] = {
    {"checks", CK_BUILD, true, true},         {"packages", CK_DRV, true, true},
    {"devShells", CK_DRV, true, true},        {"apps", CK_APP, true, true},
    {"formatter", CK_DRV, true, false},       {"defaultPackage", CK_DRV, true, false},
    {"devShell", CK_DRV, true, false},        {"defaultApp", CK_APP, true, false},
    {"overlays", CK_OVERLAY, false, true},    {"overlay", CK_OVERLAY, false, false},
    {"nixosModules", CK_MODULE, false, true}, {"nixosModule", CK_MODULE, false, false},
    {"nixosConfigurations", CK_NIXOS, false, true}, {"templates", CK_TEMPLATE, false, true},
    {"defaultTemplate", CK_TEMPLATE, false, false}, {"hydraJobs", CK_HYDRA, false, false},
    {NULL, 0, false, false},
};

static void check_level(Checker *k, const OutputKind *ok, const char *attr, Value *v, bool systems)
{
    EvalState *st = k->st;
    if (!systems && !ok->per_name) {
        check_one(k, ok->kind, attr, v);
        return;
    }
    TryFrame tf;
    Bindings *b = NULL;
    if (EVAL_TRY(st, &tf)) {
        b = eval_force_attrs(st, v, 0, sb_fmt("while checking flake output attribute '%s'", attr));
        eval_try_leave(st, &tf);
    } else {
        eval_print_error(st, tf.error, stderr);
        k->errors++;
        return;
    }
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *a = &b->attrs[order[i]];
        const char *n = sym_name(st->symbols, a->name);
        const char *sub = sb_fmt("%s.%s", attr, n);
        if (systems) {
            if (!strchr(n, '-'))
                flake_warn("'%s' is not a valid system type, at %s", n, sub);
            if (strcmp(n, st->settings.system) != 0) {
                /* other systems are evaluated (not built) only when they are this one */
                continue;
            }
            check_level(k, ok, sub, a->value, false);
        } else
            check_one(k, ok->kind, sub, a->value);
    }
}

int cli_flake_check(EvalState *st, const FlakeSettings *fs, LockedFlake *lf, Store *store, const StoreConfig *cfg,
                    bool build)
{
    bi_store_set_writable(st, true);
    Checker k = {st, 0, NULL, 0, 0};
    Value *outputs = outputs_of(st, fs, lf);
    Bindings *b = eval_force_attrs(st, outputs, 0, "while evaluating the flake outputs");
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *a = &b->attrs[order[i]];
        const char *n = sym_name(st->symbols, a->name);
        const OutputKind *ok = kinds;
        while (ok->name && strcmp(ok->name, n) != 0)
            ok++;
        if (!ok->name) {
            if (strcmp(n, "lib") != 0 && strcmp(n, "legacyPackages") != 0)
                flake_warn("unknown flake output '%s'", n);
            continue;
        }
        check_level(&k, ok, n, a->value, ok->per_system);
    }
    if (build && k.ndrvs && store) {
        const char **drvs = GC_MALLOC(k.ndrvs * sizeof *drvs);
        for (size_t i = 0; i < k.ndrvs; i++) {
            const char *bang = strchr(k.drvs[i], '!');
            drvs[i] = bang ? GC_strndup(k.drvs[i], (size_t)(bang - k.drvs[i])) : k.drvs[i];
        }
        if (store_realise(store, cfg, drvs, k.ndrvs) != 0)
            k.errors++;
    }
    if (k.errors) {
        fprintf(stderr, "error: some errors were encountered during the evaluation\n");
        return 1;
    }
    return 0;
}

/* ---------- init / new ---------- */

/* Copies the template tree src into dst, refusing to overwrite different files. */
static void copy_template(EvalState *st, const char *src, const char *dst, int *conflicts)
{
    struct stat sb;
    if (lstat(src, &sb) != 0)
        eval_error(st, ERR_IO, 0, "reading '%s': %s", src, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        if (!fs_mkdir_p(dst, 0755))
            eval_error(st, ERR_IO, 0, "creating '%s': %s", dst, strerror(errno));
        Value *pv = val_alloc(st), *r = val_alloc(st);
        val_set_path(pv, src);
        Attr *rd = attrs_find(val_attrs(st->builtins), sym_intern_cstr(st->symbols, "readDir"));
        eval_call(st, rd->value, 1, &pv, r, 0);
        Bindings *b = eval_force_attrs(st, r, 0, "");
        for (uint32_t i = 0; i < b->size; i++) {
            const char *n = sym_name(st->symbols, b->attrs[i].name);
            copy_template(st, sb_fmt("%s/%s", src, n), sb_fmt("%s/%s", dst, n), conflicts);
        }
        return;
    }
    size_t len, olen;
    char *text = NULL;
    if (S_ISLNK(sb.st_mode)) {
        char t[4096];
        ssize_t tl = readlink(src, t, sizeof t - 1);
        if (tl < 0)
            eval_error(st, ERR_IO, 0, "reading '%s': %s", src, strerror(errno));
        t[tl] = 0;
        if (symlink(t, dst) != 0 && errno != EEXIST)
            eval_error(st, ERR_IO, 0, "creating '%s': %s", dst, strerror(errno));
        printf("wrote: %s\n", dst);
        return;
    }
    text = fs_read_file(src, &len);
    if (!text)
        eval_error(st, ERR_IO, 0, "reading '%s': %s", src, strerror(errno));
    char *old = fs_read_file(dst, &olen);
    if (old) {
        if (olen != len || memcmp(old, text, len) != 0) {
            fprintf(stderr, "warning: refusing to overwrite existing file '%s'\n please merge it manually with '%s'\n", dst,
                    src);
            (*conflicts)++;
        } else
            fprintf(stderr, "warning: skipping identical file: %s\n", src);
        return;
    }
    FILE *f = fopen(dst, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        eval_error(st, ERR_IO, 0, "writing '%s': %s", dst, strerror(errno));
    chmod(dst, (sb.st_mode & 0111) ? 0755 : 0644);
    printf("wrote: %s\n", dst);
}

int cli_flake_init(EvalState *st, const FlakeSettings *fs, const char *template_ref, const char *dest)
{
    const char *ref_str, *frag;
    flake_split_installable(template_ref, &ref_str, &frag);
    FlakeAttrs ref = flake_ref_parse(st, *ref_str ? ref_str : "templates", cli_cwd(), 0);
    LockFlags flags;
    flake_lock_flags_default(&flags);
    flags.write_lock_file = false;
    LockedFlake lf;
    flake_lock(st, fs, &ref, &flags, &lf);
    Value *outputs = outputs_of(st, fs, &lf);
    const char *cands[3] = {*frag ? sb_fmt("templates.%s", frag) : "templates.default", *frag ? frag : "defaultTemplate",
                            NULL};
    Value *t = NULL;
    const char *found = NULL;
    for (int i = 0; cands[i] && !t; i++) {
        Value *cur = outputs;
        const char *p = cands[i];
        while (cur && *p) {
            size_t n = strcspn(p, ".");
            Bindings *b = eval_force_attrs(st, cur, 0, "while evaluating the templates");
            Attr *a = attrs_find(b, sym_intern_cstr(st->symbols, val_str_dup(p, n)));
            cur = a ? a->value : NULL;
            p += n + (p[n] == '.');
        }
        if (cur) {
            t = cur;
            found = cands[i];
        }
    }
    if (!t)
        eval_error(st, ERR_EVAL, 0, "flake '%s' does not provide attribute 'templates.%s' or '%s'",
                   flake_ref_to_string(st, &ref), *frag ? frag : "default", *frag ? frag : "defaultTemplate");
    Bindings *b = eval_force_attrs(st, t, 0, sb_fmt("while evaluating the template '%s'", found));
    Attr *pa = attrs_find(b, st->s.path);
    if (!pa)
        eval_error(st, ERR_EVAL, 0, "template '%s' lacks attribute 'path'", found);
    const char *src = eval_coerce_to_string(st, pa->value, pa->pos, "while evaluating the template path", 0, NULL, NULL);
    int conflicts = 0;
    copy_template(st, src, dest, &conflicts);
    if (conflicts)
        eval_error(st, ERR_EVAL, 0, "encountered %d conflicts - see above", conflicts);
    Attr *wt = attrs_find(b, sym_intern_cstr(st->symbols, "welcomeText"));
    if (wt)
        printf("%s\n", eval_force_string_no_ctx(st, wt->value, wt->pos, "while evaluating the welcome text"));
    return 0;
}

/* ---------- prefetch / archive ---------- */

int cli_flake_prefetch(EvalState *st, const FlakeSettings *fs, const char *arg, bool json)
{
    const char *ref_str, *frag;
    flake_split_installable(arg, &ref_str, &frag);
    FlakeAttrs ref = flake_ref_parse(st, ref_str, cli_cwd(), 0);
    FlakeTree t;
    flake_fetch(st, fs, &ref, &t);
    const char *nh = flake_attrs_str(&t.locked, "narHash");
    if (json) {
        Bindings *b = attrs_alloc(st, 4);
        cli_fv_put(st, b, "hash", cli_fv_str(st, nh ? nh : ""));
        cli_fv_put(st, b, "locked", cli_fv_attrs(st, &t.locked));
        cli_fv_put(st, b, "original", cli_fv_attrs(st, &ref));
        cli_fv_put(st, b, "storePath", cli_fv_str(st, t.store_path));
        cli_fv_print_json(st, set_v(st, b));
    } else
        fprintf(stderr, "Downloaded '%s' to '%s' (hash '%s').\n", flake_ref_to_string(st, &t.locked), t.store_path,
                nh ? nh : "");
    return 0;
}

/* The store path of every node (fetching those the run did not), as {path, inputs}: with
 * one local store, fetching is archiving. */
static Value *archive_node(EvalState *st, const FlakeSettings *fs, const LockNode *n, const char *path)
{
    Bindings *ins = attrs_alloc(st, n->ninputs ? n->ninputs : 1);
    for (uint32_t i = 0; i < n->ninputs; i++) {
        const LockEdge *e = &n->inputs[i];
        if (!e->node || flake_ref_is_relative(&e->node->locked))
            continue;
        const char *p;
        FlakeTree t;
        if (e->node->source_info) {
            Attr *op = attrs_find(val_attrs(e->node->source_info), st->s.outPath);
            eval_force(st, op->value, 0);
            p = val_str(op->value);
        } else {
            flake_fetch(st, fs, &e->node->locked, &t);
            p = t.store_path;
        }
        cli_fv_put(st, ins, e->name, archive_node(st, fs, e->node, p));
    }
    Bindings *b = attrs_alloc(st, 2);
    cli_fv_put(st, b, "inputs", set_v(st, ins));
    cli_fv_put(st, b, "path", cli_fv_str(st, path));
    return set_v(st, b);
}

int cli_flake_archive(EvalState *st, const FlakeSettings *fs, LockedFlake *lf, bool json)
{
    Value *v = archive_node(st, fs, lf->lock.root, lf->tree.store_path);
    if (json)
        cli_fv_print_json(st, v);
    return 0;
}

/* ---------- clone ---------- */

int cli_flake_clone(EvalState *st, const FlakeSettings *fs, const char *arg, const char *dest)
{
    FlakeAttrs given = flake_ref_parse(st, arg, cli_cwd(), 0);
    FlakeAttrs ref = flake_resolve(st, fs, &given);
    const char *type = flake_attrs_str(&ref, "type"), *url = NULL;
    if (type && strcmp(type, "git") == 0)
        url = flake_attrs_str(&ref, "url");
    else if (type && (strcmp(type, "github") == 0 || strcmp(type, "gitlab") == 0 || strcmp(type, "sourcehut") == 0)) {
        if (!fs->forge_mirror)
            eval_error(st, ERR_IO, 0, "cannot clone '%s': cnix fetches only local sources (set 'forge-mirror')",
                       flake_ref_to_string(st, &ref));
        url = sb_fmt("%s/%s/%s/%s", fs->forge_mirror, type, flake_attrs_str(&ref, "owner"), flake_attrs_str(&ref, "repo"));
    } else
        eval_error(st, ERR_EVAL, 0, "cannot clone '%s': only Git and forge flakes can be cloned",
                   flake_ref_to_string(st, &ref));
    if (strncmp(url, "file://", 7) == 0)
        url += 7;
    const char *r = flake_attrs_str(&ref, "ref"), *rev = flake_attrs_str(&ref, "rev");
    pid_t pid = fork();
    if (pid < 0)
        eval_error(st, ERR_IO, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (r)
            execlp("git", "git", "clone", "-q", "--branch", r, "--", url, dest, (char *)NULL);
        else
            execlp("git", "git", "clone", "-q", "--", url, dest, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            eval_error(st, ERR_IO, 0, "waiting for git: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        eval_error(st, ERR_EVAL, 0, "cloning '%s' into '%s' failed", url, dest);
    if (rev) {
        pid = fork();
        if (pid == 0) {
            execlp("git", "git", "-C", dest, "checkout", "-q", rev, (char *)NULL);
            _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            eval_error(st, ERR_EVAL, 0, "checking out '%s' in '%s' failed", rev, dest);
    }
    return 0;
}
