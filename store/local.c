/* The local store: atomic additions under per-path locks, registered in SQLite. */
#include "store/local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/fs.h"

typedef struct LocalStore {
    Store base;
    const char *root;      /* physical root, "" for none */
    const char *real_dir;  /* physical */
    const char *state_dir;
    sqlite3 *db;           /* opened on first use */
    /* Statements prepared once per connection (store_stmt), keyed by their SQL literal:
     * preparing dominated adding a path (instantiating 1000 derivations: 60% of all
     * instructions in sqlite3_prepare_v2). */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } stmts[16];
    unsigned tmp_counter;
} LocalStore;

static const StoreOps local_ops;

static LocalStore *local_of(const Store *s) { return s->ops == &local_ops ? (LocalStore *)s : NULL; }

const char *local_require(const Store *s, const char *op)
{
    return local_of(s) ? NULL : store_unsupported(s, op);
}

static const char *param(const StoreParam *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].name, name))
            return p[i].value;
    return NULL;
}

/* CppNix's LocalStore parameters: root, state, log, store (the logical store dir). */
Store *local_store_open(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                        const StoreSettings *settings, const char **err)
{
    static const char *const known[] = {"root", "state", "log", "store", NULL};
    for (size_t i = 0; i < nparams; i++) {
        size_t k = 0;
        while (known[k] && strcmp(known[k], params[i].name))
            k++;
        if (!known[k]) {
            *err = sb_fmt("store '%s' has unknown parameter '%s'", uri, params[i].name);
            return NULL;
        }
    }
    const char *root = *rest ? rest : param(params, nparams, "root");
    if (!root)
        root = settings->root ? settings->root : "";
    const char *state = param(params, nparams, "state");
    const char *log = param(params, nparams, "log");
    const char *sd = param(params, nparams, "store");
    /* A root named in the URI puts state and logs below it, as in CppNix; the settings'
     * state and log dirs apply to the configured store only. */
    bool root_given = *rest || param(params, nparams, "root");
    if (!state && !root_given)
        state = settings->state_dir;
    if (!log && !root_given)
        log = settings->log_dir;
    if (!log && state && *state && !root_given)
        log = sb_fmt("%s/log", state);
    if (!sd)
        sd = settings->store_dir;
    const char *dirs[] = {root, state, log, sd};
    const char *what[] = {"root", "state", "log", "store"};
    for (int i = 0; i < 4; i++)
        if (dirs[i] && *dirs[i] && dirs[i][0] != '/') {
            *err = sb_fmt("store %s directory '%s' is not an absolute path", what[i], dirs[i]);
            return NULL;
        }
    LocalStore *s = GC_MALLOC_UNCOLLECTABLE(sizeof *s);
    s->base.ops = &local_ops;
    s->base.uri = uri;
    s->base.store_dir = sd && *sd ? sd : STORE_DEFAULT_DIR;
    s->root = root;
    s->real_dir = sb_fmt("%s%s", root, s->base.store_dir);
    s->state_dir = state && *state ? state : sb_fmt("%s/nix/var/nix", root);
    s->base.log_dir = log && *log ? log : sb_fmt("%s/nix/var/log/nix", root);
    return &s->base;
}

const char *local_root(const Store *s)
{
    LocalStore *l = local_of(s);
    return l ? l->root : "";
}

char *store_real_path(const Store *st, const char *path)
{
    LocalStore *s = local_of(st);
    if (!s)
        return NULL;
    size_t n = strlen(s->base.store_dir);
    if (strncmp(path, s->base.store_dir, n) == 0)
        return sb_fmt("%s%s", s->real_dir, path + n);
    return (char *)path;
}

/* ---- database ---- */

static const char schema[] =
    "create table if not exists ValidPaths ("
    "  id integer primary key autoincrement not null,"
    "  path text unique not null,"
    "  hash text not null,"
    "  registrationTime integer not null,"
    "  deriver text,"
    "  narSize integer,"
    "  ultimate integer,"
    "  sigs text,"
    "  ca text);"
    "create table if not exists Refs ("
    "  referrer integer not null,"
    "  reference integer not null,"
    "  primary key (referrer, reference),"
    "  foreign key (referrer) references ValidPaths(id) on delete cascade,"
    "  foreign key (reference) references ValidPaths(id) on delete restrict);"
    "create index if not exists IndexReferrer on Refs(referrer);"
    "create index if not exists IndexReference on Refs(reference);"
    "create table if not exists DerivationOutputs ("
    "  drv integer not null,"
    "  id text not null,"
    "  path text not null,"
    "  primary key (drv, id),"
    "  foreign key (drv) references ValidPaths(id) on delete cascade);";

/* create: make the directories and database if missing (only for writes). */
static sqlite3 *get_db(Store *st, bool create, const char **err)
{
    LocalStore *s = local_of(st);
    if (!s) {
        if (err)
            *err = store_unsupported(st, "database");
        return NULL;
    }
    if (s->db)
        return s->db;
    const char *dbdir = sb_fmt("%s/db", s->state_dir);
    const char *dbpath = sb_fmt("%s/cnix.sqlite", dbdir);
    if (!create && access(dbpath, F_OK) != 0) {
        if (err)
            *err = "no database";
        return NULL;
    }
    if (create && !fs_mkdir_p(dbdir, 0755)) {
        if (err)
            *err = sb_fmt("creating directory '%s': %s", dbdir, strerror(errno));
        return NULL;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        if (err)
            *err = sb_fmt("opening database '%s': %s", dbpath, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    /* Several processes may add paths at once: wait for each other's transactions. */
    sqlite3_busy_timeout(db, 60000);
    char *msg = NULL;
    if (sqlite3_exec(db, "pragma journal_mode = wal; pragma synchronous = normal;", NULL, NULL, &msg) !=
            SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        if (err)
            *err = sb_fmt("initialising database '%s': %s", dbpath, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    s->db = db;
    return db;
}

sqlite3_stmt *store_stmt(Store *s, const char *sql)
{
    LocalStore *l = local_of(s);
    if (!l || !l->db)
        return NULL;
    size_t n = sizeof l->stmts / sizeof l->stmts[0];
    for (size_t i = 0; i < n; i++) {
        if (l->stmts[i].sql == sql) {
            sqlite3_reset(l->stmts[i].st);
            sqlite3_clear_bindings(l->stmts[i].st);
            return l->stmts[i].st;
        }
        if (!l->stmts[i].sql) {
            if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &l->stmts[i].st, NULL) != SQLITE_OK)
                return NULL;
            l->stmts[i].sql = sql;
            return l->stmts[i].st;
        }
    }
    return NULL; /* more distinct statements than slots: a programming error */
}

static int64_t path_id(Store *s, const char *path)
{
    sqlite3_stmt *st = store_stmt(s, "select id from ValidPaths where path = ?");
    int64_t id = -1;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return id;
}

static bool local_is_valid(Store *s, const char *path)
{
    sqlite3 *db = get_db(s, false, NULL);
    struct stat st;
    return db && path_id(s, path) >= 0 && lstat(store_real_path(s, path), &st) == 0;
}

const char *store_exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        const char *e = sb_fmt("database: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return e;
    }
    return NULL;
}

/* The first column of st's rows for param, as GC strings. */
static const char **stmt_strings(sqlite3_stmt *st, const char *param, size_t *n)
{
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    size_t cap = 8;
    const char **r = GC_MALLOC(cap * sizeof *r);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            const char **nr = GC_MALLOC(2 * cap * sizeof *nr);
            memcpy(nr, r, cap * sizeof *nr);
            r = nr;
            cap *= 2;
        }
        r[(*n)++] = GC_strdup((const char *)sqlite3_column_text(st, 0));
    }
    return r;
}

const char **store_sql_strings(sqlite3 *db, const char *sql, const char *param, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st;
    if (!db || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    const char **r = stmt_strings(st, param, n);
    sqlite3_finalize(st);
    return r;
}

static const char **local_query_references(Store *s, const char *path, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st = get_db(s, false, NULL) ? store_stmt(s, "select v2.path from ValidPaths v1 join Refs r on "
                                                              "r.referrer = v1.id join ValidPaths v2 on v2.id = "
                                                              "r.reference where v1.path = ? order by v2.path")
                                              : NULL;
    if (!st)
        return GC_MALLOC(sizeof(char *));
    const char **r = stmt_strings(st, path, n);
    sqlite3_reset(st);
    return r;
}

/* ---- file system helpers ---- */

char **store_read_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    size_t n = 0, cap = 16;
    char **v = GC_MALLOC(cap * sizeof *v);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n + 1 == cap) {
            char **nv = GC_MALLOC(2 * cap * sizeof *nv);
            memcpy(nv, v, n * sizeof *nv);
            v = nv;
            cap *= 2;
        }
        size_t len = strlen(de->d_name) + 1;
        v[n] = GC_MALLOC_ATOMIC(len);
        memcpy(v[n++], de->d_name, len);
    }
    closedir(d);
    return v; /* v[n] is NULL: GC_MALLOC zeroes and n + 1 < cap */
}

/* Removes a tree, making read-only directories writable first. */
void store_delete_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0755);
        char **names = store_read_dir(path);
        for (size_t i = 0; names && names[i]; i++)
            store_delete_tree(sb_fmt("%s/%s", path, names[i]));
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Store canonical form: no write bits, mtime 1 (as CppNix's canonicalisePathMetaData). */
void store_canonicalise(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        char **names = store_read_dir(path);
        for (size_t i = 0; names && names[i]; i++)
            store_canonicalise(sb_fmt("%s/%s", path, names[i]));
    }
    if (!S_ISLNK(st.st_mode))
        chmod(path, (st.st_mode & S_IXUSR) || S_ISDIR(st.st_mode) ? 0555 : 0444);
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

/* Takes PATH.lock; retries if the holder deleted the file meanwhile. */
int store_lock_path(const char *lockfile)
{
    for (;;) {
        int fd = open(lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX) < 0) {
            close(fd);
            return -1;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_nlink > 0)
            return fd;
        close(fd);
    }
}

int store_try_lock_path(const char *lockfile)
{
    for (;;) {
        int fd = open(lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_nlink > 0)
            return fd;
        close(fd);
    }
}

void store_unlock_path(const char *lockfile, int fd)
{
    /* A byte marks the file stale for CppNix's lockers (they check the size, ours the link
     * count) in case one opened it before the unlink. */
    if (write(fd, "d", 1) < 0) {
        /* harmless: our lockers look at the link count */
    }
    unlink(lockfile);
    close(fd);
}

/* fsyncs a directory and, if deep, the directories below it (not the files: writers sync
 * those). */
static const char *sync_dirs(const char *path, bool deep)
{
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return NULL;
    char **names = deep ? store_read_dir(path) : NULL;
    for (size_t i = 0; names && names[i]; i++) {
        const char *e = sync_dirs(sb_fmt("%s/%s", path, names[i]), true);
        if (e)
            return e;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0) {
        const char *e = sb_fmt("syncing directory '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return e;
    }
    close(fd);
    return NULL;
}

/* fsyncs a regular file (nar_restore syncs the files of trees itself) or a tree's
 * directories. */
static const char *sync_object(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return sb_fmt("getting status of '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return sync_dirs(path, true);
    if (!S_ISREG(st.st_mode))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0) {
        const char *e = sb_fmt("syncing '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return e;
    }
    close(fd);
    return NULL;
}

/* Writes the object at tmp (a path that does not exist yet). */
typedef const char *(*Writer)(void *ctx, const char *tmp);

static const char *add_generic(Store *st, const char *path, Writer write, void *wctx,
                               const Hash *nar_hash, uint64_t nar_size, const char *ca,
                               const char *const *refs, size_t nrefs)
{
    LocalStore *s = local_of(st);
    if (local_is_valid(st, path))
        return NULL;
    if (!fs_mkdir_p(s->real_dir, 0775))
        return sb_fmt("creating store directory '%s': %s", s->real_dir, strerror(errno));
    const char *real = store_real_path(st, path);
    const char *lockfile = sb_fmt("%s.lock", real);
    int fd = store_lock_path(lockfile);
    if (fd < 0)
        return sb_fmt("locking '%s': %s", lockfile, strerror(errno));
    const char *err = NULL;
    if (local_is_valid(st, path)) /* someone else added it while we waited */
        goto done;
    store_delete_tree(real); /* leftovers of an interrupted addition */
    const char *tmp = sb_fmt("%s/.cnix-tmp-%ld-%u-%s", s->real_dir, (long)getpid(), s->tmp_counter++,
                          strrchr(path, '/') + 1);
    store_delete_tree(tmp);
    if ((err = write(wctx, tmp))) {
        store_delete_tree(tmp);
        goto done;
    }
    store_canonicalise(tmp);
    if (rename(tmp, real) < 0) {
        err = sb_fmt("renaming '%s' to '%s': %s", tmp, real, strerror(errno));
        store_delete_tree(tmp);
        goto done;
    }
    /* The object reaches the disk before it is registered, so that after a power loss a
     * registered path is complete; until then it is unregistered, hence invalid (replaced
     * by the next adder, removed by the collector). Syncing after the rename lets the
     * journal commit forced by the fsync carry the rename too (ext4, xfs and btrfs commit
     * or log it with the file): one forced commit per path. An fsync of the store
     * directory as well would be POSIX's letter, but cost a second commit per path
     * (instantiating 200 derivations: 2.6-3.5 s -> 5.1-6.3 s). */
    if ((err = sync_object(real)))
        goto done;
    PathInfo info = {.path = path, .nar_hash = *nar_hash, .nar_size = nar_size, .ca = ca, .refs = (const char **)refs,
                     .nrefs = nrefs};
    err = local_register(st, &info, 1, false, NULL);
done:
    store_unlock_path(lockfile, fd);
    return err;
}

/* ---- text paths ---- */

typedef struct TextCtx {
    const char *text;
    size_t len;
} TextCtx;

static const char *write_text(void *ctx, const char *tmp)
{
    TextCtx *t = ctx;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return sb_fmt("creating '%s': %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < t->len) {
        ssize_t n = write(fd, t->text + done, t->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return sb_fmt("writing '%s': %s", tmp, strerror(e));
        }
        done += (size_t)n;
    }
    if (close(fd) < 0) /* synced by add_generic, after the rename */
        return sb_fmt("writing '%s': %s", tmp, strerror(errno));
    return NULL;
}

static const char *local_add_text(Store *s, const char *name, const char *text, size_t len,
                           const char *const *refs, size_t nrefs, const char **out)
{
    const char *e = store_check_name(name, strlen(name));
    if (e)
        return e;
    Hash h;
    hash_buf(HASH_SHA256, text, len, &h);
    const char *path = store_make_text_path(store_dir(s), name, &h, refs, nrefs);
    *out = path;
    /* Rooted before the check: a collector either sees the root or has finished. A
     * process that cannot write the state directory can still use valid paths. */
    const char *re = store_add_temp_root(s, path);
    if (store_is_valid(s, path))
        return NULL;
    if (re)
        return re;
    for (size_t i = 0; i < nrefs; i++) /* they must stay valid until we are registered */
        if ((e = store_add_temp_root(s, refs[i])))
            return e;
    StrBuf nar;
    sb_init(&nar);
    nar_of_bytes(text, len, false, &nar);
    Hash nh;
    hash_buf(HASH_SHA256, nar.data, nar.len, &nh);
    TextCtx t = {text, len};
    const char *ca = sb_fmt("text:%s", hash_to_string(&h, HASH_FMT_NIX32, true));
    return add_generic(s, path, write_text, &t, &nh, nar.len, ca, refs, nrefs);
}

/* ---- source paths ---- */

typedef struct NarCtx {
    const StrBuf *nar;
} NarCtx;

static const char *write_nar(void *ctx, const char *tmp)
{
    NarCtx *n = ctx;
    return nar_restore((const uint8_t *)n->nar->data, n->nar->len, tmp);
}

static const char *local_add_path(Store *s, const char *name, const char *src, FileIngestion method,
                           HashAlgo algo, NarFilter filter, void *fctx, bool dry_run, Hash *ca,
                           const char **out)
{
    const char *e = store_check_name(name, strlen(name));
    if (e)
        return e;
    Hash h;
    StrBuf nar;
    sb_init(&nar);
    if (method == FIM_FLAT) {
        if ((e = store_hash_flat_file(src, algo, &h)))
            return e;
    } else if (dry_run) {
        if ((e = nar_hash_path(src, algo, filter, fctx, &h, NULL)))
            return e;
    } else {
        if ((e = nar_dump_to_buf(src, filter, fctx, &nar)))
            return e;
        hash_buf(algo, nar.data, nar.len, &h);
    }
    const char *path = store_make_fixed_output_path(store_dir(s), name, method, &h, NULL, 0, false, &e);
    if (!path)
        return e;
    if (ca)
        *ca = h;
    *out = path;
    if (dry_run)
        return NULL;
    const char *re = store_add_temp_root(s, path); /* as in store_add_text */
    if (store_is_valid(s, path))
        return NULL;
    if (re)
        return re;
    if (method == FIM_FLAT && (e = nar_dump_to_buf(src, NULL, NULL, &nar)))
        return e;
    Hash nh;
    hash_buf(HASH_SHA256, nar.data, nar.len, &nh);
    NarCtx n = {&nar};
    const char *cas = store_fixed_ca(method, &h);
    return add_generic(s, path, write_nar, &n, &nh, nar.len, cas, NULL, 0);
}

static char *local_read_file(Store *s, const char *path, size_t *len, const char **err)
{
    const char *real = store_real_path(s, path);
    char *text = fs_read_file(real, len);
    if (!text)
        *err = sb_fmt("reading '%s': %s", real, strerror(errno));
    return text;
}

sqlite3 *store_db(Store *s, bool create, const char **err) { return get_db(s, create, err); }

const char *store_state_dir(const Store *s)
{
    LocalStore *l = local_of(s);
    return l ? l->state_dir : NULL;
}

/* The NAR as registered: a path changed on disk since is refused, so that it is never
 * exported or copied under its old hash. */
static const char *local_nar_from_path(Store *s, const char *path, StrBuf *out)
{
    PathInfo info;
    if (!local_query_info(s, path, &info) || !local_is_valid(s, path))
        return sb_fmt("path '%s' is not valid", path);
    const char *e = nar_dump_to_buf(store_real_path(s, path), NULL, NULL, out);
    if (e)
        return e;
    Hash h;
    hash_buf(HASH_SHA256, out->data, out->len, &h);
    if (h.len != info.nar_hash.len || memcmp(h.bytes, info.nar_hash.bytes, h.len))
        return sb_fmt("path '%s' was modified! expected hash '%s', got '%s'", path,
                      hash_to_string(&info.nar_hash, HASH_FMT_NIX32, true), hash_to_string(&h, HASH_FMT_NIX32, true));
    return NULL;
}

static const char *local_query_drv_outputs(Store *s, const char *drv_path, const char ***names,
                                           const char ***paths, size_t *n);

static const StoreOps local_ops = {
    .kind = "local",
    .query_path_info = local_query_info,
    .is_valid = local_is_valid,
    .query_references = local_query_references,
    .query_drv_outputs = local_query_drv_outputs,
    .nar_from_path = local_nar_from_path,
    .read_file = local_read_file,
    .add_nar = local_add_nar,
    .add_path = local_add_path,
    .add_text = local_add_text,
    .add_temp_root = local_add_temp_root,
    .add_perm_root = local_add_perm_root,
    .build = local_build,
};

/* The .drv's own output paths, with floating ones ("") taken from DerivationOutputs when
 * a build registered them. */
static const char *local_query_drv_outputs(Store *s, const char *drv_path, const char ***names,
                                           const char ***paths, size_t *n)
{
    const char *err = NULL;
    const Derivation *d = store_load_drv(s, drv_path, &err);
    if (!d)
        return err;
    *n = d->noutputs;
    *names = GC_MALLOC((d->noutputs + 1) * sizeof **names);
    *paths = GC_MALLOC((d->noutputs + 1) * sizeof **paths);
    sqlite3 *db = get_db(s, false, NULL);
    for (uint32_t i = 0; i < d->noutputs; i++) {
        (*names)[i] = d->outputs[i].name;
        (*paths)[i] = d->outputs[i].path;
        sqlite3_stmt *st;
        if (*d->outputs[i].path || !db ||
            sqlite3_prepare_v2(db,
                               "select o.path from DerivationOutputs o join ValidPaths v on v.id = o.drv "
                               "where v.path = ? and o.id = ?",
                               -1, &st, NULL) != SQLITE_OK)
            continue;
        sqlite3_bind_text(st, 1, drv_path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, d->outputs[i].name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            (*paths)[i] = sb_fmt("%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return NULL;
}
