/* Store and realiser settings in nix.conf syntax: defaults, /etc/cnix/cnix.conf,
 * $XDG_CONFIG_HOME/cnix/cnix.conf (or ~/.config/cnix/cnix.conf), NIX_CONFIG, then
 * --option NAME VALUE.
 *
 * Where the store lives (as in Nix), read here once into StoreConfig.settings and passed to
 * store_open: NIX_STORE_DIR (logical store dir, default /nix/store), NIX_STATE_DIR
 * (database, gcroots; default ROOT/nix/var/nix), NIX_LOG_DIR (build logs; default
 * $NIX_STATE_DIR/log when NIX_STATE_DIR is set, else ROOT/nix/var/log/nix), CNIX_STORE_ROOT
 * (cnix's own: the physical root, as `local?root=`). The `store` setting (--store URI) picks
 * the store (store/store.h); a store under a physical root can only run its programs inside
 * the sandbox. */
#ifndef CNIX_STORE_CONFIG_H
#define CNIX_STORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

typedef enum SandboxMode { SANDBOX_OFF = 0, SANDBOX_ON, SANDBOX_RELAXED } SandboxMode;

typedef struct StrList {
    const char **v;
    size_t n, cap;
} StrList;

typedef struct StoreConfig {
    int max_jobs;           /* max-jobs (default 1; "auto" = number of CPUs) */
    int cores;              /* cores (NIX_BUILD_CORES; 0 = all) */
    SandboxMode sandbox;    /* sandbox (default true on Linux, as in CppNix: see store/sandbox.c) */
    bool sandbox_set;       /* sandbox was given (file, --option, --sandbox): no silent fallback */
    bool sandbox_fallback;  /* sandbox-fallback (default true): without namespaces, build unisolated */
    bool sandbox_fallback_set; /* ... given: applies to an explicit sandbox = true too */
    StrList sandbox_paths;  /* sandbox-paths: PATH or INSIDE=OUTSIDE, "?" suffix = optional */
    StrList substituters;   /* substituters: file:///DIR ... */
    StrList trusted_keys;   /* trusted-public-keys: name:base64 */
    bool keep_failed;       /* keep-failed: keep the build directory of a failed build */
    bool keep_going;        /* keep-going */
    bool dry_run;           /* not a setting: --dry-run */
    bool quiet;             /* not a setting: no builder output on stderr */
    bool require_sigs;      /* require-sigs (default true) */
    bool fsync_store_paths; /* fsync-store-paths: sync outputs before registering (false) */
    const char *store;      /* store: a URI for store_open ("auto" by default) */
    StoreSettings settings; /* from NIX_STORE_DIR, NIX_STATE_DIR, NIX_LOG_DIR, CNIX_STORE_ROOT */
} StoreConfig;

void strlist_add(StrList *l, const char *s);

/* Defaults, the environment's locations, then the configuration files. NULL on success,
 * else a message. */
const char *store_config_init(StoreConfig *c);
/* Sets one setting from its textual value (also used for --option). */
const char *store_config_set(StoreConfig *c, const char *name, const char *value);
/* Is name (or extra-name) a setting of this module? */
bool store_config_is_setting(const char *name);
/* Reads a file in nix.conf syntax (missing files are skipped). */
const char *store_config_load_file(StoreConfig *c, const char *path);
/* Opens the store the settings name. NULL with *err. */
Store *store_config_open(const StoreConfig *c, const char **err);

#endif
