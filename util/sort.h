/* Sorting helpers shared by every module. */
#ifndef CNIX_UTIL_SORT_H
#define CNIX_UTIL_SORT_H

/* qsort comparator for an array of C strings, in strcmp order. */
int sort_cmp_str(const void *a, const void *b);

#endif
