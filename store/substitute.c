/* Substitution from binary caches: placeholder until the cache reader lands. */
#include "store/substitute.h"

bool store_substitute(LocalStore *s, const StoreConfig *cfg, const char *path, const char *deriver)
{
    (void)s;
    (void)cfg;
    (void)path;
    (void)deriver;
    return false;
}
