/* The platform cnix runs on (see host.h). */
#include "util/host.h"

#include <sys/utsname.h>

#include "util/strbuf.h"

const char *host_system(void)
{
    /* Like CppNix, the architecture this binary was compiled for, not the kernel's: an i686
     * build on an x86_64 kernel builds for i686. */
#if defined(__x86_64__)
    return "x86_64-linux";
#elif defined(__aarch64__)
    return "aarch64-linux";
#elif defined(__i386__)
    return "i686-linux";
#elif defined(__arm__)
    return "armv7l-linux";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64-linux";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return "powerpc64le-linux";
#else
    struct utsname u;
    if (uname(&u) != 0)
        return "unknown-linux";
    return sb_fmt("%s-linux", u.machine);
#endif
}
