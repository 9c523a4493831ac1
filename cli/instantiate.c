/* cnix instantiate / nix-instantiate: evaluate, parse or instantiate Nix expressions. */
#include "builtins/access.h"
#include "builtins/derivation.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "primops/json.h"
#include "primops/xml.h"
#include "store/gc.h"

#define GC_THREADS
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct Inst {
    CliInputs in;
    bool eval_only, parse_only, read_write, strict, json, xml, no_location, raw;
    const char *add_root; /* --add-root: links ROOT, ROOT-2, ... to the .drv files */
    size_t root_nr;
    bool gc_warned;
    CliSession *s;
} Inst;

static void usage(void)
{
    fprintf(stderr,
            "usage: nix-instantiate [--eval [--strict] [--json|--xml|--raw]] [--parse]\n"
            "       [-E|--expr] [-A ATTRPATH] [--arg NAME EXPR] [--argstr NAME STR] [-I PATH]\n"
            "       [--show-trace] [--max-call-depth N] [--pure-eval] [--stats] FILES...\n");
}

static void print_result(EvalState *st, Value *v, void *ctx)
{
    Inst *in = ctx;
    StrBuf out;
    sb_init(&out);
    if (in->strict)
        eval_force_deep(st, v, 0);
    else
        eval_force(st, v, 0);
    if (in->raw) {
        size_t len;
        const char *s = eval_coerce_to_string(st, v, 0, "while generating the nix-instantiate output",
                                              0, NULL, &len);
        fwrite(s, 1, len, stdout);
        return;
    }
    if (in->json) {
        const StrContext *ctx = NULL;
        prim_to_json(st, v, 0, in->strict, &out, &ctx);
    } else if (in->xml) {
        const StrContext *ctx = NULL;
        prim_to_xml(st, v, 0, in->strict, !in->no_location, &out, &ctx);
    } else
        eval_print_value(st, v, &out);
    if (!in->xml) /* the XML document already ends with a newline (as in CppNix) */
        sb_putc(&out, '\n');
    fwrite(out.data, 1, out.len, stdout);
}

/* nix-instantiate without --eval: write the .drv files and print their paths, or with
 * --add-root the links made to them (registered as indirect GC roots, as CppNix). */
static void instantiate_value(EvalState *st, Value *v, void *ctx)
{
    Inst *in = ctx;
    size_t n;
    const char **lines = bi_instantiate(st, v, &n);
    if (n && !in->add_root && !in->gc_warned) {
        fprintf(stderr, "warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n");
        in->gc_warned = true;
    }
    for (size_t i = 0; i < n; i++) {
        if (!in->add_root) {
            printf("%s\n", lines[i]);
            continue;
        }
        const char *bang = strchr(lines[i], '!');
        const char *drv = bang ? GC_strndup(lines[i], (size_t)(bang - lines[i])) : lines[i];
        const char *link, *e = cli_session_add_root(in->s, drv, in->add_root, ++in->root_nr, NULL, &link);
        if (e)
            eval_error(st, ERR_IO, 0, "%s", e);
        printf("%s%s\n", link, bang ? bang : "");
    }
}

static void process(EvalState *st, Expr *e, void *ctx)
{
    Inst *in = ctx;
    if (in->parse_only) {
        StrBuf sb;
        sb_init(&sb);
        parse_show(st->symbols, e, &sb);
        eval_bind(st, e);
        sb_putc(&sb, '\n');
        fwrite(sb.data, 1, sb.len, stdout);
        return;
    }
    eval_bind(st, e);
    cli_inputs_select(st, &in->in, &in->s->opts, e, in->eval_only ? print_result : instantiate_value, in);
}

static void run(CliSession *s, void *ctx)
{
    Inst *in = ctx;
    cli_inputs_each(s->st, &in->in, NULL, process, in);
}

int cli_instantiate(int argc, char **argv)
{
    CliSession *s = GC_MALLOC(sizeof *s);
    if (!cli_session_init(s, "nix-instantiate"))
        return 1;
    Inst *in = GC_MALLOC(sizeof *in);
    in->s = s;
    cli_inputs_init(&in->in, argc);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* not the realiser's --dry-run: accepted for compatibility */
        if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-r") == 0 || strcmp(a, "--readonly-mode") == 0)
            continue;
        int r = cli_session_option(s, argc, argv, &i);
        if (r == 0)
            r = cli_inputs_option(&in->in, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (strcmp(a, "--eval") == 0 || strcmp(a, "--eval-only") == 0)
            in->eval_only = true;
        else if (strcmp(a, "--parse") == 0 || strcmp(a, "--parse-only") == 0)
            in->parse_only = in->eval_only = true;
        else if (strcmp(a, "--strict") == 0)
            in->strict = true;
        else if (strcmp(a, "--json") == 0)
            in->json = true;
        else if (strcmp(a, "--xml") == 0)
            in->xml = true;
        else if (strcmp(a, "--no-location") == 0)
            in->no_location = true;
        else if (strcmp(a, "--raw") == 0)
            in->raw = true;
        else if (strcmp(a, "--add-root") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
                return 1;
            }
            in->add_root = argv[++i];
        } else if (strcmp(a, "--indirect") == 0) {
            /* the default: roots are always indirect */
        } else if (strcmp(a, "--read-write-mode") == 0) {
            in->read_write = true;
        } else if (strcmp(a, "--help") == 0) {
            usage();
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("nix-instantiate (cnix) 2.25.0\n");
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage();
            return 1;
        } else
            cli_inputs_add(&in->in, a);
    }
    if (!cli_session_open_store(s))
        return 1;
    /* --eval is read-only like CppNix's unless --read-write-mode: then toFile, path
     * literals and derivations are written, so that importing them works */
    s->writable = !in->eval_only || in->read_write;
    return cli_session_run(s, run, in);
}
