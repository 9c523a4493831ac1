/* Pure and restricted evaluation: the allow-list of paths and URIs, and symlink resolution. */
#include "builtins/access.h"

#include <ctype.h>
#include <errno.h>
#include <gc.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtins/builtins.h"
#include "store/store.h"
#include "util/strbuf.h"

/* CppNix gives up after this many links while resolving one path. */
#define MAX_SYMLINKS 1024

const char *bi_canon_path(const char *path)
{
    StrBuf sb;
    sb_init(&sb);
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.'))
            continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            while (sb.len > 0 && sb.data[sb.len - 1] != '/')
                sb.len--;
            if (sb.len > 0)
                sb.len--; /* the separator before the dropped component */
            sb.data[sb.len] = 0;
            continue;
        }
        sb_putc(&sb, '/');
        sb_add(&sb, start, n);
    }
    if (sb.len == 0)
        sb_putc(&sb, '/');
    return sb_finish(&sb);
}

bool bi_access_limited(const EvalState *st)
{
    return st->settings.pure_eval || st->settings.restrict_eval;
}

/* a == prefix, or a lies below prefix. */
static bool path_within(const char *a, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 1 && prefix[0] == '/')
        return true;
    return strncmp(a, prefix, n) == 0 && (a[n] == 0 || a[n] == '/');
}

static bool allowed_by(const char *path, const char *prefix)
{
    return path_within(path, prefix) || path_within(prefix, path);
}

/* A search path entry as an absolute canonical path, or NULL for URLs and
 * pseudo-URLs (channel:, flake:, http://...) which name no local path. */
static const char *search_entry_path(const char *p)
{
    if (!p || !*p)
        return NULL;
    if (p[0] == '/')
        return bi_canon_path(p);
    const char *colon = strchr(p, ':');
    const char *slash = strchr(p, '/');
    if (colon && (!slash || colon < slash))
        return NULL;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s/%s", cwd, p);
    return bi_canon_path(sb.data);
}

bool bi_path_allowed(EvalState *st, const char *path)
{
    const EvalSettings *s = &st->settings;
    if (!bi_access_limited(st))
        return true;
    for (uint32_t i = 0; i < s->nallowed_paths; i++)
        if (s->allowed_paths[i] && allowed_by(path, s->allowed_paths[i]))
            return true;
    /* CppNix allows the search path (-I, NIX_PATH) under restricted evaluation;
     * pure evaluation has no search path at all. */
    if (!s->pure_eval)
        for (uint32_t i = 0; i < s->nix_path_len; i++) {
            const char *e = search_entry_path(s->nix_path[i].path);
            if (e && allowed_by(path, e))
                return true;
        }
    return false;
}

void bi_allow_path(EvalState *st, const char *path)
{
    EvalSettings *s = &st->settings;
    const char *canon = bi_canon_path(path);
    for (uint32_t i = 0; i < s->nallowed_paths; i++)
        if (s->allowed_paths[i] && strcmp(s->allowed_paths[i], canon) == 0)
            return;
    /* Grow into a fresh GC array: the old one may belong to the caller of
     * eval_state_new and must not be written to. */
    const char **a = GC_MALLOC((s->nallowed_paths + 1) * sizeof *a);
    if (s->nallowed_paths)
        memcpy(a, s->allowed_paths, s->nallowed_paths * sizeof *a);
    a[s->nallowed_paths] = canon;
    s->allowed_paths = a;
    s->nallowed_paths++;
}

_Noreturn static void forbidden(EvalState *st, const char *path, PosIdx pos)
{
    if (st->settings.pure_eval)
        eval_error(st, ERR_RESTRICTED, pos,
                   "access to absolute path '%s' is forbidden in pure evaluation mode "
                   "(use '--impure' to override)",
                   path);
    eval_error(st, ERR_RESTRICTED, pos, "access to absolute path '%s' is forbidden in restricted mode",
               path);
}

void bi_check_access(EvalState *st, const char *path, PosIdx pos)
{
    if (!bi_path_allowed(st, path))
        forbidden(st, path, pos);
}

const char *bi_host_path(EvalState *st, const char *path)
{
    const char *real = store_real_path(bi_store(st), path);
    return real ? real : path; /* a store without a local file system: the path itself */
}

const char *bi_resolve_symlinks(EvalState *st, const char *path, SymlinkMode mode, PosIdx pos)
{
    if (mode == SYMLINKS_NONE)
        return bi_canon_path(path);
    StrBuf res, todo;
    sb_init(&res);
    sb_init(&todo);
    sb_puts(&todo, path);
    size_t at = 0; /* next unread byte of todo */
    int links = MAX_SYMLINKS;
    char target[PATH_MAX + 1];
    while (at < todo.len) {
        while (at < todo.len && todo.data[at] == '/')
            at++;
        size_t start = at;
        while (at < todo.len && todo.data[at] != '/')
            at++;
        size_t n = at - start;
        const char *c = todo.data + start;
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            while (res.len > 0 && res.data[res.len - 1] != '/')
                res.len--;
            if (res.len > 0)
                res.len--;
            res.data[res.len] = 0;
            continue;
        }
        size_t before = res.len;
        sb_putc(&res, '/');
        sb_add(&res, c, n);
        /* Is anything left after this component? */
        size_t k = at;
        while (k < todo.len && todo.data[k] == '/')
            k++;
        bool last = k >= todo.len;
        if (mode != SYMLINKS_FULL && last)
            continue;
        struct stat sbuf;
        const char *host = bi_host_path(st, res.data);
        if (!bi_path_allowed(st, res.data) || lstat(host, &sbuf) != 0 || !S_ISLNK(sbuf.st_mode))
            continue;
        if (links-- == 0)
            eval_error(st, ERR_EVAL, pos, "infinite symlink recursion in path '%s'", path);
        ssize_t tl = readlink(host, target, PATH_MAX);
        if (tl < 0)
            continue;
        target[tl] = 0;
        if (target[0] == '/')
            res.len = 0;
        else
            res.len = before;
        res.data[res.len] = 0;
        /* todo := target + "/" + rest */
        StrBuf next;
        sb_init(&next);
        sb_add(&next, target, (size_t)tl);
        sb_putc(&next, '/');
        sb_add(&next, todo.data + at, todo.len - at);
        todo = next;
        at = 0;
    }
    if (res.len == 0)
        sb_putc(&res, '/');
    return sb_finish(&res);
}

const char *bi_check_path(EvalState *st, const char *path, PosIdx pos)
{
    const char *canon = bi_canon_path(path);
    if (!bi_access_limited(st))
        return canon;
    /* Like CppNix: resolution does not follow links in forbidden places, so
     * a forbidden path resolves to itself and is reported as written. */
    const char *real = bi_resolve_symlinks(st, canon, SYMLINKS_FULL, pos);
    if (!bi_path_allowed(st, real))
        forbidden(st, real, pos);
    return canon;
}

/* A URI scheme name followed by ':' and nothing else ("git:", "https:"). */
static bool is_scheme_prefix(const char *p, size_t n)
{
    if (n < 2 || p[n - 1] != ':' || !isalpha((unsigned char)p[0]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '+' && p[i] != '-' && p[i] != '.')
            return false;
    return true;
}

static bool uri_allowed(const EvalSettings *s, const char *uri)
{
    size_t ul = strlen(uri);
    for (uint32_t i = 0; i < s->nallowed_uris; i++) {
        const char *p = s->allowed_uris[i];
        size_t pl = strlen(p);
        if (strcmp(uri, p) == 0)
            return true;
        if (pl > 0 && ul > pl && strncmp(uri, p, pl) == 0 &&
            (p[pl - 1] == '/' || uri[pl] == '/' || is_scheme_prefix(p, pl)))
            return true;
    }
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void bi_check_uri(EvalState *st, const char *uri, PosIdx pos)
{
    if (!st->settings.restrict_eval)
        return;
    if (uri_allowed(&st->settings, uri))
        return;
    if (uri[0] == '/') {
        bi_check_path(st, uri, pos);
        return;
    }
    if (strncmp(uri, "file://", 7) == 0) {
        /* file://[authority]/path, percent-decoded, query and fragment dropped */
        const char *p = strchr(uri + 7, '/');
        if (p) {
            StrBuf sb;
            sb_init(&sb);
            for (; *p && *p != '?' && *p != '#'; p++) {
                int h, l;
                if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) {
                    sb_putc(&sb, (char)(h * 16 + l));
                    p += 2;
                } else
                    sb_putc(&sb, *p);
            }
            bi_check_path(st, sb.data, pos);
            return;
        }
    }
    eval_error(st, ERR_RESTRICTED, pos, "access to URI '%s' is forbidden in restricted mode", uri);
}
