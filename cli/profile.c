/* cnix profile: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_profile(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix profile' is not implemented yet\n");
    return 1;
}
