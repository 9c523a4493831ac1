/* The nix-store --export / --import stream: per path, a 1, the NAR, the magic "NIXE", the
 * path, its references, its deriver and a 0 (no signature); a final 0. */
#ifndef CNIX_STORE_EXPORT_H
#define CNIX_STORE_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

/* Writes the valid paths (in reference order) to out. NULL on success, else a message. */
const char *store_export(Store *s, const char *const *paths, size_t n, FILE *out);
/* Adds every path of the stream; *imported (may be NULL) receives their paths. */
const char *store_import(Store *s, const uint8_t *data, size_t len, const char ***imported, size_t *n);
/* The length of the NAR starting at data (scanning its tokens), or 0 if malformed. */
size_t store_nar_span(const uint8_t *data, size_t len);

#endif
