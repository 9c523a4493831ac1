/* cnix build (nix-build): instantiate, realise, link `result`, print outputs; cnix log. */
#include "builtins/derivation.h"
#include "cli/cli.h"
#include "cli/evalcommon.h"
#include "cli/flakeopts.h"
#include "cli/storeopts.h"
#include "native/native.h"
#include "store/build.h"
#include "store/gc.h"
#include "util/fs.h"

#define GC_THREADS
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct BuildCmd {
    EvalOpts opts;
    FlakeOpts fo;
    StoreConfig cfg;
    bool from_args;
    const char **files;
    int nfiles;
    const char **attr_paths;
    int nattr_paths;
    const char *out_link;
    bool no_out_link;
    const char **lines; /* DRV or DRV!OUTPUT, from the evaluation */
    size_t nlines, caplines;
    int status;
} BuildCmd;

static void usage(void)
{
    fprintf(stderr, "usage: cnix build [FILE... | FLAKEREF#ATTRPATH...] [-A ATTR] [-E EXPR] [--arg NAME EXPR] [--argstr NAME STR]\n"
                    "       [-o|--out-link NAME | --no-out-link] [-j|--max-jobs N] [-k|--keep-going]\n"
                    "       [--dry-run] [-K|--keep-failed] [--option NAME VALUE] [-Q]\n");
}

static void add_line(BuildCmd *c, const char *l)
{
    if (c->nlines == c->caplines) {
        size_t cap = c->caplines ? 2 * c->caplines : 8;
        const char **v = GC_MALLOC(cap * sizeof *v);
        if (c->nlines)
            memcpy(v, c->lines, c->nlines * sizeof *v);
        c->lines = v;
        c->caplines = cap;
    }
    c->lines[c->nlines++] = l;
}

/* The rule that tells `cnix build .#x` (nix build) from `cnix build FILE` (nix-build): an
 * argument with '#' or a flake scheme (path:, git+..., github:, flake:) is an installable. */
static void eval_installable(EvalState *st, BuildCmd *c, const char *arg)
{
    bi_store_set_writable(st, true);
    const char *cwd = cli_cwd();
    cli_flake_opts_finish(st, &c->fo, cwd);
    Value *v = val_alloc(st);
    flake_eval_installable(st, &c->fo.settings, arg, cwd, &c->fo.lock, v);
    size_t n;
    const char **lines = bi_instantiate(st, v, &n);
    for (size_t k = 0; k < n; k++)
        add_line(c, lines[k]);
}

static void eval_one(EvalState *st, BuildCmd *c, const char *arg)
{
    if (!c->from_args && flake_is_installable(arg)) {
        eval_installable(st, c, arg);
        return;
    }
    const Source *src;
    if (c->from_args)
        src = cli_string_source(st, arg);
    else {
        const char *path = eval_resolve_import_path(st, cli_abs_path(arg), 0);
        if (!(src = cli_file_source(st, path)))
            eval_error(st, ERR_IO, 0, "opening file '%s': No such file or directory", path);
    }
    Expr *e = cli_parse(st, src);
    eval_bind(st, e);
    bi_store_set_writable(st, true);
    Value *root = val_alloc(st);
    root->type = T_THUNK;
    root->thunk.env = st->base_env;
    root->thunk.expr = e;
    Bindings *args = cli_auto_args(st, &c->opts);
    int npaths = c->nattr_paths ? c->nattr_paths : 1;
    for (int i = 0; i < npaths; i++) {
        Value v;
        cli_attr_path(st, args, c->nattr_paths ? c->attr_paths[i] : "", root, &v);
        Value *vp = val_alloc(st);
        *vp = v;
        size_t n;
        const char **lines = bi_instantiate(st, vp, &n);
        for (size_t k = 0; k < n; k++)
            add_line(c, lines[k]);
    }
}

static void run_eval(void *p)
{
    BuildCmd *c = p;
    EvalState *st = eval_state_new(&c->opts.settings);
    const char *perr = NULL;
    if (!native_load_plugins(st, &perr)) {
        fprintf(stderr, "error: %s\n", perr);
        c->status = 1;
        return;
    }
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        for (int i = 0; i < c->nfiles; i++)
            eval_one(st, c, c->files[i]);
        /* no argument: ./default.nix, or the flake in . when there is only a flake.nix */
        if (c->nfiles == 0)
            eval_one(st, c, c->from_args ? "" : access("default.nix", F_OK) != 0 && access("flake.nix", F_OK) == 0 ? ".#" : "./default.nix");
        eval_try_leave(st, &f);
        c->status = 0;
    } else {
        eval_print_error(st, f.error, stderr);
        c->status = 1;
    }
}

int cli_build(int argc, char **argv)
{
    GC_INIT();
    GC_allow_register_threads();
    BuildCmd *c = GC_MALLOC(sizeof *c);
    cli_opts_init(&c->opts);
    cli_flake_opts_init(&c->fo);
    if (!cli_store_config_init(&c->cfg))
        return 1;
    c->files = GC_MALLOC((size_t)argc * sizeof(char *));
    c->attr_paths = GC_MALLOC((size_t)argc * sizeof(char *));
    c->out_link = "result";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_store_opt(&c->cfg, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        r = cli_flake_opt(&c->fo, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        r = cli_opts_parse(&c->opts, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (!strcmp(a, "-E") || !strcmp(a, "--expr"))
            c->from_args = true;
        else if (!strcmp(a, "-A") || !strcmp(a, "--attr") || !strcmp(a, "-o") || !strcmp(a, "--out-link")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
                return 1;
            }
            if (a[1] == 'A' || a[2] == 'a')
                c->attr_paths[c->nattr_paths++] = argv[++i];
            else
                c->out_link = argv[++i];
        } else if (!strcmp(a, "--no-out-link"))
            c->no_out_link = true;
        else if (!strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage();
            return 1;
        } else
            c->files[c->nfiles++] = a;
    }
    /* flakes evaluate in pure mode unless --impure */
    bool flakes = c->nfiles == 0 && !c->from_args && access("default.nix", F_OK) != 0 && access("flake.nix", F_OK) == 0;
    for (int i = 0; i < c->nfiles; i++)
        flakes |= !c->from_args && flake_is_installable(c->files[i]);
    if (flakes)
        c->opts.settings.pure_eval = !c->fo.impure;
    cli_opts_finish(&c->opts);
    LocalStore *s = cli_store_open(&c->cfg);
    if (!s)
        return 1;
    /* .drv files are realised as they are (nix-build DRV); the rest is evaluated. */
    int nexpr = 0;
    for (int i = 0; i < c->nfiles; i++) {
        const char *f = c->files[i];
        size_t l = strlen(f);
        if (!c->from_args && l > 4 && !strcmp(f + l - 4, ".drv")) {
            char *rp = realpath(f, NULL);
            add_line(c, GC_strdup(rp ? rp : f));
            free(rp);
        } else
            c->files[nexpr++] = f;
    }
    bool only_drvs = c->nfiles > 0 && nexpr == 0;
    c->nfiles = nexpr;
    if (!only_drvs)
        eval_run_with_big_stack(run_eval, c);
    if (c->status)
        return c->status;
    const char **drvs = GC_MALLOC((c->nlines ? c->nlines : 1) * sizeof *drvs);
    const char **outs = GC_MALLOC((c->nlines ? c->nlines : 1) * sizeof *outs);
    for (size_t i = 0; i < c->nlines; i++) {
        const char *bang = strchr(c->lines[i], '!');
        drvs[i] = bang ? GC_strndup(c->lines[i], (size_t)(bang - c->lines[i])) : c->lines[i];
        outs[i] = bang ? bang + 1 : "out";
    }
    int st = store_realise(s, &c->cfg, drvs, c->nlines);
    if (st || c->cfg.dry_run)
        return st;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    for (size_t i = 0; i < c->nlines; i++) {
        const char *err;
        const Derivation *d = store_load_drv(s, drvs[i], &err);
        const char *path = NULL;
        for (uint32_t k = 0; d && k < d->noutputs; k++)
            if (!strcmp(d->outputs[k].name, outs[i]))
                path = d->outputs[k].path;
        if (!path) {
            fprintf(stderr, "error: derivation '%s' does not have an output named '%s'\n", drvs[i], outs[i]);
            return 1;
        }
        if (!c->no_out_link) {
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "%s%s%s", c->out_link[0] == '/' ? "" : cwd, c->out_link[0] == '/' ? "" : "/",
                      c->out_link);
            if (i > 0)
                sb_printf(&sb, "-%zu", i + 1);
            if (strcmp(outs[i], "out"))
                sb_printf(&sb, "-%s", outs[i]);
            const char *link = sb_finish(&sb);
            const char *e = store_add_perm_root(s, path, link, &link);
            if (e) {
                fprintf(stderr, "error: %s\n", e);
                return 1;
            }
        }
        printf("%s\n", path);
    }
    fflush(stdout);
    return 0;
}

int cli_log(int argc, char **argv)
{
    StoreConfig cfg;
    if (!cli_store_config_init(&cfg))
        return 1;
    int status = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_store_opt(&cfg, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r == 0)
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: cnix log DRV-OR-OUTPUT-PATH\n");
        return 1;
    }
    LocalStore *s = cli_store_open(&cfg);
    if (!s)
        return 1;
    /* "result" links and the like resolve to their store path. */
    char buf[4096];
    ssize_t n;
    const char *p = path;
    while ((n = readlink(p, buf, sizeof buf - 1)) > 0 && !store_is_in_store(store_dir(s), p)) {
        buf[n] = 0;
        p = GC_strdup(buf);
    }
    const char *sp = store_to_store_path(store_dir(s), p);
    if (!sp) {
        fprintf(stderr, "error: path '%s' is not in the Nix store\n", path);
        return 1;
    }
    const char *drv = sp;
    size_t l = strlen(sp);
    if (l < 4 || strcmp(sp + l - 4, ".drv")) {
        drv = store_query_deriver(s, sp);
        if (!drv) {
            fprintf(stderr, "error: build log of '%s' is not available\n", sp);
            return 1;
        }
    }
    size_t len;
    char *text = fs_read_file(store_log_path(&cfg, drv), &len);
    if (!text) {
        fprintf(stderr, "error: build log of '%s' is not available\n", sp);
        return 1;
    }
    fwrite(text, 1, len, stdout);
    return status;
}
