/* Store verification: database integrity, existence, references, contents, leftovers. */
#include "store/verify.h"

#include <gc/gc.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/gc.h"
#include "store/local.h"
#include "store/nar.h"
#include "store/valid.h"
#include "util/strbuf.h"
#include "util/sort.h"

typedef struct Verify {
    Store *s;
    const VerifyOptions *o;
    FILE *log;
    sqlite3 *db;
    const char **valid; /* sorted */
    size_t nvalid;
    char *state;        /* per valid path: 0 unvisited, 1 visiting, 2 present, 3 unregistered */
    size_t errors;
} Verify;

static long index_of(const Verify *v, const char *p)
{
    const char **hit = v->nvalid ? bsearch(&p, v->valid, v->nvalid, sizeof *v->valid, sort_cmp_str) : NULL;
    return hit ? (long)(hit - v->valid) : -1;
}

static const char **referrers(Verify *v, const char *path, size_t *n)
{
    return store_sql_strings(v->db,
                             "select v1.path from Refs r join ValidPaths v1 on v1.id = r.referrer "
                             "join ValidPaths v2 on v2.id = r.reference where v2.path = ?",
                             path, n);
}

/* A registered path whose files are gone is unregistered if every path referring to it can
 * be unregistered too (missing as well), else it is an error (CppNix's verifyPath). */
static void check_exists(Verify *v, size_t i)
{
    if (v->state[i])
        return;
    v->state[i] = 1;
    const char *p = v->valid[i];
    struct stat st;
    if (lstat(store_real_path(v->s, p), &st) == 0) {
        v->state[i] = 2;
        return;
    }
    size_t nr;
    const char **refs = referrers(v, p, &nr);
    bool can = true;
    for (size_t k = 0; k < nr; k++) {
        long j = index_of(v, refs[k]);
        if (j < 0 || (size_t)j == i)
            continue;
        check_exists(v, (size_t)j);
        if (v->state[j] != 3)
            can = false; /* present, or being visited (a cycle through a missing path) */
    }
    if (can) {
        fprintf(v->log, "path '%s' disappeared, removing from database...\n", p);
        const char *e = store_delete_paths(v->s, &p, 1);
        if (e) {
            fprintf(v->log, "error: %s\n", e);
            v->errors++;
            v->state[i] = 2;
        } else
            v->state[i] = 3;
    } else {
        fprintf(v->log, "error: path '%s' disappeared, but it still has valid referrers!\n", p);
        v->errors++;
        v->state[i] = 2;
    }
}

static void check_contents(Verify *v, const char *p)
{
    PathInfo info;
    if (!store_query_info(v->s, p, &info))
        return;
    Hash h;
    uint64_t size;
    const char *e = nar_hash_path(store_real_path(v->s, p), HASH_SHA256, NULL, NULL, &h, &size);
    if (e) {
        fprintf(v->log, "error: %s\n", e);
        v->errors++;
    } else if (h.len != info.nar_hash.len || memcmp(h.bytes, info.nar_hash.bytes, h.len)) {
        fprintf(v->log, "error: path '%s' was modified! expected hash '%s', got '%s'\n", p,
                hash_to_string(&info.nar_hash, HASH_FMT_NIX32, true), hash_to_string(&h, HASH_FMT_NIX32, true));
        v->errors++;
    } else if (info.nar_size && size != info.nar_size) {
        fprintf(v->log, "error: path '%s' has a NAR size of %llu, but %llu is registered\n", p,
                (unsigned long long)size, (unsigned long long)info.nar_size);
        v->errors++;
    }
}

/* Rows of Refs whose ends are not registered: a referrer that is gone is harmless garbage
 * (removed by repair); a reference that is gone means a valid path lost part of its
 * closure, which cannot be repaired here. */
static void check_refs(Verify *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->db,
                           "select v.path from Refs r join ValidPaths v on v.id = r.referrer "
                           "where not exists (select 1 from ValidPaths w where w.id = r.reference)",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            fprintf(v->log, "error: path '%s' refers to a path that is no longer registered\n",
                    (const char *)sqlite3_column_text(st, 0));
            v->errors++;
        }
        sqlite3_finalize(st);
    }
    int orphans = 0;
    if (sqlite3_prepare_v2(v->db,
                           "select count(*) from Refs r "
                           "where not exists (select 1 from ValidPaths w where w.id = r.referrer)",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            orphans = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (!orphans)
        return;
    if (v->o->repair &&
        !store_exec_sql(v->db, "delete from Refs where not exists "
                               "(select 1 from ValidPaths w where w.id = Refs.referrer)")) {
        fprintf(v->log, "removed %d references of unregistered paths from the database\n", orphans);
        return;
    }
    fprintf(v->log, "error: the database has %d references of unregistered paths (repair removes them)\n", orphans);
    v->errors++;
}

static void check_database(Verify *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->db, "pragma integrity_check", -1, &st, NULL) != SQLITE_OK) {
        fprintf(v->log, "error: checking the database: %s\n", sqlite3_errmsg(v->db));
        v->errors++;
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (r && strcmp(r, "ok")) {
            fprintf(v->log, "error: database: %s\n", r);
            v->errors++;
        }
    }
    sqlite3_finalize(st);
}

size_t store_verify(Store *s, const VerifyOptions *o, FILE *log)
{
    Verify v = {.s = s, .o = o, .log = log};
    const char *err = local_require(s, "verifyStore");
    if (err) {
        fprintf(log, "error: %s\n", err);
        return 1;
    }
    v.db = store_db(s, false, &err);
    if (!v.db)
        return 0; /* no database: nothing is registered */
    check_database(&v);
    v.valid = store_all_valid(s, &v.nvalid);
    v.state = GC_MALLOC_ATOMIC(v.nvalid + 1);
    memset(v.state, 0, v.nvalid + 1);
    fprintf(log, "checking path existence...\n");
    for (size_t i = 0; i < v.nvalid; i++)
        check_exists(&v, i);
    check_refs(&v);
    if (o->check_contents) {
        fprintf(log, "checking store hashes...\n");
        for (size_t i = 0; i < v.nvalid; i++)
            if (v.state[i] == 2)
                check_contents(&v, v.valid[i]);
    }
    /* Leftovers of killed additions and builds are not errors (the next gc removes them;
     * nothing refers to them), but they are reported. */
    size_t nj;
    const char **junk = store_gc_unregistered(s, o->repair, &nj);
    for (size_t i = 0; i < nj; i++)
        fprintf(log, o->repair ? "removed unregistered '%s'\n" : "warning: '%s' is in the store directory but not registered\n",
                junk[i]);
    return v.errors;
}
