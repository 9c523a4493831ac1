/* Evaluator state and settings, parsing with caches, import, deep forcing and the search path. */
#include "eval/internal.h"

#include "util/fs.h"
#include "util/host.h"
#include "util/strmap.h"

#include <errno.h>
#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* ---------- settings and state ---------- */

/* Parses "a:b=c:d" (NIX_PATH syntax) and appends the entries to s->nix_path. */
void eval_settings_add_nix_path(EvalSettings *s, const char *spec)
{
    const char *p = spec;
    while (*p) {
        const char *start = p;
        /* ':' ends an entry unless it is part of a URL scheme ("https://") */
        for (;;) {
            const char *c = strchr(p, ':');
            if (!c) {
                p = start + strlen(start);
                break;
            }
            if (c[1] == '/' && c[2] == '/') {
                p = c + 3;
                continue;
            }
            p = c;
            break;
        }
        size_t len = (size_t)(p - start);
        if (*p == ':')
            p++;
        if (len == 0)
            continue;
        char *ent = GC_MALLOC_ATOMIC(len + 1);
        memcpy(ent, start, len);
        ent[len] = 0;
        SearchPathEntry e = {"", ent};
        char *eq = strchr(ent, '=');
        if (eq) {
            *eq = 0;
            e.prefix = ent;
            e.path = eq + 1;
        }
        SearchPathEntry *n = GC_MALLOC((s->nix_path_len + 1) * sizeof(SearchPathEntry));
        if (s->nix_path_len)
            memcpy(n, s->nix_path, s->nix_path_len * sizeof(SearchPathEntry));
        n[s->nix_path_len++] = e;
        s->nix_path = n;
    }
}

void eval_settings_default(EvalSettings *s)
{
    memset(s, 0, sizeof *s);
    s->store_dir = "/nix/store";
    s->system = host_system();
    s->max_call_depth = 1500000; /* f 1000000 of a non-tail recursion works */
    s->max_value_depth = 10000;  /* CppNix's max-call-depth default */
    s->parse.home = getenv("HOME") ? GC_strdup(getenv("HOME")) : NULL;
}

static void intern_well_known(EvalState *st)
{
    SymTab *t = st->symbols;
#define S(f, n) st->s.f = sym_intern_cstr(t, n)
    S(outPath, "outPath"); S(drvPath, "drvPath"); S(type, "type"); S(name, "name");
    S(value, "value"); S(outputs, "outputs"); S(outputName, "outputName");
    S(__toString, "__toString"); S(__functor, "__functor"); S(__ignoreNulls, "__ignoreNulls");
    S(file, "file"); S(line, "line"); S(column, "column"); S(body, "body"); S(meta, "meta");
    S(system, "system"); S(builder, "builder"); S(args, "args"); S(key, "key");
    S(operator_, "operator"); S(startSet, "startSet"); S(path, "path"); S(prefix, "prefix");
    S(wrong, "wrong"); S(right, "right"); S(data, "data"); S(outputHash, "outputHash");
    S(outputHashAlgo, "outputHashAlgo"); S(outputHashMode, "outputHashMode");
    S(recurseForDerivations, "recurseForDerivations"); S(description, "description");
    S(self, "self");
#undef S
}

static void parse_warning(void *ctx, const char *msg, PosIdx pos)
{
    if (!pos) {
        /* Plain warnings (the parser's "cursed or" one) are printed verbatim, as CppNix's warn(). */
        fflush(stdout);
        fprintf(stderr, "warning: %s\n", msg);
        return;
    }
    eval_print_warning(ctx, msg, pos);
}

/* The list is split at whitespace, as CppNix's tokenizeString does. */
bool eval_feature_enabled(const EvalSettings *s, const char *feature)
{
    const char *sep = " \t\n\r", *f = s->experimental_features;
    size_t n = strlen(feature);
    while (f && *f) {
        f += strspn(f, sep);
        size_t w = strcspn(f, sep);
        if (w == n && strncmp(f, feature, n) == 0)
            return true;
        f += w;
    }
    return false;
}

void eval_feature_require(EvalState *st, PosIdx pos, const char *feature)
{
    if (!eval_feature_enabled(&st->settings, feature))
        eval_error(st, ERR_EVAL, pos,
                   "experimental Nix feature '%s' is disabled; add '--extra-experimental-features %s' to enable it",
                   feature, feature);
}

EvalState *eval_state_new(const EvalSettings *settings)
{
    EvalState *st = GC_MALLOC(sizeof *st);
    st->settings = *settings;
    /* Pure evaluation has no search path: CppNix ignores -I and NIX_PATH then. */
    if (st->settings.pure_eval) {
        st->settings.nix_path = NULL;
        st->settings.nix_path_len = 0;
    }
    if (!st->settings.max_call_depth)
        st->settings.max_call_depth = 1500000;
    if (!st->settings.max_value_depth)
        st->settings.max_value_depth = 10000;
    if (!st->settings.parse.warn) {
        st->settings.parse.warn = parse_warning;
        st->settings.parse.warn_ctx = st;
    }
    st->settings.parse.pure_eval = st->settings.pure_eval;
    if (eval_feature_enabled(&st->settings, "pipe-operators"))
        st->settings.parse.pipe_operators = true;
    st->symbols = sym_new();
    st->positions = pos_table_new();
    intern_well_known(st);
    EvalPriv *p = GC_MALLOC(sizeof *p);
    st->priv = p;
    const char *gcmin = getenv("CNIX_GC_MIN");
    p->gc_min_fixed = gcmin ? (size_t)strtoull(gcmin, NULL, 10) : 0;
    p->gc_seen = (size_t)-1;
    for (int k = 0; k < SMALL_INT_CHUNKS; k++)
        p->small_ints[k] = GC_MALLOC_ATOMIC(SMALL_INT_CHUNK * sizeof(Value));
    for (int i = SMALL_INT_MIN; i <= SMALL_INT_MAX; i++) {
        uint32_t k = (uint32_t)(i - SMALL_INT_MIN);
        Value *v = &p->small_ints[k / SMALL_INT_CHUNK][k % SMALL_INT_CHUNK];
        memset(v, 0, sizeof *v);
        val_set_int(v, i);
    }
    st->import_cache = GC_MALLOC(sizeof(StrMap));
    st->parse_cache = GC_MALLOC(sizeof(StrMap));
    p->v_true = val_alloc(st);
    val_set_bool(p->v_true, true);
    p->v_false = val_alloc(st);
    val_set_bool(p->v_false, false);
    p->v_null = val_alloc(st);
    val_set_null(p->v_null);
    eval_set_globals(st, NULL, NULL, 0); /* bare: the host binds the builtins */
    return st;
}

/* ---------- parsing ---------- */

static Expr *parse_and_bind(EvalState *st, const Source *src, const ScopeIndex *extra)
{
    ParseError err = {0};
    Expr *e = parse_source(st->symbols, st->positions, src, &st->settings.parse, &err);
    if (!e)
        eval_error(st, ERR_PARSE, err.pos, "%s", err.msg ? err.msg : "syntax error");
    bind_expr(st, e, extra);
    return e;
}

static char *dir_of(const char *path)
{
    const char *sl = strrchr(path, '/');
    if (!sl || sl == path)
        return GC_strdup("/");
    char *d = GC_MALLOC_ATOMIC((size_t)(sl - path) + 1);
    memcpy(d, path, (size_t)(sl - path));
    d[sl - path] = 0;
    return d;
}

Expr *eval_parse_file(EvalState *st, const char *path)
{
    Expr *cached = strmap_get(st->parse_cache, path);
    if (cached)
        return cached;
    struct stat sb;
    if (stat(path, &sb) != 0)
        eval_error(st, ERR_IO, 0, "path '%s' does not exist", path);
    size_t len;
    char *text = fs_read_file(path, &len);
    if (!text)
        eval_error(st, ERR_IO, 0, "opening file '%s': %s", path, strerror(errno));
    const Source *src = pos_add_source(st->positions, SRC_FILE, GC_strdup(path), dir_of(path),
                                       text, len);
    Expr *e = parse_and_bind(st, src, NULL);
    strmap_put(st->parse_cache, src->path, e);
    return e;
}

Expr *eval_parse_string(EvalState *st, const char *text, size_t len, const char *basedir,
                        SourceKind kind)
{
    const Source *src = pos_add_source(st->positions, kind, NULL, GC_strdup(basedir),
                                       val_str_dup(text, len), len);
    return parse_and_bind(st, src, NULL);
}

Expr *eval_parse_source(EvalState *st, const Source *src)
{
    return parse_and_bind(st, src, NULL);
}

Expr *eval_parse_string_in_scope(EvalState *st, const char *text, size_t len, const char *basedir,
                                 SourceKind kind, const Symbol *names, uint32_t n)
{
    const Source *src = pos_add_source(st->positions, kind, NULL, GC_strdup(basedir),
                                       val_str_dup(text, len), len);
    ScopeIndex ix = bind_index_new(st, names, n);
    return parse_and_bind(st, src, &ix);
}

Expr *eval_parse_file_in_scope(EvalState *st, const char *path, const Symbol *names, uint32_t n)
{
    size_t len;
    char *text = fs_read_file(path, &len);
    if (!text)
        eval_error(st, ERR_IO, 0, "path '%s' does not exist", path);
    const Source *src = pos_add_source(st->positions, SRC_FILE, GC_strdup(path), dir_of(path),
                                       text, len);
    ScopeIndex ix = bind_index_new(st, names, n);
    return parse_and_bind(st, src, &ix);
}

/* ---------- import ---------- */

/* Like CppNix, a symlink as the last component is followed (its target read relative to the
 * link's folder, lexically), so that the imported file's relative paths and its cache entry
 * are those of the target. */
static const char *follow_final_symlinks(EvalState *st, const char *path, PosIdx pos)
{
    char buf[4096];
    for (int n = 0;; n++) {
        struct stat lsb;
        if (lstat(path, &lsb) != 0 || !S_ISLNK(lsb.st_mode))
            return path;
        if (n >= 1024)
            eval_error(st, ERR_EVAL, pos,
                       "too many symbolic links encountered while traversing the path '%s'", path);
        ssize_t k = readlink(path, buf, sizeof buf - 1);
        if (k < 0)
            return path;
        buf[k] = 0;
        StrBuf b;
        sb_init(&b);
        if (buf[0] != '/') {
            sb_puts(&b, dir_of(path));
            sb_putc(&b, '/');
        }
        sb_puts(&b, buf);
        path = eval_canon_path(b.data);
    }
}

const char *eval_resolve_import_path(EvalState *st, const char *path, PosIdx pos)
{
    struct stat sb;
    path = follow_final_symlinks(st, path, pos);
    if (stat(path, &sb) != 0) {
        /* CppNix's resolveExprPath and source accessor raise these without a position (the
         * 'import' builtin's frame shows where) */
        if (errno == ELOOP) /* CppNix's resolveExprPath gives up after 1024 links */
            eval_error(st, ERR_EVAL, 0,
                       "too many symbolic links encountered while traversing the path '%s'", path);
        eval_error(st, ERR_IO, 0, "path '%s' does not exist", path);
    }
    if (S_ISDIR(sb.st_mode)) {
        StrBuf b;
        sb_init(&b);
        sb_puts(&b, path);
        if (b.len == 0 || b.data[b.len - 1] != '/')
            sb_putc(&b, '/');
        sb_puts(&b, "default.nix");
        return b.data;
    }
    return path;
}

void eval_import(EvalState *st, const char *path, Value *out, PosIdx pos)
{
    const char *file = eval_resolve_import_path(st, path, pos);
    Value *cached = strmap_get(st->import_cache, file);
    if (cached) {
        Value *v = cached;
        eval_force(st, v, pos);
        *out = *v;
        return;
    }
    Expr *e = eval_parse_file(st, file);
    Value *v = val_alloc(st);
    v->type = T_THUNK;
    v->thunk.env = st->base_env;
    v->thunk.expr = e;
    strmap_put(st->import_cache, GC_strdup(file), v);
    /* CppNix's evalFile traces errors raised while the file's expression is evaluated */
    StrBuf msg;
    sb_init(&msg);
    sb_printf(&msg, "while evaluating the file '%s':", file);
    eval_frame_push(st, 0, msg.data);
    eval_force(st, v, pos);
    eval_frame_pop(st);
    *out = *v;
}

void eval_reset_file_cache(EvalState *st)
{
    memset(st->import_cache, 0, sizeof(StrMap));
    memset(st->parse_cache, 0, sizeof(StrMap));
}

/* ---------- deep forcing ---------- */

/* CppNix's Value::determinePos: where a value comes from, for errors about it. */
static PosIdx value_pos(const Value *v, PosIdx pos)
{
    switch (v->type) {
    case T_ATTRS: return v->attrs->pos;
    case T_LAMBDA: return v->lambda.fun->base.pos;
    case T_APP: return value_pos(v->app.fn, pos);
    default: return pos;
    }
}

/* Like CppNix's forceValueDeep: every value visited (leaves too) takes one level of the call
 * depth, checked before it is entered; a failing list element gets an index frame. The
 * limit test (>=, as in json.c) reproduces the frame counts of CppNix's own traces
 * (lang/eval-fail-deepseq-stack-overflow, -derivation-structuredAttrs-stack-overflow). */
static void force_deep(EvalState *st, Value *v, PosIdx pos, PtrSet *seen)
{
    if (__builtin_expect(st->call_depth >= st->settings.max_value_depth, 0))
        eval_error(st, ERR_STACK_OVERFLOW, value_pos(v, 0), "stack overflow; max-call-depth exceeded");
    st->call_depth++;
    /* an application is forced "from" its function, as CppNix's determinePos has it */
    eval_force(st, v, v->type == T_APP ? value_pos(v, pos) : pos);
    if (v->type == T_ATTRS) {
        Bindings *b = val_attrs(v);
        if (b->size && ptrset_insert(seen, b))
            for (uint32_t i = 0; i < b->size; i++) {
                eval_frame_push_sym(st, b->attrs[i].pos, "while evaluating the attribute '%s'",
                                    b->attrs[i].name);
                force_deep(st, b->attrs[i].value, b->attrs[i].pos ? b->attrs[i].pos : pos, seen);
                eval_frame_pop(st);
            }
    } else if (v->type == T_LIST) {
        if (v->len && ptrset_insert(seen, val_list(v))) {
            eval_frame_push_sym(st, 0, NULL, FRAME_INDEX);
            for (uint32_t i = 0; i < v->len; i++) {
                st->frames[st->nframes - 1].msg = (const char *)(uintptr_t)i;
                force_deep(st, val_list(v)[i], pos, seen);
            }
            eval_frame_pop(st);
        }
    }
    st->call_depth--;
}

void eval_force_deep(EvalState *st, Value *v, PosIdx pos)
{
    PtrSet seen = {0};
    force_deep(st, v, pos, &seen);
}

/* ---------- search path ---------- */

static bool path_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

const char *eval_find_file(EvalState *st, Value *search_path, const char *name, PosIdx pos)
{
    eval_force_list(st, search_path, pos, "while evaluating the search path");
    size_t nlen = strlen(name);
    for (uint32_t i = 0; i < search_path->len; i++) {
        Value *ent = val_list(search_path)[i];
        Bindings *b = eval_force_attrs(st, ent, pos, "while evaluating an element of the search path");
        Attr *pa = attrs_find(b, st->s.path);
        if (!pa)
            eval_error(st, ERR_EVAL, pos, "attribute 'path' missing");
        const char *prefix = "";
        Attr *pf = attrs_find(b, st->s.prefix);
        if (pf)
            prefix = eval_force_string(st, pf->value, pos, "while evaluating the prefix of a search path entry");
        size_t plen = strlen(prefix);
        const char *rest;
        if (plen == 0)
            rest = name;
        else if (strncmp(name, prefix, plen) == 0 && (name[plen] == 0 || name[plen] == '/'))
            rest = name[plen] ? name + plen + 1 : "";
        else
            continue;
        const char *dir = eval_coerce_to_string(st, pa->value, pos,
                                                "while evaluating the path of a search path entry",
                                                0, NULL, NULL);
        StrBuf sb;
        sb_init(&sb);
        sb_puts(&sb, dir);
        if (*rest) {
            sb_putc(&sb, '/');
            sb_puts(&sb, rest);
        }
        if (sb.data[0] != '/') {
            char cwd[4096];
            if (getcwd(cwd, sizeof cwd)) {
                StrBuf abs;
                sb_init(&abs);
                sb_printf(&abs, "%s/%s", cwd, sb.data);
                sb = abs;
            }
        }
        const char *cand = eval_canon_path(sb.data);
        if (path_exists(cand))
            return cand;
    }
    (void)nlen;
    if (st->settings.pure_eval)
        eval_error(st, ERR_THROWN, pos,
                   "cannot look up '<%s>' in pure evaluation mode (use '--impure' to override)", name);
    eval_error(st, ERR_THROWN, pos,
               "file '%s' was not found in the Nix search path (add it using $NIX_PATH or -I)", name);
}
