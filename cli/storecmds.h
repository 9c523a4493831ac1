/* The maintenance subcommands of cnix store (path-info, export, import, copy, gc, delete,
 * verify, generate-key, sign). */
#ifndef CNIX_CLI_STORECMDS_H
#define CNIX_CLI_STORECMDS_H

/* Runs subcommand name (argv[0] is the name); -1 if there is no such subcommand. */
int cli_store_subcommand(const char *name, int argc, char **argv);

#endif
