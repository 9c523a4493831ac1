/* Substitution: tries each configured binary cache in turn. */
#include "store/substitute.h"

#include "store/cache.h"

bool store_substitute(LocalStore *s, const StoreConfig *cfg, const char *path, const char *deriver)
{
    (void)deriver;
    for (size_t i = 0; i < cfg->substituters.n; i++)
        if (cache_substitute(s, cfg, cfg->substituters.v[i], path))
            return true;
    return store_is_valid(s, path);
}

bool store_substitutable(LocalStore *s, const StoreConfig *cfg, const char *path)
{
    for (size_t i = 0; i < cfg->substituters.n; i++)
        if (cache_has(s, cfg->substituters.v[i], path))
            return true;
    return false;
}
