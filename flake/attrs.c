/* Flake references: attribute lists, their values and JSON, URL parsing and printing. */
#include <gc.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtins/builtins.h"
#include "flake/flake.h"
#include "flake/internal.h"
#include "primops/json.h"

const char *flake_date(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return sb_fmt("%s", buf);
}

void flake_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---------- attribute lists ---------- */

static uint32_t find_slot(const FlakeAttrs *a, const char *name, bool *found)
{
    uint32_t lo = 0, hi = a->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = strcmp(a->v[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const FlakeAttr *flake_attrs_get(const FlakeAttrs *a, const char *name)
{
    bool found;
    uint32_t i = find_slot(a, name, &found);
    return found ? &a->v[i] : NULL;
}

const char *flake_attrs_str(const FlakeAttrs *a, const char *name)
{
    const FlakeAttr *x = flake_attrs_get(a, name);
    return x && x->kind == FA_STR ? x->str : NULL;
}

static FlakeAttr *slot_for(FlakeAttrs *a, const char *name)
{
    bool found;
    uint32_t i = find_slot(a, name, &found);
    if (!found) {
        /* copy on write: attribute lists are shared freely between nodes */
        FlakeAttr *nv = GC_MALLOC((a->n + 1) * sizeof *nv);
        if (i)
            memcpy(nv, a->v, i * sizeof *nv);
        if (a->n > i)
            memcpy(nv + i + 1, a->v + i, (a->n - i) * sizeof *nv);
        a->v = nv;
        a->n++;
        a->v[i].name = name;
    } else {
        FlakeAttr *nv = GC_MALLOC(a->n * sizeof *nv);
        memcpy(nv, a->v, a->n * sizeof *nv);
        a->v = nv;
    }
    return &a->v[i];
}

void flake_attrs_set_str(FlakeAttrs *a, const char *name, const char *s)
{
    FlakeAttr *x = slot_for(a, name);
    x->kind = FA_STR;
    x->str = s;
    x->num = 0;
}

void flake_attrs_set_int(FlakeAttrs *a, const char *name, int64_t i, bool is_bool)
{
    FlakeAttr *x = slot_for(a, name);
    x->kind = is_bool ? FA_BOOL : FA_INT;
    x->str = NULL;
    x->num = i;
}

void flake_attrs_del(FlakeAttrs *a, const char *name)
{
    bool found;
    uint32_t i = find_slot(a, name, &found);
    if (!found)
        return;
    FlakeAttr *nv = GC_MALLOC((a->n ? a->n : 1) * sizeof *nv);
    memcpy(nv, a->v, i * sizeof *nv);
    memcpy(nv + i, a->v + i + 1, (a->n - i - 1) * sizeof *nv);
    a->v = nv;
    a->n--;
}

FlakeAttrs flake_attrs_copy(const FlakeAttrs *a)
{
    FlakeAttrs r = {GC_MALLOC((a->n ? a->n : 1) * sizeof *r.v), a->n};
    if (a->n)
        memcpy(r.v, a->v, a->n * sizeof *r.v);
    return r;
}

bool flake_attrs_equal(const FlakeAttrs *a, const FlakeAttrs *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        const FlakeAttr *x = &a->v[i], *y = &b->v[i];
        if (strcmp(x->name, y->name) != 0 || x->kind != y->kind)
            return false;
        if (x->kind == FA_STR ? strcmp(x->str, y->str) != 0 : x->num != y->num)
            return false;
    }
    return true;
}

FlakeAttrs flake_attrs_from_value(EvalState *st, Value *v, PosIdx pos, const char *who)
{
    Bindings *b = eval_force_attrs(st, v, pos, sb_fmt("while evaluating a %s", who));
    FlakeAttrs r = {0};
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *at = &b->attrs[i];
        const char *n = sym_name(st->symbols, at->name);
        eval_force(st, at->value, at->pos);
        Value *x = at->value;
        if (x->type == T_STRING)
            flake_attrs_set_str(&r, n, val_str(x));
        else if (x->type == T_BOOL)
            flake_attrs_set_int(&r, n, x->boolean, true);
        else if (x->type == T_INT) {
            if (x->integer < 0)
                eval_error(st, ERR_EVAL, at->pos, "negative value given for %s attribute %s: %lld", who, n,
                           (long long)x->integer);
            flake_attrs_set_int(&r, n, x->integer, false);
        } else
            eval_error(st, ERR_TYPE, at->pos, "%s attribute '%s' is %s while a string, Boolean, or integer is expected",
                       who, n, eval_type_name(x));
    }
    return r;
}

Value *flake_attrs_to_value(EvalState *st, const FlakeAttrs *a, bool drop_dir)
{
    Bindings *b = attrs_alloc(st, a->n ? a->n : 1);
    for (uint32_t i = 0; i < a->n; i++) {
        const FlakeAttr *x = &a->v[i];
        if (drop_dir && strcmp(x->name, "dir") == 0)
            continue;
        Value *v = val_alloc(st);
        if (x->kind == FA_STR)
            val_make_string(v, x->str);
        else if (x->kind == FA_BOOL)
            val_set_bool(v, x->num != 0);
        else
            val_set_int(v, x->num);
        attrs_push(b, sym_intern_cstr(st->symbols, x->name), 0, v);
    }
    attrs_sort(b);
    Value *r = val_alloc(st);
    val_set_attrs(r, b);
    return r;
}

/* ---------- JSON as nlohmann::json::dump(2) prints it ---------- */

void flake_json_indent(StrBuf *out, int depth)
{
    sb_putc(out, '\n');
    for (int i = 0; i < depth * 2; i++)
        sb_putc(out, ' ');
}

void flake_json_string(StrBuf *out, const char *s)
{
    sb_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': sb_puts(out, "\\\""); break;
        case '\\': sb_puts(out, "\\\\"); break;
        case '\b': sb_puts(out, "\\b"); break;
        case '\f': sb_puts(out, "\\f"); break;
        case '\n': sb_puts(out, "\\n"); break;
        case '\r': sb_puts(out, "\\r"); break;
        case '\t': sb_puts(out, "\\t"); break;
        default:
            if (*p < 0x20)
                sb_printf(out, "\\u%04x", *p);
            else
                sb_putc(out, (char)*p);
        }
    }
    sb_putc(out, '"');
}

void flake_attrs_json(const FlakeAttrs *a, int depth, StrBuf *out)
{
    if (a->n == 0) {
        sb_puts(out, "{}");
        return;
    }
    sb_putc(out, '{');
    for (uint32_t i = 0; i < a->n; i++) {
        const FlakeAttr *x = &a->v[i];
        flake_json_indent(out, depth + 1);
        flake_json_string(out, x->name);
        sb_puts(out, ": ");
        if (x->kind == FA_STR)
            flake_json_string(out, x->str);
        else if (x->kind == FA_BOOL)
            sb_puts(out, x->num ? "true" : "false");
        else
            sb_put_int(out, x->num);
        if (i + 1 < a->n)
            sb_putc(out, ',');
    }
    flake_json_indent(out, depth);
    sb_putc(out, '}');
}

Value *flake_parse_json(EvalState *st, const char *text, size_t len, const char *file)
{
    Value *j = val_alloc(st);
    TryFrame tf;
    if (EVAL_TRY(st, &tf)) {
        prim_from_json(st, text, len, j);
        eval_try_leave(st, &tf);
    } else
        eval_error(st, ERR_EVAL, 0, "Could not parse '%s': %s", file, tf.error->msg);
    return j;
}

/* ---------- URLs ---------- */

/* The primop itself, also where the builtins set lacks it: fetchTree and parseFlakeRef are
 * bound only with their experimental features (as CppNix), which flake commands imply. */
static Value *builtin(EvalState *st, const char *name)
{
    Attr *a = attrs_find(val_attrs(st->builtins), sym_intern_cstr(st->symbols, name));
    if (a) {
        eval_force(st, a->value, 0);
        return a->value;
    }
    const PrimOp *p = bi_find_primop(name);
    if (!p)
        eval_error(st, ERR_EVAL, 0, "cnix was built without builtins.%s", name);
    Value *v = val_alloc(st);
    v->type = T_PRIMOP;
    v->primop = p;
    return v;
}

Value *flake_call_builtin(EvalState *st, const char *name, Value *arg)
{
    Value *out = val_alloc(st);
    eval_call(st, builtin(st, name), 1, &arg, out, 0);
    eval_force(st, out, 0);
    return out;
}

/* Absolute, canonical form of p relative to base. */
static const char *abs_path(const char *base, const char *p)
{
    return eval_canon_path(p[0] == '/' ? p : sb_fmt("%s/%s", base, p));
}

/* The Git work tree above or at dir ("" if none), as CppNix looks for ".git". */
static const char *git_top(const char *dir)
{
    char *d = (char *)val_str_dup(dir, strlen(dir));
    for (;;) {
        struct stat sb;
        if (lstat(sb_fmt("%s/.git", strcmp(d, "/") == 0 ? "" : d), &sb) == 0)
            return d;
        char *slash = strrchr(d, '/');
        if (!slash || slash == d)
            return NULL;
        *slash = 0;
    }
}

/* Splits "...?query" into attributes (percent-decoded); returns the part before '?'. */
static const char *split_query(EvalState *st, const char *url, FlakeAttrs *a)
{
    const char *q = strchr(url, '?');
    if (!q)
        return url;
    Value *pv = val_alloc(st);
    /* parseFlakeRef decodes the query the same way for every scheme: reuse it */
    val_make_string(pv, sb_fmt("path:/%s", q));
    FlakeAttrs qa = flake_attrs_from_value(st, flake_call_builtin(st, "parseFlakeRef", pv), 0, "flake reference");
    for (uint32_t i = 0; i < qa.n; i++)
        if (strcmp(qa.v[i].name, "type") != 0 && strcmp(qa.v[i].name, "path") != 0)
            *slot_for(a, qa.v[i].name) = qa.v[i];
    return val_str_dup(url, (size_t)(q - url));
}

FlakeAttrs flake_ref_parse(EvalState *st, const char *url, const char *base_dir, PosIdx pos)
{
    FlakeAttrs a = {0};
    bool is_path_scheme = strncmp(url, "path:", 5) == 0;
    bool bare = url[0] == '/' || url[0] == '.' ;
    if (is_path_scheme || bare) {
        const char *p = split_query(st, is_path_scheme ? url + 5 : url, &a);
        if (p[0] != '/') {
            if (!base_dir) {
                if (!is_path_scheme)
                    eval_error(st, ERR_EVAL, pos, "flake reference '%s' is not an absolute path", url);
                flake_attrs_set_str(&a, "type", "path");
                flake_attrs_set_str(&a, "path", p);
                return a;
            }
            p = abs_path(base_dir, p);
        } else
            p = eval_canon_path(p);
        if (bare) {
            /* A directory given as a path: find the flake and its Git work tree. */
            struct stat sb;
            if (stat(p, &sb) != 0)
                eval_error(st, ERR_EVAL, pos, "path '%s' does not exist", p);
            if (!S_ISDIR(sb.st_mode))
                eval_error(st, ERR_EVAL, pos, "path '%s' is not a flake (because it's not a directory)", p);
            if (access(sb_fmt("%s/flake.nix", p), F_OK) != 0)
                eval_error(st, ERR_EVAL, pos, "path '%s' is not a flake (because it doesn't contain a 'flake.nix' file)", p);
            const char *top = git_top(p);
            if (top) {
                flake_attrs_set_str(&a, "type", "git");
                flake_attrs_set_str(&a, "url", sb_fmt("file://%s", top));
                if (strlen(p) > strlen(top) && !flake_attrs_get(&a, "dir"))
                    flake_attrs_set_str(&a, "dir", p + strlen(top) + (strcmp(top, "/") == 0 ? 0 : 1));
                return a;
            }
        }
        flake_attrs_set_str(&a, "type", "path");
        flake_attrs_set_str(&a, "path", p);
        return a;
    }
    Value *uv = val_alloc(st);
    val_make_string(uv, url);
    TryFrame tf;
    Value *r = NULL;
    if (EVAL_TRY(st, &tf)) {
        r = flake_call_builtin(st, "parseFlakeRef", uv);
        eval_try_leave(st, &tf);
    } else
        eval_error(st, ERR_EVAL, pos, "%s", tf.error->msg);
    a = flake_attrs_from_value(st, r, pos, "flake reference");
    /* CppNix keeps git+file URLs as "file:///..." (the scheme prefix is the type) */
    return a;
}

/* CppNix's percentEncode for query parts: unreserved characters and ":@/?" stay. */
static void put_encoded(StrBuf *sb, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~:@/?", c))
            sb_putc(sb, (char)c);
        else
            sb_printf(sb, "%%%02X", c);
    }
}

static bool name_in(const char *n, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(n, *names) == 0)
            return true;
    return false;
}

const char *flake_ref_to_string(EvalState *st, const FlakeAttrs *a)
{
    (void)st;
    const char *type = flake_attrs_str(a, "type");
    StrBuf sb;
    sb_init(&sb);
    const char *ref = flake_attrs_str(a, "ref"), *rev = flake_attrs_str(a, "rev");
    static const char *const in_path[] = {"type", "path", NULL}, *const in_git[] = {"type", "url", NULL},
                             *const in_forge[] = {"type", "owner", "repo", "ref", "rev", NULL},
                             *const in_indirect[] = {"type", "id", "ref", "rev", NULL};
    const char *const *skip = in_git;
    /* which attributes the URL form carries depends on the type (CppNix's toURL) */
    const char *const *only = NULL;
    static const char *const git_query[] = {"allRefs", "dir", "exportIgnore", "lfs", "ref", "rev", "shallow",
                                            "submodules", "verifyCommit", NULL},
                             *const forge_query[] = {"dir", "host", "ref", NULL},
                             *const curl_query[] = {"dir", "narHash", "rev", "revCount", "lastModified", NULL};
    if (!type)
        type = "";
    if (strcmp(type, "path") == 0) {
        sb_printf(&sb, "path:%s", flake_attrs_str(a, "path") ? flake_attrs_str(a, "path") : "");
        skip = in_path;
    } else if (strcmp(type, "github") == 0 || strcmp(type, "gitlab") == 0 || strcmp(type, "sourcehut") == 0) {
        sb_printf(&sb, "%s:%s/%s", type, flake_attrs_str(a, "owner") ? flake_attrs_str(a, "owner") : "",
                  flake_attrs_str(a, "repo") ? flake_attrs_str(a, "repo") : "");
        if (rev)
            sb_printf(&sb, "/%s", rev);
        else if (ref)
            sb_printf(&sb, "/%s", ref);
        skip = in_forge;
        if (rev && ref) /* both: the ref goes to the query */
            skip = (const char *const[]){"type", "owner", "repo", "rev", NULL};
        only = forge_query;
    } else if (strcmp(type, "indirect") == 0) {
        sb_printf(&sb, "flake:%s", flake_attrs_str(a, "id") ? flake_attrs_str(a, "id") : "");
        if (ref)
            sb_printf(&sb, "/%s", ref);
        if (rev)
            sb_printf(&sb, "/%s", rev);
        skip = in_indirect;
    } else {
        const char *url = flake_attrs_str(a, "url");
        if (!url)
            url = "";
        bool git = strcmp(type, "git") == 0;
        size_t ul = strcspn(url, "?#");
        static const char *const exts[] = {".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst", NULL};
        bool archive = false;
        for (const char *const *e = exts; *e; e++)
            archive |= ul >= strlen(*e) && strncmp(url + ul - strlen(*e), *e, strlen(*e)) == 0;
        if (git || strcmp(type, "file") == 0 || !archive)
            sb_printf(&sb, "%s+", type);
        sb_puts(&sb, url);
        only = git ? git_query : curl_query;
    }
    char sep = '?';
    for (uint32_t i = 0; i < a->n; i++) {
        const FlakeAttr *x = &a->v[i];
        if (name_in(x->name, skip) || (only && !name_in(x->name, only)))
            continue;
        sb_putc(&sb, sep);
        sep = '&';
        put_encoded(&sb, x->name);
        sb_putc(&sb, '=');
        if (x->kind == FA_STR)
            put_encoded(&sb, x->str);
        else if (x->kind == FA_BOOL)
            sb_puts(&sb, x->num ? "1" : "0");
        else
            sb_put_int(&sb, x->num);
    }
    return sb_finish(&sb);
}

bool flake_ref_is_relative(const FlakeAttrs *a)
{
    const char *type = flake_attrs_str(a, "type"), *p = flake_attrs_str(a, "path");
    return type && strcmp(type, "path") == 0 && p && p[0] != '/';
}

bool flake_ref_is_locked(const FlakeAttrs *a)
{
    const char *type = flake_attrs_str(a, "type");
    if (!type)
        return false;
    if (strcmp(type, "git") == 0 || strcmp(type, "github") == 0 || strcmp(type, "gitlab") == 0 ||
        strcmp(type, "sourcehut") == 0 || strcmp(type, "mercurial") == 0)
        return flake_attrs_get(a, "rev") != NULL;
    if (strcmp(type, "indirect") == 0)
        return false;
    return flake_attrs_get(a, "narHash") != NULL;
}
