/* Valid-path metadata: path info queries, NAR additions, deletion, topological order. */
#include "store/valid.h"

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

#include "store/local.h"
#include "store/nar.h"
#include "store/path.h"
#include "util/strbuf.h"
#include "util/fs.h"

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? sb_fmt("%s", (const char *)t) : NULL;
}

bool local_query_info(Store *s, const char *path, PathInfo *out)
{
    sqlite3 *db = store_db(s, false, NULL);
    sqlite3_stmt *st = db ? store_stmt(s, "select hash, narSize, deriver, ca, sigs from ValidPaths where path = ?")
                          : NULL;
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        out->path = sb_fmt("%s", path);
        const char *h = col(st, 0);
        if (!h || hash_parse_any(h, HASH_SHA256, &out->nar_hash, NULL))
            memset(&out->nar_hash, 0, sizeof out->nar_hash);
        out->nar_size = (uint64_t)sqlite3_column_int64(st, 1);
        out->deriver = col(st, 2);
        out->ca = col(st, 3);
        out->sigs = col(st, 4);
    }
    sqlite3_reset(st);
    if (found)
        out->refs = store_query_references(s, path, &out->nrefs);
    return found;
}

const char **store_all_valid(Store *s, size_t *n)
{
    *n = 0;
    sqlite3 *db = store_db(s, false, NULL);
    sqlite3_stmt *st;
    size_t cap = 64;
    const char **v = GC_MALLOC(cap * sizeof *v);
    if (!db || sqlite3_prepare_v2(db, "select path from ValidPaths order by path", -1, &st, NULL) != SQLITE_OK)
        return v;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            const char **nv = GC_MALLOC(2 * cap * sizeof *nv);
            memcpy(nv, v, cap * sizeof *nv);
            v = nv;
            cap *= 2;
        }
        v[(*n)++] = col(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

/* Binds text or NULL (for NULL or ""). */
static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static bool in_infos(const PathInfo *infos, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(infos[i].path, path))
            return true;
    return false;
}

const char *local_register(Store *s, const PathInfo *infos, size_t n, bool ultimate, const char *const *output_names)
{
    const char *err = NULL;
    sqlite3 *db = store_db(s, true, &err);
    if (!db)
        return err;
    if ((err = store_exec_sql(db, "begin immediate")))
        return err;
    /* A re-registered path (its files had vanished) keeps its row, and so its id: rows of
     * Refs pointing at it stay meaningful; its own references are registered afresh. */
    sqlite3_stmt *valid = store_stmt(s, "select 1 from ValidPaths where path = ?");
    sqlite3_stmt *del = store_stmt(s, "delete from Refs where referrer in (select id from ValidPaths where path = ?)");
    sqlite3_stmt *ins = store_stmt(s, "insert into ValidPaths (path, hash, registrationTime, deriver, narSize, "
                                      "ultimate, sigs, ca) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(path) do "
                                      "update set hash = excluded.hash, registrationTime = "
                                      "excluded.registrationTime, deriver = excluded.deriver, narSize = "
                                      "excluded.narSize, ultimate = excluded.ultimate, sigs = excluded.sigs, ca = "
                                      "excluded.ca");
    sqlite3_stmt *ref = store_stmt(s, "insert or ignore into Refs (referrer, reference) select r.id, v.id from "
                                      "ValidPaths r, ValidPaths v where r.path = ? and v.path = ?");
    sqlite3_stmt *dout = !output_names ? NULL
                                       : store_stmt(s, "insert or replace into DerivationOutputs (drv, id, path) "
                                                       "select id, ?, ? from ValidPaths where path = ?");
    if (!valid || !del || !ins || !ref || (output_names && !dout)) {
        err = sb_fmt("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    /* A reference that is not valid (collected meanwhile, never added) would be dropped by
     * the insert below: refuse, as CppNix does, rather than register an open closure. */
    for (size_t i = 0; i < n && !err; i++)
        for (size_t k = 0; k < infos[i].nrefs && !err; k++) {
            const char *r = infos[i].refs[k];
            if (in_infos(infos, n, r))
                continue;
            sqlite3_bind_text(valid, 1, r, -1, SQLITE_STATIC);
            if (sqlite3_step(valid) != SQLITE_ROW)
                err = sb_fmt("cannot add path '%s' because it lacks a valid reference '%s'", infos[i].path, r);
            sqlite3_reset(valid);
        }
    for (size_t i = 0; i < n && !err; i++) {
        const PathInfo *info = &infos[i];
        sqlite3_bind_text(del, 1, info->path, -1, SQLITE_STATIC);
        if (sqlite3_step(del) != SQLITE_DONE)
            err = sb_fmt("database: %s", sqlite3_errmsg(db));
        sqlite3_reset(del);
        const char *h = hash_to_string(&info->nar_hash, HASH_FMT_BASE16, true);
        sqlite3_bind_text(ins, 1, info->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, h, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, (sqlite3_int64)time(NULL));
        bind_opt(ins, 4, info->deriver);
        sqlite3_bind_int64(ins, 5, (sqlite3_int64)info->nar_size);
        sqlite3_bind_int(ins, 6, ultimate);
        bind_opt(ins, 7, info->sigs);
        bind_opt(ins, 8, info->ca);
        if (!err && sqlite3_step(ins) != SQLITE_DONE)
            err = sb_fmt("database: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        if (output_names && !err) {
            sqlite3_bind_text(dout, 1, output_names[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(dout, 2, info->path, -1, SQLITE_STATIC);
            sqlite3_bind_text(dout, 3, info->deriver, -1, SQLITE_STATIC);
            if (sqlite3_step(dout) != SQLITE_DONE)
                err = sb_fmt("database: %s", sqlite3_errmsg(db));
            sqlite3_reset(dout);
        }
    }
    /* References after all rows exist: the paths may refer to each other. */
    for (size_t i = 0; i < n && !err; i++)
        for (size_t k = 0; k < infos[i].nrefs && !err; k++) {
            sqlite3_bind_text(ref, 1, infos[i].path, -1, SQLITE_STATIC);
            sqlite3_bind_text(ref, 2, infos[i].refs[k], -1, SQLITE_STATIC);
            if (sqlite3_step(ref) != SQLITE_DONE)
                err = sb_fmt("database: %s", sqlite3_errmsg(db));
            sqlite3_reset(ref);
        }
out:; /* a label cannot precede a declaration in C11 (clang refuses it) */
    /* The statements are the store's (store_stmt): reset, not finalized. */
    sqlite3_stmt *used[] = {valid, del, ins, ref, dout};
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (used[i])
            sqlite3_reset(used[i]);
    const char *e2 = store_exec_sql(db, err ? "rollback" : "commit");
    if (e2 && !err)
        store_exec_sql(db, "rollback");
    return err ? err : e2;
}

const char *local_add_nar(Store *s, const PathInfo *info, const uint8_t *nar, size_t len)
{
    const char *sd = store_dir(s);
    const char *e = store_parse_path(sd, info->path);
    if (e)
        return e;
    Hash h;
    hash_buf(HASH_SHA256, nar, len, &h);
    if (h.len != info->nar_hash.len || memcmp(h.bytes, info->nar_hash.bytes, h.len))
        return sb_fmt("hash mismatch importing path '%s';\n  specified: %s\n  got:       %s", info->path,
                   hash_to_string(&info->nar_hash, HASH_FMT_NIX32, true), hash_to_string(&h, HASH_FMT_NIX32, true));
    if (info->nar_size && info->nar_size != len)
        return sb_fmt("size mismatch importing path '%s': specified %llu, got %zu", info->path,
                   (unsigned long long)info->nar_size, len);
    /* Rooted before any check: a collector either sees the roots or has finished. A
     * process that cannot write the state directory can still find the path valid. */
    const char *re = store_add_temp_root(s, info->path);
    for (size_t i = 0; i < info->nrefs && !re; i++)
        re = store_add_temp_root(s, info->refs[i]);
    for (size_t i = 0; i < info->nrefs; i++)
        if (strcmp(info->refs[i], info->path) && !store_is_valid(s, info->refs[i]))
            return sb_fmt("cannot add path '%s' because it lacks a valid reference '%s'", info->path, info->refs[i]);
    if (store_is_valid(s, info->path))
        return NULL;
    if (re)
        return re;
    const char *real_dir = store_real_path(s, sd);
    if (!fs_mkdir_p(real_dir, 0775))
        return sb_fmt("creating store directory '%s': %s", real_dir, strerror(errno));
    const char *real = store_real_path(s, info->path);
    const char *lockfile = sb_fmt("%s.lock", real);
    int fd = store_lock_path(lockfile);
    if (fd < 0)
        return sb_fmt("locking '%s': %s", lockfile, strerror(errno));
    const char *err = NULL;
    if (!store_is_valid(s, info->path)) {
        store_delete_tree(real);
        const char *tmp = sb_fmt("%s/.cnix-add-%ld-%s", real_dir, (long)getpid(), strrchr(info->path, '/') + 1);
        store_delete_tree(tmp);
        if ((err = nar_restore(nar, len, tmp))) {
            store_delete_tree(tmp);
        } else {
            store_canonicalise(tmp);
            int dfd = open(real_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                syncfs(dfd);
                close(dfd);
            }
            if (rename(tmp, real) < 0) {
                err = sb_fmt("renaming '%s' to '%s': %s", tmp, real, strerror(errno));
                store_delete_tree(tmp);
            } else
                err = local_register(s, info, 1, false, NULL);
        }
    }
    store_unlock_path(lockfile, fd);
    return err;
}

const char *store_set_sigs(Store *s, const char *path, const char *sigs)
{
    const char *err = local_require(s, "addSignatures");
    if (err)
        return err;
    sqlite3 *db = store_db(s, true, &err);
    if (!db)
        return err;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "update ValidPaths set sigs = ? where path = ?", -1, &st, NULL) != SQLITE_OK)
        return sb_fmt("database: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, sigs, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        err = sb_fmt("database: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return err;
}

const char *store_delete_paths(Store *s, const char *const *paths, size_t n)
{
    const char *err = local_require(s, "deletePaths");
    if (err)
        return err;
    sqlite3 *db = store_db(s, true, &err);
    if (!db)
        return err;
    /* Unregister first: a crash then leaves unregistered files, which the next GC removes,
     * never a registered path without its files. */
    if ((err = store_exec_sql(db, "begin immediate")))
        return err;
    sqlite3_stmt *r1 = NULL, *r2 = NULL, *r3 = NULL;
    if (sqlite3_prepare_v2(db, "delete from Refs where referrer in (select id from ValidPaths where path = ?)", -1,
                           &r1, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "delete from DerivationOutputs where drv in (select id from ValidPaths where path = ?)",
                           -1, &r2, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "delete from ValidPaths where path = ?", -1, &r3, NULL) != SQLITE_OK) {
        err = sb_fmt("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (size_t i = 0; i < n && !err; i++) {
        sqlite3_stmt *sts[3] = {r1, r2, r3};
        for (int k = 0; k < 3 && !err; k++) {
            sqlite3_bind_text(sts[k], 1, paths[i], -1, SQLITE_STATIC);
            if (sqlite3_step(sts[k]) != SQLITE_DONE)
                err = sb_fmt("database: %s", sqlite3_errmsg(db));
            sqlite3_reset(sts[k]);
        }
    }
out:
    sqlite3_finalize(r1);
    sqlite3_finalize(r2);
    sqlite3_finalize(r3);
    const char *e2 = store_exec_sql(db, err ? "rollback" : "commit");
    if (err || e2)
        return err ? err : e2;
    for (size_t i = 0; i < n; i++)
        store_delete_tree(store_real_path(s, paths[i]));
    return NULL;
}

/* Depth-first post-order over the references inside the set. */
typedef struct Topo {
    Store *s;
    const char *const *in;
    size_t n;
    char *mark; /* 0 new, 1 in progress, 2 done */
    const char **out;
    size_t nout;
} Topo;

static long find(const Topo *t, const char *p)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->in[i], p))
            return (long)i;
    return -1;
}

static void visit(Topo *t, size_t i)
{
    if (t->mark[i])
        return;
    t->mark[i] = 1;
    size_t nr;
    const char **refs = store_query_references(t->s, t->in[i], &nr);
    for (size_t k = 0; k < nr; k++) {
        long j = find(t, refs[k]);
        if (j >= 0 && (size_t)j != i)
            visit(t, (size_t)j);
    }
    t->mark[i] = 2;
    t->out[t->nout++] = t->in[i];
}

const char **store_topo_sort(Store *s, const char *const *paths, size_t n)
{
    Topo t = {s, paths, n, GC_MALLOC_ATOMIC(n + 1), GC_MALLOC((n + 1) * sizeof(char *)), 0};
    memset(t.mark, 0, n + 1);
    for (size_t i = 0; i < n; i++)
        visit(&t, i);
    return t.out;
}
