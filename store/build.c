/* The realiser: schedules the derivations of a closure, runs their builders, and
 * registers the outputs of each successful build in one transaction. */
#include "store/build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/nar.h"
#include "store/path.h"
#include "store/attrs.h"
#include "store/local.h"
#include "store/sandbox.h"
#include "store/cache.h"
#include "store/supervise.h"
#include "util/strbuf.h"
#include "util/host.h"
#include "util/sort.h"
#include "util/strmap.h"
#include "util/fs.h"

/* NS_FETCH: --dry-run only, the outputs would be substituted. */
typedef enum NodeState { NS_WAITING, NS_RUNNING, NS_DONE, NS_FAILED, NS_FETCH } NodeState;

typedef struct Node Node;
struct Node {
    const char *drv_path;
    const Derivation *d;
    Node **rdeps; /* derivations waiting for this one */
    size_t nrdeps, caprdeps;
    size_t pending; /* inputs not built yet */
    NodeState state;
    bool queued;
    /* while running */
    pid_t pid;
    int out_fd;   /* read end of the builder's stdout/stderr */
    int log_fd;   /* the log file */
    int *locks;   /* one per output */
    const char *tmpdir;
    int dir_lock; /* the build directory's lock (see store/supervise.h) */
    SandboxSpec *sb;
    struct timespec started;
};

typedef struct Builder {
    Store *s;
    const StoreConfig *cfg;
    const char *store_dir;
    StrMap nodes; /* drv path -> Node */
    Node **queue; /* ready to start, FIFO */
    size_t qhead, qtail, qcap;
    Node **running;
    size_t nrunning, caprunning;
    size_t nbuilt, nfailed, ntotal, nsubst;
    bool tty;          /* stderr is a terminal: keep a progress line */
    bool progress_shown;
    int status;
    bool stop; /* a failure without --keep-going */
    bool warned_fallback; /* the sandbox-fallback warning was printed */
} Builder;

/* ---- helpers ---- */

static void push_ptr(Node ***v, size_t *n, size_t *cap, Node *x)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 4;
        Node **nv = GC_MALLOC(c * sizeof *nv);
        if (*n)
            memcpy(nv, *v, *n * sizeof *nv);
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
}

static void enqueue(Builder *b, Node *n)
{
    if (n->queued)
        return;
    n->queued = true;
    if (b->qtail == b->qcap) {
        size_t c = b->qcap ? 2 * b->qcap : 16;
        Node **nq = GC_MALLOC(c * sizeof *nq);
        if (b->qtail > b->qhead) /* the first queue is NULL: no memcpy from it */
            memcpy(nq, b->queue + b->qhead, (b->qtail - b->qhead) * sizeof *nq);
        b->qtail -= b->qhead;
        b->qhead = 0;
        b->queue = nq;
        b->qcap = c;
    }
    b->queue[b->qtail++] = n;
}

/* The progress line (terminals only): erased before anything else is printed. */
static void progress_clear(Builder *b)
{
    if (b->progress_shown)
        fputs("\r\033[K", stderr);
    b->progress_shown = false;
}

static void progress_show(Builder *b)
{
    if (!b->tty || b->cfg->dry_run)
        return;
    progress_clear(b);
    fprintf(stderr, "[%zu/%zu built, %zu running, %zu copied%s]", b->nbuilt, b->ntotal, b->nrunning, b->nsubst,
            b->nfailed ? ", some failed" : "");
    fflush(stderr);
    b->progress_shown = true;
}

/* Store canonical form (CppNix's canonicalisePathMetaData): mtime 1, no write bits, no
 * setuid/setgid bits, owned by us. */
static const char *canonicalise(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return sb_fmt("getting attributes of path '%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
        return sb_fmt("file '%s' has an unsupported type", path);
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0755);
        char **names = store_read_dir(path);
        if (!names)
            return sb_fmt("opening directory '%s': %s", path, strerror(errno));
        for (size_t i = 0; names[i]; i++) {
            const char *e = canonicalise(sb_fmt("%s/%s", path, names[i]));
            if (e)
                return e;
        }
    }
    if (st.st_uid != geteuid())
        if (lchown(path, geteuid(), getegid()) < 0 && errno != EPERM)
            return sb_fmt("changing owner of '%s': %s", path, strerror(errno));
    if (!S_ISLNK(st.st_mode) && chmod(path, (st.st_mode & S_IXUSR) || S_ISDIR(st.st_mode) ? 0555 : 0444) < 0)
        return sb_fmt("changing mode of '%s': %s", path, strerror(errno));
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
    return NULL;
}

static void sync_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
        return;
    if (S_ISDIR(st.st_mode)) {
        char **names = store_read_dir(path);
        for (size_t i = 0; names && names[i]; i++)
            sync_tree(sb_fmt("%s/%s", path, names[i]));
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        fdatasync(fd);
        close(fd);
    }
}


/* ---- loading the closure ---- */

static bool outputs_valid(Builder *b, const Derivation *d)
{
    for (uint32_t i = 0; i < d->noutputs; i++)
        if (!*d->outputs[i].path || !store_is_valid(b->s, d->outputs[i].path))
            return false;
    return true;
}

/* Loads drv_path and, unless its outputs are valid already, its inputs. */
static Node *load(Builder *b, const char *drv_path, const char **err)
{
    Node *known = strmap_get(&b->nodes, drv_path);
    if (known)
        return known;
    /* Temporary roots before the paths are read or built on (see store/roots.c). Best
     * effort: without a writable state directory nothing can be built anyway (registering
     * fails with a clearer message), but valid outputs can still be used. */
    store_add_temp_root(b->s, drv_path);
    const Derivation *d = store_load_drv(b->s, drv_path, err);
    if (!d)
        return NULL;
    Node *n = GC_MALLOC(sizeof *n);
    n->drv_path = drv_path;
    n->d = d;
    for (uint32_t i = 0; i < d->noutputs; i++)
        if (*d->outputs[i].path)
            store_add_temp_root(b->s, d->outputs[i].path);
    for (uint32_t i = 0; i < d->nsrcs; i++)
        store_add_temp_root(b->s, d->srcs[i]);
    n->out_fd = n->log_fd = n->dir_lock = -1;
    strmap_put(&b->nodes, drv_path, n);
    for (uint32_t i = 0; i < d->noutputs; i++)
        if (!*d->outputs[i].path) {
            *err = sb_fmt("derivation '%s' has a floating output path; content-addressed derivations are not "
                       "supported",
                       drv_path);
            return NULL;
        }
    /* Substitutable outputs need neither a build nor the inputs' builds. */
    if (!outputs_valid(b, d) && b->cfg->substituters.n && !b->cfg->dry_run)
        for (uint32_t i = 0; i < d->noutputs; i++)
            if (!store_is_valid(b->s, d->outputs[i].path) &&
                store_substitute(b->s, b->cfg, d->outputs[i].path))
                b->nsubst++;
    if (outputs_valid(b, d)) {
        n->state = NS_DONE;
        return n;
    }
    if (b->cfg->dry_run && b->cfg->substituters.n) {
        bool all = true;
        for (uint32_t i = 0; i < d->noutputs && all; i++)
            all = store_is_valid(b->s, d->outputs[i].path) || store_substitutable(b->s, b->cfg, d->outputs[i].path);
        if (all) {
            n->state = NS_FETCH;
            return n;
        }
    }
    b->ntotal++;
    for (uint32_t i = 0; i < d->ninputs; i++) {
        Node *dep = load(b, d->inputs[i].drv_path, err);
        if (!dep)
            return NULL;
        if (dep->state != NS_DONE && dep->state != NS_FETCH) {
            push_ptr(&dep->rdeps, &dep->nrdeps, &dep->caprdeps, n);
            n->pending++;
        }
    }
    for (uint32_t i = 0; i < d->nsrcs; i++)
        if (!store_is_valid(b->s, d->srcs[i])) {
            *err = sb_fmt("path '%s' is required by '%s', but it is not valid and there is no substituter "
                       "that can build it",
                       d->srcs[i], drv_path);
            return NULL;
        }
    if (!n->pending)
        enqueue(b, n);
    return n;
}

/* ---- locks ---- */

static void unlock_outputs(Builder *b, Node *n)
{
    if (!n->locks)
        return;
    for (uint32_t i = 0; i < n->d->noutputs; i++)
        if (n->locks[i] >= 0) {
            store_unlock_path(sb_fmt("%s.lock", store_real_path(b->s, n->d->outputs[i].path)), n->locks[i]);
            n->locks[i] = -1;
        }
    n->locks = NULL;
}

/* 1 locked, 0 someone else holds a lock, -1 error. */
static int lock_outputs(Builder *b, Node *n, const char **err)
{
    n->locks = GC_MALLOC_ATOMIC(n->d->noutputs * sizeof(int));
    for (uint32_t i = 0; i < n->d->noutputs; i++)
        n->locks[i] = -1;
    for (uint32_t i = 0; i < n->d->noutputs; i++) {
        const char *lf = sb_fmt("%s.lock", store_real_path(b->s, n->d->outputs[i].path));
        /* flock dies with its process, so a killed builder leaves no stale lock */
        int fd = store_try_lock_path(lf);
        if (fd < 0) {
            bool busy = errno == EWOULDBLOCK;
            if (!busy)
                *err = sb_fmt("locking '%s': %s", lf, strerror(errno));
            unlock_outputs(b, n);
            return busy ? 0 : -1;
        }
        n->locks[i] = fd;
    }
    return 1;
}

/* ---- failure propagation ---- */

static void fail_dependents(Builder *b, Node *n)
{
    for (size_t i = 0; i < n->nrdeps; i++) {
        Node *r = n->rdeps[i];
        if (r->state == NS_FAILED)
            continue;
        r->state = NS_FAILED;
        b->nfailed++;
        fprintf(stderr, "error: 1 dependencies of derivation '%s' failed to build\n", r->drv_path);
        fail_dependents(b, r);
    }
}

static void node_failed(Builder *b, Node *n, int status)
{
    n->state = NS_FAILED;
    b->nfailed++;
    if (status > b->status || b->status == 1)
        b->status = (b->status == BUILD_STATUS_HASH_MISMATCH || status == BUILD_STATUS_HASH_MISMATCH)
                        ? BUILD_STATUS_HASH_MISMATCH
                        : status;
    fail_dependents(b, n);
    if (!b->cfg->keep_going)
        b->stop = true;
}

static void node_done(Builder *b, Node *n)
{
    n->state = NS_DONE;
    for (size_t i = 0; i < n->nrdeps; i++) {
        Node *r = n->rdeps[i];
        if (r->state == NS_WAITING && --r->pending == 0)
            enqueue(b, r);
    }
}

/* ---- the builder's environment ---- */

typedef struct EnvBuf {
    const char **v;
    size_t n, cap;
} EnvBuf;

static void env_set(EnvBuf *e, const char *k, const char *v)
{
    size_t kl = strlen(k);
    const char *kv = sb_fmt("%s=%s", k, v);
    for (size_t i = 0; i < e->n; i++)
        if (!strncmp(e->v[i], k, kl) && e->v[i][kl] == '=') {
            e->v[i] = kv;
            return;
        }
    if (e->n + 1 >= e->cap) {
        size_t c = e->cap ? 2 * e->cap : 64;
        const char **nv = GC_MALLOC(c * sizeof *nv);
        if (e->n)
            memcpy(nv, e->v, e->n * sizeof *nv);
        e->v = nv;
        e->cap = c;
    }
    e->v[e->n++] = kv;
    e->v[e->n] = NULL;
}

static const char *write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return sb_fmt("creating '%s': %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            return sb_fmt("writing '%s': %s", path, strerror(e));
        }
        done += (size_t)w;
    }
    close(fd);
    return NULL;
}

/* Is name listed in the space-separated list? */
static bool in_list(const char *list, const char *name)
{
    if (!list)
        return false;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        if ((size_t)(p - s) == n && !strncmp(s, name, n))
            return true;
    }
    return false;
}

/* The environment CppNix gives a builder (initEnv): the derivation's env (passAsFile
 * attributes as files), then the fixed variables. build_top is the directory as the
 * builder sees it; real_top where it is on this machine. */
static const char *make_env(Builder *b, Node *n, const char *build_top, const char *real_top, EnvBuf *e)
{
    const Derivation *d = n->d;
    e->n = 0;
    env_set(e, "PATH", "/path-not-set");
    env_set(e, "HOME", "/homeless-shelter");
    env_set(e, "NIX_STORE", b->store_dir);
    env_set(e, "NIX_BUILD_CORES", sb_fmt("%d", b->cfg->cores ? b->cfg->cores : (int)sysconf(_SC_NPROCESSORS_ONLN)));
    const char *json = drv_env_get(d, "__json");
    const char *pass_as_file = json ? NULL : drv_env_get(d, "passAsFile");
    for (uint32_t i = 0; i < d->nenv; i++) {
        const DrvEnvVar *v = &d->env[i];
        if (json) /* structured attributes reach the builder only through the files */
            continue;
        if (in_list(pass_as_file, v->key)) {
            Hash h;
            hash_buf(HASH_SHA256, v->key, strlen(v->key), &h);
            const char *fn = sb_fmt(".attr-%s", hash_to_string(&h, HASH_FMT_NIX32, false));
            const char *err = write_file(sb_fmt("%s/%s", real_top, fn), v->value, strlen(v->value));
            if (err)
                return err;
            env_set(e, sb_fmt("%sPath", v->key), sb_fmt("%s/%s", build_top, fn));
        } else
            env_set(e, v->key, v->value);
    }
    if (json) {
        const char *full;
        const char *err = store_attrs_json(json, d, &full);
        if (!err)
            err = write_file(sb_fmt("%s/.attrs.json", real_top), full, strlen(full));
        if (!err)
            err = store_write_attrs_sh(sb_fmt("%s/.attrs.sh", real_top), full, d);
        if (err)
            return err;
        env_set(e, "NIX_ATTRS_JSON_FILE", sb_fmt("%s/.attrs.json", build_top));
        env_set(e, "NIX_ATTRS_SH_FILE", sb_fmt("%s/.attrs.sh", build_top));
    }
    env_set(e, "NIX_BUILD_TOP", build_top);
    env_set(e, "TMPDIR", build_top);
    env_set(e, "TEMPDIR", build_top);
    env_set(e, "TMP", build_top);
    env_set(e, "TEMP", build_top);
    env_set(e, "PWD", build_top);
    if (drv_is_fixed_output(d))
        env_set(e, "NIX_OUTPUT_CHECKED", "1");
    /* impureEnvVars of fixed-output derivations come from the caller's environment. */
    if (drv_is_fixed_output(d)) {
        const char *imp = drv_env_get(d, "impureEnvVars");
        for (const char *p = imp ? imp : ""; *p;) {
            while (*p == ' ')
                p++;
            const char *s = p;
            while (*p && *p != ' ')
                p++;
            if (p > s) {
                const char *k = sb_fmt("%.*s", (int)(p - s), s);
                const char *val = getenv(k);
                if (val)
                    env_set(e, k, val);
            }
        }
    }
    env_set(e, "NIX_LOG_FD", "2");
    env_set(e, "TERM", "xterm-256color");
    return NULL;
}

/* ---- starting a build ---- */

static const char *input_closure(Builder *b, Node *n, const char ***out, size_t *nout)
{
    const Derivation *d = n->d;
    size_t cap = d->nsrcs + 8, cnt = 0;
    const char **roots = GC_MALLOC(cap * sizeof *roots);
    for (uint32_t i = 0; i < d->nsrcs; i++)
        roots[cnt++] = d->srcs[i];
    for (uint32_t i = 0; i < d->ninputs; i++) {
        const char *err;
        const Derivation *in = store_load_drv(b->s, d->inputs[i].drv_path, &err);
        if (!in)
            return err;
        for (uint32_t k = 0; k < d->inputs[i].noutputs; k++) {
            const char *want = d->inputs[i].outputs[k];
            const char *path = NULL;
            for (uint32_t j = 0; j < in->noutputs; j++)
                if (!strcmp(in->outputs[j].name, want))
                    path = in->outputs[j].path;
            if (!path)
                return sb_fmt("derivation '%s' has no output '%s'", d->inputs[i].drv_path, want);
            if (cnt == cap) {
                const char **nr = GC_MALLOC(2 * cap * sizeof *nr);
                memcpy(nr, roots, cap * sizeof *nr);
                roots = nr;
                cap *= 2;
            }
            roots[cnt++] = path;
        }
    }
    *out = store_closure(b->s, roots, cnt, nout);
    return NULL;
}

/* In the forked child: copies a file:// download into place. Does not allocate. */
static void builtin_fetchurl(const char *src, const char *dst, bool executable)
{
    dprintf(2, "copying '%s'...\n", src);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        dprintf(2, "error: unable to download 'file://%s': %s\n", src, strerror(errno));
        _exit(1);
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, executable ? 0755 : 0644);
    if (out < 0) {
        dprintf(2, "error: creating '%s': %s\n", dst, strerror(errno));
        _exit(1);
    }
    char buf[65536];
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r) {
            dprintf(2, "error: writing '%s': %s\n", dst, strerror(errno));
            _exit(1);
        }
    _exit(r < 0 || close(out) < 0 ? 1 : 0);
}

/* CppNix refuses derivations for another platform (no remote builders here). */
static const char *check_system(Node *n)
{
    const char *p = n->d->platform;
    if (!strcmp(p, "builtin") || !strcmp(p, host_system()) ||
        (!strcmp(host_system(), "x86_64-linux") && !strcmp(p, "i686-linux")))
        return NULL;
    const char *feat = drv_env_get(n->d, "requiredSystemFeatures");
    StrBuf sb;
    sb_init(&sb);
    for (const char *q = feat ? feat : ""; *q;) {
        while (*q == ' ')
            q++;
        size_t l = strcspn(q, " ");
        if (l)
            sb_printf(&sb, "%s%.*s", sb.len ? ", " : "", (int)l, q);
        q += l;
    }
    return sb_fmt("a '%s' with features {%s} is required to build '%s', but I am a '%s' with features "
               "{benchmark, big-parallel, nixos-test, uid-range}",
               p, sb.len ? sb_finish(&sb) : "", n->drv_path, host_system());
}

/* What the builder process runs (in the supervisor's child; see store/supervise.h). */
typedef struct RunBuilder {
    const char *builder;
    char *const *argv, *const *envp;
    const char *dir; /* the build directory (unsandboxed) */
    SandboxSpec *sb;
    bool fetch, fetch_exec; /* builtin:fetchurl */
    const char *fetch_src, *fetch_dst;
} RunBuilder;

static void run_builder(void *arg)
{
    const RunBuilder *r = arg;
    if (r->fetch)
        builtin_fetchurl(r->fetch_src, r->fetch_dst, r->fetch_exec);
    if (r->sb)
        sandbox_exec(r->sb, r->builder, r->argv, r->envp);
    if (chdir(r->dir) < 0) {
        dprintf(2, "error: changing to '%s': %s\n", r->dir, strerror(errno));
        _exit(1);
    }
    execve(r->builder, r->argv, r->envp);
    dprintf(2, "error: executing '%s': %s\n", r->builder, strerror(errno));
    _exit(1);
}

/* Removes the build directory, or keeps it (no longer locked, so never swept). */
static void release_build_dir(Node *n, bool keep)
{
    if (!n->tmpdir)
        return;
    sandbox_cleanup(n->sb);
    if (keep)
        store_unlock_build_dir(n->tmpdir, n->dir_lock);
    else {
        store_delete_tree(n->tmpdir);
        if (n->dir_lock >= 0)
            close(n->dir_lock);
    }
    n->dir_lock = -1;
    n->tmpdir = NULL;
}

/* Where build directories are made. */
static const char *build_tmp_root(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* 1 started (or already valid: state DONE), 0 busy (locked elsewhere), -1 failed. */
static int start(Builder *b, Node *n)
{
    progress_clear(b);
    const char *err = NULL;
    const Derivation *d = n->d;
    /* Substitution first (before our locks: store_add_nar takes them itself). */
    if (b->cfg->substituters.n) {
        bool all = true;
        for (uint32_t i = 0; i < d->noutputs; i++)
            if (!store_is_valid(b->s, d->outputs[i].path)) {
                if (store_substitute(b->s, b->cfg, d->outputs[i].path))
                    b->nsubst++;
                else
                    all = false;
            }
        if (all) {
            b->ntotal--;
            node_done(b, n);
            return 1;
        }
    }
    int lk = lock_outputs(b, n, &err);
    if (lk <= 0) {
        if (lk < 0)
            goto fail;
        return 0;
    }
    if (outputs_valid(b, d)) { /* another process built it while we waited */
        unlock_outputs(b, n);
        b->ntotal--;
        node_done(b, n);
        return 1;
    }
    for (uint32_t i = 0; i < d->noutputs; i++)
        if (!store_is_valid(b->s, d->outputs[i].path))
            store_delete_tree(store_real_path(b->s, d->outputs[i].path)); /* leftovers of a killed build */
    if (!fs_mkdir_p(store_real_path(b->s, b->store_dir), 0775)) {
        err = sb_fmt("creating the store directory: %s", strerror(errno));
        goto fail;
    }

    const char *tmproot = build_tmp_root();
    char *tmpl = sb_fmt("%s/nix-build-%s-XXXXXX", tmproot, d->name);
    if (!mkdtemp(tmpl)) {
        err = sb_fmt("creating a build directory in '%s': %s", tmproot, strerror(errno));
        goto fail;
    }
    n->tmpdir = tmpl;
    chmod(tmpl, 0700);
    if ((n->dir_lock = store_lock_build_dir(tmpl)) < 0) {
        err = sb_fmt("locking the build directory '%s': %s", tmpl, strerror(errno));
        goto fail;
    }

    /* builtin:fetchurl runs in the forked child without a chroot: it is fixed-output, so
     * its result is checked against the hash anyway. */
    bool builtin_fetch = !strcmp(d->builder, "builtin:fetchurl");
    if (!builtin_fetch && !strncmp(d->builder, "builtin:", 8)) {
        err = sb_fmt("unsupported builtin builder '%s'", d->builder);
        goto fail;
    }
    if ((err = check_system(n)))
        goto fail;
    const char *fetch_src = NULL, *fetch_dst = store_real_path(b->s, d->outputs[0].path);
    bool fetch_exec = false;
    if (builtin_fetch) {
        const char *url = drv_env_get(d, "url");
        const char *unpack = drv_env_get(d, "unpack");
        const char *ex = drv_env_get(d, "executable");
        fetch_exec = ex && !strcmp(ex, "1");
        if (!url || strncmp(url, "file://", 7)) {
            err = sb_fmt("builtin:fetchurl of '%s': only file:// URLs are supported", url ? url : "");
            goto fail;
        }
        if (unpack && !strcmp(unpack, "1")) {
            err = sb_fmt("builtin:fetchurl of '%s': 'unpack' is not supported", url);
            goto fail;
        }
        fetch_src = url + 7;
    }
    const char *no_chroot = drv_env_get(d, "__noChroot");
    bool wants_host = no_chroot && !strcmp(no_chroot, "1");
    if (wants_host && b->cfg->sandbox == SANDBOX_ON) {
        err = sb_fmt("derivation '%s' has '__noChroot' set, but that's not allowed when 'sandbox' is 'true'",
                  n->drv_path);
        goto fail;
    }
    bool sandboxed = !builtin_fetch && b->cfg->sandbox != SANDBOX_OFF && !wants_host;
    const char *root = local_root(b->s);
    if (sandboxed && !sandbox_available(&err)) {
        /* CppNix's rule with one difference: the fallback is silent there, a warning here,
         * and a sandbox asked for by name is not dropped unless sandbox-fallback is too. */
        if (root && *root) {
            err = sb_fmt("cannot build '%s': the store lives under '%s', whose programs only run in the "
                      "sandbox, and %s",
                      n->drv_path, root, err);
            goto fail;
        }
        if (!b->cfg->sandbox_fallback || (b->cfg->sandbox_set && !b->cfg->sandbox_fallback_set)) {
            err = sb_fmt("this system does not support the kernel namespaces that are required for sandboxing (%s); "
                      "use '--no-sandbox' to disable sandboxing",
                      err);
            goto fail;
        }
        if (!b->warned_fallback)
            fprintf(stderr, "warning: sandboxing is not available (%s); building without isolation\n", err);
        b->warned_fallback = true;
        err = NULL;
        sandboxed = false;
    } else if (!sandboxed && !builtin_fetch && root && *root) {
        err = sb_fmt("cannot build '%s' without the sandbox: the store lives under '%s'", n->drv_path, root);
        goto fail;
    }
    const char *real_top = sandbox_build_dir_real(tmpl);
    const char *build_top = sandboxed ? SANDBOX_BUILD_DIR : real_top;
    EnvBuf env = {0};
    if ((err = make_env(b, n, build_top, real_top, &env)))
        goto fail;
    if (sandboxed) {
        const char **closure;
        size_t nclosure;
        if ((err = input_closure(b, n, &closure, &nclosure)))
            goto fail;
        n->sb = sandbox_prepare(b->s, b->cfg, d, tmpl, closure, nclosure, &err);
        if (!n->sb)
            goto fail;
    }

    const char *logpath = store_log_path(b->s, n->drv_path);
    char *logdir = sb_fmt("%s", logpath);
    *strrchr(logdir, '/') = 0;
    if (access(logdir, F_OK) != 0)
        fs_mkdir_p(logdir, 0755);
    n->log_fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (n->log_fd < 0) {
        err = sb_fmt("creating log file '%s': %s", logpath, strerror(errno));
        goto fail;
    }

    const char **argv = GC_MALLOC((d->nargs + 2) * sizeof *argv);
    argv[0] = d->builder;
    for (uint32_t i = 0; i < d->nargs; i++)
        argv[i + 1] = d->args[i];
    argv[d->nargs + 1] = NULL;
    if (!env.v)
        env_set(&env, "NIX_STORE", b->store_dir);

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        err = sb_fmt("creating a pipe: %s", strerror(errno));
        goto fail;
    }
    fprintf(stderr, "building '%s'...\n", n->drv_path);
    fflush(stderr);
    RunBuilder *rb = GC_MALLOC(sizeof *rb);
    *rb = (RunBuilder){.builder = d->builder, .argv = (char *const *)argv, .envp = (char *const *)env.v,
                       .dir = real_top, .sb = n->sb, .fetch = builtin_fetch, .fetch_exec = fetch_exec,
                       .fetch_src = fetch_src, .fetch_dst = fetch_dst};
    int *keep = GC_MALLOC_ATOMIC((d->noutputs + 1) * sizeof *keep);
    size_t nkeep = 0;
    for (uint32_t i = 0; i < d->noutputs; i++)
        keep[nkeep++] = n->locks[i];
    keep[nkeep++] = n->dir_lock;
    BuildChild bc = {getpid(), keep, nkeep, tmpl, n->sb, run_builder, rb};
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        err = sb_fmt("forking: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        /* The child: no allocation from here on (bdwgc is not fork-safe). */
        setpgid(0, 0);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        signal(SIGPIPE, SIG_DFL);
        store_supervise(&bc);
    }
    setpgid(pid, pid);
    close(pfd[1]);
    n->pid = pid;
    n->out_fd = pfd[0];
    n->state = NS_RUNNING;
    clock_gettime(CLOCK_MONOTONIC, &n->started);
    push_ptr(&b->running, &b->nrunning, &b->caprunning, n);
    return 1;

fail:
    fprintf(stderr, "error: %s\n", err);
    release_build_dir(n, b->cfg->keep_failed);
    if (n->log_fd >= 0)
        close(n->log_fd);
    n->log_fd = -1;
    unlock_outputs(b, n);
    node_failed(b, n, 1);
    return -1;
}

/* ---- finishing a build ---- */

/* The last lines of the log, formatted as CppNix prints them. */
static const char *log_tail(Builder *b, Node *n, int lines)
{
    size_t len;
    const char *err;
    const char *path = store_log_path(b->s, n->drv_path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return "";
    close(fd);
    /* store_read_file maps logical store paths only; the log is outside the store. */
    char *text = store_read_file(b->s, path, &len, &err);
    if (!text || !len)
        return "";
    size_t end = len;
    if (text[end - 1] == '\n')
        end--;
    size_t start = end;
    int count = 0;
    while (start > 0 && count < lines) {
        start--;
        if (text[start] == '\n') {
            count++;
            if (count == lines) {
                start++;
                break;
            }
        }
    }
    if (count < lines)
        count++;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, ";\n       last %d log lines:", count);
    for (size_t i = start; i <= end;) {
        size_t j = i;
        while (j < end && text[j] != '\n')
            j++;
        sb_printf(&sb, "\n       > %.*s", (int)(j - i), text + i);
        i = j + 1;
    }
    sb_printf(&sb, "\n       For full logs, run 'cnix log %s'.", n->drv_path);
    return sb_finish(&sb);
}

typedef struct HashSet {
    const char **v; /* hash parts (32 chars) */
    const char **paths;
    size_t n;
} HashSet;

/* Scans data for the hash parts of candidate paths; sets found[i]. */
static void scan_refs(const uint8_t *data, size_t len, const HashSet *hs, bool *found)
{
    static const char nix32[] = "0123456789abcdfghijklmnpqrsvwxyz";
    bool is32[256] = {0};
    for (const char *c = nix32; *c; c++)
        is32[(unsigned char)*c] = true;
    size_t i = 0;
    while (i + STORE_HASH_LEN <= len) {
        /* Find a window of STORE_HASH_LEN nix32 characters, checking from its end. */
        size_t j = STORE_HASH_LEN;
        while (j > 0 && is32[data[i + j - 1]])
            j--;
        if (j) {
            i += j;
            continue;
        }
        for (size_t k = 0; k < hs->n; k++)
            if (!found[k] && !memcmp(data + i, hs->v[k], STORE_HASH_LEN))
                found[k] = true;
        i++;
    }
}

/* All outputs of a build become valid in one transaction (store/valid.c). */
static const char *register_outputs(Builder *b, Node *n, const Hash *hashes, const uint64_t *sizes,
                                    const char **cas, const char ***refs, const size_t *nrefs)
{
    const Derivation *d = n->d;
    PathInfo *infos = GC_MALLOC((d->noutputs + 1) * sizeof *infos);
    const char **names = GC_MALLOC((d->noutputs + 1) * sizeof *names);
    for (uint32_t i = 0; i < d->noutputs; i++) {
        infos[i] = (PathInfo){.path = d->outputs[i].path, .nar_hash = hashes[i], .nar_size = sizes[i],
                              .deriver = n->drv_path, .ca = cas[i], .refs = refs[i], .nrefs = nrefs[i]};
        names[i] = d->outputs[i].name;
    }
    return local_register(b->s, infos, d->noutputs, true, names);
}

/* After the builder exited 0: check, canonicalise, scan, hash, verify, register. */
static const char *finish_outputs(Builder *b, Node *n, int *status)
{
    const Derivation *d = n->d;
    const char *err;
    uint32_t no = d->noutputs;
    Hash *hashes = GC_MALLOC_ATOMIC((no ? no : 1) * sizeof *hashes);
    uint64_t *sizes = GC_MALLOC_ATOMIC((no ? no : 1) * sizeof *sizes);
    const char **cas = GC_MALLOC((no ? no : 1) * sizeof *cas);
    const char ***refs = GC_MALLOC((no ? no : 1) * sizeof *refs);
    size_t *nrefs = GC_MALLOC_ATOMIC((no ? no : 1) * sizeof *nrefs);
    const char **closure;
    size_t nclosure;
    if ((err = input_closure(b, n, &closure, &nclosure)))
        return err;
    HashSet hs;
    hs.n = nclosure + no;
    hs.v = GC_MALLOC(hs.n * sizeof *hs.v);
    hs.paths = GC_MALLOC(hs.n * sizeof *hs.paths);
    size_t sdl = strlen(b->store_dir) + 1;
    for (size_t i = 0; i < nclosure; i++) {
        hs.paths[i] = closure[i];
        hs.v[i] = closure[i] + sdl;
    }
    for (uint32_t i = 0; i < no; i++) {
        hs.paths[nclosure + i] = d->outputs[i].path;
        hs.v[nclosure + i] = d->outputs[i].path + sdl;
    }
    for (uint32_t i = 0; i < no; i++) {
        const char *real = sandbox_output_real(n->sb, b->s, d->outputs[i].path);
        struct stat st;
        if (lstat(real, &st) < 0)
            return sb_fmt("builder for '%s' failed to produce output path for output '%s' at '%s'", n->drv_path,
                       d->outputs[i].name, d->outputs[i].path);
        if ((err = canonicalise(real)))
            return err;
        StrBuf nar;
        sb_init(&nar);
        if ((err = nar_dump_to_buf(real, NULL, NULL, &nar)))
            return err;
        hash_buf(HASH_SHA256, nar.data, nar.len, &hashes[i]);
        sizes[i] = nar.len;
        cas[i] = NULL;
        if (*d->outputs[i].hash_algo) {
            const char *algo = d->outputs[i].hash_algo;
            bool rec = !strncmp(algo, "r:", 2);
            if (!strncmp(algo, "text:", 5))
                return sb_fmt("derivation '%s': text-hashed outputs are not supported", n->drv_path);
            HashAlgo ha = hash_algo_parse(algo + (rec ? 2 : 0), strlen(algo + (rec ? 2 : 0)));
            Hash want, got;
            if ((err = hash_parse_any(d->outputs[i].hash, ha, &want, NULL)))
                return err;
            if (rec)
                hash_buf(ha, nar.data, nar.len, &got);
            else if (!S_ISREG(st.st_mode))
                return sb_fmt("output path '%s' should be a non-executable regular file since recursive hashing "
                           "is not enabled (outputHashMode=flat)",
                           d->outputs[i].path);
            else if (!hash_file(ha, real, &got))
                return sb_fmt("reading '%s': %s", real, strerror(errno));
            if (want.len != got.len || memcmp(want.bytes, got.bytes, want.len)) {
                *status = BUILD_STATUS_HASH_MISMATCH;
                return sb_fmt("hash mismatch in fixed-output derivation '%s':\n         specified: %s\n            got:    %s",
                           n->drv_path, hash_to_string(&want, HASH_FMT_SRI, true),
                           hash_to_string(&got, HASH_FMT_SRI, true));
            }
            cas[i] = store_fixed_ca(rec ? FIM_RECURSIVE : FIM_FLAT, &got);
        }
        bool *found = GC_MALLOC_ATOMIC(hs.n);
        memset(found, 0, hs.n);
        scan_refs((const uint8_t *)nar.data, nar.len, &hs, found);
        size_t cnt = 0;
        for (size_t k = 0; k < hs.n; k++)
            cnt += found[k];
        refs[i] = GC_MALLOC((cnt ? cnt : 1) * sizeof *refs[i]);
        nrefs[i] = 0;
        for (size_t k = 0; k < hs.n; k++)
            if (found[k])
                refs[i][nrefs[i]++] = hs.paths[k];
        if (cas[i] && nrefs[i] && !(nrefs[i] == 1 && !strcmp(refs[i][0], d->outputs[i].path)))
            return sb_fmt("fixed-output derivation '%s' produced output '%s' with references to other store paths",
                       n->drv_path, d->outputs[i].path);
    }
    /* Sandboxed outputs are built in the sandbox's own store directory: move them in. */
    for (uint32_t i = 0; i < no; i++) {
        if ((err = sandbox_move_output(n->sb, b->s, d->outputs[i].path)))
            return err;
        if (n->sb && (err = canonicalise(store_real_path(b->s, d->outputs[i].path))))
            return err;
    }
    /* With fsync-store-paths (off by default, as in CppNix) the contents reach the disk
     * before they are registered; a killed build is safe either way, a power loss only
     * with it. */
    if (b->cfg->fsync_store_paths)
        for (uint32_t i = 0; i < no; i++)
            sync_tree(store_real_path(b->s, d->outputs[i].path));
    return register_outputs(b, n, hashes, sizes, cas, refs, nrefs);
}

static void finish(Builder *b, Node *n, int wstatus)
{
    progress_clear(b);
    close(n->out_fd);
    n->out_fd = -1;
    if (n->log_fd >= 0)
        close(n->log_fd);
    n->log_fd = -1;
    const char *err = NULL;
    int status = BUILD_STATUS_FAILED;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        err = finish_outputs(b, n, &status);
    else if (WIFEXITED(wstatus))
        err = sb_fmt("builder for '%s' failed with exit code %d%s", n->drv_path, WEXITSTATUS(wstatus),
                  log_tail(b, n, 10));
    else
        err = sb_fmt("builder for '%s' failed due to signal %d (%s)%s", n->drv_path, WTERMSIG(wstatus),
                  strsignal(WTERMSIG(wstatus)), log_tail(b, n, 10));
    if (err) {
        fprintf(stderr, "error: %s\n", err);
        for (uint32_t i = 0; i < n->d->noutputs; i++)
            if (!store_is_valid(b->s, n->d->outputs[i].path)) {
                store_delete_tree(store_real_path(b->s, n->d->outputs[i].path));
                if (n->sb)
                    store_delete_tree(sandbox_output_real(n->sb, b->s, n->d->outputs[i].path));
            }
        if (b->cfg->keep_failed)
            fprintf(stderr, "note: keeping build directory '%s'\n", sandbox_build_dir_real(n->tmpdir));
        release_build_dir(n, b->cfg->keep_failed);
        unlock_outputs(b, n);
        node_failed(b, n, status);
        return;
    }
    release_build_dir(n, false);
    unlock_outputs(b, n);
    b->nbuilt++;
    node_done(b, n);
}

/* ---- the loop ---- */

static void remove_running(Builder *b, size_t i)
{
    b->running[i] = b->running[--b->nrunning];
}

static void kill_all(Builder *b)
{
    for (size_t i = 0; i < b->nrunning; i++) {
        Node *n = b->running[i];
        /* The supervisor kills the build's whole tree, then exits. */
        kill(n->pid, SIGTERM);
        int ws;
        while (waitpid(n->pid, &ws, 0) < 0 && errno == EINTR)
            ;
        kill(-n->pid, SIGKILL);
        close(n->out_fd);
        if (n->log_fd >= 0)
            close(n->log_fd);
        for (uint32_t k = 0; k < n->d->noutputs; k++)
            if (!store_is_valid(b->s, n->d->outputs[k].path))
                store_delete_tree(store_real_path(b->s, n->d->outputs[k].path));
        release_build_dir(n, false);
        unlock_outputs(b, n);
        n->state = NS_FAILED;
    }
    b->nrunning = 0;
}

/* The supervisor of n exited with status ws. */
static void reaped(Builder *b, Node *n, int ws)
{
    kill(-n->pid, SIGKILL);
    for (size_t k = 0; k < b->nrunning; k++)
        if (b->running[k] == n) {
            remove_running(b, k);
            break;
        }
    finish(b, n, ws);
}

static void drain(Builder *b, Node *n, const char *buf, size_t len)
{
    if (!b->cfg->quiet)
        progress_clear(b);
    if (n->log_fd >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(n->log_fd, buf + done, len - done);
            if (w <= 0)
                break;
            done += (size_t)w;
        }
    }
    if (!b->cfg->quiet)
        fwrite(buf, 1, len, stderr);
}

/* SIGINT, SIGTERM and SIGHUP are taken through a signalfd while builds run, so that the
 * builds are stopped (their supervisors told, build directories removed) before the signal
 * takes its old course: a caller's handler (the REPL's Ctrl-C) or the default death. A
 * signal ignored on entry stays ignored. */
typedef struct StopSignals {
    sigset_t set, old;
    int fd;
} StopSignals;

static void stop_signals_begin(StopSignals *ss)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    sigemptyset(&ss->set);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
            sigaddset(&ss->set, sigs[i]);
    }
    pthread_sigmask(SIG_BLOCK, &ss->set, &ss->old);
    ss->fd = signalfd(-1, &ss->set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The signal that arrived (0: none). */
static int stop_signals_check(StopSignals *ss)
{
    struct signalfd_siginfo si;
    if (ss->fd >= 0 && read(ss->fd, &si, sizeof si) == (ssize_t)sizeof si)
        return (int)si.ssi_signo;
    return 0;
}

static void stop_signals_end(StopSignals *ss, int sig)
{
    if (ss->fd >= 0)
        close(ss->fd);
    pthread_sigmask(SIG_SETMASK, &ss->old, NULL);
    if (sig)
        raise(sig);
}

static int realise(Store *s, const StoreConfig *cfg, const char *const *drvs, size_t ndrvs)
{
    Builder B, *b = &B;
    memset(b, 0, sizeof B);
    b->s = s;
    b->cfg = cfg;
    b->store_dir = store_dir(s);
    b->status = 0;
    b->tty = isatty(2);
    Node **tops = GC_MALLOC((ndrvs ? ndrvs : 1) * sizeof *tops);
    for (size_t i = 0; i < ndrvs; i++) {
        const char *err = NULL;
        tops[i] = load(b, drvs[i], &err);
        if (!tops[i]) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
    }
    if (cfg->dry_run) {
        /* sorted like CppNix's lists */
        StrList build = {0}, fetch = {0};
        for (size_t i = 0; i < b->nodes.cap; i++) {
            Node *n = b->nodes.slots[i].val;
            if (n && n->state == NS_WAITING)
                strlist_add(&build, n->drv_path);
            else if (n && n->state == NS_FETCH)
                for (uint32_t k = 0; k < n->d->noutputs; k++)
                    if (!store_is_valid(s, n->d->outputs[k].path))
                        strlist_add(&fetch, n->d->outputs[k].path);
        }
        if (build.n) {
            qsort(build.v, build.n, sizeof *build.v, sort_cmp_str);
            fprintf(stderr, "these %zu derivations will be built:\n", build.n);
            for (size_t i = 0; i < build.n; i++)
                fprintf(stderr, "  %s\n", build.v[i]);
        }
        if (fetch.n) {
            qsort(fetch.v, fetch.n, sizeof *fetch.v, sort_cmp_str);
            fprintf(stderr, "these %zu paths will be fetched:\n", fetch.n);
            for (size_t i = 0; i < fetch.n; i++)
                fprintf(stderr, "  %s\n", fetch.v[i]);
        }
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    /* What builds killed after (or together with) their supervisors left behind: also when
     * nothing is to be built, as the killed build may have registered its outputs. */
    store_sweep_build_dirs(build_tmp_root());
    int max_jobs = cfg->max_jobs;
    StopSignals ss;
    stop_signals_begin(&ss);
    int stopped_by = 0;
    for (;;) {
        bool busy_wait = false;
        if ((stopped_by = stop_signals_check(&ss))) {
            progress_clear(b);
            fprintf(stderr, "error: interrupted by the user\n");
            kill_all(b);
            b->status = 1;
            break;
        }
        /* Start what is ready, up to max-jobs. max-jobs 0 means "no local builds". */
        size_t nq = b->qtail - b->qhead;
        for (size_t k = 0; k < nq && !b->stop && (int)b->nrunning < (max_jobs ? max_jobs : 1); k++) {
            Node *n = b->queue[b->qhead++];
            n->queued = false;
            if (n->state != NS_WAITING)
                continue;
            if (!max_jobs) {
                fprintf(stderr, "error: unable to start any build; either increase '--max-jobs' or enable "
                                "remote builds\n");
                node_failed(b, n, 1);
                continue;
            }
            int r = start(b, n);
            if (r == 0) {
                enqueue(b, n); /* locked by another process: retry shortly */
                busy_wait = true;
            }
        }
        if (b->stop && b->nrunning) {
            kill_all(b);
            break;
        }
        if (!b->nrunning) {
            if (b->qtail == b->qhead || b->stop)
                break;
            if (busy_wait) {
                struct timespec ts = {0, 50 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        progress_show(b);
        struct pollfd *pf = GC_MALLOC_ATOMIC((b->nrunning + 1) * sizeof *pf);
        for (size_t i = 0; i < b->nrunning; i++) {
            pf[i].fd = b->running[i]->out_fd;
            pf[i].events = POLLIN;
            pf[i].revents = 0;
        }
        pf[b->nrunning] = (struct pollfd){.fd = ss.fd, .events = POLLIN};
        int r = poll(pf, b->nrunning + 1, busy_wait ? 50 : 1000);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "error: poll: %s\n", strerror(errno));
            kill_all(b);
            stop_signals_end(&ss, 0);
            return 1;
        }
        size_t nr = b->nrunning;
        Node **snapshot = GC_MALLOC(nr * sizeof *snapshot);
        memcpy(snapshot, b->running, nr * sizeof *snapshot);
        for (size_t i = 0; i < nr; i++) {
            if (!pf[i].revents)
                continue;
            Node *n = snapshot[i];
            char buf[65536];
            ssize_t got = read(n->out_fd, buf, sizeof buf);
            if (got > 0) {
                drain(b, n, buf, (size_t)got);
                continue;
            }
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            /* EOF: every process holding the pipe is gone or closed it; reap the builder
             * and anything it left behind in its process group. */
            int ws = 0;
            while (waitpid(n->pid, &ws, 0) < 0 && errno == EINTR)
                ;
            reaped(b, n, ws);
        }
        /* Nothing to read, yet a supervisor may be gone: killed from outside, while an
         * escaped process of its build keeps the pipe open. */
        for (size_t i = 0; r == 0 && i < nr; i++) {
            int ws = 0;
            if (waitpid(snapshot[i]->pid, &ws, WNOHANG) == snapshot[i]->pid)
                reaped(b, snapshot[i], ws);
        }
    }
    progress_clear(b);
    fflush(stderr);
    stop_signals_end(&ss, stopped_by);
    for (size_t i = 0; i < ndrvs; i++)
        if (tops[i]->state != NS_DONE && !b->status)
            b->status = 1;
    if (b->status && (b->nfailed > 1 || cfg->keep_going)) {
        size_t nf = 0;
        for (size_t i = 0; i < ndrvs; i++)
            nf += tops[i]->state != NS_DONE;
        if (nf)
            fprintf(stderr, "error: build of %zu of %zu requested derivation%s failed\n", nf, ndrvs,
                    ndrvs == 1 ? "" : "s");
    }
    return b->status;
}

int local_build(Store *s, const StoreConfig *cfg, const char *const *drvs, size_t ndrvs)
{
    /* Temporary roots last until the process exits (store/roots.c): the caller still has
     * to make its result links. */
    return realise(s, cfg, drvs, ndrvs);
}
