/* The platform cnix runs on, in Nix's "ARCH-OS" form. */
#ifndef CNIX_UTIL_HOST_H
#define CNIX_UTIL_HOST_H

/* Nix's `system` of this build (CppNix's compile-time SYSTEM: "x86_64-linux", ...): the
 * default of the `system` setting and what the realiser can build natively. */
const char *host_system(void);

#endif
