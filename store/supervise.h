/* The process tree of one build. The realiser forks a supervisor, which starts the builder
 * and outlives every process of the build: it is the builder's parent and a child subreaper
 * (so daemonised grandchildren become its children too), and with the sandbox it creates the
 * builder as the init of a new PID namespace (whose death ends all its processes). The
 * supervisor holds the build's locks (output paths, build directory) until the last process
 * of the build is gone, so a new build of the same outputs waits for it. When the realiser
 * dies by any signal, the supervisor is told (parent-death signal), kills the whole tree and
 * removes the build directory. */
#ifndef CNIX_STORE_SUPERVISE_H
#define CNIX_STORE_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "store/sandbox.h"

typedef struct BuildChild {
    pid_t realiser;         /* getpid() of the realiser, before the fork */
    const int *keep_fds;    /* the build's lock files: kept open by the supervisor only */
    size_t nkeep;
    const char *build_dir;  /* removed by the supervisor if the realiser dies */
    SandboxSpec *sb;        /* NULL: the builder runs in the realiser's namespaces */
    void (*run)(void *arg); /* in the builder process: execs the builder, never returns */
    void *arg;
} BuildChild;

/* In the child the realiser forked (stdin/stdout/stderr already set up): becomes the
 * supervisor of the build described by bc. Exits as the builder did (its exit code, or
 * killed by its signal). Does not allocate. */
void store_supervise(const BuildChild *bc) __attribute__((noreturn));

/* Removes the stale build directories under tmproot: those whose lock no supervisor holds
 * (their realiser and supervisor were both killed). Kept build directories (keep-failed)
 * have no lock file and stay. */
void store_sweep_build_dirs(const char *tmproot);

/* Creates the lock of a new build directory and returns its descriptor (-1 on error). */
int store_lock_build_dir(const char *dir);
/* Drops the lock of a build directory that is kept (keep-failed): it is no longer swept. */
void store_unlock_build_dir(const char *dir, int fd);

#endif
