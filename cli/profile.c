/* cnix profile: declarative switch, generations (history, rollback, switch-generation,
 * delete-generations), imperative install/remove/upgrade/list, diff-closures. */
#include "builtins/derivation.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "flake/flake.h"
#include "profile/elems.h"

#define GC_THREADS
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One evaluation: FILE (or EXPR) and an attribute path, giving a list of derivations. */
typedef struct EvalJob {
    const char *file, *expr, *attr;
    const AutoArg *args; /* --arg/--argstr for this evaluation */
    int nargs;
    ProfileElem *elems;
    size_t n;
} EvalJob;

typedef struct ProfileCmd {
    CliSession *s;
    const char *profile;
    EvalJob *jobs;
    size_t njobs;
} ProfileCmd;

static void usage(void)
{
    fprintf(stderr,
            "usage: cnix profile COMMAND [--profile PATH] ...\n"
            "  switch FILE [-A ATTR] [--arg NAME EXPR] [--argstr NAME STR]\n"
            "                          FILE gives a list of derivations or { packages = [...]; }\n"
            "  install (-f FILE -A ATTR | -E EXPR | FLAKEREF#ATTR)   add packages (replacing same-named ones)\n"
            "  remove NAME...          remove packages by name or pname\n"
            "  upgrade                 re-evaluate each package's origin, take newer versions\n"
            "  list                    installed packages and their outputs\n"
            "  history | --list-generations\n"
            "  rollback | switch-generation N\n"
            "  delete-generations old | N... | +K | Nd   [--dry-run]\n"
            "  diff-closures           version and size changes between generations\n"
            "The default profile is $XDG_STATE_HOME/cnix/profiles/profile (~/.local/state/...).\n");
}

static void run_job(EvalState *st, ProfileCmd *c, EvalJob *j)
{
    const Source *src;
    if (j->expr)
        src = cli_string_source(st, j->expr);
    else {
        const char *path = eval_resolve_import_path(st, j->file, 0);
        if (!(src = cli_file_source(st, path)))
            eval_error(st, ERR_IO, 0, "opening file '%s': %s", path, strerror(errno));
    }
    Expr *e = cli_parse(st, src);
    eval_bind(st, e);
    Value *root = eval_thunk_new(st, NULL, e);
    EvalOpts o = c->s->opts;
    o.auto_args = (AutoArg *)j->args;
    o.nauto_args = j->nargs;
    Bindings *args = cli_auto_args(st, &o);
    Value *v = val_alloc(st);
    cli_attr_path(st, args, j->attr ? j->attr : "", root, v);
    ProfileOrigin origin = {j->file, j->expr, j->attr, j->args, j->nargs};
    j->elems = profile_elems_of_value(st, v, &origin, &j->n);
}

static void run_eval(CliSession *s, void *p)
{
    ProfileCmd *c = p;
    for (size_t i = 0; i < c->njobs; i++)
        run_job(s->st, c, &c->jobs[i]);
}

static int evaluate(ProfileCmd *c)
{
    c->s->writable = true;
    return cli_session_run(c->s, run_eval, c);
}

/* Builds the environment of el and makes it the next generation. */
static int commit(ProfileCmd *c, Store *s, const ProfileElem *el, size_t n)
{
    const char *env, *err = NULL;
    long num = 0;
    int st = profile_commit(s, &c->s->cfg, c->profile, el, n, &num, &env, &err);
    if (st) {
        fprintf(stderr, "error: %s\n", err);
        return st;
    }
    fprintf(stderr, "profile '%s' is now generation %ld (%s)\n", c->profile, num, env);
    return 0;
}

static void print_history(Store *s, const char *profile)
{
    const char *err = NULL;
    size_t n;
    ProfileGen *g = profile_generations(s, profile, &n, &err);
    for (size_t i = 0; g && i < n; i++) {
        struct tm tm;
        localtime_r(&g[i].date, &tm);
        char date[64];
        strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
        printf("%4ld   %s   %s\n", g[i].num, date, g[i].current ? "(current)" : "");
    }
}

/* ---- the command ---- */

static EvalJob *add_job(ProfileCmd *c)
{
    EvalJob *v = GC_MALLOC((c->njobs + 1) * sizeof *v);
    if (c->njobs)
        memcpy(v, c->jobs, c->njobs * sizeof *v);
    c->jobs = v;
    EvalJob *j = &c->jobs[c->njobs++];
    j->args = c->s->opts.auto_args;
    j->nargs = c->s->opts.nauto_args;
    return j;
}

int cli_profile(int argc, char **argv)
{
    ProfileCmd *c = GC_MALLOC(sizeof *c);
    c->s = GC_MALLOC(sizeof *c->s);
    if (!cli_session_init(c->s, "cnix profile"))
        return 1;
    const char *verb = NULL, *file = NULL, *expr = NULL, *attr = NULL;
    const char **rest = GC_MALLOC((size_t)argc * sizeof(char *));
    size_t nrest = 0;
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--dry-run")) {
            dry_run = true;
            continue;
        }
        int r = cli_session_option(c->s, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (!strcmp(a, "-A") || !strcmp(a, "--attr") || !strcmp(a, "-f") || !strcmp(a, "--file") ||
            !strcmp(a, "-E") || !strcmp(a, "--expr") || !strcmp(a, "--profile") || !strcmp(a, "-p")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag '%s' requires 1 argument\n", a);
                return 1;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-A") || !strcmp(a, "--attr"))
                attr = v;
            else if (!strcmp(a, "-f") || !strcmp(a, "--file"))
                file = v;
            else if (!strcmp(a, "-E") || !strcmp(a, "--expr"))
                expr = v;
            else
                c->profile = v;
        } else if (!strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!verb && !strcmp(a, "--list-generations"))
            verb = "history";
        else if (!verb && !strcmp(a, "--rollback"))
            verb = "rollback";
        else if (a[0] == '-' && a[1] && !(verb && !strcmp(verb, "delete-generations"))) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage();
            return 1;
        } else if (!verb)
            verb = a;
        else
            rest[nrest++] = a;
    }
    if (!verb) {
        usage();
        return 1;
    }
    if (!cli_session_open_store(c->s))
        return 1;
    Store *s = c->s->store;
    if (!store_is_local(s)) {
        /* generations are links into the store on this machine, rooted in its state dir */
        fprintf(stderr, "error: profiles need a local store, not '%s'\n", store_uri(s));
        return 1;
    }
    if (!c->profile)
        c->profile = profile_default_path(s);
    c->profile = cli_abs_path(c->profile);
    const char *err = NULL;

    if (!strcmp(verb, "switch")) {
        if (nrest == 1 && !file)
            file = rest[0];
        else if (nrest) {
            fprintf(stderr, "error: 'switch' takes one FILE\n");
            return 1;
        }
        if (!file && !expr) {
            fprintf(stderr, "error: 'switch' needs a FILE (or -E EXPR)\n");
            return 1;
        }
        EvalJob *j = add_job(c);
        j->file = file ? cli_abs_path(file) : NULL;
        j->expr = expr;
        j->attr = attr;
        if (evaluate(c))
            return 1;
        return commit(c, s, c->jobs[0].elems, c->jobs[0].n);
    }
    if (!strcmp(verb, "install")) {
        /* FLAKEREF#ATTR: recorded as a getFlake expression, so upgrade locks it again */
        if (nrest == 1 && !file && !expr && flake_is_installable(rest[0]))
            expr = flake_installable_expr(rest[0], cli_cwd());
        else if (nrest == 1 && !file && !expr)
            file = rest[0];
        if (!file && !expr) {
            fprintf(stderr, "error: 'install' needs -f FILE [-A ATTR] or -E EXPR\n");
            return 1;
        }
        EvalJob *j = add_job(c);
        j->file = file ? cli_abs_path(file) : NULL;
        j->expr = expr;
        j->attr = attr;
        if (evaluate(c))
            return 1;
        size_t n;
        ProfileElem *cur = profile_current_elems(s, c->profile, &n, &err);
        if (!cur) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        size_t m;
        ProfileElem *all = profile_install(cur, n, c->jobs[0].elems, c->jobs[0].n, &m);
        return commit(c, s, all, m);
    }
    if (!strcmp(verb, "remove")) {
        size_t n;
        ProfileElem *cur = profile_current_elems(s, c->profile, &n, &err);
        if (!cur) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        size_t m;
        ProfileElem *keep = profile_remove(cur, n, rest, nrest, &m, &err);
        if (!keep) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        return commit(c, s, keep, m);
    }
    if (!strcmp(verb, "upgrade")) {
        size_t n;
        ProfileElem *cur = profile_current_elems(s, c->profile, &n, &err);
        if (!cur) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        /* One evaluation per element with an origin; the new element of the same pname
         * replaces it. */
        size_t *job_of = GC_MALLOC_ATOMIC((n + 1) * sizeof *job_of);
        for (size_t i = 0; i < n; i++) {
            job_of[i] = (size_t)-1;
            if (!cur[i].origin_file && !cur[i].origin_expr)
                continue;
            EvalJob *j = add_job(c);
            j->file = cur[i].origin_file;
            j->expr = cur[i].origin_expr;
            j->attr = cur[i].origin_attr;
            /* The recorded arguments, then those given now (later ones win). */
            const AutoArg *rec;
            int nrec;
            profile_origin_args(&cur[i], &rec, &nrec);
            AutoArg *all = GC_MALLOC((size_t)(nrec + c->s->opts.nauto_args + 1) * sizeof *all);
            for (int k = 0; k < nrec; k++)
                all[k] = rec[k];
            for (int k = 0; k < c->s->opts.nauto_args; k++)
                all[nrec + k] = c->s->opts.auto_args[k];
            j->args = all;
            j->nargs = nrec + c->s->opts.nauto_args;
            job_of[i] = c->njobs - 1;
        }
        if (c->njobs && evaluate(c))
            return 1;
        for (size_t i = 0; i < n; i++) {
            if (job_of[i] == (size_t)-1)
                continue;
            EvalJob *j = &c->jobs[job_of[i]];
            const ProfileElem *u = profile_upgrade_of(&cur[i], j->elems, j->n);
            if (!u)
                continue;
            if (strcmp(u->name, cur[i].name))
                fprintf(stderr, "upgrading '%s' to '%s'\n", cur[i].name, u->name);
            cur[i] = *u;
        }
        return commit(c, s, cur, n);
    }
    if (!strcmp(verb, "list")) {
        size_t n;
        ProfileElem *cur = profile_current_elems(s, c->profile, &n, &err);
        if (!cur) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            printf("%s", cur[i].name);
            for (size_t k = 0; k < cur[i].nouts; k++)
                printf(" %s", cur[i].out_paths[k]);
            printf("\n");
        }
        return 0;
    }
    if (!strcmp(verb, "history")) {
        print_history(s, c->profile);
        return 0;
    }
    if (!strcmp(verb, "rollback")) {
        long num = 0, from = profile_current(c->profile);
        if ((err = profile_rollback(s, c->profile, &num))) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        fprintf(stderr, "switching profile from version %ld to %ld\n", from, num);
        return 0;
    }
    if (!strcmp(verb, "switch-generation")) {
        char *end = NULL;
        long num = nrest == 1 ? strtol(rest[0], &end, 10) : 0;
        if (nrest != 1 || *end || num <= 0) {
            fprintf(stderr, "error: 'switch-generation' takes one generation number\n");
            return 1;
        }
        long from = profile_current(c->profile);
        if ((err = profile_switch_generation(s, c->profile, num))) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        fprintf(stderr, "switching profile from version %ld to %ld\n", from, num);
        return 0;
    }
    if (!strcmp(verb, "delete-generations")) {
        if (!nrest) {
            fprintf(stderr, "error: 'delete-generations' needs old, +K, Nd or generation numbers\n");
            return 1;
        }
        if ((err = profile_delete_generations(s, c->profile, rest, nrest, dry_run))) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (!strcmp(verb, "diff-closures")) {
        size_t n;
        ProfileGen *g = profile_generations(s, c->profile, &n, &err);
        if (!g) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        for (size_t i = 1; i < n; i++) {
            StrBuf out;
            sb_init(&out);
            profile_diff_closures(s, g[i - 1].target, g[i].target, &out);
            printf("Version %ld -> %ld:\n%s", g[i - 1].num, g[i].num, out.data);
        }
        return 0;
    }
    fprintf(stderr, "error: unknown profile command '%s'\n", verb);
    usage();
    return 1;
}
