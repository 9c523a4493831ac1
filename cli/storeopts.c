/* Store and build options shared by cnix build and cnix store. */
#include "cli/storeopts.h"

#include <stdio.h>
#include <string.h>

int cli_store_opt(StoreConfig *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *name = NULL, *value = NULL;
    int take = 0;
    if (!strcmp(a, "--option") && *i + 2 < argc && store_config_is_setting(argv[*i + 1])) {
        name = argv[*i + 1];
        value = argv[*i + 2];
        take = 2;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--max-jobs")) {
        name = "max-jobs";
        take = 1;
    } else if (!strcmp(a, "--cores")) {
        name = "cores";
        take = 1;
    } else if (!strcmp(a, "--store")) {
        name = "store";
        take = 1;
    } else if (!strcmp(a, "-k") || !strcmp(a, "--keep-going")) {
        c->keep_going = true;
        return 1;
    } else if (!strcmp(a, "-K") || !strcmp(a, "--keep-failed")) {
        c->keep_failed = true;
        return 1;
    } else if (!strcmp(a, "--dry-run")) {
        c->dry_run = true;
        return 1;
    } else if (!strcmp(a, "-Q") || !strcmp(a, "--no-build-output") || !strcmp(a, "--quiet")) {
        c->quiet = true;
        return 1;
    } else if (!strcmp(a, "--sandbox") || !strcmp(a, "--no-sandbox")) {
        store_config_set(c, "sandbox", a[2] == 's' ? "true" : "false");
        return 1;
    } else if (!strncmp(a, "--", 2) && store_config_is_setting(a + 2) && *i + 1 < argc) {
        name = a + 2; /* --max-jobs style for any setting, as in Nix */
        take = 1;
    } else
        return 0;
    if (*i + take >= argc) {
        fprintf(stderr, "error: flag '%s' requires %d argument%s\n", a, take, take > 1 ? "s" : "");
        return -1;
    }
    if (take == 1)
        value = argv[*i + 1];
    *i += take;
    const char *e = store_config_set(c, name, value);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return -1;
    }
    return 1;
}
