/* Realiser settings: nix.conf-syntax files, --option, and where the store lives. */
#include "store/config.h"

#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/strbuf.h"

void strlist_add(StrList *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        const char **v = GC_MALLOC(cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
}

static char *dupn(const char *s, size_t n)
{
    char *r = GC_MALLOC_ATOMIC(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

static const char *parse_bool(const char *name, const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
        *out = false;
    else
        return sb_cat3("invalid Boolean value '", v, sb_cat3("' for setting '", name, "'"));
    return NULL;
}

static const char *parse_int(const char *name, const char *v, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < 0 || n > 1000000)
        return sb_cat3("configuration setting '", name, sb_cat3("' should have an integer value, got '", v, "'"));
    *out = (int)n;
    return NULL;
}

/* Whitespace-separated words of v. */
static void split_words(StrList *l, const char *v)
{
    l->n = 0;
    while (*v) {
        while (*v == ' ' || *v == '\t')
            v++;
        const char *s = v;
        while (*v && *v != ' ' && *v != '\t')
            v++;
        if (v > s)
            strlist_add(l, dupn(s, (size_t)(v - s)));
    }
}

const char *store_config_set(StoreConfig *c, const char *name, const char *value)
{
    /* "extra-NAME" appends to list settings, as in Nix. */
    bool extra = strncmp(name, "extra-", 6) == 0;
    const char *n = extra ? name + 6 : name;
    StrList *list = NULL;
    if (!strcmp(n, "max-jobs")) {
        if (!strcmp(value, "auto")) {
            long k = sysconf(_SC_NPROCESSORS_ONLN);
            c->max_jobs = k > 0 ? (int)k : 1;
            return NULL;
        }
        return parse_int(name, value, &c->max_jobs);
    }
    if (!strcmp(n, "cores"))
        return parse_int(name, value, &c->cores);
    if (!strcmp(n, "sandbox")) {
        if (!strcmp(value, "relaxed")) {
            c->sandbox = SANDBOX_RELAXED;
            c->sandbox_set = true;
            return NULL;
        }
        bool b;
        const char *e = parse_bool(name, value, &b);
        if (!e) {
            c->sandbox = b ? SANDBOX_ON : SANDBOX_OFF;
            c->sandbox_set = true;
        }
        return e;
    }
    if (!strcmp(n, "sandbox-fallback")) {
        c->sandbox_fallback_set = true;
        return parse_bool(name, value, &c->sandbox_fallback);
    }
    if (!strcmp(n, "keep-failed"))
        return parse_bool(name, value, &c->keep_failed);
    if (!strcmp(n, "keep-going"))
        return parse_bool(name, value, &c->keep_going);
    if (!strcmp(n, "fsync-store-paths"))
        return parse_bool(name, value, &c->fsync_store_paths);
    if (!strcmp(n, "require-sigs"))
        return parse_bool(name, value, &c->require_sigs);
    if (!strcmp(n, "store")) {
        c->store = dupn(value, strlen(value));
        return NULL;
    }
    if (!strcmp(n, "sandbox-paths") || !strcmp(n, "extra-sandbox-paths"))
        list = &c->sandbox_paths;
    else if (!strcmp(n, "substituters") || !strcmp(n, "trusted-substituters"))
        list = &c->substituters;
    else if (!strcmp(n, "trusted-public-keys"))
        list = &c->trusted_keys;
    if (list) {
        if (extra) {
            StrList more = {0};
            split_words(&more, value);
            for (size_t i = 0; i < more.n; i++)
                strlist_add(list, more.v[i]);
        } else
            split_words(list, value);
        return NULL;
    }
    /* Unknown settings are warned about, not fatal, as in Nix. */
    fprintf(stderr, "warning: unknown setting '%s'\n", name);
    return NULL;
}

bool store_config_is_setting(const char *name)
{
    static const char *const names[] = {"max-jobs", "cores", "sandbox", "sandbox-fallback", "sandbox-paths", "substituters",
                                         "trusted-substituters", "trusted-public-keys", "keep-failed",
                                         "keep-going", "store", "require-sigs", "fsync-store-paths", NULL};
    if (!strncmp(name, "extra-", 6))
        name += 6;
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

static const char *load(StoreConfig *c, const char *path, int depth)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    if (depth > 16) {
        fclose(f);
        return sb_cat3("configuration file '", path, "' includes itself too deeply");
    }
    char line[8192];
    const char *err = NULL;
    int lineno = 0;
    while (!err && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == ' ' || line[len - 1] == '\t' ||
                       line[len - 1] == '\r'))
            line[--len] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            continue;
        bool opt_inc = strncmp(p, "!include", 8) == 0 && (p[8] == ' ' || p[8] == '\t');
        if (opt_inc || (strncmp(p, "include", 7) == 0 && (p[7] == ' ' || p[7] == '\t'))) {
            char *q = p + (opt_inc ? 8 : 7);
            while (*q == ' ' || *q == '\t')
                q++;
            const char *inc = q;
            if (*q != '/') {
                const char *slash = strrchr(path, '/');
                inc = slash ? sb_cat3(dupn(path, (size_t)(slash - path)), "/", q) : q;
            }
            if (!opt_inc && access(inc, R_OK) != 0) {
                err = sb_cat3("file '", inc, "' included from the configuration does not exist");
                break;
            }
            err = load(c, inc, depth + 1);
            continue;
        }
        char *eq = strchr(p, '=');
        if (!eq) {
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "syntax error in configuration line '%s' in '%s'", p, path);
            err = sb_finish(&sb);
            break;
        }
        char *ne = eq;
        while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
            ne--;
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        err = store_config_set(c, dupn(p, (size_t)(ne - p)), v);
    }
    fclose(f);
    return err;
}

const char *store_config_load_file(StoreConfig *c, const char *path) { return load(c, path, 0); }

const char *store_config_init(StoreConfig *c)
{
    memset(c, 0, sizeof *c);
    c->max_jobs = 1;
#ifdef __linux__
    c->sandbox = SANDBOX_ON; /* as CppNix on Linux; without namespaces sandbox-fallback applies */
#endif
    c->sandbox_fallback = true;
    c->require_sigs = true;
    c->store = "auto";
    /* The environment's part, read once: nothing below store_open looks at it. */
    const char *env[5] = {getenv("NIX_STORE_DIR"), getenv("NIX_STATE_DIR"), getenv("NIX_LOG_DIR"),
                          getenv("CNIX_STORE_ROOT"), getenv("NIX_DAEMON_SOCKET_PATH")};
    for (int i = 0; i < 5; i++)
        env[i] = env[i] && *env[i] ? dupn(env[i], strlen(env[i])) : NULL;
    c->settings = (StoreSettings){env[0], env[1], env[2], env[3], env[4]};
    const char *e;
    if ((e = store_config_load_file(c, "/etc/cnix/cnix.conf")))
        return e;
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        e = store_config_load_file(c, sb_cat3(xdg, "/cnix/cnix.conf", ""));
    else if (home && *home)
        e = store_config_load_file(c, sb_cat3(home, "/.config/cnix/cnix.conf", ""));
    if (e)
        return e;
    /* NIX_CONFIG holds extra lines, as in Nix (newline separated). */
    const char *nc = getenv("NIX_CONFIG");
    if (nc && *nc) {
        char tmpl[] = "/tmp/cnix-config-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd >= 0) {
            ssize_t w = write(fd, nc, strlen(nc));
            close(fd);
            if (w == (ssize_t)strlen(nc))
                e = store_config_load_file(c, tmpl);
            unlink(tmpl);
        }
    }
    return e;
}

Store *store_config_open(const StoreConfig *c, const char **err)
{
    return store_open(c->store, &c->settings, err);
}
