/* cnix build: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_build(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix build' is not implemented yet\n");
    return 1;
}
