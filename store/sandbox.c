/* Build isolation with Linux namespaces: a chroot holding only the input closure and the
 * sandbox-paths, in new mount/PID/network/UTS/IPC (and, when not root, user) namespaces. */
#include "store/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/local.h"
#include "store/nar.h"
#include "util/strbuf.h"
#include "util/fs.h"

typedef struct Mount {
    const char *source; /* on the host */
    const char *target; /* absolute path on the host, inside the chroot */
    bool readonly;
} Mount;

struct SandboxSpec {
    const char *root;      /* the chroot directory on the host */
    const char *build_dir; /* /build inside, as a host path */
    const char *proc;      /* root/proc */
    Mount *mounts;
    size_t nmounts;
    bool network;          /* keep the host network (fixed-output derivations) */
    bool user_ns;          /* not root: map ourselves to root in a user namespace */
    char uid_map[64], gid_map[64];
};

static int ns_flags(bool network)
{
    int f = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    if (!network)
        f |= CLONE_NEWNET;
    if (geteuid() != 0)
        f |= CLONE_NEWUSER;
    return f;
}

bool sandbox_available(const char **why)
{
    /* Whether namespaces can be created is a fact about this process; test it once. */
    static int cached = -1;
    static char reason[128];
    if (cached < 0) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(unshare(ns_flags(false)) == 0 ? 0 : errno & 0x7f);
        int ws = 0;
        if (pid < 0 || waitpid(pid, &ws, 0) < 0) {
            snprintf(reason, sizeof reason, "cannot fork to test namespaces");
            cached = 0;
        } else if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
            snprintf(reason, sizeof reason, "creating namespaces failed: %s",
                     WIFEXITED(ws) ? strerror(WEXITSTATUS(ws)) : "killed");
            cached = 0;
        } else
            cached = 1;
    }
    if (!cached)
        *why = reason;
    return cached == 1;
}

char *sandbox_build_dir_real(const char *tmpdir)
{
    char *d = sb_fmt("%s/build", tmpdir);
    mkdir(d, 0700);
    return d;
}

static void add_mount(Mount **v, size_t *n, size_t *cap, const char *src, const char *dst, bool ro)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        Mount *nv = GC_MALLOC(*cap * sizeof *nv);
        if (*n)
            memcpy(nv, *v, *n * sizeof *nv);
        *v = nv;
    }
    (*v)[(*n)++] = (Mount){src, dst, ro};
}

/* Creates the mount point for src at dst (a directory or an empty file). */
static const char *make_mount_point(const char *src, const char *dst)
{
    struct stat st;
    if (stat(src, &st) < 0)
        return sb_fmt("getting attributes of path '%s': %s", src, strerror(errno));
    char *parent = sb_fmt("%s", dst);
    *strrchr(parent, '/') = 0;
    if (*parent && !fs_mkdir_p(parent, 0755))
        return sb_fmt("creating directory '%s': %s", parent, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, 0755) < 0 && errno != EEXIST)
            return sb_fmt("creating directory '%s': %s", dst, strerror(errno));
    } else {
        int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return sb_fmt("creating '%s': %s", dst, strerror(errno));
        close(fd);
    }
    return NULL;
}

static const char *write_small(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return sb_fmt("creating '%s': %s", path, strerror(errno));
    ssize_t w = write(fd, text, strlen(text));
    close(fd);
    return w == (ssize_t)strlen(text) ? NULL : sb_fmt("writing '%s'", path);
}

SandboxSpec *sandbox_prepare(Store *s, const StoreConfig *cfg, const Derivation *d, const char *tmpdir,
                             const char *const *closure, size_t nclosure, const char **err)
{
    SandboxSpec *sb = GC_MALLOC(sizeof *sb);
    sb->root = sb_fmt("%s/root", tmpdir);
    sb->build_dir = sandbox_build_dir_real(tmpdir);
    sb->network = drv_is_fixed_output(d);
    sb->user_ns = geteuid() != 0;
    snprintf(sb->uid_map, sizeof sb->uid_map, "0 %u 1", (unsigned)geteuid());
    snprintf(sb->gid_map, sizeof sb->gid_map, "0 %u 1", (unsigned)getegid());
    const char *sd = store_dir(s);
    /* The store inside: writable (sticky) for the outputs; inputs bind-mounted read-only. */
    const char *inner_store = sb_fmt("%s%s", sb->root, sd);
    if (!fs_mkdir_p(inner_store, 0755) || chmod(inner_store, 01777) < 0) {
        *err = sb_fmt("creating '%s': %s", inner_store, strerror(errno));
        return NULL;
    }
    size_t cap = 0;
    const char *e;
    for (size_t i = 0; i < nclosure; i++) {
        const char *src = store_real_path(s, closure[i]);
        const char *dst = sb_fmt("%s%s", sb->root, closure[i]);
        if ((e = make_mount_point(src, dst))) {
            *err = e;
            return NULL;
        }
        add_mount(&sb->mounts, &sb->nmounts, &cap, src, dst, true);
    }
    bool own_etc = false;
    for (size_t i = 0; i < cfg->sandbox_paths.n; i++) {
        const char *p = cfg->sandbox_paths.v[i];
        bool optional = false;
        size_t len = strlen(p);
        if (len && p[len - 1] == '?') {
            optional = true;
            p = sb_fmt("%.*s", (int)(len - 1), p);
        }
        const char *eq = strchr(p, '=');
        const char *inside = eq ? sb_fmt("%.*s", (int)(eq - p), p) : p;
        const char *outside = eq ? eq + 1 : p;
        if (inside[0] != '/' || outside[0] != '/') {
            *err = sb_fmt("sandbox path '%s' is not absolute", cfg->sandbox_paths.v[i]);
            return NULL;
        }
        if (access(outside, F_OK) != 0) {
            if (optional)
                continue;
            *err = sb_fmt("path '%s' in sandbox-paths does not exist", outside);
            return NULL;
        }
        if (!strcmp(inside, "/etc") || !strncmp(inside, "/etc/", 5))
            own_etc = true;
        const char *dst = sb_fmt("%s%s", sb->root, inside);
        if ((e = make_mount_point(outside, dst))) {
            *err = e;
            return NULL;
        }
        add_mount(&sb->mounts, &sb->nmounts, &cap, outside, dst, false); /* writable, as in CppNix */
    }
    const char *dst = sb_fmt("%s%s", sb->root, SANDBOX_BUILD_DIR);
    if ((e = make_mount_point(sb->build_dir, dst))) {
        *err = e;
        return NULL;
    }
    add_mount(&sb->mounts, &sb->nmounts, &cap, sb->build_dir, dst, false);
    static const char *const devs[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                       "/dev/tty"};
    for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
        if (access(devs[i], F_OK) != 0)
            continue;
        const char *dd = sb_fmt("%s%s", sb->root, devs[i]);
        if ((e = make_mount_point(devs[i], dd))) {
            *err = e;
            return NULL;
        }
        add_mount(&sb->mounts, &sb->nmounts, &cap, devs[i], dd, false);
    }
    symlink("/proc/self/fd", sb_fmt("%s/dev/fd", sb->root));
    symlink("/proc/self/fd/0", sb_fmt("%s/dev/stdin", sb->root));
    symlink("/proc/self/fd/1", sb_fmt("%s/dev/stdout", sb->root));
    symlink("/proc/self/fd/2", sb_fmt("%s/dev/stderr", sb->root));
    fs_mkdir_p(sb_fmt("%s/dev/shm", sb->root), 01777);
    fs_mkdir_p(sb_fmt("%s/tmp", sb->root), 01777);
    chmod(sb_fmt("%s/tmp", sb->root), 01777);
    sb->proc = sb_fmt("%s/proc", sb->root);
    fs_mkdir_p(sb->proc, 0555);
    if (!own_etc) {
        const char *etc = sb_fmt("%s/etc", sb->root);
        fs_mkdir_p(etc, 0755);
        if ((e = write_small(sb_fmt("%s/passwd", etc), "root:x:0:0:Nix build user:/build:/noshell\n"
                                                     "nobody:x:65534:65534:Nobody:/:/noshell\n")) ||
            (e = write_small(sb_fmt("%s/group", etc), "root:x:0:\nnixbld:!:100:\nnogroup:x:65534:\n")) ||
            (e = write_small(sb_fmt("%s/hosts", etc), "127.0.0.1 localhost\n::1 localhost\n"))) {
            *err = e;
            return NULL;
        }
        if (sb->network) /* fixed-output derivations may fetch: they need name resolution */
            for (const char *const *f = (const char *const[]){"/etc/resolv.conf", "/etc/services", NULL}; *f; f++)
                if (access(*f, R_OK) == 0) {
                    const char *t = sb_fmt("%s%s", sb->root, *f);
                    if (!make_mount_point(*f, t))
                        add_mount(&sb->mounts, &sb->nmounts, &cap, *f, t, true);
                }
    }
    return sb;
}

/* ---- in the child: no allocation below ---- */

static void die(const char *what, const char *arg)
{
    dprintf(2, "error: sandbox: %s '%s': %s\n", what, arg, strerror(errno));
    _exit(1);
}

static void write_proc(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        die("writing", file);
    close(fd);
}

static void loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    ioctl(fd, SIOCSIFFLAGS, &ifr);
    close(fd);
}

int sandbox_clone_flags(const SandboxSpec *sb) { return ns_flags(sb->network); }

void sandbox_exec(SandboxSpec *sb, const char *builder, char *const *argv, char *const *envp)
{
    if (sb->user_ns) {
        write_proc("/proc/self/setgroups", "deny");
        write_proc("/proc/self/uid_map", sb->uid_map);
        write_proc("/proc/self/gid_map", sb->gid_map);
    }
    /* Nothing mounted here may reach the parent namespace. Where "/" is not a mount point
     * (a chroot) it cannot be made private (EINVAL); the sandbox root, bound onto itself and
     * made private before anything is mounted below it, stands in for it. That one bind
     * mount may show outside while the build runs; sandbox_detach removes it. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 && errno != EINVAL)
        die("making the mounts private at", "/");
    if (mount(sb->root, sb->root, NULL, MS_BIND | MS_REC, NULL) < 0)
        die("bind-mounting", sb->root);
    if (mount(NULL, sb->root, NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        die("making the mounts private at", sb->root);
    for (size_t i = 0; i < sb->nmounts; i++) {
        const Mount *m = &sb->mounts[i];
        if (mount(m->source, m->target, NULL, MS_BIND | MS_REC, NULL) < 0)
            die("bind-mounting", m->source);
        if (m->readonly &&
            mount(NULL, m->target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
            die("making read-only", m->target);
    }
    if (mount("none", sb->proc, "proc", 0, NULL) < 0)
        die("mounting /proc at", sb->proc);
    sethostname("localhost", 9);
    setdomainname("(none)", 6);
    if (!sb->network)
        loopback_up();
    if (chdir(sb->root) < 0)
        die("changing to", sb->root);
    /* pivot_root leaves no way back to the host's tree (a chroot does, for root); it needs
     * "/" to be a mount point, so inside a chroot only chroot is left. */
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (umount2(".", MNT_DETACH) < 0)
            die("detaching the host's root from", sb->root);
    } else if (errno != EINVAL)
        die("changing the root to", sb->root);
    if (chroot(".") < 0)
        die("entering the chroot", sb->root);
    if (chdir(SANDBOX_BUILD_DIR) < 0)
        die("changing to", SANDBOX_BUILD_DIR);
    execve(builder, argv, envp);
    dprintf(2, "error: executing '%s': %s\n", builder, strerror(errno));
    _exit(1);
}

void sandbox_detach(const SandboxSpec *sb) { umount2(sb->root, MNT_DETACH | UMOUNT_NOFOLLOW); }

void sandbox_detach_dir(const char *tmpdir) { umount2(sb_fmt("%s/root", tmpdir), MNT_DETACH | UMOUNT_NOFOLLOW); }

/* ---- after the build ---- */

const char *sandbox_output_real(SandboxSpec *sb, Store *s, const char *path)
{
    if (!sb)
        return store_real_path(s, path);
    return sb_fmt("%s%s", sb->root, path);
}

const char *sandbox_move_output(SandboxSpec *sb, Store *s, const char *path)
{
    if (!sb)
        return NULL;
    const char *from = sandbox_output_real(sb, s, path);
    const char *to = store_real_path(s, path);
    /* A directory output is read-only after canonicalisation; rename needs only its parent. */
    if (rename(from, to) == 0)
        return NULL;
    if (errno != EXDEV)
        return sb_fmt("moving '%s' to '%s': %s", from, to, strerror(errno));
    /* Another file system: copy through a NAR. */
    StrBuf nar;
    sb_init(&nar);
    const char *e = nar_dump_to_buf(from, NULL, NULL, &nar);
    if (!e)
        e = nar_restore((const uint8_t *)nar.data, nar.len, to);
    return e;
}

void sandbox_cleanup(SandboxSpec *sb)
{
    /* The mounts lived in the builder's mount namespace and vanished with it; only the
     * directories are left, removed with the build directory. */
    if (sb)
        sandbox_detach(sb);
}
