/* cnix store: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_store(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix store' is not implemented yet\n");
    return 1;
}
