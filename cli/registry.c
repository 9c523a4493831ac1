/* cnix registry list | add FROM TO | remove FROM | pin FROM [TO]: the flake registries. */
#define GC_THREADS
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/flakeopts.h"
#include "cli/session.h"

typedef struct RegistryCmd {
    const char *verb;
    const char *args[2];
    int nargs;
    const char *registry; /* --registry FILE instead of the user registry */
} RegistryCmd;

static void usage(void)
{
    fprintf(stderr, "usage: cnix registry list\n"
                    "       cnix registry add FROM TO\n"
                    "       cnix registry remove FROM\n"
                    "       cnix registry pin FROM [TO]\n"
                    "options: --registry FILE (default: the user registry), --option flake-registry PATH\n");
}

static void list(EvalState *st, const char *kind, const FlakeRegistry *r)
{
    for (uint32_t i = 0; i < r->n; i++)
        printf("%s %s %s\n", kind, flake_ref_to_string(st, &r->v[i].from), flake_ref_to_string(st, &r->v[i].to));
}

static FlakeAttrs parse_from(EvalState *st, const char *s)
{
    FlakeAttrs a = flake_ref_parse(st, s, cli_cwd(), 0);
    const char *type = flake_attrs_str(&a, "type");
    if (!type || strcmp(type, "indirect") != 0)
        eval_error(st, ERR_EVAL, 0, "'%s' is not an indirect flake reference (such as 'flake:nixpkgs')", s);
    return a;
}

static void run(CliSession *s, void *p)
{
    RegistryCmd *c = p;
    EvalState *st = s->st;
    FlakeSettings *fs = &s->flake.settings;
    const char *file = c->registry ? c->registry : fs->user_registry;
    if (strcmp(c->verb, "list") == 0) {
        if (c->nargs)
            eval_error(st, ERR_USAGE, 0, "unexpected argument '%s'", c->args[0]);
        FlakeRegistry u = file ? flake_registry_read(st, file) : (FlakeRegistry){0};
        list(st, "user  ", &u);
        if (fs->system_registry) {
            FlakeRegistry s = flake_registry_read(st, fs->system_registry);
            list(st, "system", &s);
        }
        if (fs->global_registry) {
            FlakeRegistry g = flake_registry_read(st, fs->global_registry);
            list(st, "global", &g);
        }
    } else {
        if (!file)
            eval_error(st, ERR_EVAL, 0, "no user registry: set HOME or XDG_CONFIG_HOME, or pass --registry FILE");
        FlakeRegistry r = flake_registry_read(st, file);
        int want = strcmp(c->verb, "add") == 0 ? 2 : strcmp(c->verb, "remove") == 0 ? 1 : -1;
        if ((want > 0 && c->nargs != want) || (want < 0 && c->nargs < 1))
            eval_error(st, ERR_USAGE, 0, "'cnix registry %s' takes %s", c->verb,
                       want == 2 ? "FROM and TO" : want == 1 ? "FROM" : "FROM [TO]");
        FlakeAttrs from = parse_from(st, c->args[0]);
        if (want == 2) {
            FlakeAttrs to = flake_ref_parse(st, c->args[1], cli_cwd(), 0);
            flake_registry_add(&r, &from, &to, false);
        } else if (want == 1) {
            if (!flake_registry_remove(&r, &from))
                eval_error(st, ERR_EVAL, 0, "flake '%s' is not in registry '%s'", flake_ref_to_string(st, &from),
                           file);
        } else {
            /* pin: the current resolution (or TO), locked */
            FlakeAttrs target = c->nargs > 1 ? flake_ref_parse(st, c->args[1], cli_cwd(), 0)
                                             : flake_resolve(st, fs, &from);
            FlakeTree t;
            flake_fetch(st, fs, &target, &t);
            flake_registry_add(&r, &from, &t.locked, false);
        }
        const char *e = flake_registry_write(&r, file);
        if (e)
            eval_error(st, ERR_IO, 0, "%s", e);
    }
}

int cli_registry(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage();
        return argc < 2;
    }
    RegistryCmd *c = GC_MALLOC(sizeof *c);
    c->verb = argv[1];
    if (strcmp(c->verb, "list") && strcmp(c->verb, "add") && strcmp(c->verb, "remove") && strcmp(c->verb, "pin")) {
        fprintf(stderr, "error: unknown registry command '%s'\n", c->verb);
        usage();
        return 1;
    }
    CliSession *s = GC_MALLOC(sizeof *s);
    if (!cli_session_init(s, "cnix registry"))
        return 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_session_option(s, argc, argv, &i);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (strcmp(a, "--registry") == 0 && i + 1 < argc)
            c->registry = argv[++i];
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            usage();
            return 1;
        } else if (c->nargs < 2)
            c->args[c->nargs++] = a;
        else {
            fprintf(stderr, "error: unexpected argument '%s'\n", a);
            return 1;
        }
    }
    if (!cli_session_open_store(s))
        return 1;
    return cli_session_run(s, run, c);
}
