/* GC roots that protect paths from a concurrent collector: each process's temporary roots
 * (STATEDIR/temproots/PID), the global GC lock (STATEDIR/gc.lock) and permanent roots. */
#include "store/roots.h"

#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/local.h"
#include "store/path.h"
#include "util/strbuf.h"
#include "util/fs.h"

/* The protocol (Nix's, with flock):
 *  - a process that adds or uses store paths appends each one to its temporary roots file
 *    BEFORE checking whether the path is valid, adding it or reading it. It holds an
 *    exclusive flock on that file while it lives, so a file nobody has locked belongs to a
 *    dead process;
 *  - appending a root happens under a shared flock on gc.lock; the collector holds gc.lock
 *    exclusively from before it reads the roots until it has deleted the last path. So a
 *    root is either written before the collector starts (and read by it) or after it has
 *    finished (and the adder's validity check then sees what was deleted).
 * Temporary roots are per process, not per Store: the file is named after the PID (as
 * Nix's) and removed at exit. This table is the one piece of process-wide state of the
 * store: it describes resources (a file and its lock) that belong to the process. */
typedef struct TempRoots {
    pid_t pid;       /* owner: a forked child must neither use nor remove its parent's file */
    char *state_dir; /* malloc'd */
    char *file;      /* malloc'd; NULL until the first root */
    int fd;          /* the temporary roots file, flock'ed exclusively; -1 if not open */
    int gc_fd;       /* gc.lock; -1 if not open */
    int collecting;  /* depth of store_gc_lock in this process (then roots need no lock) */
} TempRoots;

#define MAX_STATE_DIRS 8
static TempRoots roots_tab[MAX_STATE_DIRS];
static bool atexit_done;

static void remove_temp_roots(void)
{
    for (int i = 0; i < MAX_STATE_DIRS; i++) {
        TempRoots *t = &roots_tab[i];
        if (t->pid != getpid() || t->fd < 0)
            continue;
        unlink(t->file); /* before closing: the file is ours while we hold its lock */
        close(t->fd);
        t->fd = -1;
    }
}

static TempRoots *entry(Store *s)
{
    const char *sd = store_state_dir(s);
    pid_t me = getpid();
    TempRoots *free_slot = NULL;
    for (int i = 0; i < MAX_STATE_DIRS; i++) {
        TempRoots *t = &roots_tab[i];
        if (t->state_dir && t->pid != me) {
            /* inherited through fork: the descriptors are the parent's (and close-on-exec) */
            free(t->state_dir);
            free(t->file);
            memset(t, 0, sizeof *t);
        }
        if (t->state_dir && !strcmp(t->state_dir, sd))
            return t;
        if (!t->state_dir && !free_slot)
            free_slot = t;
    }
    if (!free_slot)
        return NULL;
    free_slot->pid = me;
    free_slot->state_dir = strdup(sd);
    free_slot->fd = free_slot->gc_fd = -1;
    if (!atexit_done) {
        atexit(remove_temp_roots);
        atexit_done = true;
    }
    return free_slot;
}

static int flock_retry(int fd, int op)
{
    int r;
    while ((r = flock(fd, op)) < 0 && errno == EINTR)
        ;
    return r;
}

static const char *open_gc_lock(Store *s, TempRoots *t)
{
    if (t->gc_fd >= 0)
        return NULL;
    const char *sd = store_state_dir(s);
    if (!fs_mkdir_p(sd, 0755))
        return sb_fmt("creating directory '%s': %s", sd, strerror(errno));
    const char *lf = sb_fmt("%s/gc.lock", sd);
    t->gc_fd = open(lf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (t->gc_fd < 0)
        return sb_fmt("opening global GC lock '%s': %s", lf, strerror(errno));
    return NULL;
}

/* Creates and locks temproots/PID. A stale file of a dead process with our PID is replaced;
 * if the collector unlinks the file between our open and our lock, open it again. */
static const char *open_temp_roots(Store *s, TempRoots *t)
{
    if (t->fd >= 0)
        return NULL;
    const char *dir = sb_fmt("%s/temproots", store_state_dir(s));
    if (!fs_mkdir_p(dir, 0755))
        return sb_fmt("creating directory '%s': %s", dir, strerror(errno));
    const char *file = sb_fmt("%s/%ld", dir, (long)getpid());
    for (;;) {
        int fd = open(file, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            return sb_fmt("opening temporary roots file '%s': %s", file, strerror(errno));
        if (flock_retry(fd, LOCK_EX) < 0) {
            int e = errno;
            close(fd);
            return sb_fmt("locking temporary roots file '%s': %s", file, strerror(e));
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_nlink > 0) {
            if (ftruncate(fd, 0) < 0) { /* lines of a dead process that had our PID */
                int e = errno;
                close(fd);
                return sb_fmt("truncating '%s': %s", file, strerror(e));
            }
            t->fd = fd;
            t->file = strdup(file);
            return NULL;
        }
        close(fd); /* the collector removed it as stale before we got the lock */
    }
}

const char *local_add_temp_root(Store *s, const char *path)
{
    TempRoots *t = entry(s);
    if (!t)
        return "too many state directories in one process";
    const char *e;
    if ((e = open_temp_roots(s, t)) || (e = open_gc_lock(s, t)))
        return e;
    /* Waits while a collector runs; a collector in this very process needs no lock. */
    if (!t->collecting && flock_retry(t->gc_fd, LOCK_SH) < 0)
        return sb_fmt("acquiring the global GC lock: %s", strerror(errno));
    /* NUL-terminated as CppNix writes them, so that either collector reads the other's
     * roots when both share a state directory; one write with O_APPEND: a reader never
     * sees half an entry. */
    size_t len = strlen(path) + 1;
    ssize_t n = write(t->fd, path, len);
    int werr = errno;
    if (!t->collecting)
        flock_retry(t->gc_fd, LOCK_UN);
    if (n != (ssize_t)len)
        return sb_fmt("writing temporary roots file '%s': %s", t->file, n < 0 ? strerror(werr) : "short write");
    return NULL;
}

const char *store_gc_lock(Store *s)
{
    const char *e = local_require(s, "collectGarbage");
    if (e)
        return e;
    TempRoots *t = entry(s);
    if (!t)
        return "too many state directories in one process";
    e = open_gc_lock(s, t);
    if (e)
        return e;
    if (t->collecting++)
        return NULL;
    if (flock(t->gc_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK) {
            t->collecting--;
            return sb_fmt("acquiring the global GC lock: %s", strerror(errno));
        }
        fprintf(stderr, "waiting for the big garbage collector lock...\n");
        if (flock_retry(t->gc_fd, LOCK_EX) < 0) {
            t->collecting--;
            return sb_fmt("acquiring the global GC lock: %s", strerror(errno));
        }
    }
    return NULL;
}

void store_gc_unlock(Store *s)
{
    TempRoots *t = store_state_dir(s) ? entry(s) : NULL;
    if (!t || t->collecting <= 0)
        return;
    if (--t->collecting == 0)
        flock_retry(t->gc_fd, LOCK_UN);
}

/* Appends the store paths named in the temporary roots files of live processes; files of
 * dead ones (nobody holds their lock) are removed. Call with the GC lock held. */
void store_read_temp_roots(Store *s, const char ***v, size_t *n, size_t *cap)
{
    const char *dir = sb_fmt("%s/temproots", store_state_dir(s));
    char **names = store_read_dir(dir);
    TempRoots *t = entry(s);
    const char *sd = store_dir(s);
    for (size_t i = 0; names && names[i]; i++) {
        const char *file = sb_fmt("%s/%s", dir, names[i]);
        if (t && t->file && !strcmp(file, t->file))
            continue; /* our own (a collector adds none) */
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_SH | LOCK_NB) == 0) { /* nobody holds it: its process is gone */
            unlink(file);
            close(fd);
            continue;
        }
        StrBuf sb;
        sb_init(&sb);
        char buf[65536];
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
            if (r > 0)
                sb_add(&sb, buf, (size_t)r);
        close(fd);
        size_t len = sb.len;
        char *text = sb_finish(&sb);
        for (size_t pos = 0; pos < len;) {
            const char *l = text + pos;
            size_t k = 0;
            while (pos + k < len && text[pos + k] && text[pos + k] != '\n') /* NUL or newline ends an entry */
                k++;
            text[pos + k] = 0; /* sb_finish leaves room for it at the end */
            pos += k + 1;
            if (!k || !store_is_in_store(sd, l))
                continue;
            const char *p = store_to_store_path(sd, l);
            if (!p)
                continue;
            if (*n == *cap) {
                *cap = *cap ? 2 * *cap : 32;
                const char **nv = GC_MALLOC(*cap * sizeof *nv);
                if (*n)
                    memcpy(nv, *v, *n * sizeof *nv);
                *v = nv;
            }
            (*v)[(*n)++] = p;
        }
    }
}

/* ---- permanent roots ---- */

/* The indirect root STATEDIR/gcroots/auto/H(link) -> link (H: sha256 folded to 160 bits,
 * nix32), Nix's name for it; the collector drops it once link is gone. */
static const char *auto_root_name(Store *s, const char *link)
{
    Hash h;
    hash_buf(HASH_SHA256, link, strlen(link), &h);
    uint8_t c[20];
    hash_compress(&h, c, sizeof c);
    char name[64];
    name[hash_nix32_encode(c, sizeof c, name)] = 0;
    return sb_fmt("%s/gcroots/auto/%s", store_state_dir(s), name);
}

/* link -> target, replacing what is there atomically (symlink to a temporary, rename). */
static const char *replace_link(const char *link, const char *target)
{
    const char *tmp = sb_fmt("%s.tmp-%ld", link, (long)getpid());
    unlink(tmp);
    if (symlink(target, tmp) < 0)
        return sb_fmt("creating symlink '%s': %s", tmp, strerror(errno));
    if (rename(tmp, link) < 0) {
        int e = errno;
        unlink(tmp);
        return sb_fmt("renaming '%s' to '%s': %s", tmp, link, strerror(e));
    }
    return NULL;
}

const char *store_make_root_link(Store *s, const char *path, const char *link, const char **abs_out)
{
    const char *abs = link;
    if (link[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            return sb_fmt("getting the current directory: %s", strerror(errno));
        abs = sb_fmt("%s/%s", cwd, link);
    }
    const char *e = store_add_temp_root(s, path); /* until the link is in place */
    if (e)
        return e;
    if (store_is_in_store(store_dir(s), abs))
        return sb_fmt("creating a garbage collector root (%s) in the Nix store is forbidden "
                   "(are you running nix-build inside the store?)",
                   abs);
    if ((e = replace_link(abs, path)))
        return e;
    *abs_out = abs;
    return NULL;
}

const char *local_add_perm_root(Store *s, const char *path, const char *link, const char **out)
{
    const char *abs, *e = store_make_root_link(s, path, link, &abs);
    if (e)
        return e;
    const char *dir = sb_fmt("%s/gcroots/auto", store_state_dir(s));
    if (!fs_mkdir_p(dir, 0755))
        return sb_fmt("creating directory '%s': %s", dir, strerror(errno));
    if ((e = replace_link(auto_root_name(s, abs), abs)))
        return e;
    *out = abs;
    return NULL;
}
