/* cnix store maintenance subcommands. */
#include "cli/storecmds.h"

int cli_store_subcommand(const char *name, int argc, char **argv)
{
    (void)name;
    (void)argc;
    (void)argv;
    return -1;
}
