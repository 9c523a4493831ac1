/* cnix repl: placeholder until its module lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_repl(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: 'cnix repl' is not implemented yet\n");
    return 1;
}
