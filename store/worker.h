/* The Nix worker protocol's wire format, client side: 64-bit little-endian numbers, strings
 * padded to 8 bytes, string lists, the handshake, and the daemon's stderr message stream
 * (logs, activities, errors, data requests) that precedes every answer. Errors are sticky:
 * after the first one (naming the store) every read returns zero or "" and wc_error tells
 * it, so a sequence of reads is checked once. Every read is bounded in size and waits at
 * most the connection's timeout. */
#ifndef CNIX_STORE_WORKER_H
#define CNIX_STORE_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define WORKER_MAGIC_1 0x6e697863u
#define WORKER_MAGIC_2 0x6478696fu
#define WORKER_PROTO(major, minor) (((major) << 8) | (minor))
#define WORKER_MINOR(v) ((v) & 0xff)
/* What this client speaks: 1.21 to 1.34 (CppNix 2.8's daemon offers 1.34). */
#define WORKER_MIN_VERSION WORKER_PROTO(1, 21)
#define WORKER_MAX_VERSION WORKER_PROTO(1, 34)

/* The stderr stream's message tags. */
#define STDERR_NEXT 0x6f6c6d67u
#define STDERR_READ 0x64617461u
#define STDERR_WRITE 0x64617416u
#define STDERR_LAST 0x616c7473u
#define STDERR_ERROR 0x63787470u
#define STDERR_START_ACTIVITY 0x53545254u
#define STDERR_STOP_ACTIVITY 0x53544f50u
#define STDERR_RESULT 0x52534c54u

/* The operations cnix sends (CppNix's numbers). */
enum {
    WOP_IS_VALID_PATH = 1,
    WOP_ADD_TEXT_TO_STORE = 8,
    WOP_BUILD_PATHS = 9,
    WOP_ADD_TEMP_ROOT = 11,
    WOP_ADD_INDIRECT_ROOT = 12,
    WOP_SET_OPTIONS = 19,
    WOP_QUERY_PATH_INFO = 26,
    WOP_QUERY_VALID_PATHS = 31,
    WOP_NAR_FROM_PATH = 38,
    WOP_ADD_TO_STORE_NAR = 39,
    WOP_QUERY_DERIVATION_OUTPUT_MAP = 41,
};

/* Bounds on what a daemon may send. */
#define WC_MAX_STRING (64u << 20) /* a string that is not file contents */
#define WC_MAX_LIST (1u << 24)    /* elements of a list or map */
#define WC_MAX_NAR_FILE (4ull << 30)

typedef struct WorkerConn {
    int fd;           /* -1: not connected */
    const char *who;  /* the store URI, for messages */
    int timeout_ms;   /* per read or write; <= 0: none */
    unsigned version; /* agreed protocol version (after wc_handshake) */
    const char *daemon_version; /* the daemon's Nix version (1.33+), or NULL */
    bool quiet;       /* no log lines on stderr */
    StrBuf out;       /* written by wc_flush */
    uint8_t *in;      /* received, not yet consumed: in[in_off..in_len) */
    size_t in_off, in_len, in_cap;
    bool eof;         /* the daemon closed its end (what is buffered may still be read) */
    const char *err;  /* the first error, or NULL */
} WorkerConn;

/* A connection on fd (owned: closed by wc_close). */
void wc_init(WorkerConn *c, int fd, const char *who, int timeout_ms);
void wc_close(WorkerConn *c);
/* Records the first error ("... (store 'WHO')" is not added: callers say it). */
void wc_fail(WorkerConn *c, const char *msg);
const char *wc_error(const WorkerConn *c);

/* ---- writing (buffered until wc_flush) ---- */
void wc_put_u64(WorkerConn *c, uint64_t v);
void wc_put_bytes(WorkerConn *c, const void *data, size_t len); /* as a padded string */
void wc_put_str(WorkerConn *c, const char *s);
void wc_put_strs(WorkerConn *c, const char *const *v, size_t n);
/* Sends what is buffered; input arriving meanwhile is kept (a daemon may talk while it
 * reads), so neither side can block the other. */
bool wc_flush(WorkerConn *c);

/* ---- reading ---- */
uint64_t wc_get_u64(WorkerConn *c);
bool wc_get_bool(WorkerConn *c);
/* A string of at most max bytes (GC, NUL-terminated; *len if len). */
char *wc_get_str(WorkerConn *c, size_t max, size_t *len);
/* A list of strings (GC array). */
const char **wc_get_strs(WorkerConn *c, size_t *n);
/* Raw bytes, exactly len of them, into out (appended). */
bool wc_get_raw(WorkerConn *c, size_t len, StrBuf *out);
/* Copies one NAR from the stream into out, checking its grammar (its length is only known
 * by parsing it). */
bool wc_get_nar(WorkerConn *c, StrBuf *out);

/* ---- protocol ---- */
/* Magic numbers and version negotiation (the daemon must offer 1.21 or later); NULL or a
 * message. */
const char *wc_handshake(WorkerConn *c);
/* Reads the stderr stream up to STDERR_LAST: log lines and build output go to stderr,
 * STDERR_READ is answered from source (may be NULL), STDERR_WRITE data goes to sink (may be
 * NULL). NULL when the operation succeeded, else the daemon's error or a protocol error.
 * *status (may be NULL) gets the daemon's exit status for an error (1 if it sends none). */
typedef struct WorkerSource {
    const uint8_t *data;
    size_t len, off;
} WorkerSource;
const char *wc_process_stderr(WorkerConn *c, WorkerSource *source, StrBuf *sink, int *status);

#endif
