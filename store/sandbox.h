/* Build isolation on Linux: a builder runs in new mount, PID, network, UTS and IPC
 * namespaces, chrooted into a directory where only the input closure (read-only), the
 * configured sandbox-paths, a minimal /dev and /proc, the build directory (/build) and the
 * store directory for its outputs are visible. Outputs are written in the sandbox's own
 * store directory and moved into the real store after the build. Fixed-output derivations
 * keep the host network. Without namespaces, builds run unisolated after a warning when
 * sandbox-fallback allows it (store/build.c). */
#ifndef CNIX_STORE_SANDBOX_H
#define CNIX_STORE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "store/config.h"
#include "store/drv.h"
#include "store/store.h"

#define SANDBOX_BUILD_DIR "/build"

typedef struct SandboxSpec SandboxSpec;

/* Can this process create the namespaces? If not, *why says so. Cached. */
bool sandbox_available(const char **why);
/* Where /build of a sandbox whose build directory is tmpdir lives on the host. */
char *sandbox_build_dir_real(const char *tmpdir);
/* Prepares the chroot under tmpdir for d. NULL with *err on failure. */
SandboxSpec *sandbox_prepare(Store *s, const StoreConfig *cfg, const Derivation *d, const char *tmpdir,
                             const char *const *closure, size_t nclosure, const char **err);
/* Namespaces for clone(2): the process created with them runs sandbox_exec as PID 1. */
int sandbox_clone_flags(const SandboxSpec *sb);
/* In that process: sets up the mounts and the root, then runs the builder; never returns.
 * Does not allocate. */
void sandbox_exec(SandboxSpec *sb, const char *builder, char *const *argv, char *const *envp)
    __attribute__((noreturn));
/* Removes, from the realiser's namespace, the one mount of a sandbox that can show there
 * (inside a chroot: see sandbox_exec); harmless when there is none. Does not allocate. */
void sandbox_detach(const SandboxSpec *sb);
/* The same for the sandbox of build directory tmpdir. */
void sandbox_detach_dir(const char *tmpdir);
/* Where an output is on the host while the build runs (sb NULL: the store path itself). */
const char *sandbox_output_real(SandboxSpec *sb, Store *s, const char *path);
/* Moves a finished output into the real store (nothing to do when sb is NULL). */
const char *sandbox_move_output(SandboxSpec *sb, Store *s, const char *path);
/* Unmounts and forgets the chroot (sb may be NULL). */
void sandbox_cleanup(SandboxSpec *sb);

#endif
