/* cnix hash: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_hash(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix hash' is not implemented yet\n");
    return 1;
}
