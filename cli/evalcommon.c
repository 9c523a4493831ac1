/* Option handling, auto-arguments, attribute paths and statistics for evaluating commands. */
#include "cli/evalcommon.h"

#include <errno.h>
#include <gc/gc.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtins/access.h"
#include "util/strbuf.h"
#include "util/fs.h"

const char *cli_abs_path(const char *p)
{
    if (p[0] == '/')
        return eval_canon_path(p);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return p;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s/%s", cwd, p);
    return eval_canon_path(sb.data);
}

/* Running out of memory is an error message and exit status 1, not an abort. */
static void *oom_fn(size_t n)
{
    (void)n;
    static const char msg[] = "error: out of memory\n";
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(1);
    _exit(1);
}

void cli_opts_init(EvalOpts *o)
{
    GC_set_oom_fn(oom_fn);
    memset(o, 0, sizeof *o);
    /* A few MB up front: with a tiny heap the collector runs hundreds of times
     * on call-heavy workloads (fib 32: 898 cycles at 600 KB; -12% instructions). */
    if (!getenv("GC_INITIAL_HEAP_SIZE"))
        GC_expand_hp(4 << 20);
    /* The evaluator paces collections by the live heap (eval/value.c). */
    GC_set_min_bytes_allocd((size_t)8 << 20);
    /* --stats reports the time spent in collections (two clock reads per collection) */
    GC_start_performance_measurement();
    eval_settings_default(&o->settings);
    const char *s = getenv("NIX_SHOW_STATS");
    o->stats = s && *s && strcmp(s, "0") != 0;
}

void cli_opts_finish(EvalOpts *o)
{
    const char *np = getenv("NIX_PATH");
    if (np)
        eval_settings_add_nix_path(&o->settings, np);
}

static int lint_level(const char *v)
{
    if (strcmp(v, "fatal") == 0)
        return 2;
    if (strcmp(v, "warn") == 0)
        return 1;
    return 0;
}

static bool parse_bool(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0;
}

static void set_option(EvalOpts *o, const char *name, const char *value)
{
    EvalSettings *s = &o->settings;
    if (strcmp(name, "max-call-depth") == 0)
        /* CppNix refuses a call when the depth before it exceeds N, so N + 1 nested calls
         * run; cnix counts the call itself (and takes 0 to mean its default). */
        s->max_call_depth = s->max_value_depth = (uint32_t)strtoul(value, NULL, 10) + 1;
    else if (strcmp(name, "pure-eval") == 0)
        s->pure_eval = parse_bool(value);
    else if (strcmp(name, "restrict-eval") == 0)
        s->restrict_eval = parse_bool(value);
    else if (strcmp(name, "allowed-uris") == 0) {
        /* whitespace-separated URI prefixes allowed under restricted evaluation */
        s->allowed_uris = NULL;
        s->nallowed_uris = 0;
        char *copy = GC_strdup(value), *save = NULL;
        for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
            const char **n = GC_MALLOC((s->nallowed_uris + 1) * sizeof *n);
            if (s->nallowed_uris)
                memcpy(n, s->allowed_uris, s->nallowed_uris * sizeof *n);
            n[s->nallowed_uris++] = t;
            s->allowed_uris = n;
        }
    } else if (strcmp(name, "abort-on-warn") == 0)
        s->abort_on_warn = parse_bool(value);
    else if (strcmp(name, "show-trace") == 0)
        s->show_trace = parse_bool(value);
    else if (strcmp(name, "nix-path") == 0) {
        s->nix_path = NULL;
        s->nix_path_len = 0;
        eval_settings_add_nix_path(s, value);
    } else if (strcmp(name, "system") == 0)
        s->system = value;
    else if (strcmp(name, "store") == 0 || strcmp(name, "store-dir") == 0)
        ; /* the store layer reads these itself */
    else if (strcmp(name, "allow-unsafe-native-code-during-evaluation") == 0)
        s->allow_unsafe_native = parse_bool(value);
    else if (strcmp(name, "plugin-files") == 0)
        s->plugin_files = value;
    else if (strncmp(name, "lint-", 5) == 0) {
        int l = lint_level(value);
        if (strcmp(name, "lint-url-literals") == 0)
            s->parse.lint_url_literals = l;
        else if (strcmp(name, "lint-short-path-literals") == 0)
            s->parse.lint_short_path_literals = l;
        else if (strcmp(name, "lint-absolute-path-literals") == 0)
            s->parse.lint_absolute_path_literals = l;
    }
    /* other settings (experimental features, substituters, ...) do not affect evaluation here */
}

int cli_opts_parse(EvalOpts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
#define NEED(n)                                                                                  \
    do {                                                                                         \
        if (*i + (n) >= argc) {                                                                  \
            fprintf(stderr, "error: flag '%s' requires %d argument%s\n", a, (n), (n) > 1 ? "s" : ""); \
            return -1;                                                                           \
        }                                                                                        \
    } while (0)
    if (strcmp(a, "-I") == 0 || strcmp(a, "--include") == 0 || (a[0] == '-' && a[1] == 'I' && a[2])) {
        const char *v;
        if (a[1] == 'I' && a[2])
            v = a + 2; /* -IPATH */
        else {
            NEED(1);
            v = argv[++*i];
        }
        const char *eq = strchr(v, '=');
        /* relative directories are relative to the cwd, not the file being evaluated */
        if (!strstr(v, "://")) {
            StrBuf sb;
            sb_init(&sb);
            if (eq) {
                sb_add(&sb, v, (size_t)(eq - v) + 1);
                sb_puts(&sb, cli_abs_path(eq + 1));
            } else
                sb_puts(&sb, cli_abs_path(v));
            v = sb.data;
        }
        SearchPathEntry e = {"", v};
        char *copy = GC_strdup(v);
        char *q = strchr(copy, '=');
        if (q && !strstr(copy, "://")) {
            *q = 0;
            e.prefix = copy;
            e.path = q + 1;
        }
        EvalSettings *s = &o->settings;
        SearchPathEntry *n = GC_MALLOC((s->nix_path_len + 1) * sizeof(SearchPathEntry));
        if (s->nix_path_len)
            memcpy(n, s->nix_path, s->nix_path_len * sizeof(SearchPathEntry));
        n[s->nix_path_len++] = e;
        s->nix_path = n;
        return 1;
    }
    if (strcmp(a, "--arg") == 0 || strcmp(a, "--argstr") == 0) {
        NEED(2);
        o->auto_args = GC_REALLOC(o->auto_args, (size_t)(o->nauto_args + 1) * sizeof(AutoArg));
        o->auto_args[o->nauto_args++] = (AutoArg){argv[*i + 1], argv[*i + 2], a[5] == 's'};
        *i += 2;
        return 1;
    }
    if (strcmp(a, "--show-trace") == 0) {
        o->settings.show_trace = true;
        return 1;
    }
    if (strcmp(a, "--no-show-trace") == 0) {
        o->settings.show_trace = false;
        return 1;
    }
    if (strcmp(a, "--max-call-depth") == 0) {
        NEED(1);
        set_option(o, "max-call-depth", argv[++*i]);
        return 1;
    }
    if (strcmp(a, "--pure-eval") == 0) {
        o->settings.pure_eval = true;
        return 1;
    }
    if (strcmp(a, "--impure") == 0) {
        o->settings.pure_eval = false;
        return 1;
    }
    if (strcmp(a, "--restrict-eval") == 0) {
        o->settings.restrict_eval = true;
        return 1;
    }
    if (strcmp(a, "--allowed-uris") == 0) {
        NEED(1);
        set_option(o, "allowed-uris", argv[++*i]);
        return 1;
    }
    if (strcmp(a, "--allow-unsafe-native-code-during-evaluation") == 0) {
        o->settings.allow_unsafe_native = true;
        return 1;
    }
    if (strcmp(a, "--plugin-files") == 0) {
        NEED(1);
        o->settings.plugin_files = argv[++*i];
        return 1;
    }
    if (strcmp(a, "--stats") == 0) {
        o->stats = true;
        return 1;
    }
    if (strcmp(a, "--option") == 0) {
        NEED(2);
        set_option(o, argv[*i + 1], argv[*i + 2]);
        *i += 2;
        return 1;
    }
    if (strncmp(a, "--lint-", 7) == 0) {
        NEED(1);
        set_option(o, a + 2, argv[++*i]);
        return 1;
    }
    if (strcmp(a, "--extra-experimental-features") == 0 || strcmp(a, "--experimental-features") == 0) {
        NEED(1);
        const char *v = argv[++*i];
        const char *old = o->settings.experimental_features;
        if (old && a[2] == 'e' && a[3] == 'x' && a[4] == 't') {
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "%s %s", old, v);
            v = sb.data;
        }
        o->settings.experimental_features = v;
        return 1;
    }
    if (strcmp(a, "--extra-deprecated-features") == 0 || strcmp(a, "--deprecated-features") == 0) {
        /* Lix's switch for syntax it deprecates (rec-set `__overrides`, URL literals, `let {`,
         * rebinding __sub & co, ...). CppNix, and so cnix, accepts all of it unconditionally;
         * taking the flag as a no-op lets scripts (and Lix's tests) written for Lix run. */
        NEED(1);
        ++*i;
        return 1;
    }
    if (strcmp(a, "--store") == 0 || strcmp(a, "--eval-store") == 0) {
        NEED(1);
        ++*i;
        return 1;
    }
    if (strncmp(a, "--", 2) == 0 && strchr(a, '=') == NULL) {
        /* Like CppNix, every setting is also a flag: `--NAME VALUE` for valued settings,
         * `--NAME` / `--no-NAME` for boolean ones. Settings that do not concern evaluation
         * (build timeouts, substituters, ...) are accepted and passed on to set_option. */
        static const char *const value_settings[] = {
            "timeout", "max-silent-time", "max-jobs", "cores", "substituters", "extra-substituters",
            "trusted-public-keys", "extra-trusted-public-keys", "builders", "system", "sandbox-paths",
            "allowed-uris", "nix-path", "max-call-depth", "plugin-files", "log-lines", NULL};
        static const char *const bool_settings[] = {
            "read-only", "readonly-mode", "sandbox", "sandbox-fallback", "keep-going", "keep-failed", "pure-eval",
            "restrict-eval", "allow-import-from-derivation", "eval-cache", "fsync-metadata",
            "allow-unsafe-native-code-during-evaluation", "require-sigs", "substitute", "abort-on-warn", NULL};
        const char *name = a + 2;
        for (int k = 0; value_settings[k]; k++)
            if (strcmp(name, value_settings[k]) == 0) {
                NEED(1);
                set_option(o, name, argv[++*i]);
                return 1;
            }
        bool negated = strncmp(name, "no-", 3) == 0;
        for (int k = 0; bool_settings[k]; k++)
            if (strcmp(negated ? name + 3 : name, bool_settings[k]) == 0) {
                set_option(o, negated ? name + 3 : name, negated ? "false" : "true");
                return 1;
            }
    }
    return 0;
#undef NEED
}

Bindings *cli_auto_args(EvalState *st, const EvalOpts *o)
{
    Bindings *b = attrs_alloc(st, (size_t)o->nauto_args);
    for (int i = 0; i < o->nauto_args; i++) {
        const AutoArg *a = &o->auto_args[i];
        Value *v;
        if (a->is_str) {
            v = val_alloc(st);
            val_make_string(v, a->text);
        } else {
            char cwd[4096];
            if (!getcwd(cwd, sizeof cwd))
                strcpy(cwd, "/");
            v = eval_thunk_new(st, NULL, eval_parse_string(st, a->text, strlen(a->text), cwd, SRC_STRING));
        }
        Symbol s = sym_intern_cstr(st->symbols, a->name);
        Attr *old = NULL;
        for (uint32_t k = 0; k < b->size; k++)
            if (b->attrs[k].name == s)
                old = &b->attrs[k];
        if (old)
            old->value = v;
        else
            attrs_push(b, s, 0, v);
    }
    attrs_sort(b);
    return b;
}

void cli_auto_call(EvalState *st, Bindings *args, Value *v, Value *out)
{
    eval_force(st, v, 0);
    if (v->type == T_ATTRS) {
        Attr *f = attrs_find(v->attrs, st->s.__functor);
        if (f) {
            Value *fn = val_alloc(st);
            Value *self = v;
            eval_call(st, f->value, 1, &self, fn, 0);
            cli_auto_call(st, args, fn, out);
            return;
        }
    }
    if (v->type != T_LAMBDA || !v->lambda.fun->formals) {
        *out = *v;
        return;
    }
    Formals *fs = v->lambda.fun->formals;
    Bindings *b;
    if (fs->ellipsis)
        b = args;
    else {
        b = attrs_alloc(st, fs->n);
        for (uint32_t i = 0; i < fs->n; i++) {
            Attr *a = attrs_find(args, fs->items[i].name);
            if (a)
                attrs_push(b, a->name, a->pos, a->value);
            else if (!fs->items[i].def)
                eval_error(st, ERR_MISSING_ARG, fs->items[i].pos,
                           "cannot evaluate a function that has an argument without a value ('%s')\n"
                           "Nix attempted to evaluate a function as a top level expression; in\n"
                           "this case it must have its arguments supplied either by default\n"
                           "values, or passed explicitly with '--arg' or '--argstr'. See\n"
                           "https://nixos.org/manual/nix/stable/language/constructs.html#functions.",
                           sym_name(st->symbols, fs->items[i].name));
        }
        attrs_sort(b);
    }
    Value *arg = val_alloc(st);
    val_set_attrs(arg, b);
    eval_call(st, v, 1, &arg, out, 0);
}

void cli_attr_path(EvalState *st, Bindings *args, const char *path, Value *v, Value *out)
{
    Value cur;
    cli_auto_call(st, args, v, &cur);
    const char *p = path;
    while (*p) {
        StrBuf key;
        sb_init(&key);
        if (*p == '"') {
            p++;
            while (*p && *p != '"')
                sb_putc(&key, *p++);
            if (*p == '"')
                p++;
        } else
            while (*p && *p != '.')
                sb_putc(&key, *p++);
        if (*p == '.')
            p++;
        if (key.len == 0)
            eval_error(st, ERR_EVAL, 0, "empty attribute name in selection path '%s'", path);
        char *endp;
        long idx = strtol(key.data, &endp, 10);
        Value *cv = val_alloc(st);
        *cv = cur;
        if (*endp == 0 && key.data[0] >= '0' && key.data[0] <= '9') {
            if (cur.type != T_LIST) {
                const char *shown = eval_show_value_str(st, cv);
                eval_error(st, ERR_TYPE, 0, "the expression selected by the selection path '%s' should be a list but is %s: %s",
                           path, eval_type_name(cv), shown);
            }
            if (idx < 0 || (uint32_t)idx >= cur.len)
                eval_error(st, ERR_EVAL, 0, "list index %ld in selection path '%s' is out of range", idx, path);
            cli_auto_call(st, args, val_list(&cur)[idx], &cur);
        } else {
            if (cur.type != T_ATTRS) {
                const char *shown = eval_show_value_str(st, cv);
                eval_error(st, ERR_TYPE, 0, "the expression selected by the selection path '%s' should be a set but is %s: %s",
                           path, eval_type_name(cv), shown);
            }
            Symbol s = sym_intern(st->symbols, key.data, key.len);
            Attr *a = attrs_find(cur.attrs, s);
            if (!a)
                eval_error(st, ERR_EVAL, 0, "attribute '%s' in selection path '%s' not found", key.data, path);
            cli_auto_call(st, args, a->value, &cur);
        }
    }
    *out = cur;
}

void cli_print_stats(EvalState *st, double seconds)
{
    EvalStats *s = &st->stats;
    size_t nsyms = sym_count(st->symbols), sym_bytes = 0;
    for (size_t i = 1; i <= nsyms; i++)
        sym_bytes += sym_len(st->symbols, (Symbol)i);
    /* the keys of CppNix's NIX_SHOW_STATS, in its order; gc.cycles, gc.markedBytes (the
     * heap in use after each collection, summed) and gc.seconds (time in collections)
     * are extra */
    fprintf(stderr,
            "{\n"
            "  \"cpuTime\": %.6f,\n"
            "  \"envs\": { \"number\": %" PRIu64 ", \"elements\": %" PRIu64 ", \"bytes\": %" PRIu64 " },\n"
            "  \"list\": { \"elements\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"concats\": %" PRIu64 " },\n"
            "  \"values\": { \"number\": %" PRIu64 ", \"bytes\": %" PRIu64 " },\n"
            "  \"symbols\": { \"number\": %zu, \"bytes\": %zu },\n"
            "  \"sets\": { \"number\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"elements\": %" PRIu64 " },\n"
            "  \"sizes\": { \"Env\": %zu, \"Value\": %zu, \"Bindings\": %zu, \"Attr\": %zu },\n"
            "  \"nrOpUpdates\": %" PRIu64 ",\n"
            "  \"nrOpUpdateValuesCopied\": %" PRIu64 ",\n"
            "  \"nrThunks\": %" PRIu64 ",\n"
            "  \"nrAvoided\": %" PRIu64 ",\n"
            "  \"nrLookups\": %" PRIu64 ",\n"
            "  \"nrPrimOpCalls\": %" PRIu64 ",\n"
            "  \"nrFunctionCalls\": %" PRIu64 ",\n"
            "  \"gc\": { \"heapSize\": %zu, \"totalBytes\": %zu, \"cycles\": %zu, \"markedBytes\": %" PRIu64
            ", \"seconds\": %.3f }\n"
            "}\n",
            seconds, s->envs, s->env_slots, s->envs * sizeof(Env) + s->env_slots * sizeof(Value *),
            s->list_elems, s->list_elems * sizeof(Value *), s->list_concats, s->values + s->thunks,
            (s->values + s->thunks) * sizeof(Value), nsyms, sym_bytes, s->attrsets,
            s->attrsets * sizeof(Bindings) + s->attr_slots * sizeof(Attr), s->attr_slots,
            sizeof(Env), sizeof(Value), sizeof(Bindings), sizeof(Attr), s->updates,
            s->update_copied, s->thunks, s->avoided, s->lookups, s->primop_calls, s->calls,
            GC_get_heap_size(), GC_get_total_bytes(), (size_t)GC_get_gc_no(), s->gc_marked,
            GC_get_full_gc_total_time() / 1000.0);
}

double cli_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

const char *cli_cwd(void)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    return GC_strdup(cwd);
}

const Source *cli_string_source(EvalState *st, const char *text)
{
    return pos_add_source(st->positions, SRC_STRING, NULL, cli_cwd(), GC_strdup(text), strlen(text));
}

const Source *cli_file_source(EvalState *st, const char *path)
{
    size_t len;
    char *text = fs_read_file(path, &len);
    if (!text)
        return NULL;
    const char *slash = strrchr(path, '/');
    char *dir = GC_strdup(path);
    dir[slash == path ? 1 : slash - path] = 0;
    return pos_add_source(st->positions, SRC_FILE, path, dir, text, len);
}

Expr *cli_parse(EvalState *st, const Source *src)
{
    ParseError perr = {0};
    Expr *e = parse_source(st->symbols, st->positions, src, &st->settings.parse, &perr);
    if (!e)
        eval_error(st, ERR_PARSE, perr.pos, "%s", perr.msg ? perr.msg : "syntax error");
    return e;
}

void cli_inputs_init(CliInputs *in, int argc)
{
    memset(in, 0, sizeof *in);
    in->args = GC_MALLOC((size_t)(argc + 1) * sizeof(char *));
    in->attr_paths = GC_MALLOC((size_t)(argc + 1) * sizeof(char *));
}

int cli_inputs_option(CliInputs *in, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "-E") || !strcmp(a, "--expr")) {
        in->from_args = true;
        return 1;
    }
    if (!strcmp(a, "-")) {
        in->read_stdin = true;
        return 1;
    }
    if (!strcmp(a, "-A") || !strcmp(a, "--attr")) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
            return -1;
        }
        in->attr_paths[in->nattr_paths++] = argv[++*i];
        return 1;
    }
    return 0;
}

void cli_inputs_add(CliInputs *in, const char *arg)
{
    in->args[in->nargs++] = arg;
}

static Expr *parse_input(EvalState *st, const CliInputs *in, const char *arg, bool is_stdin)
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
    return cli_parse(st, src);
}

void cli_inputs_each(EvalState *st, const CliInputs *in, bool (*claim)(EvalState *st, const char *arg, void *ctx),
                     void (*fn)(EvalState *st, Expr *e, void *ctx), void *ctx)
{
    if (in->read_stdin)
        fn(st, parse_input(st, in, "-", true), ctx);
    for (int i = 0; i < in->nargs; i++)
        if (in->from_args || !claim || !claim(st, in->args[i], ctx))
            fn(st, parse_input(st, in, in->args[i], false), ctx);
    if (!in->read_stdin && in->nargs == 0)
        fn(st, parse_input(st, in, in->from_args ? "" : "./default.nix", false), ctx);
}

void cli_inputs_select(EvalState *st, const CliInputs *in, const EvalOpts *o, Expr *e,
                       void (*fn)(EvalState *st, Value *v, void *ctx), void *ctx)
{
    Value *root = eval_thunk_new(st, NULL, e);
    Bindings *args = cli_auto_args(st, o);
    int npaths = in->nattr_paths ? in->nattr_paths : 1;
    for (int i = 0; i < npaths; i++) {
        Value *v = val_alloc(st);
        cli_attr_path(st, args, in->nattr_paths ? in->attr_paths[i] : "", root, v);
        fn(st, v, ctx);
    }
}
