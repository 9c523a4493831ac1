/* cnix build (nix-build): instantiate, realise, link `result`, print outputs; cnix log. */
#include "builtins/derivation.h"
#include "cli/cli.h"
#include "cli/flakeopts.h"
#include "cli/session.h"
#include "cli/storeopts.h"
#include "store/build.h"
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
    CliInputs in;
    const char *out_link;
    bool no_out_link;
    const char **lines; /* DRV or DRV!OUTPUT, from the evaluation */
    size_t nlines, caplines;
    CliSession *s;
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

static void collect(EvalState *st, Value *v, void *ctx)
{
    size_t n;
    const char **lines = bi_instantiate(st, v, &n);
    for (size_t k = 0; k < n; k++)
        add_line(ctx, lines[k]);
}

/* The rule that tells `cnix build .#x` (nix build) from `cnix build FILE` (nix-build): an
 * argument with '#' or a flake scheme (path:, git+..., github:, flake:) is an installable. */
static bool eval_installable(EvalState *st, const char *arg, void *ctx)
{
    BuildCmd *c = ctx;
    if (!flake_is_installable(arg))
        return false;
    const char *cwd = cli_cwd();
    cli_flake_opts_finish(st, &c->s->flake, cwd);
    Value *v = val_alloc(st);
    flake_eval_installable(st, &c->s->flake.settings, arg, cwd, &c->s->flake.lock, v);
    collect(st, v, c);
    return true;
}

static void eval_one(EvalState *st, Expr *e, void *ctx)
{
    BuildCmd *c = ctx;
    eval_bind(st, e);
    cli_inputs_select(st, &c->in, &c->s->opts, e, collect, c);
}

static void run_eval(CliSession *s, void *ctx)
{
    BuildCmd *c = ctx;
    cli_inputs_each(s->st, &c->in, eval_installable, eval_one, c);
}

int cli_build(int argc, char **argv)
{
    CliSession *s = GC_MALLOC(sizeof *s);
    if (!cli_session_init(s, "nix-build"))
        return 1;
    BuildCmd *c = GC_MALLOC(sizeof *c);
    c->s = s;
    cli_inputs_init(&c->in, argc);
    c->out_link = "result";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_session_option(s, argc, argv, &i);
        if (r == 0)
            r = cli_inputs_option(&c->in, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (!strcmp(a, "-o") || !strcmp(a, "--out-link")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
                return 1;
            }
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
            cli_inputs_add(&c->in, a);
    }
    /* no argument: ./default.nix, or the flake in . when there is only a flake.nix */
    if (c->in.nargs == 0 && !c->in.from_args && !c->in.read_stdin && access("default.nix", F_OK) != 0 &&
        access("flake.nix", F_OK) == 0)
        cli_inputs_add(&c->in, ".#");
    /* flakes evaluate in pure mode unless --impure */
    bool flakes = false;
    for (int i = 0; i < c->in.nargs; i++)
        flakes |= !c->in.from_args && flake_is_installable(c->in.args[i]);
    if (flakes)
        s->opts.settings.pure_eval = !s->flake.impure;
    if (!cli_session_open_store(s))
        return 1;
    Store *store = s->store;
    /* .drv files are realised as they are (nix-build DRV); the rest is evaluated. */
    int nexpr = 0;
    for (int i = 0; i < c->in.nargs; i++) {
        const char *f = c->in.args[i];
        size_t l = strlen(f);
        if (!c->in.from_args && l > 4 && !strcmp(f + l - 4, ".drv")) {
            char *rp = realpath(f, NULL);
            add_line(c, GC_strdup(rp ? rp : f));
            free(rp);
        } else
            c->in.args[nexpr++] = f;
    }
    bool only_drvs = c->in.nargs > 0 && nexpr == 0;
    c->in.nargs = nexpr;
    s->writable = true;
    if (!only_drvs && cli_session_run(s, run_eval, c))
        return s->status;
    const char **drvs = GC_MALLOC((c->nlines ? c->nlines : 1) * sizeof *drvs);
    const char **outs = GC_MALLOC((c->nlines ? c->nlines : 1) * sizeof *outs);
    for (size_t i = 0; i < c->nlines; i++) {
        const char *bang = strchr(c->lines[i], '!');
        drvs[i] = bang ? GC_strndup(c->lines[i], (size_t)(bang - c->lines[i])) : c->lines[i];
        outs[i] = bang ? bang + 1 : "out";
    }
    int st = store_realise(store, &s->cfg, drvs, c->nlines);
    if (st || s->cfg.dry_run)
        return st;
    for (size_t i = 0; i < c->nlines; i++) {
        const char *err;
        const Derivation *d = store_load_drv(store, drvs[i], &err);
        const char *path = NULL;
        for (uint32_t k = 0; d && k < d->noutputs; k++)
            if (!strcmp(d->outputs[k].name, outs[i]))
                path = d->outputs[k].path;
        if (!path) {
            fprintf(stderr, "error: derivation '%s' does not have an output named '%s'\n", drvs[i], outs[i]);
            return 1;
        }
        if (!c->no_out_link) {
            const char *link, *e = cli_session_add_root(s, path, c->out_link, i + 1, outs[i], &link);
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
    CliSession *ses = GC_MALLOC(sizeof *ses);
    if (!cli_session_init(ses, "cnix log"))
        return 1;
    int status = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_session_store_option(ses, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r == 0)
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: cnix log DRV-OR-OUTPUT-PATH\n");
        return 1;
    }
    if (!cli_session_open_store(ses))
        return 1;
    Store *s = ses->store;
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
    const char *log = store_log_path(s, drv);
    char *text = log ? fs_read_file(log, &len) : NULL;
    if (!text) {
        fprintf(stderr, "error: build log of '%s' is not available\n", sp);
        return 1;
    }
    fwrite(text, 1, len, stdout);
    return status;
}
