/* cnix eval: evaluate an expression or file like `nix eval` and print the result. */
#define GC_THREADS
#include <gc/gc.h>

#include "cli/cli.h"
#include "cli/evalcommon.h"
#include "cli/flakeopts.h"
#include "primops/json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct EvalCmd {
    EvalOpts opts;
    FlakeOpts fo;
    const char *expr, *file, *attr;
    const char *installable; /* FLAKEREF#ATTRPATH */
    const char *apply;
    bool json, raw;
    int status;
} EvalCmd;

static void usage(void)
{
    fprintf(stderr, "usage: cnix eval (--expr EXPR | --file FILE) [ATTRPATH] [--json | --raw] [--apply FN]\n"
                    "       cnix eval FLAKEREF#ATTRPATH [--json | --raw] [--apply FN] [flake options]\n"
                    "       [--arg NAME EXPR] [--argstr NAME STR] [-I PATH] [--show-trace] [--impure]\n");
}

static void run(void *p)
{
    EvalCmd *c = p;
    EvalState *st = eval_state_new(&c->opts.settings);
    cli_install_sigint(st);
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            strcpy(cwd, "/");
        Value *root = val_alloc(st);
        Value v;
        if (c->installable) {
            cli_flake_opts_finish(st, &c->fo, cwd);
            flake_eval_installable(st, &c->fo.settings, c->installable, cwd, &c->fo.lock, &v);
        } else {
        if (c->expr) {
            Expr *e = eval_parse_string(st, c->expr, strlen(c->expr), cwd, SRC_STRING);
            root->type = T_THUNK;
            root->thunk.env = st->base_env;
            root->thunk.expr = e;
        } else
            eval_import(st, cli_abs_path(c->file), root, 0);
        Bindings *args = cli_auto_args(st, &c->opts);
        cli_attr_path(st, args, c->attr ? c->attr : "", root, &v);
        }
        Value *vp = val_alloc(st);
        *vp = v;
        if (c->apply) {
            Expr *fe = eval_parse_string(st, c->apply, strlen(c->apply), cwd, SRC_STRING);
            Value *fn = val_alloc(st), *res = val_alloc(st);
            eval_expr(st, fe, fn);
            eval_call(st, fn, 1, &vp, res, 0);
            vp = res;
        }
        StrBuf out;
        sb_init(&out);
        if (c->raw) {
            size_t len;
            const char *s = eval_coerce_to_string(st, vp, 0, "while generating the eval command output",
                                                  COERCE_COPY_TO_STORE, NULL, &len);
            sb_add(&out, s, len);
        } else if (c->json) {
            const StrContext *ctx = NULL;
            prim_to_json(st, vp, 0, true, &out, &ctx);
            sb_putc(&out, '\n');
        } else {
            eval_show_value_forced(st, vp, &out);
            sb_putc(&out, '\n');
        }
        fwrite(out.data, 1, out.len, stdout);
        eval_try_leave(st, &f);
        c->status = 0;
    } else {
        fflush(stdout);
        eval_print_error(st, f.error, stderr);
        c->status = 1;
    }
    fflush(stdout);
    if (c->opts.stats)
        cli_print_stats(st, cli_cpu_seconds());
}

int cli_eval(int argc, char **argv)
{
    GC_INIT();
    GC_allow_register_threads();
    EvalCmd *c = GC_MALLOC(sizeof *c);
    cli_opts_init(&c->opts);
    cli_flake_opts_init(&c->fo);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_flake_opt(&c->fo, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        r = cli_opts_parse(&c->opts, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if ((strcmp(a, "--expr") == 0 || strcmp(a, "-E") == 0) && i + 1 < argc)
            c->expr = argv[++i];
        else if ((strcmp(a, "--file") == 0 || strcmp(a, "-f") == 0) && i + 1 < argc)
            c->file = argv[++i];
        else if (strcmp(a, "--json") == 0)
            c->json = true;
        else if (strcmp(a, "--raw") == 0)
            c->raw = true;
        else if (strcmp(a, "--apply") == 0 && i + 1 < argc)
            c->apply = argv[++i];
        else if (strcmp(a, "--help") == 0) {
            usage();
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage();
            return 1;
        } else if (!c->attr && !c->installable) {
            /* with --file/--expr the positional argument is an attribute path, else an
             * installable (FLAKEREF#ATTRPATH) */
            if (!c->file && !c->expr)
                c->installable = a;
            else
                c->attr = a[0] == '.' ? a + 1 : a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s'\n", a);
            return 1;
        }
    }
    if (!c->expr && !c->file && !c->installable) {
        usage();
        return 1;
    }
    if (c->installable) /* flakes evaluate in pure mode unless --impure */
        c->opts.settings.pure_eval = !c->fo.impure;
    cli_opts_finish(&c->opts);
    eval_run_with_big_stack(run, c);
    return c->status;
}
