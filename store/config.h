/* Realiser settings in nix.conf syntax: defaults, /etc/cnix/cnix.conf,
 * $XDG_CONFIG_HOME/cnix/cnix.conf (or ~/.config/cnix/cnix.conf), then --option NAME VALUE.
 *
 * Where the store lives (as in Nix): NIX_STORE_DIR (logical store dir, default /nix/store),
 * NIX_STATE_DIR (database, gcroots; default ROOT/nix/var/nix), NIX_LOG_DIR (build logs;
 * default $NIX_STATE_DIR/log when NIX_STATE_DIR is set, else ROOT/nix/var/log/nix). The
 * `store` setting `local?root=DIR` (or a bare absolute DIR) keeps the store under the physical
 * root DIR (exported to store/local.c as CNIX_STORE_ROOT); such a store's programs can only
 * run inside the sandbox. */
#ifndef CNIX_STORE_CONFIG_H
#define CNIX_STORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

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
    const char *store;      /* store: "local", "local?root=DIR" or "DIR" */
    const char *log_dir;    /* from NIX_LOG_DIR etc. (computed by store_config_init) */
} StoreConfig;

void strlist_add(StrList *l, const char *s);

/* Defaults, then the configuration files. NULL on success, else a message. */
const char *store_config_init(StoreConfig *c);
/* Sets one setting from its textual value (also used for --option). */
const char *store_config_set(StoreConfig *c, const char *name, const char *value);
/* Is name (or extra-name) a setting of this module? */
bool store_config_is_setting(const char *name);
/* Reads a file in nix.conf syntax (missing files are skipped). */
const char *store_config_load_file(StoreConfig *c, const char *path);
/* Applies `store` to the environment (CNIX_STORE_ROOT) before the store is opened. */
const char *store_config_apply(StoreConfig *c);

#endif
