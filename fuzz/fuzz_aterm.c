/* libFuzzer target: the ATerm .drv parser must never crash, and whatever it accepts must
 * print back to text that parses to the same print. */
#include <gc/gc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/drv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static DrvCache *c; /* one cache: each is a GC root that is never freed */
    if (!c) {
        GC_INIT();
        c = drv_cache_new(NULL, NULL);
    }
    Derivation d;
    if (drv_parse((const char *)data, size, "fuzz", &d) != NULL)
        return 0;
    size_t len1, len2;
    char *t1 = drv_unparse(&d, false, NULL, 0, &len1);
    Derivation d2;
    if (drv_parse(t1, len1, "fuzz", &d2) != NULL)
        abort();
    char *t2 = drv_unparse(&d2, false, NULL, 0, &len2);
    if (len1 != len2 || memcmp(t1, t2, len1) != 0)
        abort();
    Hash h;
    (void)drv_hash_modulo(c, &d, true, &h);
    return 0;
}
