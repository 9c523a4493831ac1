/* cnix command line: picks the subcommand (or nix-instantiate mode) and dispatches. */
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
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cnix COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
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
