/* libFuzzer target: the NAR parser must never crash or read out of bounds; whatever it
 * accepts is walked completely through a visitor. */
#include <gc/gc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/nar.h"

static const char *v_dir(void *ctx, const char *path)
{
    (*(size_t *)ctx)++;
    return strlen(path) > 100000 ? "too long" : NULL;
}

static const char *v_reg(void *ctx, const char *path, bool exec, const uint8_t *data, uint64_t len)
{
    uint8_t sum = 0;
    for (uint64_t i = 0; i < len; i++)
        sum ^= data[i]; /* touch every byte: ASan checks the bounds */
    (*(size_t *)ctx) += 1 + (sum & 0);
    return NULL;
}

static const char *v_link(void *ctx, const char *path, const char *target)
{
    (*(size_t *)ctx)++;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GC_INIT();
        init = 1;
    }
    static const NarVisitor v = {v_dir, v_reg, v_link};
    size_t n = 0;
    const char *e1 = nar_parse(data, size, NULL, NULL);
    const char *e2 = nar_parse(data, size, &v, &n);
    /* validation alone and a full walk agree */
    if ((e1 == NULL) != (e2 == NULL))
        abort();
    return 0;
}
