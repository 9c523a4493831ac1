/* cnix flake (lock, update, metadata, show) and cnix registry (list, add, remove, pin). */
#define GC_THREADS
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/flakecmds.h"
#include "cli/flakeopts.h"
#include "cli/session.h"
#include "primops/json.h"

typedef struct FlakeCmd {
    const FlakeSettings *fs;
    const char *verb;
    const char **args;
    int nargs;
    const char *flake_arg; /* --flake REF (update) */
    const char *template_ref; /* -t (init, new) */
    const char *dest;         /* --dest (clone) */
    bool no_build;
    bool json;
    bool legacy, all_systems;
    bool color;
} FlakeCmd;

static void usage(void)
{
    fprintf(stderr,
            "usage: cnix flake lock [FLAKE] [--override-input INPUT REF] [--update-input INPUT]\n"
            "       cnix flake update [INPUT...] [--flake FLAKE]\n"
            "       cnix flake metadata [FLAKE] [--json]\n"
            "       cnix flake show [FLAKE] [--json] [--legacy] [--all-systems]\n"
            "       cnix flake check [FLAKE] [--no-build]\n"
            "       cnix flake init [-t TEMPLATE] | cnix flake new DIR [-t TEMPLATE]\n"
            "       cnix flake prefetch FLAKE [--json] | cnix flake archive [FLAKE] [--json]\n"
            "       cnix flake clone FLAKE --dest DIR\n"
            "options: --no-write-lock-file --recreate-lock-file --no-update-lock-file --commit-lock-file\n"
            "         --reference-lock-file F --output-lock-file F --impure --no-registries\n"
            "         --option flake-registry PATH --option forge-mirror DIR --show-trace\n");
}

static Value *json_text_v(EvalState *st, const char *text)
{
    Value *v = val_alloc(st);
    prim_from_json(st, text, strlen(text), v);
    return v;
}

static const char *bold(const FlakeCmd *c, const char *s)
{
    return c->color ? sb_fmt("\x1b[1m%s\x1b[0m", s) : s;
}

static const char *time_str(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%F %T", &tm);
    return sb_fmt("%s", buf);
}

/* ---------- metadata ---------- */

static void print_inputs(EvalState *st, const FlakeCmd *c, const LockNode *n, const char *prefix, const LockNode **seen,
                         uint32_t *nseen)
{
    for (uint32_t i = 0; i < n->ninputs; i++) {
        const LockEdge *e = &n->inputs[i];
        bool last = i + 1 == n->ninputs;
        printf("%s%s%s: ", prefix, last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80" : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80",
               bold(c, e->name));
        if (!e->node) {
            printf("follows input '%s'\n", input_path_str(&e->follows));
            continue;
        }
        printf("%s", flake_ref_to_string(st, &e->node->locked));
        const FlakeAttr *lm = flake_attrs_get(&e->node->locked, "lastModified");
        if (lm && lm->kind == FA_INT)
            printf(" (%s)", time_str(lm->num));
        printf("\n");
        bool again = false;
        for (uint32_t k = 0; k < *nseen; k++)
            again |= seen[k] == e->node;
        if (again)
            continue;
        seen[(*nseen)++] = e->node;
        print_inputs(st, c, e->node, sb_fmt("%s%s", prefix, last ? "    " : "\xe2\x94\x82   "), seen, nseen);
    }
}

static uint32_t count_nodes(const LockNode *n)
{
    uint32_t k = 1;
    for (uint32_t i = 0; i < n->ninputs; i++)
        if (n->inputs[i].node)
            k += count_nodes(n->inputs[i].node);
    return k;
}

static void metadata(EvalState *st, FlakeCmd *c, LockedFlake *lf)
{
    const FlakeAttrs *locked = &lf->locked_ref;
    FlakeAttrs resolved = flake_resolve(st, c->fs, &lf->original_ref);
    const char *rev = flake_attrs_str(locked, "rev");
    const FlakeAttr *rc = flake_attrs_get(locked, "revCount"), *lm = flake_attrs_get(locked, "lastModified");
    Bindings *si = val_attrs(lf->tree.source_info);
    Attr *dirty = attrs_find(si, sym_intern_cstr(st->symbols, "dirtyRev"));
    const char *path = lf->tree.store_path;
    if (c->json) {
        Bindings *b = attrs_alloc(st, 16);
        if (lf->flake.description)
            cli_fv_put(st, b, "description", cli_fv_str(st, lf->flake.description));
        if (dirty)
            cli_fv_put(st, b, "dirtyRevision", dirty->value);
        if (lm) {
            Value *v = val_alloc(st);
            val_set_int(v, lm->num);
            cli_fv_put(st, b, "lastModified", v);
        }
        cli_fv_put(st, b, "locked", cli_fv_attrs(st, locked));
        cli_fv_put(st, b, "locks", json_text_v(st, flake_lock_to_json(&lf->lock)));
        cli_fv_put(st, b, "original", cli_fv_attrs(st, &lf->original_ref));
        cli_fv_put(st, b, "originalUrl", cli_fv_str(st, flake_ref_to_string(st, &lf->original_ref)));
        cli_fv_put(st, b, "path", cli_fv_str(st, path));
        cli_fv_put(st, b, "resolved", cli_fv_attrs(st, &resolved));
        cli_fv_put(st, b, "resolvedUrl", cli_fv_str(st, flake_ref_to_string(st, &resolved)));
        if (rc) {
            Value *v = val_alloc(st);
            val_set_int(v, rc->num);
            cli_fv_put(st, b, "revCount", v);
        }
        if (rev)
            cli_fv_put(st, b, "revision", cli_fv_str(st, rev));
        cli_fv_put(st, b, "url", cli_fv_str(st, flake_ref_to_string(st, locked)));
        attrs_sort(b);
        Value *v = val_alloc(st);
        val_set_attrs(v, b);
        cli_fv_print_json(st, v);
        return;
    }
    printf("%s  %s\n", bold(c, "Resolved URL:"), flake_ref_to_string(st, &resolved));
    printf("%s    %s\n", bold(c, "Locked URL:"), flake_ref_to_string(st, locked));
    if (lf->flake.description)
        printf("%s   %s\n", bold(c, "Description:"), lf->flake.description);
    printf("%s          %s\n", bold(c, "Path:"), path);
    if (rev)
        printf("%s      %s\n", bold(c, "Revision:"), rev);
    if (dirty)
        printf("%s      %s\n", bold(c, "Revision:"), val_str(dirty->value));
    if (rc)
        printf("%s     %lld\n", bold(c, "Revisions:"), (long long)rc->num);
    if (lm)
        printf("%s %s\n", bold(c, "Last modified:"), time_str(lm->num));
    if (lf->lock.root->ninputs) {
        printf("%s\n", bold(c, "Inputs:"));
        const LockNode **seen = GC_MALLOC((count_nodes(lf->lock.root) + 1) * sizeof *seen);
        uint32_t nseen = 0;
        print_inputs(st, c, lf->lock.root, "", seen, &nseen);
    }
}

/* ---------- show ---------- */

typedef struct ShowCtx {
    EvalState *st;
    FlakeCmd *c;
} ShowCtx;

static const char *drv_name(EvalState *st, Value *v)
{
    Attr *n = attrs_find(val_attrs(v), st->s.name);
    return n ? eval_force_string_no_ctx(st, n->value, n->pos, "while evaluating the derivation name") : "";
}

static Value *leaf(EvalState *st, const char *type, const char *name, const char *desc)
{
    Bindings *b = attrs_alloc(st, 3);
    if (desc)
        cli_fv_put(st, b, "description", cli_fv_str(st, desc));
    if (name)
        cli_fv_put(st, b, "name", cli_fv_str(st, name));
    cli_fv_put(st, b, "type", cli_fv_str(st, type));
    attrs_sort(b);
    Value *v = val_alloc(st);
    val_set_attrs(v, b);
    return v;
}

static const char *drv_desc(EvalState *st, Value *v)
{
    Attr *m = attrs_find(val_attrs(v), st->s.meta);
    if (!m)
        return NULL;
    eval_force(st, m->value, 0);
    if (m->value->type != T_ATTRS)
        return NULL;
    Attr *d = attrs_find(val_attrs(m->value), st->s.description);
    if (!d)
        return NULL;
    eval_force(st, d->value, 0);
    return d->value->type == T_STRING ? val_str(d->value) : NULL;
}

/* One output node, path[0..depth) (path[0] is the output kind): for a leaf, the value
 * describing it in --json and its text line in *text; NULL and *text NULL for an inner
 * node; an empty set and the text for an omitted one. */
static Value *classify(ShowCtx *x, const char **path, uint32_t depth, Value *v, const char **text);

static Value *show_children(ShowCtx *x, const char **path, uint32_t depth, Value *v)
{
    EvalState *st = x->st;
    Bindings *b = eval_force_attrs(st, v, 0, "while evaluating a flake output");
    uint32_t *order = attrs_sorted_by_name(st, b);
    Bindings *r = attrs_alloc(st, b->size ? b->size : 1);
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        const char **p = GC_MALLOC((depth + 2) * sizeof *p);
        if (depth) /* path is NULL at the top: memcpy from NULL is undefined (UBSan) */
            memcpy(p, path, depth * sizeof *p);
        p[depth] = sym_name(st->symbols, a->name);
        const char *text;
        Value *leafv = classify(x, p, depth + 1, a->value, &text);
        cli_fv_put(st, r, p[depth], leafv ? leafv : show_children(x, p, depth + 1, a->value));
    }
    attrs_sort(r);
    Value *rv = val_alloc(st);
    val_set_attrs(rv, r);
    return rv;
}

static bool is_system_level(const char *kind)
{
    static const char *const k[] = {"packages", "checks", "devShells", "apps", "legacyPackages", "formatter",
                                    "defaultPackage", "devShell", "defaultApp", NULL};
    for (const char *const *p = k; *p; p++)
        if (strcmp(kind, *p) == 0)
            return true;
    return false;
}

static Value *empty_set(EvalState *st)
{
    Value *v = val_alloc(st);
    val_set_attrs(v, attrs_alloc(st, 1));
    return v;
}

static Value *classify(ShowCtx *x, const char **path, uint32_t depth, Value *v, const char **text)
{
    EvalState *st = x->st;
    const char *kind = path[0];
    *text = NULL;
    bool sys_level = is_system_level(kind);
    if (sys_level && depth == 2 && strcmp(path[1], st->settings.system) != 0 && !x->c->all_systems) {
        *text = "omitted (use '--all-systems' to show)";
        return empty_set(st);
    }
    if (strcmp(kind, "legacyPackages") == 0 && depth == 2 && !x->c->legacy) {
        *text = "omitted (use '--legacy' to show)";
        return empty_set(st);
    }
    bool leaf_level = (sys_level && (depth == 3 || ((strcmp(kind, "defaultPackage") == 0 ||
                                                     strcmp(kind, "devShell") == 0 || strcmp(kind, "formatter") == 0 ||
                                                     strcmp(kind, "defaultApp") == 0) && depth == 2))) ||
                      ((strcmp(kind, "nixosModules") == 0 || strcmp(kind, "overlays") == 0 ||
                        strcmp(kind, "nixosConfigurations") == 0 || strcmp(kind, "templates") == 0) && depth == 2) ||
                      ((strcmp(kind, "nixosModule") == 0 || strcmp(kind, "overlay") == 0 ||
                        strcmp(kind, "defaultTemplate") == 0) && depth == 1);
    if (depth == 1 && !sys_level && !leaf_level && strcmp(kind, "hydraJobs") != 0 && strcmp(kind, "nixosModules") != 0 &&
        strcmp(kind, "overlays") != 0 && strcmp(kind, "nixosConfigurations") != 0 && strcmp(kind, "templates") != 0) {
        *text = "unknown";
        return leaf(st, "unknown", NULL, NULL);
    }
    /* forced only now: omitted and unknown outputs are not evaluated */
    eval_force(st, v, 0);
    if (leaf_level || (strcmp(kind, "hydraJobs") == 0 && v->type == T_ATTRS && eval_is_derivation(st, v))) {
        if (strcmp(kind, "nixosModules") == 0 || strcmp(kind, "nixosModule") == 0) {
            *text = "NixOS module";
            return leaf(st, "nixos-module", NULL, NULL);
        }
        if (strcmp(kind, "overlays") == 0 || strcmp(kind, "overlay") == 0) {
            *text = "Nixpkgs overlay";
            return leaf(st, "nixpkgs-overlay", NULL, NULL);
        }
        if (strcmp(kind, "nixosConfigurations") == 0) {
            *text = "NixOS configuration";
            return leaf(st, "nixos-configuration", NULL, NULL);
        }
        if (strcmp(kind, "templates") == 0 || strcmp(kind, "defaultTemplate") == 0) {
            const char *d = NULL;
            if (v->type == T_ATTRS) {
                Attr *da = attrs_find(val_attrs(v), st->s.description);
                if (da)
                    d = eval_force_string_no_ctx(st, da->value, da->pos, "while evaluating a template description");
            }
            *text = sb_fmt("template: %s", d ? d : "");
            return leaf(st, "template", NULL, d);
        }
        if (strcmp(kind, "apps") == 0 || strcmp(kind, "defaultApp") == 0) {
            *text = "app";
            return leaf(st, "app", NULL, NULL);
        }
        if (v->type != T_ATTRS || !eval_is_derivation(st, v)) {
            eval_error(st, ERR_EVAL, 0, "flake output attribute '%s' is not a derivation", sb_fmt("%s", path[0]));
        }
        const char *name = drv_name(st, v), *desc = drv_desc(st, v);
        const char *what = strcmp(kind, "devShells") == 0 || strcmp(kind, "devShell") == 0 ? "development environment"
                           : strcmp(kind, "checks") == 0 || strcmp(kind, "hydraJobs") == 0 ? "derivation"
                                                                                            : "package";
        *text = desc ? sb_fmt("%s '%s' - '%s'", what, name, desc) : sb_fmt("%s '%s'", what, name);
        return leaf(st, "derivation", name, desc);
    }
    if (v->type != T_ATTRS) {
        *text = "unknown";
        return leaf(st, "unknown", NULL, NULL);
    }
    return NULL;
}

static void show_text(ShowCtx *x, const char **path, uint32_t depth, Value *v, const char *prefix)
{
    EvalState *st = x->st;
    Bindings *b = eval_force_attrs(st, v, 0, "while evaluating a flake output");
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        bool last = k + 1 == b->size;
        const char **p = GC_MALLOC((depth + 2) * sizeof *p);
        if (depth) /* path is NULL at the top: memcpy from NULL is undefined (UBSan) */
            memcpy(p, path, depth * sizeof *p);
        p[depth] = sym_name(st->symbols, a->name);
        const char *branch = last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80" : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80";
        const char *text = NULL;
        classify(x, p, depth + 1, a->value, &text);
        if (text)
            printf("%s%s%s: %s\n", prefix, branch, bold(x->c, p[depth]), text);
        else {
            printf("%s%s%s\n", prefix, branch, bold(x->c, p[depth]));
            show_text(x, p, depth + 1, a->value, sb_fmt("%s%s", prefix, last ? "    " : "\xe2\x94\x82   "));
        }
    }
}

static void show(EvalState *st, FlakeCmd *c, LockedFlake *lf)
{
    Value *fv = val_alloc(st);
    flake_call(st, c->fs, lf, fv);
    Attr *oa = attrs_find(eval_force_attrs(st, fv, 0, ""), sym_intern_cstr(st->symbols, "outputs"));
    ShowCtx x = {st, c};
    if (c->json) {
        Value *r = show_children(&x, NULL, 0, oa->value);
        cli_fv_print_json(st, r);
        return;
    }
    printf("%s\n", bold(c, flake_ref_to_string(st, &lf->locked_ref)));
    show_text(&x, NULL, 0, oa->value, "");
}

/* ---------- running ---------- */

static void run(CliSession *s, void *p)
{
    FlakeCmd *c = p;
    EvalState *st = s->st;
    const char *cwd = cli_cwd();
    const char *ref_arg = ".";
    if (strcmp(c->verb, "clone") == 0) {
        if (c->nargs != 1 || !c->dest)
            eval_error(st, ERR_USAGE, 0, "'cnix flake clone' takes a flake reference and --dest DIR");
        s->status = cli_flake_clone(st, c->fs, c->args[0], c->dest);
        return;
    }
    if (strcmp(c->verb, "prefetch") == 0) {
        if (c->nargs != 1)
            eval_error(st, ERR_USAGE, 0, "'cnix flake prefetch' takes one flake reference");
        s->status = cli_flake_prefetch(st, c->fs, c->args[0], c->json);
        return;
    }
    if (strcmp(c->verb, "init") == 0 || strcmp(c->verb, "new") == 0) {
        bool is_new = strcmp(c->verb, "new") == 0;
        if (c->nargs != (is_new ? 1 : 0))
            eval_error(st, ERR_USAGE, 0, is_new ? "'cnix flake new' takes a directory" : "'cnix flake init' takes no argument");
        const char *dest = is_new ? (c->args[0][0] == '/' ? c->args[0] : sb_fmt("%s/%s", cwd, c->args[0])) : cwd;
        s->status = cli_flake_init(st, c->fs, c->template_ref ? c->template_ref : "templates#default", dest);
        return;
    }
    if (strcmp(c->verb, "update") == 0) {
        for (int i = 0; i < c->nargs; i++)
            s->flake.update_args = NULL;
        for (int i = 0; i < c->nargs; i++) {
            const char **nv = GC_MALLOC((s->flake.nupdate_args + 1) * sizeof *nv);
            if (s->flake.nupdate_args)
                memcpy(nv, s->flake.update_args, s->flake.nupdate_args * sizeof *nv);
            nv[s->flake.nupdate_args++] = c->args[i];
            s->flake.update_args = nv;
        }
        if (c->flake_arg)
            ref_arg = c->flake_arg;
        if (c->nargs == 0)
            s->flake.lock.recreate_lock_file = true;
    } else {
        if (c->nargs > 1)
            eval_error(st, ERR_USAGE, 0, "unexpected argument '%s'", c->args[1]);
        if (c->nargs == 1)
            ref_arg = c->args[0];
    }
    cli_flake_opts_finish(st, &s->flake, cwd);
    FlakeAttrs ref = flake_ref_parse(st, ref_arg, cwd, 0);
    LockedFlake lf;
    flake_lock(st, &s->flake.settings, &ref, &s->flake.lock, &lf);
    if (strcmp(c->verb, "metadata") == 0 || strcmp(c->verb, "info") == 0)
        metadata(st, c, &lf);
    else if (strcmp(c->verb, "show") == 0)
        show(st, c, &lf);
    else if (strcmp(c->verb, "check") == 0)
        s->status = cli_flake_check(st, c->fs, &lf, s->store, &s->cfg, !c->no_build);
    else if (strcmp(c->verb, "archive") == 0)
        s->status = cli_flake_archive(st, c->fs, &lf, c->json);
}

int cli_flake(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage();
        return argc < 2;
    }
    FlakeCmd *c = GC_MALLOC(sizeof *c);
    c->verb = argv[1];
    static const char *const verbs[] = {"lock", "update", "metadata", "info", "show", "check",
                                        "init", "new", "prefetch", "archive", "clone", NULL};
    const char *const *vp = verbs;
    while (*vp && strcmp(*vp, c->verb) != 0)
        vp++;
    if (!*vp) {
        fprintf(stderr, "error: unknown flake command '%s'\n", c->verb);
        usage();
        return 1;
    }
    CliSession *s = GC_MALLOC(sizeof *s);
    if (!cli_session_init(s, "cnix flake"))
        return 1;
    c->fs = &s->flake.settings;
    s->writable = strcmp(c->verb, "check") == 0; /* .drv files of the checks */
    c->args = GC_MALLOC((size_t)argc * sizeof *c->args);
    c->color = isatty(1);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_session_option(s, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (strcmp(a, "--json") == 0)
            c->json = true;
        else if (strcmp(a, "--legacy") == 0)
            c->legacy = true;
        else if (strcmp(a, "--all-systems") == 0)
            c->all_systems = true;
        else if (strcmp(a, "--flake") == 0 && i + 1 < argc)
            c->flake_arg = argv[++i];
        else if ((strcmp(a, "-t") == 0 || strcmp(a, "--template") == 0) && i + 1 < argc)
            c->template_ref = argv[++i];
        else if (strcmp(a, "--no-build") == 0)
            c->no_build = true;
        else if (strcmp(a, "--dest") == 0 && i + 1 < argc)
            c->dest = argv[++i];
        else if (strcmp(a, "--help") == 0) {
            usage();
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage();
            return 1;
        } else
            c->args[c->nargs++] = a;
    }
    /* flakes evaluate in pure mode unless --impure */
    s->opts.settings.pure_eval = !s->flake.impure;
    if (!cli_session_open_store(s))
        return 1;
    return cli_session_run(s, run, c);
}
