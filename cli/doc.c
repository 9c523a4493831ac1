/* cnix doc: prints the documentation of builtins from the primop tables. */
#include <stdio.h>
#include <string.h>

#include "builtins/builtins.h"
#include "cli/cli.h"
#include "native/native.h"

static void doc_print(const PrimOp *p)
{
    printf("builtins.%s %s\n\n%s\n", p->name, p->args ? p->args : "", p->doc ? p->doc : "");
}

/* A plugin primop named name (plugins win, as they replace builtins), else a table's. */
static const PrimOp *doc_find(const PrimOp **plugin_ops, const char *name)
{
    for (const PrimOp **p = plugin_ops; p && *p; p++)
        if (strcmp((*p)->name, name) == 0)
            return *p;
    return bi_find_primop(name);
}

int cli_doc(int argc, char **argv)
{
    /* --plugin-files adds the plugins' primops. */
    EvalSettings settings = {0};
    const char *err = NULL;
    int nnames = 0;
    for (int i = 1; i < argc; i++) {
        if (native_cli_option(&settings, argc, argv, &i, &err)) {
            if (err) {
                fprintf(stderr, "error: %s\n", err);
                return 1;
            }
            continue;
        }
        argv[1 + nnames++] = argv[i];
    }
    const PrimOp **plugin_ops = NULL;
    const char *files = native_plugin_files(&settings);
    if (files && *files && !(plugin_ops = native_plugins_load(files, &err))) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    if (nnames == 0) {
        for (const PrimOp *const *t = bi_all_tables; *t; t++)
            for (const PrimOp *p = *t; p->name; p++)
                printf("%s\n", p->name);
        for (const PrimOp **p = plugin_ops; p && *p; p++)
            printf("%s\n", (*p)->name);
        return 0;
    }
    int rc = 0;
    for (int i = 1; i <= nnames; i++) {
        const char *name = argv[i];
        if (strncmp(name, "builtins.", 9) == 0)
            name += 9;
        const PrimOp *p = doc_find(plugin_ops, name);
        if (!p) {
            fprintf(stderr, "error: no builtin named '%s'\n", name);
            rc = 1;
            continue;
        }
        doc_print(p);
    }
    return rc;
}
