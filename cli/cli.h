/* Subcommands of the cnix binary; each returns the process exit code. */
#ifndef CNIX_CLI_CLI_H
#define CNIX_CLI_CLI_H

int cli_instantiate(int argc, char **argv); /* cli/instantiate.c: nix-instantiate */
int cli_eval(int argc, char **argv);        /* cli/eval.c: nix eval style */
int cli_repl(int argc, char **argv);        /* cli/repl.c */
int cli_hash(int argc, char **argv);        /* cli/hash.c: nix-hash style */
int cli_doc(int argc, char **argv);         /* cli/doc.c: primop documentation */
int cli_store(int argc, char **argv);       /* cli/store.c: store subcommands */
int cli_build(int argc, char **argv);       /* cli/build.c */
int cli_log(int argc, char **argv);         /* cli/build.c: show a build log */
int cli_profile(int argc, char **argv);     /* cli/profile.c */
int cli_flake(int argc, char **argv);       /* cli/flake.c */
int cli_registry(int argc, char **argv);    /* cli/registry.c */

#endif
