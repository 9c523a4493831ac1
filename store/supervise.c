/* The supervisor of one build's processes (see supervise.h), and the build directories'
 * locks. Everything up to store_sweep_build_dirs runs in a forked child of a multi-threaded,
 * garbage-collected process: no allocation there, only system calls. */
#include "store/supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/local.h"
#include "util/strbuf.h"

#define BUILD_DIR_LOCK ".lock"

/* ---- in the supervisor: no allocation ---- */

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static bool dot_or_dotdot(const char *n) { return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])); }

/* Removes name (relative to the directory dfd) and everything below it. Entries are read in
 * batches; a directory is re-read from its start until only "." and ".." are left, as
 * removing entries while reading on would skip some. Stays on one file system. */
static void delete_at(int dfd, const char *name, dev_t dev)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(dfd, name, 0);
        return;
    }
    if (st.st_dev != dev) /* a mount point left behind: never delete through it */
        return;
    fchmodat(dfd, name, 0700, 0);
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[2048];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        bool any = false;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
            off += de->d_reclen;
            if (dot_or_dotdot(de->d_name))
                continue;
            any = true;
            delete_at(fd, de->d_name, dev);
        }
        if (any)
            lseek(fd, 0, SEEK_SET);
    }
    close(fd);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

static void delete_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        delete_at(AT_FDCWD, path, st.st_dev);
}

/* The parent process id from /proc/PID/stat ("pid (comm) state ppid ..."; comm may hold
 * anything, so parse after the last ')'). -1 if unreadable. */
static pid_t ppid_of(const char *pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
        return -1;
    return (pid_t)strtol(p + 4, NULL, 10);
}

/* SIGKILLs every child of this process (found through /proc); returns how many, -1 if
 * /proc cannot be read. */
static int kill_children(void)
{
    pid_t self = getpid();
    int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int count = 0;
    char buf[4096];
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
            struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
            off += de->d_reclen;
            if (de->d_name[0] < '1' || de->d_name[0] > '9')
                continue;
            if (ppid_of(de->d_name) == self) {
                kill((pid_t)strtol(de->d_name, NULL, 10), SIGKILL);
                count++;
            }
        }
    close(fd);
    return count;
}

/* Kills the builder and every process descended from it. As a subreaper this process
 * inherits the orphans of the tree, so once it has no children left, nothing of the build
 * runs any more. */
static void kill_tree(pid_t builder)
{
    kill(-builder, SIGKILL); /* its process group (unsandboxed) */
    kill(builder, SIGKILL);  /* with the sandbox: the PID namespace's init, and so all of it */
    for (;;) {
        int found = kill_children();
        int ws;
        pid_t p = waitpid(-1, &ws, WNOHANG);
        if (p < 0 && errno == ECHILD)
            break;
        if (p == 0 && found < 0) /* no /proc: the orphans cannot be found */
            break;
        if (p == 0) { /* not blocking: an orphan may become ours after the scan */
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

static void exit_as(int ws) __attribute__((noreturn));
static void exit_as(int ws)
{
    if (WIFSIGNALED(ws)) {
        int sig = WTERMSIG(ws);
        signal(sig, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        kill(getpid(), sig);
    }
    _exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 1);
}

static void close_others(const BuildChild *bc)
{
    int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fds[256];
    int nf = 0;
    if (fd >= 0) {
        char buf[4096];
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
            for (long off = 0; off < n && nf < 256;) {
                struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
                off += de->d_reclen;
                int x = atoi(de->d_name);
                if (x >= 3 && x != fd)
                    fds[nf++] = x;
            }
        close(fd);
    } else
        for (int x = 3; x < 1024 && nf < 256; x++)
            fds[nf++] = x;
    for (int i = 0; i < nf; i++) {
        bool keep = false;
        for (size_t k = 0; k < bc->nkeep; k++)
            keep |= bc->keep_fds[k] == fds[i];
        if (!keep)
            close(fds[i]);
    }
}

static void cleanup_after_death(const BuildChild *bc)
{
    if (bc->sb)
        sandbox_detach(bc->sb);
    if (bc->build_dir)
        delete_tree(bc->build_dir);
}

void store_supervise(const BuildChild *bc)
{
    /* Told when the realiser dies, however it dies; it may have died already. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != bc->realiser) {
        cleanup_after_death(bc);
        _exit(1);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    close_others(bc);
    sigset_t waitset;
    sigemptyset(&waitset);
    sigaddset(&waitset, SIGCHLD);
    sigaddset(&waitset, SIGTERM);
    sigaddset(&waitset, SIGINT);
    sigaddset(&waitset, SIGHUP);
    sigaddset(&waitset, SIGQUIT);
    sigprocmask(SIG_BLOCK, &waitset, NULL);
    pid_t self = getpid();
    /* Inside a new PID namespace the builder cannot ask for its parent (getppid() is 0):
     * it learns that the supervisor is still there from this pipe's write end. */
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) < 0)
        alive[0] = alive[1] = -1;
    pid_t pid = bc->sb ? (pid_t)syscall(SYS_clone, sandbox_clone_flags(bc->sb) | SIGCHLD, NULL, NULL, NULL, NULL)
                       : fork();
    if (pid < 0) {
        dprintf(2, "error: starting the builder: %s\n", strerror(errno));
        _exit(1);
    }
    if (pid == 0) {
        sigset_t none; /* the realiser's blocked signals are not the builder's business */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (size_t k = 0; k < bc->nkeep; k++)
            close(bc->keep_fds[k]);
        /* The builder dies with its supervisor, even by SIGKILL; with the sandbox it is the
         * namespace's init, whose death takes every process in it along. (Inside the new
         * PID namespace getppid() is 0, so only the unsandboxed case can check the race.) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (alive[1] >= 0) {
            close(alive[1]);
            struct pollfd pf = {.fd = alive[0], .events = POLLIN};
            if (poll(&pf, 1, 0) > 0 && (pf.revents & POLLHUP)) /* the supervisor is gone */
                _exit(1);
            close(alive[0]);
        }
        if (!bc->sb) {
            if (getppid() != self)
                _exit(1);
            setpgid(0, 0);
        }
        bc->run(bc->arg);
        _exit(1);
    }
    if (alive[0] >= 0)
        close(alive[0]); /* alive[1] stays open until this process exits */
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&waitset, &si);
        if (sig < 0)
            continue;
        if (sig == SIGCHLD) {
            int ws = 0;
            pid_t p;
            bool done = false;
            while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
                if (p == pid) {
                    done = true;
                    break;
                }
            if (!done)
                continue;
            kill_tree(pid); /* what the builder left running */
            exit_as(ws);
        }
        /* Told to stop: by the realiser (which cleans up itself) or by its death. */
        kill_tree(pid);
        if (getppid() != bc->realiser)
            cleanup_after_death(bc);
        _exit(1);
    }
}

/* ---- in the realiser ---- */

int store_lock_build_dir(const char *dir)
{
    /* Locked before it gets its name, so a sweeper never sees it unlocked. */
    const char *tmp = sb_fmt("%s/%s.new", dir, BUILD_DIR_LOCK);
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX) < 0 || rename(tmp, sb_fmt("%s/%s", dir, BUILD_DIR_LOCK)) < 0) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    return fd;
}

void store_unlock_build_dir(const char *dir, int fd)
{
    unlink(sb_fmt("%s/%s", dir, BUILD_DIR_LOCK));
    if (fd >= 0)
        close(fd);
}

void store_sweep_build_dirs(const char *tmproot)
{
    DIR *d = opendir(tmproot);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "nix-build-", 10)) {
            const char *dir = sb_fmt("%s/%s", tmproot, de->d_name);
            struct stat st;
            if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
                continue;
            int fd = open(sb_fmt("%s/%s", dir, BUILD_DIR_LOCK), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0)
                continue;
            if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                /* nobody holds it: its realiser and supervisor are gone */
                sandbox_detach_dir(dir);
                delete_tree(dir);
            }
            close(fd);
        }
    closedir(d);
}
