/* Sorting helpers (see sort.h). */
#include "util/sort.h"

#include <string.h>

int sort_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}
