/* Build isolation with Linux namespaces: placeholder (no isolation yet). */
#include "store/sandbox.h"

#include <stdlib.h>
#include <unistd.h>

bool sandbox_available(const char **why)
{
    *why = "the sandbox is not implemented yet";
    return false;
}

char *sandbox_build_dir_real(const char *tmpdir) { return (char *)tmpdir; }

SandboxSpec *sandbox_prepare(LocalStore *s, const StoreConfig *cfg, const Derivation *d, const char *tmpdir,
                             const char *const *closure, size_t nclosure, const char **err)
{
    *err = "the sandbox is not implemented yet";
    return NULL;
}

void sandbox_exec(SandboxSpec *sb, const char *builder, char *const *argv, char *const *envp) { _exit(1); }

const char *sandbox_output_real(SandboxSpec *sb, LocalStore *s, const char *path)
{
    return store_real_path(s, path);
}

const char *sandbox_move_output(SandboxSpec *sb, LocalStore *s, const char *path) { return NULL; }

void sandbox_cleanup(SandboxSpec *sb) {}
