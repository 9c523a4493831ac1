/* Derivation name parsing (see drvname.h). */
#include "util/drvname.h"

#include <stdbool.h>

/* ASCII on purpose: CppNix's isalpha runs in the C locale. */
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

DrvName drvname_parse(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '-' && !is_alpha(s[i + 1]))
            return (DrvName){i, s + i + 1, len - i - 1};
    return (DrvName){len, "", 0};
}
