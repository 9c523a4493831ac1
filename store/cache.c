/* Binary caches: placeholder until the cache writer/reader lands. */
#include "store/cache.h"

const char *cache_copy_to(LocalStore *s, const char *url, const char *const *paths, size_t n,
                          const char *compression, const char *secret_key)
{
    return "binary caches are not implemented yet";
}
const char *cache_copy_from(LocalStore *s, const StoreConfig *cfg, const char *url, const char *const *paths, size_t n)
{
    return "binary caches are not implemented yet";
}
const char *cache_generate_key(const char *name, const char **secret, const char **pub)
{
    return "binary caches are not implemented yet";
}
const char *cache_sign(const PathInfo *info, const char *secret_key, const char **sig)
{
    return "binary caches are not implemented yet";
}
bool cache_verify_sigs(const PathInfo *info, const char *sigs, const StrList *keys) { return false; }
const char *cache_read_key_file(const char *path, const char **key) { return "not implemented"; }
