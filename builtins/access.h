/* Pure and restricted evaluation: which paths and URIs evaluation may touch, plus path resolution. */
#ifndef CNIX_BUILTINS_ACCESS_H
#define CNIX_BUILTINS_ACCESS_H

#include <stdbool.h>

#include "eval/eval.h"

/* How far bi_resolve_symlinks follows links (CppNix's SymlinkResolution). */
typedef enum SymlinkMode {
    SYMLINKS_NONE,      /* the path as written */
    SYMLINKS_ANCESTORS, /* every component but the last */
    SYMLINKS_FULL,      /* every component */
} SymlinkMode;

/* The lexically canonical form of an absolute path: no ".", "..", "//" or
 * trailing '/' ("/" stays "/"). Returns a GC string. */
const char *bi_canon_path(const char *path);

/* Follows symlinks in a canonical absolute path the way CppNix does:
 * component by component, at most 1024 links, then "infinite symlink
 * recursion in path '...'". Missing components are kept as written. Under
 * pure/restricted evaluation a forbidden path is treated as absent (not
 * followed), so the forbidden target is what a later access check reports. */
const char *bi_resolve_symlinks(EvalState *st, const char *path, SymlinkMode mode, PosIdx pos);

/* Where the file system holds path: a path in the store directory lives in the store's
 * physical directory (different under a chroot store, `local?root=DIR`), as CppNix mounts
 * the store's accessor at the store directory; any other path is itself. For the system
 * calls only: messages name the path as evaluation sees it. */
const char *bi_host_path(EvalState *st, const char *path);

/* True when pure or restricted evaluation limits file access. */
bool bi_access_limited(const EvalState *st);

/* True if path (canonical, absolute) may be accessed: always without
 * pure/restricted evaluation; else when it lies in, equals, or is an
 * ancestor of an allowed path (so that its parents can be inspected). */
bool bi_path_allowed(EvalState *st, const char *path);

/* Throws ERR_RESTRICTED (as below) unless bi_path_allowed(path); for
 * operations on exactly this path, such as lstat. */
void bi_check_access(EvalState *st, const char *path, PosIdx pos);

/* The access check for reading a path (import, readFile, readDir, ...):
 * canonicalises it and, under pure/restricted evaluation, throws ERR_RESTRICTED
 * "access to absolute path '...' is forbidden in restricted mode" (or "in pure
 * evaluation mode (use '--impure' to override)") unless both the path and its
 * symlink-resolved target are allowed. Returns the canonical path (symlinks
 * not resolved). Cheap when no restriction is active. */
const char *bi_check_path(EvalState *st, const char *path, PosIdx pos);

/* Allows access to path and everything below it (store paths created or
 * fetched during evaluation, search path entries). */
void bi_allow_path(EvalState *st, const char *path);

/* Under restricted evaluation, throws unless uri is allowed by
 * --allowed-uris (prefix match at a '/' boundary or a whole scheme "git:"),
 * or is an absolute path / file:// URL whose path is allowed. */
void bi_check_uri(EvalState *st, const char *uri, PosIdx pos);

#endif
