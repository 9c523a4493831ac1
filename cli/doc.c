/* cnix doc: prints the documentation of builtins from the primop tables. */
#include <stdio.h>
#include <string.h>

#include "builtins/registry.h"
#include "cli/cli.h"

static void doc_print(const PrimOp *p)
{
    printf("builtins.%s %s\n\n%s\n", p->name, p->args ? p->args : "", p->doc ? p->doc : "");
}

int cli_doc(int argc, char **argv)
{
    if (argc < 2) {
        for (const PrimOp *const *t = bi_all_tables; *t; t++)
            for (const PrimOp *p = *t; p->name; p++)
                printf("%s\n", p->name);
        return 0;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (strncmp(name, "builtins.", 9) == 0)
            name += 9;
        const PrimOp *p = bi_find_primop(name);
        if (!p) {
            fprintf(stderr, "error: no builtin named '%s'\n", name);
            rc = 1;
            continue;
        }
        doc_print(p);
    }
    return rc;
}
