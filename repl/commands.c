/* The REPL's :commands, loading files into scope, and :doc rendering. */
#include <archive.h>
#include <stdarg.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtins/derivation.h"
#include "builtins/builtins.h"
#include "util/lazyarchive.h"
#include "store/build.h"
#include "repl/internal.h"

const char *const repl_command_names[] = {
    ":?", ":a", ":add", ":b", ":build", ":doc", ":e", ":edit", ":help", ":l", ":load",
    ":lf", ":load-flake", ":ll", ":last-loaded", ":log", ":p", ":print", ":q", ":quit", ":r", ":reload", ":t",
    ":te", ":trace-enable", NULL,
};

static const char help_text[] =
    "The following commands are available:\n"
    "\n"
    "  <expr>                       Evaluate and print expression\n"
    "  <x> = <expr>                 Bind expression to variable\n"
    "  :a, :add <expr>              Add attributes from resulting set to scope\n"
    "  :b, :build <expr>            Build a derivation\n"
    "  :doc <expr>                  Show documentation of a builtin or documented function\n"
    "  :e, :edit <expr>             Open package or function in $EDITOR\n"
    "  :l, :load <path>             Load Nix expression and add it to scope\n"
    "  :lf, :load-flake <ref>       Load Nix flake and add it to scope\n"
    "  :ll, :last-loaded            Show most recently loaded variables added to scope\n"
    "  :log <expr>                  Show logs for a derivation\n"
    "  :p, :print <expr>            Evaluate and print expression recursively\n"
    "                               Strings are printed directly, without escaping.\n"
    "  :q, :quit                    Exit cnix repl\n"
    "  :r, :reload                  Reload all files\n"
    "  :t <expr>                    Describe result of evaluation\n"
    "  :te, :trace-enable [bool]    Enable, disable or toggle showing traces for\n"
    "                               errors\n"
    "  :?, :help                    Brings up this help menu\n";

static bool is(const char *cmd, const char *a, const char *b)
{
    return strcmp(cmd, a) == 0 || (b && strcmp(cmd, b) == 0);
}

static _Noreturn __attribute__((format(printf, 2, 3))) void fail(Repl *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    StrBuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    eval_error(r->st, ERR_EVAL, 0, "%s", sb.data);
}

/* ---------- scope from files and sets ---------- */

void repl_add_attrs(Repl *r, Value *v)
{
    EvalState *st = r->st;
    Bindings *b = eval_force_attrs(st, v, 0,
                                   "while evaluating an attribute set to be merged in the global scope");
    for (uint32_t i = 0; i < b->size; i++)
        repl_add_var(r, b->attrs[i].name, b->attrs[i].value);
    r->last_loaded = b;
    fprintf(stderr, "Added %u variables.\n", b->size);
    uint32_t *order = attrs_sorted_by_name(st, b);
    StrBuf sb;
    sb_init(&sb);
    for (uint32_t i = 0; i < b->size && i < 20; i++) {
        Symbol s = b->attrs[order[i]].name;
        const char *name = sym_name(st->symbols, s);
        size_t len = sym_len(st->symbols, s);
        if (i)
            sb_puts(&sb, ", ");
        if (repl_is_var_name(name, len))
            sb_add(&sb, name, len);
        else
            eval_print_string_literal(name, len, &sb);
    }
    if (b->size)
        fprintf(stderr, "%s\n", sb.data);
    if (b->size > 20)
        fprintf(stderr, "... and %u more; view with :ll\n", b->size - 20);
}

/* Calls a file's function with the --arg values it asks for, as
 * nix-instantiate and nix repl do; other values are returned as they are. */
static void auto_call(Repl *r, Value *fn, Value *out)
{
    EvalState *st = r->st;
    eval_force(st, fn, 0);
    if (fn->type == T_ATTRS) {
        Attr *functor = attrs_find(fn->attrs, st->s.__functor);
        if (functor) {
            Value *res = val_alloc(st);
            Value *args[1] = {fn};
            eval_call(st, functor->value, 1, args, res, 0);
            auto_call(r, res, out);
            return;
        }
    }
    if (fn->type != T_LAMBDA || !fn->lambda.fun->formals) {
        *out = *fn;
        return;
    }
    Formals *formals = fn->lambda.fun->formals;
    Bindings *given = r->auto_args;
    Bindings *b = attrs_alloc(st, formals->n + given->size);
    if (formals->ellipsis) {
        for (uint32_t i = 0; i < given->size; i++)
            attrs_push(b, given->attrs[i].name, given->attrs[i].pos, given->attrs[i].value);
    } else {
        for (uint32_t i = 0; i < formals->n; i++) {
            Formal *fm = &formals->items[i];
            Attr *a = attrs_find(given, fm->name);
            if (a)
                attrs_push(b, a->name, a->pos, a->value);
            else if (!fm->def)
                eval_error(st, ERR_MISSING_ARG, fm->pos,
                           "cannot evaluate a function that has an argument without a value ('%s')\n"
                           "Nix attempted to evaluate a function as a top level expression; in\n"
                           "this case it must have its arguments supplied either by default\n"
                           "values, or passed explicitly with '--arg' or '--argstr'. See\n"
                           "https://nixos.org/manual/nix/stable/language/constructs.html#functions.",
                           sym_name(st->symbols, fm->name));
        }
    }
    attrs_sort(b);
    Value *arg = val_alloc(st);
    val_set_attrs(arg, b);
    Value *args[1] = {arg};
    eval_call(st, fn, 1, args, out, 0);
}

/* `<nixpkgs>` through the search path, anything else relative to the cwd. */
static const char *resolve_file(Repl *r, const char *arg)
{
    size_t len = strlen(arg);
    if (len > 2 && arg[0] == '<' && arg[len - 1] == '>') {
        Value v;
        repl_eval_string(r, arg, &v);
        return eval_coerce_to_path(r->st, &v, 0, "while evaluating the file to load");
    }
    if (arg[0] == '/')
        return arg;
    if (arg[0] == '~' && arg[1] == '/' && getenv("HOME")) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s%s", getenv("HOME"), arg + 1);
        return sb_finish(&sb);
    }
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s/%s", r->cwd, arg);
    return sb_finish(&sb);
}

void repl_load_file(Repl *r, const char *arg, bool remember)
{
    if (!*arg)
        fail(r, "%s", ":load needs a file name");
    if (remember) {
        /* Keep each file once, in the order of the latest load. */
        uint32_t j = 0;
        for (uint32_t i = 0; i < r->nfiles; i++)
            if (strcmp(r->files[i], arg) != 0)
                r->files[j++] = r->files[i];
        r->nfiles = j;
        if (r->nfiles == r->files_cap) {
            uint32_t cap = r->files_cap ? 2 * r->files_cap : 8;
            const char **files = GC_MALLOC(cap * sizeof *files);
            if (r->nfiles)
                memcpy(files, r->files, r->nfiles * sizeof *files);
            r->files = files;
            r->files_cap = cap;
        }
        r->files[r->nfiles++] = val_str_dup(arg, strlen(arg));
    }
    const char *path = resolve_file(r, arg);
    struct stat sbuf;
    if (stat(path, &sbuf) == 0 && S_ISDIR(sbuf.st_mode)) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s/default.nix", path);
        path = sb_finish(&sb);
    }
    Value *v = val_alloc(r->st);
    eval_expr(r->st, eval_parse_file(r->st, path), v);
    Value *res = val_alloc(r->st);
    auto_call(r, v, res);
    repl_add_attrs(r, res);
}

static void reload(Repl *r)
{
    eval_reset_file_cache(r->st);
    repl_reset_scope(r);
    r->last_loaded = NULL;
    uint32_t n = r->nfiles;
    const char **files = r->files;
    r->files = NULL;
    r->nfiles = r->files_cap = 0;
    for (uint32_t i = 0; i < n; i++) {
        fprintf(stderr, "Loading '%s'...\n", files[i]);
        repl_load_file(r, files[i], true);
    }
}

/* ---------- derivations ---------- */

static const char *drv_path_of(Repl *r, Value *v)
{
    EvalState *st = r->st;
    if (v->type != T_ATTRS || !eval_is_derivation(st, v))
        eval_error(st, ERR_EVAL, 0, "expression does not evaluate to a derivation, so I can't build it");
    Attr *a = attrs_find(v->attrs, st->s.drvPath);
    if (!a)
        eval_error(st, ERR_EVAL, 0,
                   "expression did not evaluate to a valid derivation (no 'drvPath' attribute)");
    return eval_force_string(st, a->value, a->pos, "while evaluating the drvPath of a derivation");
}

/* Builds the derivation and lists its outputs, as nix repl's :b does. */
static void build(Repl *r, const char *drv)
{
    if (!r->store)
        r->store = bi_store(r->st); /* the store evaluation wrote the .drv to */
    fflush(stdout);
    /* store_realise reports progress and failures on stderr itself. */
    if (store_realise(r->store, r->store_cfg, &drv, 1) != 0)
        return;
    const char *err = NULL;
    const Derivation *d = store_load_drv(r->store, drv, &err);
    if (!d)
        fail(r, "%s", err ? err : "cannot read the derivation");
    printf("\nThis derivation produced the following outputs:\n");
    for (uint32_t i = 0; i < d->noutputs; i++)
        printf("  %s -> %s\n", d->outputs[i].name, d->outputs[i].path);
}

/* Prints a build log from the log directory (plain, or bzip2'ed by CppNix). */
static void show_log(Repl *r, const char *drv)
{
    const char *base = strrchr(drv, '/');
    base = base ? base + 1 : drv;
    if (strlen(base) < 3)
        fail(r, "build log of '%s' is not available", drv);
    const char *plain = store_log_path(bi_store(r->st), drv);
    if (!plain)
        fail(r, "build log of '%s' is not available", drv);
    static const char *const suffixes[] = {"", ".bz2", NULL};
    for (const char *const *sfx = suffixes; *sfx; sfx++) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s%s", plain, *sfx);
        if (access(sb.data, R_OK) != 0)
            continue;
        const char *lerr = lazyarchive_load();
        if (lerr)
            fail(r, "%s", lerr);
        struct archive *a = archive_read_new();
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        struct archive_entry *entry;
        if (archive_read_open_filename(a, sb.data, 65536) == ARCHIVE_OK &&
            archive_read_next_header(a, &entry) == ARCHIVE_OK) {
            char buf[65536];
            la_ssize_t n;
            while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
                fwrite(buf, 1, (size_t)n, stdout);
            archive_read_free(a);
            fflush(stdout);
            return;
        }
        archive_read_free(a);
    }
    fail(r, "build log of '%s' is not available", drv);
}

/* ---------- :edit ---------- */

static void run_editor(Repl *r, const char *file, uint32_t line)
{
    const char *editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "cat";
    /* $EDITOR may carry arguments: split on spaces as a shell would, simply. */
    char *words = strdup(editor);
    char *argv[64];
    int argc = 0;
    for (char *w = strtok(words, " \t"); w && argc < 60; w = strtok(NULL, " \t"))
        argv[argc++] = w;
    if (!argc) {
        free(words);
        return;
    }
    char lineopt[32];
    const char *prog = strrchr(argv[0], '/');
    prog = prog ? prog + 1 : argv[0];
    if (line && (!strcmp(prog, "emacs") || !strcmp(prog, "nano") || !strcmp(prog, "vim") ||
                 !strcmp(prog, "nvim") || !strcmp(prog, "vi") || !strcmp(prog, "kak") ||
                 !strcmp(prog, "hx"))) {
        snprintf(lineopt, sizeof lineopt, "+%u", line);
        argv[argc++] = lineopt;
    }
    argv[argc++] = (char *)file;
    argv[argc] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "error: cannot run editor '%s'\n", argv[0]);
        _exit(127);
    }
    free(words);
    if (pid < 0)
        fail(r, "cannot start the editor '%s'", editor);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
}

static void edit(Repl *r, const char *arg)
{
    EvalState *st = r->st;
    Value v;
    repl_eval_string(r, arg, &v);
    const char *file = NULL;
    uint32_t line = 0;
    if (v.type == T_PATH || v.type == T_STRING) {
        file = eval_coerce_to_path(st, &v, 0, "while evaluating the filename to edit");
    } else if (v.type == T_LAMBDA) {
        Pos p = pos_get(st->positions, v.lambda.fun->base.pos);
        if (!p.src || p.src->kind != SRC_FILE || !p.src->path) {
            StrBuf sb;
            sb_init(&sb);
            repl_print_pos(r, &sb, v.lambda.fun->base.pos);
            fail(r, "'%s' cannot be shown in an editor", sb.data);
        }
        file = p.src->path;
        line = p.line;
    } else if (v.type == T_ATTRS) {
        /* A package: meta.position is "FILE:LINE". */
        Attr *meta = attrs_find(v.attrs, st->s.meta);
        Attr *pos = NULL;
        if (meta) {
            Bindings *mb = eval_force_attrs(st, meta->value, 0, "while evaluating meta");
            pos = attrs_find(mb, sym_intern_cstr(st->symbols, "position"));
        }
        if (!pos)
            fail(r, "package '%s' has no source location information", arg);
        const char *s = eval_force_string(st, pos->value, 0, "while evaluating meta.position");
        const char *colon = strrchr(s, ':');
        if (!colon)
            fail(r, "cannot parse meta.position attribute '%s'", s);
        file = val_str_dup(s, (size_t)(colon - s));
        line = (uint32_t)strtoul(colon + 1, NULL, 10);
    } else {
        fail(r, "cannot find the source of %s", eval_type_name(&v));
    }
    run_editor(r, file, line);
    reload(r);
}

/* ---------- :doc ---------- */

/* Inline Markdown: backquotes dropped; on a terminal `code` in cyan,
 * **strong** in bold and *emphasis* in italics. */
static void md_inline(StrBuf *out, const char *s, size_t n, bool colour)
{
    bool code = false, bold = false, ital = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '`') {
            code = !code;
            if (colour)
                sb_puts(out, code ? "\033[36m" : "\033[39m");
            continue;
        }
        if (colour && !code && c == '*') {
            if (i + 1 < n && s[i + 1] == '*') {
                bold = !bold;
                sb_puts(out, bold ? "\033[1m" : "\033[22m");
                i++;
                continue;
            }
            if (ital || (i + 1 < n && s[i + 1] != ' ' && memchr(s + i + 1, '*', n - i - 1))) {
                ital = !ital;
                sb_puts(out, ital ? "\033[3m" : "\033[23m");
                continue;
            }
        }
        sb_putc(out, c);
    }
    if (colour && (code || bold || ital))
        sb_puts(out, "\033[0m");
}

/* Prints Markdown roughly as a terminal renderer would: paragraphs indented
 * by four spaces, fenced code by eight. */
static void print_markdown(StrBuf *out, const char *md, bool colour)
{
    /* Common indentation of non-blank lines, as CppNix's stripIndentation. */
    size_t common = (size_t)-1;
    for (const char *l = md; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        size_t ind = 0;
        while (ind < len && (l[ind] == ' ' || l[ind] == '\t'))
            ind++;
        if (ind < len && ind < common)
            common = ind;
        l += len + (e ? 1 : 0);
    }
    if (common == (size_t)-1)
        common = 0;
    bool fence = false, blank = true;
    for (const char *l = md; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *s = l + (len >= common ? common : len);
        size_t n = len >= common ? len - common : 0;
        l += len + (e ? 1 : 0);
        size_t k = 0;
        while (k < n && s[k] == ' ')
            k++;
        if (n - k >= 3 && strncmp(s + k, "```", 3) == 0) {
            fence = !fence;
            continue;
        }
        if (n == 0) {
            if (!blank)
                sb_putc(out, '\n');
            blank = true;
            continue;
        }
        blank = false;
        if (fence) {
            sb_puts(out, "        ");
            sb_add(out, s, n);
        } else {
            sb_puts(out, "    ");
            md_inline(out, s, n, colour);
        }
        sb_putc(out, '\n');
    }
}

static const PrimOp *primop_of(Value *v)
{
    while (v->type == T_PRIMOP_APP)
        v = v->primop_app.left;
    return v->type == T_PRIMOP ? v->primop : NULL;
}

/* A builtin defined in Nix (a lambda, e.g. derivation) documented in a
 * PrimOp table: found by name, if v is that very builtin. */
static const PrimOp *builtin_written_in_nix(EvalState *st, Symbol name, Value *v)
{
    if (!st->builtins || st->builtins->type != T_ATTRS)
        return NULL;
    Attr *a = attrs_find(st->builtins->attrs, name);
    if (!a || val_is_thunk(a->value) || a->value->type != T_LAMBDA ||
        a->value->lambda.fun != v->lambda.fun)
        return NULL;
    return bi_find_primop(sym_name(st->symbols, name));
}

static void doc(Repl *r, const char *arg)
{
    EvalState *st = r->st;
    /* For `a.b.c`, find where c is defined in case the value has no docs. */
    Expr *e = repl_parse(r, arg, strlen(arg));
    Symbol attr_name = 0;
    PosIdx attr_pos = 0;
    if (e->kind == EXPR_SELECT) {
        ExprSelect *sel = (ExprSelect *)e;
        if (sel->npath && sel->path[sel->npath - 1].sym && !sel->def) {
            Expr *base = sel->e;
            if (sel->npath > 1) {
                ExprSelect *prefix = GC_MALLOC(sizeof *prefix);
                *prefix = *sel;
                prefix->npath--;
                base = &prefix->base;
            }
            Value *vb = eval_thunk_new(st, r->env, base);
            Bindings *b = eval_force_attrs(st, vb, 0,
                                           "while evaluating an attribute set to look for documentation");
            Attr *a = attrs_find(b, sel->path[sel->npath - 1].sym);
            if (a) {
                attr_name = a->name;
                attr_pos = a->pos;
            }
        }
    }
    Value v;
    repl_eval_string(r, arg, &v);
    StrBuf sb;
    sb_init(&sb);
    const PrimOp *op = primop_of(&v);
    Symbol last = e->kind == EXPR_VAR ? ((ExprVar *)e)->name : attr_name;
    if (!op && v.type == T_LAMBDA && !v.lambda.fun->doc && last)
        op = builtin_written_in_nix(st, last, &v);
    if (op) {
        StrBuf syn;
        sb_init(&syn);
        sb_printf(&syn, "**Synopsis:** `builtins.%s`", op->name);
        for (const char *a = op->args ? op->args : ""; *a;) {
            size_t len = strcspn(a, " ");
            if (len)
                sb_printf(&syn, " *%.*s*", (int)len, a);
            a += len + (a[len] == ' ');
        }
        /* Without colours the emphasis stars go too: "Synopsis: builtins.map f list". */
        if (r->colour)
            md_inline(&sb, syn.data, syn.len, true);
        else
            for (const char *c = syn.data; *c; c++)
                if (*c != '*' && *c != '`')
                    sb_putc(&sb, *c);
        sb_puts(&sb, "\n\n");
        print_markdown(&sb, op->doc ? op->doc : "", r->colour);
    } else if (v.type == T_LAMBDA) {
        ExprLambda *fun = v.lambda.fun;
        if (fun->name)
            sb_printf(&sb, "Function %s\n  … defined at ", sym_name(st->symbols, fun->name));
        else
            sb_puts(&sb, "Function defined at ");
        repl_print_pos(r, &sb, fun->base.pos);
        sb_putc(&sb, '\n');
        if (fun->doc && *fun->doc) {
            sb_putc(&sb, '\n');
            print_markdown(&sb, fun->doc, r->colour);
        }
    } else if (attr_pos) {
        sb_printf(&sb, "Attribute %s\n\n  … defined at ", sym_name(st->symbols, attr_name));
        repl_print_pos(r, &sb, attr_pos);
        sb_puts(&sb, "\n\n    No documentation found.\n");
    } else {
        fail(r, "%s", "value does not have documentation");
    }
    fwrite(sb.data, 1, sb.len, stdout);
}

/* ---------- dispatch ---------- */

ReplLineResult repl_command(Repl *r, const char *cmd, const char *arg)
{
    EvalState *st = r->st;
    Value v;
    if (is(cmd, ":?", ":help")) {
        fputs(help_text, stdout);
    } else if (is(cmd, ":a", ":add")) {
        repl_eval_string(r, arg, &v);
        repl_add_attrs(r, &v);
    } else if (is(cmd, ":l", ":load")) {
        eval_reset_file_cache(st);
        repl_load_file(r, arg, true);
    } else if (is(cmd, ":lf", ":load-flake")) {
        /* through builtins.getFlake (flake/ binds it): the flake's attributes, outputs
         * included, join the scope; a relative reference is taken from the cwd */
        if (!*arg)
            fail(r, "%s", ":load-flake needs a flake reference");
        StrBuf sb;
        sb_init(&sb);
        sb_puts(&sb, "builtins.getFlake ");
        bool rel = arg[0] == '.' || (arg[0] != '/' && !strchr(arg, ':') && strchr(arg, '/'));
        const char *ref = rel ? sb_fmt("%s/%s", r->cwd, arg) : arg;
        eval_print_string_literal(ref, strlen(ref), &sb);
        repl_eval_string(r, sb.data, &v);
        repl_add_attrs(r, &v);
    } else if (is(cmd, ":ll", ":last-loaded")) {
        if (r->last_loaded) {
            uint32_t *order = attrs_sorted_by_name(st, r->last_loaded);
            for (uint32_t i = 0; i < r->last_loaded->size; i++)
                printf("%s\n", sym_name(st->symbols, r->last_loaded->attrs[order[i]].name));
        }
    } else if (is(cmd, ":r", ":reload")) {
        reload(r);
    } else if (is(cmd, ":e", ":edit")) {
        edit(r, arg);
    } else if (is(cmd, ":t", NULL)) {
        repl_eval_string(r, arg, &v);
        printf("%s\n", eval_type_name(&v));
    } else if (is(cmd, ":b", ":build")) {
        repl_eval_string(r, arg, &v);
        build(r, drv_path_of(r, &v));
    } else if (is(cmd, ":log", NULL)) {
        repl_eval_string(r, arg, &v);
        show_log(r, drv_path_of(r, &v));
    } else if (is(cmd, ":p", ":print")) {
        repl_eval_string(r, arg, &v);
        StrBuf sb;
        sb_init(&sb);
        if (v.type == T_STRING)
            sb_add(&sb, val_str(&v), v.len);
        else
            repl_print_value(r, &sb, &v, UINT32_MAX, stdout);
        sb_putc(&sb, '\n');
        fwrite(sb.data, 1, sb.len, stdout);
    } else if (is(cmd, ":doc", NULL)) {
        doc(r, arg);
    } else if (is(cmd, ":te", ":trace-enable")) {
        bool on;
        if (!strcmp(arg, "true") || (!*arg && !st->settings.show_trace))
            on = true;
        else if (!strcmp(arg, "false") || (!*arg && st->settings.show_trace))
            on = false;
        else
            eval_error(st, ERR_EVAL, 0, "unexpected argument '%s' to %s", arg, cmd);
        st->settings.show_trace = on;
        puts(on ? "showing error traces" : "not showing error traces");
    } else if (is(cmd, ":q", ":quit")) {
        return REPL_QUIT;
    } else {
        eval_error(st, ERR_EVAL, 0,
                   "unknown command '%s'\n"
                   "commands: :? :a :b :doc :e :l :ll :log :p :q :r :t :te (type :? for help)",
                   cmd);
    }
    fflush(stdout);
    return REPL_CONTINUE;
}
