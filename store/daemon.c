/* The store kinds "daemon" and "unix://PATH": a Nix daemon reached over its Unix socket,
 * spoken to by the worker protocol (store/worker.c). One connection, opened on first use,
 * handshake and SetOptions included. A protocol fault (disconnection, garbage, timeout)
 * breaks the connection for good and every later operation fails with the same message;
 * an error the daemon reports leaves the connection usable. */
#include "store/daemon.h"

#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "store/roots.h"
#include "store/worker.h"
#include "util/sort.h"

typedef struct DaemonStore {
    Store base;
    const char *socket_path;
    WorkerConn conn;
    bool connected;
    const char *broken; /* a protocol fault: the connection is gone */
    bool reported;      /* broken was printed (for operations that return no message) */
} DaemonStore;

static const StoreOps daemon_ops;

static DaemonStore *daemon_of(Store *s) { return (DaemonStore *)s; }

/* Verbosity levels and defaults sent with SetOptions (CppNix's). */
enum { LVL_ERROR = 0, LVL_INFO = 3 };

/* SetOptions: keepFailed, keepGoing, tryFallback, verbosity, maxBuildJobs, maxSilentTime,
 * useBuildHook, buildVerbosity, logType, printBuildTrace, buildCores, useSubstitutes, then
 * the overridden settings (1.12+; none sent). */
static const char *set_options(DaemonStore *d, const StoreConfig *cfg)
{
    WorkerConn *c = &d->conn;
    wc_put_u64(c, WOP_SET_OPTIONS);
    wc_put_u64(c, cfg && cfg->keep_failed);
    wc_put_u64(c, cfg && cfg->keep_going);
    wc_put_u64(c, 0);
    wc_put_u64(c, LVL_INFO);
    wc_put_u64(c, cfg ? (uint64_t)(cfg->max_jobs > 0 ? cfg->max_jobs : 1) : 1);
    wc_put_u64(c, 0);
    wc_put_u64(c, 1);
    wc_put_u64(c, LVL_ERROR);
    wc_put_u64(c, 0);
    wc_put_u64(c, 0);
    wc_put_u64(c, cfg ? (uint64_t)(cfg->cores > 0 ? cfg->cores : 0) : 0);
    wc_put_u64(c, cfg && cfg->substituters.n > 0);
    wc_put_u64(c, 0);
    return wc_process_stderr(c, NULL, NULL, NULL);
}

/* Marks the connection broken after a protocol fault; returns the message. */
static const char *broken(DaemonStore *d, const char *msg)
{
    if (!d->broken) {
        d->broken = msg;
        wc_close(&d->conn);
    }
    return d->broken;
}

/* A fault that happened in the connection (sticky), or NULL (a daemon-reported error). */
static const char *check(DaemonStore *d, const char *e)
{
    if (wc_error(&d->conn))
        return broken(d, wc_error(&d->conn));
    return e;
}

static const char *connect_daemon(DaemonStore *d)
{
    if (d->broken)
        return d->broken;
    if (d->connected)
        return NULL;
    d->connected = true;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(d->socket_path) >= sizeof a.sun_path)
        return broken(d, sb_fmt("cannot connect to store '%s': socket path '%s' is too long", d->base.uri,
                                d->socket_path));
    strcpy(a.sun_path, d->socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return broken(d, sb_fmt("cannot create a socket for store '%s': %s", d->base.uri, strerror(errno)));
    int timeout_ms = d->conn.timeout_ms;
    wc_init(&d->conn, fd, d->base.uri, timeout_ms);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return broken(d, sb_fmt("cannot connect to socket at '%s' (store '%s'): %s", d->socket_path, d->base.uri,
                                strerror(errno)));
    const char *e = wc_handshake(&d->conn);
    if (!e)
        e = set_options(d, NULL);
    return e ? broken(d, e) : NULL;
}

/* Starts an operation: connects, then queues the opcode. */
static const char *begin(DaemonStore *d, uint64_t op)
{
    const char *e = connect_daemon(d);
    if (e)
        return e;
    wc_put_u64(&d->conn, op);
    return NULL;
}

/* For operations without an error channel: a fault is printed once. */
static void report(DaemonStore *d, const char *e)
{
    if (!e)
        return;
    if (d->broken && d->reported)
        return;
    d->reported = d->broken != NULL;
    fprintf(stderr, "error: %s\n", e);
}

/* A store path from the daemon, checked. */
static const char *checked_path(DaemonStore *d, const char *p)
{
    if (wc_error(&d->conn))
        return NULL;
    if (store_parse_path(d->base.store_dir, p)) {
        wc_fail(&d->conn, sb_fmt("the daemon of store '%s' sent '%.200s' where a store path was expected",
                                 d->base.uri, p));
        return NULL;
    }
    return p;
}

static const char **checked_paths(DaemonStore *d, size_t *n)
{
    const char **v = wc_get_strs(&d->conn, n);
    for (size_t i = 0; i < *n; i++)
        if (!checked_path(d, v[i]))
            *n = 0;
    return v;
}

/* ---- queries ---- */

/* The daemon drops the connection over a malformed argument: cnix checks its own first. */
static const char *check_arg(Store *s, const char *path)
{
    return store_parse_path(s->store_dir, path);
}

static bool daemon_is_valid(Store *s, const char *path)
{
    DaemonStore *d = daemon_of(s);
    if (check_arg(s, path))
        return false;
    const char *e = begin(d, WOP_IS_VALID_PATH);
    if (!e) {
        wc_put_str(&d->conn, path);
        e = check(d, wc_process_stderr(&d->conn, NULL, NULL, NULL));
    }
    bool v = !e && wc_get_bool(&d->conn);
    report(d, e ? e : check(d, NULL));
    return v && !d->broken;
}

static const char **daemon_query_valid_paths(Store *s, const char *const *paths, size_t n, size_t *out_n)
{
    DaemonStore *d = daemon_of(s);
    *out_n = 0;
    const char *e = begin(d, WOP_QUERY_VALID_PATHS);
    if (!e) {
        wc_put_strs(&d->conn, paths, n);
        if (WORKER_MINOR(d->conn.version) >= 27)
            wc_put_u64(&d->conn, 0); /* substitute: no */
        e = check(d, wc_process_stderr(&d->conn, NULL, NULL, NULL));
    }
    const char **v = NULL;
    if (!e) {
        v = checked_paths(d, out_n);
        e = check(d, NULL);
    }
    report(d, e);
    if (e || !v) {
        *out_n = 0;
        return GC_MALLOC(sizeof(char *));
    }
    return v;
}

static bool daemon_query_path_info(Store *s, const char *path, PathInfo *out)
{
    DaemonStore *d = daemon_of(s);
    WorkerConn *c = &d->conn;
    if (check_arg(s, path))
        return false;
    const char *e = begin(d, WOP_QUERY_PATH_INFO);
    if (!e) {
        wc_put_str(c, path);
        e = check(d, wc_process_stderr(c, NULL, NULL, NULL));
    }
    if (e) {
        report(d, e);
        return false;
    }
    if (!wc_get_bool(c)) { /* 1.17+: validity first */
        report(d, check(d, NULL));
        return false;
    }
    memset(out, 0, sizeof *out);
    out->path = path;
    const char *deriver = wc_get_str(c, 4096, NULL);
    const char *hash = wc_get_str(c, 256, NULL);
    out->refs = checked_paths(d, &out->nrefs);
    wc_get_u64(c); /* registration time */
    out->nar_size = wc_get_u64(c);
    wc_get_bool(c); /* ultimate */
    size_t nsigs;
    const char **sigs = wc_get_strs(c, &nsigs);
    const char *ca = wc_get_str(c, 4096, NULL);
    if (!wc_error(c) && *deriver && checked_path(d, deriver))
        out->deriver = deriver;
    if (!wc_error(c) && hash_parse_any(hash, HASH_SHA256, &out->nar_hash, NULL))
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a bad hash '%.100s' for '%s'", s->uri, hash, path));
    if ((e = check(d, NULL))) {
        report(d, e);
        return false;
    }
    qsort(out->refs, out->nrefs, sizeof *out->refs, sort_cmp_str);
    if (nsigs) {
        StrBuf b;
        sb_init(&b);
        for (size_t i = 0; i < nsigs; i++)
            sb_printf(&b, "%s%s", i ? " " : "", sigs[i]);
        out->sigs = b.data;
    }
    out->ca = *ca ? ca : NULL;
    return true;
}

static const char *daemon_query_drv_outputs(Store *s, const char *drv_path, const char ***names,
                                            const char ***paths, size_t *n)
{
    DaemonStore *d = daemon_of(s);
    WorkerConn *c = &d->conn;
    *n = 0;
    const char *e = check_arg(s, drv_path);
    if (e || (e = connect_daemon(d)))
        return e;
    if (WORKER_MINOR(c->version) < 22) { /* no such operation yet: read the .drv */
        const Derivation *drv = store_load_drv(s, drv_path, &e);
        if (!drv)
            return e;
        *names = GC_MALLOC((drv->noutputs + 1) * sizeof **names);
        *paths = GC_MALLOC((drv->noutputs + 1) * sizeof **paths);
        for (uint32_t i = 0; i < drv->noutputs; i++) {
            (*names)[i] = drv->outputs[i].name;
            (*paths)[i] = drv->outputs[i].path;
        }
        *n = drv->noutputs;
        return NULL;
    }
    wc_put_u64(c, WOP_QUERY_DERIVATION_OUTPUT_MAP);
    wc_put_str(c, drv_path);
    if ((e = check(d, wc_process_stderr(c, NULL, NULL, NULL))))
        return e;
    uint64_t cnt = wc_get_u64(c);
    if (!wc_error(c) && cnt > 4096)
        wc_fail(c, sb_fmt("the daemon of store '%s' sent %llu outputs", s->uri, (unsigned long long)cnt));
    if ((e = check(d, NULL)))
        return e;
    *names = GC_MALLOC((cnt + 1) * sizeof **names);
    *paths = GC_MALLOC((cnt + 1) * sizeof **paths);
    for (uint64_t i = 0; i < cnt && !wc_error(c); i++) {
        (*names)[i] = wc_get_str(c, 4096, NULL);
        const char *p = wc_get_str(c, 4096, NULL);
        (*paths)[i] = *p ? checked_path(d, p) : "";
    }
    if ((e = check(d, NULL)))
        return e;
    *n = cnt;
    return NULL;
}

/* ---- reading ---- */

static const char *daemon_nar_from_path(Store *s, const char *path, StrBuf *out)
{
    DaemonStore *d = daemon_of(s);
    const char *e = check_arg(s, path);
    if (e || (e = begin(d, WOP_NAR_FROM_PATH)))
        return e;
    wc_put_str(&d->conn, path);
    if ((e = check(d, wc_process_stderr(&d->conn, NULL, NULL, NULL))))
        return e;
    wc_get_nar(&d->conn, out);
    return check(d, NULL);
}

/* ---- adding ---- */

#define FRAME_SIZE 65536

static const char *daemon_add_nar(Store *s, const PathInfo *info, const uint8_t *nar, size_t len)
{
    DaemonStore *d = daemon_of(s);
    WorkerConn *c = &d->conn;
    const char *e = store_parse_path(s->store_dir, info->path);
    if (e || (e = begin(d, WOP_ADD_TO_STORE_NAR)))
        return e;
    wc_put_str(c, info->path);
    wc_put_str(c, info->deriver ? info->deriver : "");
    wc_put_str(c, hash_to_string(&info->nar_hash, HASH_FMT_BASE16, false));
    wc_put_strs(c, info->refs, info->nrefs);
    wc_put_u64(c, 0); /* registration time: the daemon's */
    wc_put_u64(c, info->nar_size ? info->nar_size : len);
    wc_put_u64(c, 0); /* ultimate */
    size_t nsigs = 0;
    const char **sigs = GC_MALLOC(sizeof *sigs);
    if (info->sigs && *info->sigs) {
        size_t cap = 1;
        for (const char *p = info->sigs; *p; p++)
            cap += *p == ' ';
        sigs = GC_MALLOC(cap * sizeof *sigs);
        for (const char *p = info->sigs; *p;) {
            size_t l = strcspn(p, " ");
            if (l)
                sigs[nsigs++] = sb_fmt("%.*s", (int)l, p);
            p += l;
            while (*p == ' ')
                p++;
        }
    }
    wc_put_strs(c, sigs, nsigs);
    wc_put_str(c, info->ca ? info->ca : "");
    wc_put_u64(c, 0); /* repair */
    /* cnix checks signatures itself when asked (store_copy_paths); a daemon ignores this
     * from an untrusted user and checks them. */
    wc_put_u64(c, 1);
    WorkerSource src = {nar, len, 0};
    if (WORKER_MINOR(c->version) >= 23) {
        /* Framed: length-prefixed chunks (not padded), then an empty one. */
        for (size_t off = 0; off < len; off += FRAME_SIZE) {
            size_t n = len - off < FRAME_SIZE ? len - off : FRAME_SIZE;
            wc_put_u64(c, n);
            sb_add(&c->out, (const char *)nar + off, n);
            if (c->out.len > 4 * FRAME_SIZE && !wc_flush(c))
                break;
        }
        wc_put_u64(c, 0);
        return check(d, wc_process_stderr(c, NULL, NULL, NULL));
    }
    /* 1.21, 1.22: the daemon asks for the NAR with STDERR_READ. */
    return check(d, wc_process_stderr(c, &src, NULL, NULL));
}

static const char *daemon_add_text(Store *s, const char *name, const char *text, size_t len,
                                   const char *const *refs, size_t nrefs, const char **out)
{
    DaemonStore *d = daemon_of(s);
    WorkerConn *c = &d->conn;
    const char *e = store_check_name(name, strlen(name));
    if (e || (e = begin(d, WOP_ADD_TEXT_TO_STORE)))
        return e;
    wc_put_str(c, name);
    wc_put_bytes(c, text, len);
    wc_put_strs(c, refs, nrefs);
    if ((e = check(d, wc_process_stderr(c, NULL, NULL, NULL))))
        return e;
    const char *p = checked_path(d, wc_get_str(c, 4096, NULL));
    if ((e = check(d, NULL)))
        return e;
    *out = p;
    return NULL;
}

/* ---- roots ---- */

/* AddTempRoot and AddIndirectRoot: a path, answered by 1. */
static const char *simple_op(DaemonStore *d, uint64_t op, const char *path)
{
    const char *e = op == WOP_ADD_TEMP_ROOT ? check_arg(&d->base, path) : NULL;
    if (e || (e = begin(d, op)))
        return e;
    wc_put_str(&d->conn, path);
    if ((e = check(d, wc_process_stderr(&d->conn, NULL, NULL, NULL))))
        return e;
    wc_get_u64(&d->conn);
    return check(d, NULL);
}

static const char *daemon_add_temp_root(Store *s, const char *path)
{
    return simple_op(daemon_of(s), WOP_ADD_TEMP_ROOT, path);
}

static const char *daemon_add_perm_root(Store *s, const char *path, const char *link, const char **out)
{
    const char *abs, *e = store_make_root_link(s, path, link, &abs);
    if (e || (e = simple_op(daemon_of(s), WOP_ADD_INDIRECT_ROOT, abs)))
        return e;
    *out = abs;
    return NULL;
}

/* ---- building ---- */

static int daemon_build(Store *s, const StoreConfig *cfg, const char *const *drvs, size_t n)
{
    DaemonStore *d = daemon_of(s);
    WorkerConn *c = &d->conn;
    if (cfg && cfg->dry_run)
        return 0;
    const char *e = connect_daemon(d);
    if (!e)
        e = check(d, set_options(d, cfg));
    int status = 1;
    if (!e) {
        wc_put_u64(c, WOP_BUILD_PATHS);
        wc_put_u64(c, n);
        /* 1.30+: DerivedPath "DRV!*"; before, a bare DRV meant all its outputs. */
        for (size_t i = 0; i < n; i++)
            wc_put_str(c, WORKER_MINOR(c->version) >= 30 ? sb_fmt("%s!*", drvs[i]) : drvs[i]);
        wc_put_u64(c, 0); /* build mode: normal */
        bool quiet = c->quiet;
        c->quiet = cfg && cfg->quiet;
        /* A build may be silent for long: its own max-silent-time bounds it, not ours. */
        int timeout = c->timeout_ms;
        c->timeout_ms = 0;
        e = check(d, wc_process_stderr(c, NULL, NULL, &status));
        c->timeout_ms = timeout;
        c->quiet = quiet;
        if (!e) {
            wc_get_u64(c);
            e = check(d, NULL);
        }
    }
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return status ? status : 1;
    }
    return 0;
}

static const StoreOps daemon_ops = {
    .kind = "daemon",
    .query_path_info = daemon_query_path_info,
    .is_valid = daemon_is_valid,
    .query_valid_paths = daemon_query_valid_paths,
    .query_drv_outputs = daemon_query_drv_outputs,
    .nar_from_path = daemon_nar_from_path,
    .add_nar = daemon_add_nar,
    .add_text = daemon_add_text,
    .add_temp_root = daemon_add_temp_root,
    .add_perm_root = daemon_add_perm_root,
    .build = daemon_build,
};

/* Parameters: store (the logical store dir), timeout (seconds a read may wait; cnix's),
 * and CppNix's connection-pool ones, accepted and ignored. */
Store *daemon_store_open(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                         const StoreSettings *settings, const char **err)
{
    static const char *const ignored[] = {"max-connections", "max-connection-age", "path-info-cache-size",
                                          "trusted", "priority", "want-mass-query", NULL};
    const char *sd = settings->store_dir, *timeout = NULL;
    for (size_t i = 0; i < nparams; i++) {
        if (!strcmp(params[i].name, "store"))
            sd = params[i].value;
        else if (!strcmp(params[i].name, "timeout"))
            timeout = params[i].value;
        else {
            size_t k = 0;
            while (ignored[k] && strcmp(ignored[k], params[i].name))
                k++;
            if (!ignored[k]) {
                *err = sb_fmt("store '%s' has unknown parameter '%s'", uri, params[i].name);
                return NULL;
            }
        }
    }
    int timeout_s = 300;
    if (timeout) {
        char *end;
        long t = strtol(timeout, &end, 10);
        if (!*timeout || *end || t < 0 || t > 86400) {
            *err = sb_fmt("store '%s': timeout '%s' is not a number of seconds (0 to 86400)", uri, timeout);
            return NULL;
        }
        timeout_s = (int)t;
    }
    const char *sock = rest;
    if (!*sock) {
        if (strncmp(uri, "unix://", 7) == 0) {
            *err = sb_fmt("store '%s' names no socket", uri);
            return NULL;
        }
        sock = settings->daemon_socket ? settings->daemon_socket
                                       : sb_fmt("%s/daemon-socket/socket",
                                                settings->state_dir ? settings->state_dir : "/nix/var/nix");
    }
    if (sd && *sd && sd[0] != '/') {
        *err = sb_fmt("store directory '%s' is not an absolute path", sd);
        return NULL;
    }
    DaemonStore *d = GC_MALLOC_UNCOLLECTABLE(sizeof *d);
    d->base.ops = &daemon_ops;
    d->base.uri = uri;
    d->base.store_dir = sd && *sd ? sd : STORE_DEFAULT_DIR;
    d->socket_path = sock;
    wc_init(&d->conn, -1, uri, timeout_s * 1000);
    return &d->base;
}
