/* cnix command line: picks the subcommand (or nix-instantiate mode) and dispatches. */
#define GC_THREADS
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"instantiate", cli_instantiate, "evaluate or parse expressions like nix-instantiate"},
    {"eval", cli_eval, "evaluate an expression like nix eval"},
    {"repl", cli_repl, "interactive read-eval-print loop"},
    {"hash", cli_hash, "hash files and paths like nix-hash"},
    {"doc", cli_doc, "show the documentation of builtins"},
    {"store", cli_store, "store operations"},
    {"build", cli_build, "build derivations into the store"},
    {"log", cli_log, "show the build log of a derivation or output"},
    {"profile", cli_profile, "manage profiles and generations"},
    {"flake", cli_flake, "lock, update, inspect and show flakes"},
    {"registry", cli_registry, "list and edit the flake registries"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cnix COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

/* glibc: the stack pointer at process entry, above every frame of main's thread. */
extern void *__libc_stack_end;

/* Start-up shortcuts for the collector (the subcommands' own GC_INIT calls are then no-ops):
 * - the main thread's stack base is known, so GC_init need not parse /proc/self/maps
 *   through pthread_getattr_np (100K instructions);
 * - no collection at initialisation: there is nothing to collect yet, and it cost 1/6 of
 *   `cnix eval --expr 1`; the price is that black-listing starts empty. */
static void gc_init(void)
{
    struct GC_stack_base sb = {.mem_base = __libc_stack_end};
    GC_set_stackbottom(NULL, &sb);
    GC_set_dont_precollect(1);
    GC_INIT();
}

int main(int argc, char **argv)
{
    gc_init();
    const char *self = strrchr(argv[0], '/');
    self = self ? self + 1 : argv[0];
    if (strcmp(self, "nix-instantiate") == 0)
        return cli_instantiate(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
