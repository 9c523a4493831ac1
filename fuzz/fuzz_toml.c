/* libFuzzer target: the TOML parser must never crash or hang, and must either return a
 * tree or an error message. */
#include <gc/gc.h>
#include <stdint.h>
#include <stdlib.h>

#include "primops/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GC_INIT();
        init = 1;
    }
    const char *err = NULL;
    TomlNode *n = prim_toml_parse((const char *)data, size, "fuzz", &err);
    if (!n && !err)
        abort();
    return 0;
}
