/* Derivation names split into package name and version, as CppNix's DrvName (names.cc):
 * one rule for builtins.parseDrvName, profile elements and diff-closures. */
#ifndef CNIX_UTIL_DRVNAME_H
#define CNIX_UTIL_DRVNAME_H

#include <stddef.h>

typedef struct DrvName {
    size_t name_len;       /* the name is s[0..name_len) */
    const char *version;   /* points into s (or to "" when there is none) */
    size_t version_len;
} DrvName;

/* The name ends at the first '-' followed by a character that is not an ASCII letter; the
 * version is everything after that dash. A trailing '-' is followed by nothing, so it
 * splits nothing: "foo-" is the name "foo-" with an empty version. */
DrvName drvname_parse(const char *s, size_t len);

#endif
