/* cnix instantiate / nix-instantiate: evaluate, parse or instantiate Nix expressions. */
#include "builtins/access.h"
#include "builtins/derivation.h"
#include "cli/cli.h"
#include "cli/evalcommon.h"
#include "native/native.h"
#include "primops/json.h"
#include "primops/xml.h"
#include "store/gc.h"
#include "util/fs.h"

#define GC_THREADS
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct Inst {
    EvalOpts opts;
    bool eval_only, parse_only, read_write, strict, json, xml, no_location, raw, from_args, read_stdin;
    const char **files;
    int nfiles;
    const char **attr_paths;
    int nattr_paths;
    const char *add_root; /* --add-root: links ROOT, ROOT-2, ... to the .drv files */
    int root_nr;
    bool gc_warned;
    int status;
} Inst;

static void usage(void)
{
    fprintf(stderr,
            "usage: nix-instantiate [--eval [--strict] [--json|--xml|--raw]] [--parse]\n"
            "       [-E|--expr] [-A ATTRPATH] [--arg NAME EXPR] [--argstr NAME STR] [-I PATH]\n"
            "       [--show-trace] [--max-call-depth N] [--pure-eval] [--stats] FILES...\n");
}

/* Parses one input (file, -E text or stdin) without binding. */
static Expr *parse_input(EvalState *st, Inst *in, const char *arg, bool is_stdin, const Source **srcp)
{
    const Source *src;
    if (is_stdin) {
        size_t len;
        char *text = fs_read_stream(stdin, &len);
        if (!text)
            eval_error(st, ERR_IO, 0, "reading standard input: %s", strerror(errno));
        src = pos_add_source(st->positions, SRC_STDIN, NULL, cli_cwd(), text, len);
    } else if (in->from_args) {
        src = cli_string_source(st, arg);
    } else {
        const char *path = bi_check_path(st, cli_abs_path(arg), 0);
        path = eval_resolve_import_path(st, path, 0);
        if (!(src = cli_file_source(st, path)))
            eval_error(st, ERR_IO, 0, "opening file '%s': No such file or directory", path);
    }
    Expr *e = cli_parse(st, src);
    *srcp = src;
    return e;
}

static void print_result(EvalState *st, Inst *in, Value *v)
{
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
static void instantiate_value(EvalState *st, Inst *in, Value *v)
{
    size_t n;
    const char **lines = bi_instantiate(st, v, &n);
    if (n && !in->add_root && !in->gc_warned) {
        fprintf(stderr, "warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n");
        in->gc_warned = true;
    }
    LocalStore *ls = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!in->add_root) {
            printf("%s\n", lines[i]);
            continue;
        }
        if (!ls)
            ls = store_open(st->settings.store_dir && *st->settings.store_dir ? st->settings.store_dir : NULL);
        const char *bang = strchr(lines[i], '!');
        const char *drv = bang ? GC_strndup(lines[i], (size_t)(bang - lines[i])) : lines[i];
        const char *name = in->add_root;
        if (++in->root_nr > 1) {
            char *nm = GC_MALLOC_ATOMIC(strlen(name) + 16);
            sprintf(nm, "%s-%d", name, in->root_nr);
            name = nm;
        }
        const char *link, *e = store_add_perm_root(ls, drv, name, &link);
        if (e)
            eval_error(st, ERR_IO, 0, "%s", e);
        printf("%s%s\n", link, bang ? bang : "");
    }
}

typedef struct Job {
    Inst *in;
} Job;

static void process(EvalState *st, Inst *in, const char *arg, bool is_stdin)
{
    const Source *src;
    Expr *e = parse_input(st, in, arg, is_stdin, &src);
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
    /* --eval is read-only like CppNix's unless --read-write-mode: then toFile, path
     * literals and derivations are written, so that importing them works */
    if (!in->eval_only || in->read_write)
        bi_store_set_writable(st, true);
    Value *root = val_alloc(st);
    root->type = T_THUNK;
    root->thunk.env = st->base_env;
    root->thunk.expr = e;
    Bindings *args = cli_auto_args(st, &in->opts);
    int npaths = in->nattr_paths ? in->nattr_paths : 1;
    for (int i = 0; i < npaths; i++) {
        const char *path = in->nattr_paths ? in->attr_paths[i] : "";
        Value v;
        cli_attr_path(st, args, path, root, &v);
        Value *vp = val_alloc(st);
        *vp = v;
        if (in->eval_only)
            print_result(st, in, vp);
        else
            instantiate_value(st, in, vp);
    }
}

static void run(void *p)
{
    Inst *in = p;
    EvalState *st = eval_state_new(&in->opts.settings);
    const char *perr = NULL;
    if (!native_load_plugins(st, &perr)) {
        fprintf(stderr, "error: %s\n", perr);
        in->status = 1;
        return;
    }
    cli_install_sigint(st);
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        if (in->read_stdin)
            process(st, in, "-", true);
        for (int i = 0; i < in->nfiles; i++)
            process(st, in, in->files[i], false);
        if (!in->read_stdin && in->nfiles == 0)
            process(st, in, in->from_args ? "" : "./default.nix", false);
        eval_try_leave(st, &f);
        in->status = 0;
    } else {
        fflush(stdout);
        eval_print_error(st, f.error, stderr);
        /* CppNix's handling of a UsageError (e.g. an unknown hash algorithm) */
        if (f.error->kind == ERR_USAGE)
            fputs("Try 'nix-instantiate --help' for more information.\n", stderr);
        in->status = 1;
    }
    fflush(stdout);
    if (in->opts.stats)
        cli_print_stats(st, cli_cpu_seconds());
}

int cli_instantiate(int argc, char **argv)
{
    GC_INIT();
    GC_allow_register_threads();
    Inst *in = GC_MALLOC(sizeof *in);
    cli_opts_init(&in->opts);
    in->files = GC_MALLOC((size_t)argc * sizeof(char *));
    in->attr_paths = GC_MALLOC((size_t)argc * sizeof(char *));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_opts_parse(&in->opts, argc, argv, &i);
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
        else if (strcmp(a, "-E") == 0 || strcmp(a, "--expr") == 0)
            in->from_args = true;
        else if (strcmp(a, "-") == 0)
            in->read_stdin = true;
        else if (strcmp(a, "-A") == 0 || strcmp(a, "--attr") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
                return 1;
            }
            in->attr_paths[in->nattr_paths++] = argv[++i];
        } else if (strcmp(a, "--add-root") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
                return 1;
            }
            in->add_root = argv[++i];
        } else if (strcmp(a, "--indirect") == 0) {
            /* the default: roots are always indirect */
        } else if (strcmp(a, "--read-write-mode") == 0) {
            in->read_write = true;
        } else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-r") == 0 ||
                   strcmp(a, "--readonly-mode") == 0) {
            /* accepted for compatibility */
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
            in->files[in->nfiles++] = a;
    }
    cli_opts_finish(&in->opts);
    eval_run_with_big_stack(run, in);
    return in->status;
}
