/* Unit tests of the GC's protection of paths in use (store/roots.c): temporary roots of
 * live processes are seen, those of dead ones dropped, adders wait for the GC lock. */
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/gc.h"
#include "store/roots.h"

static int npass, nfail;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            npass++;                                                                               \
        else {                                                                                     \
            nfail++;                                                                               \
            fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond);                        \
        }                                                                                          \
    } while (0)

static const char P1[] = "/nix/store/00000000000000000000000000000001-one";
static const char P2[] = "/nix/store/00000000000000000000000000000002-two";

/* The store every test opens (children included): rooted in a temporary directory. */
static StoreSettings test_settings;

static Store *open_test_store(void)
{
    const char *err = NULL;
    Store *s = store_open("local", &test_settings, &err);
    if (!s) {
        fprintf(stderr, "store_open: %s\n", err);
        exit(1);
    }
    return s;
}

static bool has_root(Store *s, const char *p)
{
    size_t n;
    const char **roots = store_gc_roots(s, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(roots[i], p))
            return true;
    return false;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A child adds a root and waits on a pipe: its root is seen while it lives; once it is gone
 * (killed, so no exit handler runs) its file is stale and dropped. */
static void test_live_and_dead(Store *s, const char *state)
{
    int up[2], down[2];
    CHECK(pipe(up) == 0 && pipe(down) == 0);
    pid_t kid = fork();
    if (kid == 0) {
        Store *cs = open_test_store();
        char ok = store_add_temp_root(cs, P1) ? 'e' : 'k';
        if (write(up[1], &ok, 1) != 1)
            _exit(2);
        char c;
        if (read(down[0], &c, 1) < 0)
            _exit(2);
        _exit(0);
    }
    char c = 0;
    CHECK(read(up[0], &c, 1) == 1 && c == 'k');
    char file[4096];
    snprintf(file, sizeof file, "%.1000s/temproots/%ld", state, (long)kid);
    struct stat st;
    CHECK(stat(file, &st) == 0);
    CHECK(store_gc_lock(s) == NULL);
    CHECK(has_root(s, P1));
    store_gc_unlock(s);
    CHECK(stat(file, &st) == 0); /* a live process's file stays */
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    CHECK(stat(file, &st) == 0); /* left behind by the killed process */
    CHECK(!has_root(s, P1));
    CHECK(stat(file, &st) < 0 && errno == ENOENT); /* removed as stale */
}

/* Exiting normally removes the file. */
static void test_exit_removes(const char *state)
{
    pid_t kid = fork();
    if (kid == 0) {
        Store *cs = open_test_store();
        exit(store_add_temp_root(cs, P2) ? 2 : 0);
    }
    int status = -1;
    waitpid(kid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char file[4096];
    snprintf(file, sizeof file, "%.1000s/temproots/%ld", state, (long)kid);
    struct stat st;
    CHECK(stat(file, &st) < 0 && errno == ENOENT);
}

/* While the collector holds the lock, adding a root waits for it. */
static void test_adder_waits(Store *s)
{
    CHECK(store_gc_lock(s) == NULL);
    int up[2];
    CHECK(pipe(up) == 0);
    double t0 = now();
    pid_t kid = fork();
    if (kid == 0) {
        Store *cs = open_test_store();
        const char *e = store_add_temp_root(cs, P2);
        double t = now();
        if (write(up[1], &t, sizeof t) != (ssize_t)sizeof t)
            _exit(2);
        _exit(e ? 2 : 0);
    }
    struct timespec pause = {0, 400 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK(!has_root(s, P2)); /* not yet written */
    double t_unlock = now();
    store_gc_unlock(s);
    double t_added = 0;
    CHECK(read(up[0], &t_added, sizeof t_added) == (ssize_t)sizeof t_added);
    CHECK(t_added >= t_unlock); /* it was blocked until the unlock */
    CHECK(t_added - t0 >= 0.35);
    int status = -1;
    waitpid(kid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* CppNix's format (NUL-terminated) and ours both parse; garbage lines are ignored. */
static void test_formats(Store *s, const char *state)
{
    char file[4096];
    snprintf(file, sizeof file, "%.1000s/temproots/other", state);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("not a path\n", f);
    fwrite(P1, 1, sizeof P1, f); /* with its NUL */
    fwrite(P2, 1, sizeof P2, f);
    fclose(f);
    /* Hold its lock from a child, as a live process would. */
    int up[2], down[2];
    CHECK(pipe(up) == 0 && pipe(down) == 0);
    pid_t kid = fork();
    if (kid == 0) {
        FILE *g = fopen(file, "r");
        if (!g || flock(fileno(g), LOCK_EX) < 0 || write(up[1], "k", 1) != 1)
            _exit(2);
        char c;
        if (read(down[0], &c, 1) < 0)
            _exit(2);
        _exit(0);
    }
    char c = 0;
    CHECK(read(up[0], &c, 1) == 1 && c == 'k');
    CHECK(has_root(s, P1));
    CHECK(has_root(s, P2));
    CHECK(!has_root(s, "not a path"));
    if (write(down[1], "x", 1) != 1)
        nfail++;
    waitpid(kid, NULL, 0);
}

int main(void)
{
    GC_INIT();
    char dir[] = "/tmp/cnix-test-gcroots-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char state[1024];
    snprintf(state, sizeof state, "%s/var", dir);
    test_settings = (StoreSettings){.state_dir = state, .root = dir};
    Store *s = open_test_store();
    test_live_and_dead(s, state);
    test_exit_removes(state);
    test_adder_waits(s);
    test_formats(s, state);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
