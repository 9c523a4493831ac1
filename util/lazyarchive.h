/* libarchive loaded on first use (util/lazyarchive.c). */
#ifndef CNIX_UTIL_LAZYARCHIVE_H
#define CNIX_UTIL_LAZYARCHIVE_H

/* Loads libarchive and checks every function cnix uses: NULL, or the message to report
 * ("cannot load libarchive: ..."). Call before the first archive_* call. */
const char *lazyarchive_load(void);

#endif
