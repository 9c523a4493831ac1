/* The Nix daemon as a store (store/daemon.c): "daemon" (the socket NIX_DAEMON_SOCKET_PATH or
 * STATE/daemon-socket/socket) and "unix://PATH". Parameters: store=DIR (logical store
 * dir), timeout=SECONDS (how long one read may wait, default 300; builds wait as long as
 * they run). */
#ifndef CNIX_STORE_DAEMON_H
#define CNIX_STORE_DAEMON_H

#include "store/storeimpl.h"

Store *daemon_store_open(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                         const StoreSettings *settings, const char **err);

#endif
