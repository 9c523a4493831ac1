/* Content addressing of existing store objects: CppNix's ValidPathInfo::isContentAddressed
 * and makeContentAddressed (used by builtins.fetchClosure). */
#ifndef CNIX_STORE_MAKECA_H
#define CNIX_STORE_MAKECA_H

#include <stdbool.h>

#include "store/store.h"

/* Is info content-addressed: does its CA field ("fixed:r:sha256:...", "text:sha256:...") with
 * its references give its path? */
bool store_info_is_ca(const char *store_dir, const PathInfo *info);
/* Rewrites path's closure in src into content-addressed paths (references first; the NAR
 * with references rewritten, hashed modulo its own hash part, gives a "source" path) and
 * adds those to dst; the originals are only read. *out: path's rewritten path. */
const char *store_make_content_addressed(Store *src, Store *dst, const char *path, const char **out);

#endif
