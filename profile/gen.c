/* Generations of a profile: PROFILE-N-link symlinks, the PROFILE link swung atomically,
 * rollback, deletion, and their GC roots. */
#include "profile/profile.h"

#include <dirent.h>
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

#include "store/path.h"
#include "util/strbuf.h"
#include "util/fs.h"

/* $XDG_STATE_HOME/cnix/profiles/profile (XDG's default ~/.local/state); the state directory
 * only when neither variable is set. Generations register GC roots under the state directory,
 * so the profile may live anywhere. */
const char *profile_default_path(Store *s)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        return sb_fmt("%s/cnix/profiles/profile", xdg);
    if (home && *home)
        return sb_fmt("%s/.local/state/cnix/profiles/profile", home);
    return sb_fmt("%s/profiles/profile", store_state_dir(s));
}

static const char *dir_of(const char *profile)
{
    const char *sl = strrchr(profile, '/');
    return sl == profile ? "/" : GC_strndup(profile, (size_t)(sl - profile));
}

static const char *base_of(const char *profile) { return strrchr(profile, '/') + 1; }

/* "BASE-N-link" -> N, else 0. */
static long gen_number(const char *base, const char *name)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) || name[bl] != '-')
        return 0;
    const char *p = name + bl + 1;
    char *end;
    long n = strtol(p, &end, 10);
    if (end == p || strcmp(end, "-link") || n <= 0)
        return 0;
    return n;
}

long profile_current(const char *profile)
{
    char buf[4096];
    ssize_t n = readlink(profile, buf, sizeof buf - 1);
    if (n < 0)
        return 0;
    buf[n] = 0;
    const char *sl = strrchr(buf, '/');
    return gen_number(base_of(profile), sl ? sl + 1 : buf);
}

static int cmp_gen(const void *a, const void *b)
{
    const ProfileGen *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

ProfileGen *profile_generations(Store *s, const char *profile, size_t *n, const char **err)
{
    (void)s;
    *n = 0;
    const char *dir = dir_of(profile), *base = base_of(profile);
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return GC_MALLOC(sizeof(ProfileGen));
        *err = sb_fmt("opening directory '%s': %s", dir, strerror(errno));
        return NULL;
    }
    long cur = profile_current(profile);
    ProfileGen *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        long num = gen_number(base, de->d_name);
        if (!num)
            continue;
        const char *link = sb_fmt("%s/%s", dir, de->d_name);
        char buf[4096];
        ssize_t l = readlink(link, buf, sizeof buf - 1);
        struct stat st;
        if (l < 0 || lstat(link, &st) < 0)
            continue;
        buf[l] = 0;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            ProfileGen *nv = GC_MALLOC(cap * sizeof *nv);
            if (cnt)
                memcpy(nv, v, cnt * sizeof *nv);
            v = nv;
        }
        v[cnt++] = (ProfileGen){num, link, GC_strdup(buf), st.st_mtime, num == cur};
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_gen);
    *n = cnt;
    return v ? v : GC_MALLOC(sizeof *v);
}

/* Serialises changes to one profile (PROFILE.lock, kept). Returns the fd or -1. */
static int lock_profile(const char *profile)
{
    int fd = open(sb_fmt("%s.lock", profile), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* link -> target, replacing any existing link atomically: a reader sees the old link or the
 * new one, never none. */
static const char *swing_link(const char *link, const char *target)
{
    const char *tmp = sb_fmt("%s.tmp-%ld", link, (long)getpid());
    unlink(tmp);
    if (symlink(target, tmp) < 0)
        return sb_fmt("creating symlink '%s': %s", tmp, strerror(errno));
    if (rename(tmp, link) < 0) {
        const char *e = sb_fmt("renaming '%s' to '%s': %s", tmp, link, strerror(errno));
        unlink(tmp);
        return e;
    }
    sync_dir(dir_of(link));
    return NULL;
}

/* The indirect root STATEDIR/gcroots/auto/H(link) -> link, as `cnix build` makes for result
 * links; the GC drops it once the link is gone. */
static const char *root_name(Store *s, const char *link)
{
    Hash h;
    hash_buf(HASH_SHA256, link, strlen(link), &h);
    uint8_t c[20];
    hash_compress(&h, c, sizeof c);
    char name[64];
    name[hash_nix32_encode(c, sizeof c, name)] = 0;
    return sb_fmt("%s/gcroots/auto/%s", store_state_dir(s), name);
}

static const char *add_root(Store *s, const char *link)
{
    fs_mkdir_p(sb_fmt("%s/gcroots/auto", store_state_dir(s)), 0755);
    return swing_link(root_name(s, link), link);
}

static const char *abs_path(const char *p)
{
    if (p[0] == '/')
        return p;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    return sb_fmt("%s/%s", cwd, p);
}

/* Temporary links left by a process killed between symlink() and rename(): BASE.tmp-PID and
 * BASE-N-link.tmp-PID. Called under the profile lock, so no live process owns them. */
static void clean_tmp_links(const char *profile)
{
    const char *dir = dir_of(profile), *base = base_of(profile);
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return;
    const char **stale = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *t = strstr(de->d_name, ".tmp-");
        if (strncmp(de->d_name, base, bl) || !t)
            continue;
        const char *mid = de->d_name + bl;
        if (mid != t && !(mid[0] == '-' && gen_number(base, GC_strndup(de->d_name, (size_t)(t - de->d_name)))))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            const char **nv = GC_MALLOC(cap * sizeof *nv);
            if (n)
                memcpy(nv, stale, n * sizeof *nv);
            stale = nv;
        }
        stale[n++] = sb_fmt("%s/%s", dir, de->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        unlink(stale[i]);
}

const char *profile_new_generation(Store *s, const char *profile, const char *store_path, long *num)
{
    profile = abs_path(profile);
    fs_mkdir_p(dir_of(profile), 0755);
    int lk = lock_profile(profile);
    if (lk < 0)
        return sb_fmt("locking profile '%s': %s", profile, strerror(errno));
    const char *err = NULL;
    clean_tmp_links(profile);
    size_t n;
    ProfileGen *g = profile_generations(s, profile, &n, &err);
    if (!g)
        goto out;
    long cur = profile_current(profile);
    for (size_t i = 0; i < n; i++)
        if (g[i].num == cur && !strcmp(g[i].target, store_path)) {
            *num = cur; /* nothing changed: no new generation, as nix-env */
            goto out;
        }
    long next = n ? g[n - 1].num + 1 : 1;
    const char *name = sb_fmt("%s-%ld-link", base_of(profile), next);
    const char *link = sb_fmt("%s/%s", dir_of(profile), name);
    /* The root before the link exists would be dangling and dropped by a concurrent GC;
     * the generation link first, then its root, then the profile: until the profile moves,
     * the new generation is merely unused. */
    if ((err = swing_link(link, store_path)) || (err = add_root(s, link)) || (err = swing_link(profile, name)))
        goto out;
    *num = next;
out:
    close(lk);
    return err;
}

const char *profile_switch_generation(Store *s, const char *profile, long num)
{
    profile = abs_path(profile);
    int lk = lock_profile(profile);
    if (lk < 0)
        return sb_fmt("locking profile '%s': %s", profile, strerror(errno));
    const char *err = NULL;
    size_t n;
    ProfileGen *g = profile_generations(s, profile, &n, &err);
    if (g) {
        size_t i = 0;
        while (i < n && g[i].num != num)
            i++;
        if (i == n)
            err = sb_fmt("generation %ld does not exist", num);
        else
            err = swing_link(profile, base_of(g[i].link));
    }
    close(lk);
    return err;
}

const char *profile_rollback(Store *s, const char *profile, long *num)
{
    const char *err = NULL;
    size_t n;
    ProfileGen *g = profile_generations(s, profile, &n, &err);
    if (!g)
        return err;
    long cur = profile_current(profile);
    long prev = 0;
    for (size_t i = 0; i < n; i++)
        if (g[i].num < cur)
            prev = g[i].num;
    if (!prev)
        return sb_fmt("no generation older than the current (%ld) exists", cur);
    *num = prev;
    return profile_switch_generation(s, profile, prev);
}

static const char *delete_gen(Store *s, const ProfileGen *g, bool dry_run)
{
    printf("%s generation %ld\n", dry_run ? "would remove" : "removing", g->num);
    if (dry_run)
        return NULL;
    if (unlink(g->link) < 0)
        return sb_fmt("deleting '%s': %s", g->link, strerror(errno));
    unlink(root_name(s, g->link));
    return NULL;
}

const char *profile_delete_generations(Store *s, const char *profile, const char *const *spec,
                                       size_t nspec, bool dry_run)
{
    profile = abs_path(profile);
    int lk = lock_profile(profile);
    if (lk < 0)
        return sb_fmt("locking profile '%s': %s", profile, strerror(errno));
    const char *err = NULL;
    size_t n;
    ProfileGen *g = profile_generations(s, profile, &n, &err);
    if (!g)
        goto out;
    long cur = profile_current(profile);
    bool *del = GC_MALLOC_ATOMIC((n ? n : 1) * sizeof *del);
    memset(del, 0, (n ? n : 1) * sizeof *del);
    if (nspec == 1 && !strcmp(spec[0], "old")) {
        for (size_t i = 0; i < n; i++)
            del[i] = g[i].num != cur;
    } else if (nspec == 1 && spec[0][0] == '+') {
        char *end;
        long k = strtol(spec[0] + 1, &end, 10);
        if (*end || k <= 0) {
            err = sb_fmt("invalid number of generations to keep: '%s'", spec[0]);
            goto out;
        }
        /* Keep the current generation and the k-1 before it; newer ones are kept too. */
        long kept = 0;
        for (size_t i = n; i-- > 0;) {
            if (g[i].num > cur)
                continue;
            if (kept < k)
                kept++;
            else
                del[i] = true;
        }
    } else if (nspec == 1 && *spec[0] && spec[0][strlen(spec[0]) - 1] == 'd') {
        char *end;
        long days = strtol(spec[0], &end, 10);
        if (*end != 'd' || end[1] || days < 0) {
            err = sb_fmt("invalid number of days specifier '%s'", spec[0]);
            goto out;
        }
        time_t cutoff = time(NULL) - (time_t)days * 86400;
        /* Generations made before the cutoff go, except the newest of them: it was the one
         * in use at the cutoff. */
        bool seen_active = false;
        for (size_t i = n; i-- > 0;) {
            if (g[i].date > cutoff)
                continue;
            if (!seen_active) {
                seen_active = true;
                continue;
            }
            del[i] = g[i].num != cur;
        }
    } else {
        for (size_t j = 0; j < nspec; j++) {
            char *end;
            long num = strtol(spec[j], &end, 10);
            if (*end || num <= 0) {
                err = sb_fmt("invalid generation specifier '%s'", spec[j]);
                goto out;
            }
            if (num == cur) {
                err = sb_fmt("cannot delete the current generation (%ld) of profile '%s'", num, profile);
                goto out;
            }
            size_t i = 0;
            while (i < n && g[i].num != num)
                i++;
            if (i == n) {
                err = sb_fmt("generation %ld does not exist", num);
                goto out;
            }
            del[i] = true;
        }
    }
    for (size_t i = 0; i < n && !err; i++)
        if (del[i])
            err = delete_gen(s, &g[i], dry_run);
    if (!dry_run)
        sync_dir(dir_of(profile));
out:
    close(lk);
    return err;
}

/* The elements of the current generation (none if the profile does not exist yet). The
 * generation link names a logical store path: read it through the store's real path. */
ProfileElem *profile_current_elems(Store *s, const char *profile, size_t *n, const char **err)
{
    *n = 0;
    *err = NULL;
    long cur = profile_current(profile);
    if (!cur)
        return GC_MALLOC(sizeof(ProfileElem));
    size_t ng;
    ProfileGen *g = profile_generations(s, profile, &ng, err);
    for (size_t i = 0; g && i < ng; i++)
        if (g[i].num == cur)
            return profile_read_manifest(store_real_path(s, g[i].target), n, err);
    if (!*err)
        *err = "the profile's current generation link is missing";
    return NULL;
}

int profile_commit(Store *s, const StoreConfig *cfg, const char *profile, const ProfileElem *el, size_t n,
                   long *num, const char **env, const char **err)
{
    int st = profile_realise(s, cfg, el, n, err);
    if (st)
        return st;
    if ((*err = profile_build_env(s, el, n, env)) || (*err = profile_new_generation(s, profile, *env, num)))
        return 1;
    return 0;
}
