/* cnix profile: declarative switch, generations (history, rollback, switch-generation,
 * delete-generations), imperative install/remove/upgrade/list, diff-closures. */
#include "builtins/derivation.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "profile/profile.h"
#include "store/build.h"
#include "store/valid.h"
#include "util/drvname.h"

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
            "  install (-f FILE -A ATTR | -E EXPR)   add packages (replacing same-named ones)\n"
            "  remove NAME...          remove packages by name or pname\n"
            "  upgrade                 re-evaluate each package's origin, take newer versions\n"
            "  list                    installed packages and their outputs\n"
            "  history | --list-generations\n"
            "  rollback | switch-generation N\n"
            "  delete-generations old | N... | +K | Nd   [--dry-run]\n"
            "  diff-closures           version and size changes between generations\n"
            "The default profile is $XDG_STATE_HOME/cnix/profiles/profile (~/.local/state/...).\n");
}

static Value *get_attr(EvalState *st, Value *v, const char *name)
{
    Attr *a = attrs_find(v->attrs, sym_intern_cstr(st->symbols, name));
    if (!a)
        return NULL;
    eval_force(st, a->value, 0);
    return a->value;
}

static const char *get_str(EvalState *st, Value *v, const char *name)
{
    Value *a = get_attr(st, v, name);
    return a ? eval_force_string(st, a, 0, NULL) : NULL;
}

/* Splits name as builtins.parseDrvName does (GC strings). */
static void split_name(const char *name, const char **pname, const char **version)
{
    DrvName dn = drvname_parse(name, strlen(name));
    *pname = GC_strndup(name, dn.name_len);
    *version = dn.version;
}

static const char *encode_args(const AutoArg *a, int n)
{
    if (!n)
        return NULL;
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s%s %s %s", i ? "\n" : "", a[i].is_str ? "argstr" : "arg", a[i].name, a[i].text);
    return sb_finish(&sb);
}

/* Inverse of encode_args; TEXT may itself hold newlines, so a line that does not start with
 * "arg " or "argstr " continues the previous one. */
static void decode_args(const char *s, const AutoArg **out, int *n)
{
    *n = 0;
    *out = NULL;
    if (!s)
        return;
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == '\n';
    AutoArg *v = GC_MALLOC(cap * sizeof *v);
    int cnt = 0;
    const char *p = s;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = GC_strndup(p, len);
        bool is_str = !strncmp(line, "argstr ", 7), is_arg = !strncmp(line, "arg ", 4);
        const char *sp = (is_str || is_arg) ? strchr(line + (is_str ? 7 : 4), ' ') : NULL;
        if (sp) {
            const char *name = line + (is_str ? 7 : 4);
            v[cnt++] = (AutoArg){GC_strndup(name, (size_t)(sp - name)), sp + 1, is_str};
        } else if (cnt) {
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "%s\n%s", v[cnt - 1].text, line);
            v[cnt - 1].text = sb_finish(&sb);
        }
        p += len + (nl ? 1 : 0);
    }
    *out = v;
    *n = cnt;
}

static void elem_of(EvalState *st, EvalJob *j, Value *v, size_t idx, ProfileElem *el)
{
    eval_force(st, v, 0);
    if (!eval_is_derivation(st, v))
        eval_error(st, ERR_TYPE, 0, "element %zu of the package list of '%s' is %s, not a derivation", idx,
                   j->file ? j->file : "(expression)", eval_type_name(v));
    el->name = get_str(st, v, "name");
    if (!el->name)
        eval_error(st, ERR_TYPE, 0, "element %zu of the package list has no name", idx);
    split_name(el->name, &el->pname, &el->version);
    const char *pn = get_str(st, v, "pname"), *ver = get_str(st, v, "version");
    if (pn)
        el->pname = pn;
    if (ver)
        el->version = ver;
    el->priority = 5;
    const char **outs = NULL;
    size_t nouts = 0;
    Value *meta = get_attr(st, v, "meta");
    if (meta && meta->type == T_ATTRS) {
        Value *pr = get_attr(st, meta, "priority");
        if (pr)
            el->priority = eval_force_int(st, pr, 0, "while evaluating meta.priority");
        Value *oti = get_attr(st, meta, "outputsToInstall");
        if (oti) {
            eval_force_list(st, oti, 0, "while evaluating meta.outputsToInstall");
            nouts = oti->len;
            outs = GC_MALLOC((nouts + 1) * sizeof *outs);
            for (size_t k = 0; k < nouts; k++)
                outs[k] = eval_force_string(st, oti->list.elems[k], 0, NULL);
        }
    }
    if (!nouts) {
        const char *on = get_str(st, v, "outputName");
        outs = GC_MALLOC(sizeof *outs);
        outs[0] = on ? on : "out";
        nouts = 1;
    }
    el->drv = get_str(st, v, "drvPath");
    el->out_names = outs;
    el->out_paths = GC_MALLOC(nouts * sizeof(char *));
    el->nouts = nouts;
    for (size_t k = 0; k < nouts; k++) {
        Value *ov = get_attr(st, v, outs[k]);
        const char *p = ov && ov->type == T_ATTRS ? get_str(st, ov, "outPath") : NULL;
        if (!p)
            eval_error(st, ERR_TYPE, 0, "package '%s' has no output '%s'", el->name, outs[k]);
        el->out_paths[k] = p;
    }
    el->origin_file = j->file;
    el->origin_expr = j->expr;
    el->origin_attr = j->attr;
    el->origin_args = encode_args(j->args, j->nargs);
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
    Value *root = val_alloc(st);
    root->type = T_THUNK;
    root->thunk.env = st->base_env;
    root->thunk.expr = e;
    EvalOpts o = c->s->opts;
    o.auto_args = (AutoArg *)j->args;
    o.nauto_args = j->nargs;
    Bindings *args = cli_auto_args(st, &o);
    Value *v = val_alloc(st);
    cli_attr_path(st, args, j->attr ? j->attr : "", root, v);
    eval_force(st, v, 0);
    if (v->type == T_ATTRS && !eval_is_derivation(st, v)) {
        Value *p = get_attr(st, v, "packages");
        if (p)
            v = p;
    }
    if (v->type == T_ATTRS && eval_is_derivation(st, v)) {
        j->n = 1;
        j->elems = GC_MALLOC(sizeof *j->elems);
        elem_of(st, j, v, 0, &j->elems[0]);
        return;
    }
    if (v->type != T_LIST)
        eval_error(st, ERR_TYPE, 0,
                   "'%s' evaluates to %s, not a list of derivations or a set with a 'packages' list",
                   j->file ? j->file : "(expression)", eval_type_name(v));
    j->n = v->len;
    j->elems = GC_MALLOC((j->n ? j->n : 1) * sizeof *j->elems);
    for (size_t i = 0; i < j->n; i++)
        elem_of(st, j, v->list.elems[i], i, &j->elems[i]);
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

/* Builds what the elements need; on failure the profile is left alone. */
static int realise(ProfileCmd *c, LocalStore *s, const ProfileElem *el, size_t n)
{
    const char **drvs = GC_MALLOC((n ? n : 1) * sizeof *drvs);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        bool valid = true;
        for (size_t k = 0; k < el[i].nouts; k++)
            valid = valid && store_is_valid(s, el[i].out_paths[k]);
        if (!valid && el[i].drv)
            drvs[nd++] = el[i].drv;
    }
    if (nd) {
        int st = store_realise(s, &c->s->cfg, drvs, nd);
        if (st) {
            fprintf(stderr, "error: building the packages failed; the profile is unchanged\n");
            return st;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < el[i].nouts; k++)
            if (!store_is_valid(s, el[i].out_paths[k])) {
                fprintf(stderr, "error: output '%s' of package '%s' is not valid\n", el[i].out_paths[k],
                        el[i].name);
                return 1;
            }
    return 0;
}

/* Builds the environment of el and makes it the next generation. */
static int commit(ProfileCmd *c, LocalStore *s, const ProfileElem *el, size_t n)
{
    int st = realise(c, s, el, n);
    if (st)
        return st;
    const char *env, *err = profile_build_env(s, el, n, &env);
    long num = 0;
    if (!err)
        err = profile_new_generation(s, c->profile, env, &num);
    if (err) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    fprintf(stderr, "profile '%s' is now generation %ld (%s)\n", c->profile, num, env);
    return 0;
}

/* The elements of the current generation (none if the profile does not exist yet). The
 * generation link names a logical store path: read it through the store's real path. */
static ProfileElem *current_elems(LocalStore *s, const char *profile, size_t *n, const char **err)
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

static bool matches(const ProfileElem *e, const char *name)
{
    return !strcmp(e->name, name) || (e->pname && !strcmp(e->pname, name));
}

static void print_history(LocalStore *s, const char *profile)
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

/* ---- diff-closures ---- */

typedef struct Pkg {
    const char *pname;
    const char **versions;
    size_t nversions;
    uint64_t size;
} Pkg;

static Pkg *closure_pkgs(LocalStore *s, const char *root, size_t *n)
{
    size_t nc;
    const char **cl = store_closure(s, &root, 1, &nc);
    Pkg *v = GC_MALLOC((nc + 1) * sizeof *v);
    size_t cnt = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *name = store_path_name(store_dir(s), cl[i]);
        if (!name)
            continue;
        const char *pn, *ver;
        split_name(name, &pn, &ver);
        PathInfo info;
        uint64_t sz = store_query_info(s, cl[i], &info) ? info.nar_size : 0;
        size_t k = 0;
        while (k < cnt && strcmp(v[k].pname, pn))
            k++;
        if (k == cnt)
            v[cnt++] = (Pkg){pn, GC_MALLOC(nc * sizeof(char *)), 0, 0};
        bool have = false;
        for (size_t m = 0; m < v[k].nversions; m++)
            have = have || !strcmp(v[k].versions[m], ver);
        if (!have)
            v[k].versions[v[k].nversions++] = ver;
        v[k].size += sz;
    }
    *n = cnt;
    return v;
}

static const char *versions_str(const Pkg *p)
{
    if (!p)
        return "∅";
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < p->nversions; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", *p->versions[i] ? p->versions[i] : "ε");
    return sb_finish(&sb);
}

static void diff_closures(LocalStore *s, const char *a, const char *b)
{
    size_t na, nb;
    Pkg *pa = closure_pkgs(s, a, &na), *pb = closure_pkgs(s, b, &nb);
    const char **names = GC_MALLOC((na + nb + 1) * sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < na + nb; i++) {
        const char *pn = i < na ? pa[i].pname : pb[i - na].pname;
        bool have = false;
        for (size_t k = 0; k < nn; k++)
            have = have || !strcmp(names[k], pn);
        if (!have)
            names[nn++] = pn;
    }
    for (size_t i = 1; i < nn; i++) /* insertion sort: small sets */
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            const char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    for (size_t i = 0; i < nn; i++) {
        if (!strcmp(names[i], "user-environment"))
            continue;
        const Pkg *x = NULL, *y = NULL;
        for (size_t k = 0; k < na; k++)
            if (!strcmp(pa[k].pname, names[i]))
                x = &pa[k];
        for (size_t k = 0; k < nb; k++)
            if (!strcmp(pb[k].pname, names[i]))
                y = &pb[k];
        const char *vx = versions_str(x), *vy = versions_str(y);
        int64_t delta = (int64_t)(y ? y->size : 0) - (int64_t)(x ? x->size : 0);
        bool vchange = strcmp(vx, vy) != 0;
        if (!vchange && delta == 0)
            continue;
        printf("  %s:", names[i]);
        if (vchange)
            printf(" %s → %s", vx, vy);
        if (delta)
            printf("%s %+.1f KiB", vchange ? "," : "", (double)delta / 1024.0);
        printf("\n");
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
    LocalStore *s = c->s->store;
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
        if (nrest == 1 && !file && !expr)
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
        ProfileElem *cur = current_elems(s, c->profile, &n, &err);
        if (!cur) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        ProfileElem *all = GC_MALLOC((n + c->jobs[0].n + 1) * sizeof *all);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            bool replaced = false;
            for (size_t k = 0; k < c->jobs[0].n; k++)
                replaced = replaced || !strcmp(cur[i].pname, c->jobs[0].elems[k].pname);
            if (!replaced)
                all[m++] = cur[i];
        }
        for (size_t k = 0; k < c->jobs[0].n; k++)
            all[m++] = c->jobs[0].elems[k];
        return commit(c, s, all, m);
    }
    if (!strcmp(verb, "remove")) {
        size_t n;
        ProfileElem *cur = current_elems(s, c->profile, &n, &err);
        if (!cur) {
            fprintf(stderr, "error: %s\n", err);
            return 1;
        }
        for (size_t j = 0; j < nrest; j++) {
            bool found = false;
            for (size_t i = 0; i < n; i++)
                found = found || matches(&cur[i], rest[j]);
            if (!found) {
                fprintf(stderr, "error: no installed package matches '%s'\n", rest[j]);
                return 1;
            }
        }
        ProfileElem *keep = GC_MALLOC((n + 1) * sizeof *keep);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            bool drop = false;
            for (size_t j = 0; j < nrest; j++)
                drop = drop || matches(&cur[i], rest[j]);
            if (!drop)
                keep[m++] = cur[i];
        }
        return commit(c, s, keep, m);
    }
    if (!strcmp(verb, "upgrade")) {
        size_t n;
        ProfileElem *cur = current_elems(s, c->profile, &n, &err);
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
            decode_args(cur[i].origin_args, &rec, &nrec);
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
            for (size_t k = 0; k < j->n; k++)
                if (!strcmp(j->elems[k].pname, cur[i].pname)) {
                    if (strcmp(j->elems[k].name, cur[i].name))
                        fprintf(stderr, "upgrading '%s' to '%s'\n", cur[i].name, j->elems[k].name);
                    cur[i] = j->elems[k];
                    break;
                }
        }
        return commit(c, s, cur, n);
    }
    if (!strcmp(verb, "list")) {
        size_t n;
        ProfileElem *cur = current_elems(s, c->profile, &n, &err);
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
            printf("Version %ld -> %ld:\n", g[i - 1].num, g[i].num);
            diff_closures(s, g[i - 1].target, g[i].target);
        }
        return 0;
    }
    fprintf(stderr, "error: unknown profile command '%s'\n", verb);
    usage();
    return 1;
}
