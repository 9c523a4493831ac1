/* cnix instantiate: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_instantiate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix instantiate' is not implemented yet\n");
    return 1;
}
