/* cnix eval: evaluate an expression or file like `nix eval` and print the result. */
#define GC_THREADS
#include <gc/gc.h>

#include "cli/cli.h"
#include "cli/flakeopts.h"
#include "cli/session.h"
#include "primops/json.h"

#include <stdio.h>
#include <string.h>

typedef struct EvalCmd {
    const char *expr, *file, *attr;
    const char *installable; /* FLAKEREF#ATTRPATH */
    const char *apply;
    bool json, raw;
} EvalCmd;

static void usage(void)
{
    fprintf(stderr, "usage: cnix eval (--expr EXPR | --file FILE) [ATTRPATH] [--json | --raw] [--apply FN]\n"
                    "       cnix eval FLAKEREF#ATTRPATH [--json | --raw] [--apply FN] [flake options]\n"
                    "       [--arg NAME EXPR] [--argstr NAME STR] [-I PATH] [--show-trace] [--impure]\n");
}

static void run(CliSession *s, void *p)
{
    EvalCmd *c = p;
    EvalState *st = s->st;
    const char *cwd = cli_cwd();
    Value v;
    if (c->installable) {
        cli_flake_opts_finish(st, &s->flake, cwd);
        flake_eval_installable(st, &s->flake.settings, c->installable, cwd, &s->flake.lock, &v);
    } else {
        Value *root;
        if (c->expr)
            root = eval_thunk_new(st, NULL, eval_parse_string(st, c->expr, strlen(c->expr), cwd, SRC_STRING));
        else {
            root = val_alloc(st);
            eval_import(st, cli_abs_path(c->file), root, 0);
        }
        Bindings *args = cli_auto_args(st, &s->opts);
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
        const char *str = eval_coerce_to_string(st, vp, 0, "while generating the eval command output",
                                                COERCE_COPY_TO_STORE, NULL, &len);
        sb_add(&out, str, len);
    } else if (c->json) {
        const StrContext *ctx = NULL;
        prim_to_json(st, vp, 0, true, &out, &ctx);
        sb_putc(&out, '\n');
    } else {
        eval_show_value_forced(st, vp, &out);
        sb_putc(&out, '\n');
    }
    fwrite(out.data, 1, out.len, stdout);
}

int cli_eval(int argc, char **argv)
{
    CliSession *s = GC_MALLOC(sizeof *s);
    if (!cli_session_init(s, "nix"))
        return 1;
    EvalCmd *c = GC_MALLOC(sizeof *c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_session_option(s, argc, argv, &i);
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
        s->opts.settings.pure_eval = !s->flake.impure;
    if (!cli_session_open_store(s))
        return 1;
    return cli_session_run(s, run, c);
}
