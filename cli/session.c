/* The one command session: settings, store, evaluator state, plugins, SIGINT, big stack. */
#include "cli/session.h"

#define GC_THREADS
#include <gc/gc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "builtins/builtins.h"
#include "builtins/derivation.h"
#include "native/native.h"
#include "util/strbuf.h"

/* A trusted nixConfig setting of a flake: flake settings, then store and build settings. */
static void apply_flake_setting(void *ctx, const char *name, const char *value)
{
    CliSession *s = ctx;
    if (flake_settings_set(&s->flake.settings, name, value))
        return;
    const char *base = strncmp(name, "extra-", 6) == 0 ? name + 6 : name;
    if (store_config_is_setting(base)) {
        const char *e = store_config_set(&s->cfg, name, value);
        if (e)
            fprintf(stderr, "warning: %s\n", e);
        return;
    }
    fprintf(stderr, "warning: unknown setting '%s'\n", name);
}

bool cli_session_init(CliSession *s, const char *command)
{
    GC_INIT();
    GC_allow_register_threads();
    memset(s, 0, sizeof *s);
    s->command = command;
    cli_opts_init(&s->opts);
    cli_flake_opts_init(&s->flake);
    s->flake.settings.apply_setting = apply_flake_setting;
    s->flake.settings.apply_ctx = s;
    const char *e = store_config_init(&s->cfg);
    if (e)
        fprintf(stderr, "error: %s\n", e);
    return !e;
}

int cli_session_option(CliSession *s, int argc, char **argv, int *i)
{
    int r = cli_flake_opt(&s->flake, argc, argv, i);
    if (r)
        return r;
    r = cli_store_opt(&s->cfg, argc, argv, i);
    if (r)
        return r;
    return cli_opts_parse(&s->opts, argc, argv, i);
}

int cli_session_store_option(CliSession *s, int argc, char **argv, int *i)
{
    return cli_store_opt(&s->cfg, argc, argv, i);
}

bool cli_session_open_store(CliSession *s)
{
    cli_opts_finish(&s->opts);
    const char *e = NULL;
    s->store = store_config_open(&s->cfg, &e);
    if (!s->store)
        fprintf(stderr, "error: %s\n", e);
    if (s->store) /* builtins.storeDir and the paths evaluation computes */
        s->opts.settings.store_dir = store_dir(s->store);
    return s->store != NULL;
}

const char *cli_session_add_root(CliSession *s, const char *path, const char *base, size_t nr,
                                 const char *output, const char **link)
{
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, base);
    if (nr > 1)
        sb_printf(&sb, "-%zu", nr);
    if (output && strcmp(output, "out"))
        sb_printf(&sb, "-%s", output);
    return store_add_perm_root(s->store, path, sb_finish(&sb), link);
}

Store *cli_session_open_other(CliSession *s, const char *uri)
{
    const char *e = NULL;
    Store *other = store_open(uri, &s->cfg.settings, &e);
    if (!other)
        fprintf(stderr, "error: %s\n", e);
    return other;
}

/* The one piece of process-global state: where SIGINT reports to. A signal handler cannot
 * be given a context pointer. */
static volatile int *interrupt_flag;

static void on_sigint(int sig)
{
    (void)sig;
    if (interrupt_flag)
        *interrupt_flag = 1;
}

typedef struct Run {
    CliSession *s;
    CliSessionFn fn;
    void *ctx;
} Run;

static void run_on_big_stack(void *p)
{
    Run *run = p;
    CliSession *s = run->s;
    /* Only this thread takes SIGINT (the caller blocks it): a select() or read() here
     * (the REPL's line editor) returns EINTR. */
    sigset_t intr;
    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &intr, NULL);
    /* Evaluation computes paths in the store's directory and uses the store opened. */
    s->opts.settings.store_dir = store_dir(s->store);
    EvalState *st = s->st = eval_state_new(&s->opts.settings);
    bi_open_all(st, s->store);
    const char *err = NULL;
    if (!native_load_plugins(st, &err)) {
        fprintf(stderr, "error: %s\n", err);
        s->status = 1;
        return;
    }
    flake_open(st, &s->flake.settings);
    if (s->writable) /* read-only is the default: no need to set up the store data */
        bi_store_set_writable(st, true);
    interrupt_flag = &st->interrupted;
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        run->fn(s, run->ctx);
        eval_try_leave(st, &f);
    } else {
        fflush(stdout);
        eval_print_error(st, f.error, stderr);
        /* CppNix's handling of a UsageError (e.g. an unknown hash algorithm) */
        if (f.error->kind == ERR_USAGE)
            fprintf(stderr, "Try '%s --help' for more information.\n", s->command);
        s->status = 1;
    }
    interrupt_flag = NULL;
    fflush(stdout);
    if (s->opts.stats)
        cli_print_stats(st, cli_cpu_seconds());
}

int cli_session_run(CliSession *s, CliSessionFn fn, void *ctx)
{
    /* No SA_RESTART: a blocking read must return so that the REPL sees the interrupt. */
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    sigset_t intr, old_mask;
    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);
    pthread_sigmask(SIG_BLOCK, &intr, &old_mask);
    Run run = {s, fn, ctx};
    eval_run_with_big_stack(run_on_big_stack, &run);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGINT, &old_sa, NULL);
    return s->status;
}
