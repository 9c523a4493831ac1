/* cnix eval: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix eval' is not implemented yet\n");
    return 1;
}
