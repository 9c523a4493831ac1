/* Structured attributes (__structuredAttrs): the .attrs.json and .attrs.sh files given to
 * builders, as CppNix writes them. */
#ifndef CNIX_STORE_ATTRS_H
#define CNIX_STORE_ATTRS_H

#include "store/drv.h"

/* The .attrs.json text: json with "outputs" replaced by {name: path}. */
const char *store_attrs_json(const char *json, const Derivation *d, const char **out);
/* Writes .attrs.sh for the JSON text json (with "outputs" already mapped to paths). NULL on
 * success, else a message. */
const char *store_write_attrs_sh(const char *path, const char *json, const Derivation *d);

#endif
