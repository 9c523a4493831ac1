/* Small file-system helpers shared by every module. */
#ifndef CNIX_UTIL_FS_H
#define CNIX_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Creates path and its missing parents with mode; true if it exists afterwards as a
 * directory (errno set otherwise). */
bool fs_mkdir_p(const char *path, mode_t mode);

/* Reads the rest of a stream into atomic GC memory, NUL-terminated; *len receives its
 * length. NULL with errno set on a read error. */
char *fs_read_stream(FILE *f, size_t *len);
/* Reads a whole file likewise; NULL with errno set if it cannot be opened or read. */
char *fs_read_file(const char *path, size_t *len);

#endif
