/* The worker protocol's wire format and stderr stream, client side (see store/worker.h). */
#include "store/worker.h"

#include <errno.h>
#include <gc/gc.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void wc_init(WorkerConn *c, int fd, const char *who, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->who = who;
    c->timeout_ms = timeout_ms;
    sb_init(&c->out);
}

void wc_close(WorkerConn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

void wc_fail(WorkerConn *c, const char *msg)
{
    if (!c->err)
        c->err = msg;
}

const char *wc_error(const WorkerConn *c) { return c->err; }

/* ---- writing ---- */

void wc_put_u64(WorkerConn *c, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    sb_add(&c->out, (const char *)b, 8);
}

void wc_put_bytes(WorkerConn *c, const void *data, size_t len)
{
    static const char zero[8];
    wc_put_u64(c, len);
    sb_add(&c->out, data, len);
    if (len % 8)
        sb_add(&c->out, zero, 8 - len % 8);
}

void wc_put_str(WorkerConn *c, const char *s) { wc_put_bytes(c, s, strlen(s)); }

void wc_put_strs(WorkerConn *c, const char *const *v, size_t n)
{
    wc_put_u64(c, n);
    for (size_t i = 0; i < n; i++)
        wc_put_str(c, v[i]);
}

/* Waits for events on the socket; false (error recorded) on timeout or failure. */
static bool wait_fd(WorkerConn *c, short events, short *revents)
{
    struct pollfd p = {c->fd, events, 0};
    for (;;) {
        int r = poll(&p, 1, c->timeout_ms > 0 ? c->timeout_ms : -1);
        if (r > 0) {
            *revents = p.revents;
            return true;
        }
        if (r == 0) {
            wc_fail(c, sb_fmt("the daemon of store '%s' did not answer within %d s", c->who, c->timeout_ms / 1000));
            return false;
        }
        if (errno != EINTR) {
            wc_fail(c, sb_fmt("waiting for the daemon of store '%s': %s", c->who, strerror(errno)));
            return false;
        }
    }
}

/* Reads what is available into the input buffer: 1 data, 0 end of stream (c->eof set),
 * -1 an error (recorded). */
static int read_some(WorkerConn *c)
{
    if (c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
    if (c->in_cap - c->in_len < 65536) {
        size_t live = c->in_len - c->in_off;
        if (live > WC_MAX_STRING + 65536) {
            wc_fail(c, sb_fmt("the daemon of store '%s' sent more than cnix buffers", c->who));
            return -1;
        }
        size_t cap = c->in_cap ? c->in_cap : 65536;
        while (cap - live < 65536)
            cap *= 2;
        uint8_t *n = GC_MALLOC_ATOMIC(cap);
        if (live)
            memcpy(n, c->in + c->in_off, live);
        c->in = n;
        c->in_cap = cap;
        c->in_off = 0;
        c->in_len = live;
    }
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (r > 0) {
            c->in_len += (size_t)r;
            return 1;
        }
        if (r == 0 || errno == ECONNRESET) {
            c->eof = true;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 1;
        wc_fail(c, sb_fmt("reading from the daemon of store '%s': %s", c->who, strerror(errno)));
        return -1;
    }
}

static void fail_closed(WorkerConn *c)
{
    wc_fail(c, sb_fmt("the daemon of store '%s' closed the connection", c->who));
}

bool wc_flush(WorkerConn *c)
{
    size_t off = 0;
    while (!c->err && off < c->out.len) {
        if (c->fd < 0) {
            wc_fail(c, sb_fmt("store '%s' is not connected", c->who));
            break;
        }
        short ev;
        if (!wait_fd(c, c->eof ? POLLOUT : POLLIN | POLLOUT, &ev))
            break;
        /* What arrives meanwhile is kept: the answer (or the reason for a refusal) is in it. */
        if ((ev & POLLIN) && !c->eof) {
            if (read_some(c) < 0)
                break;
            continue;
        }
        if (ev & (POLLOUT | POLLERR | POLLHUP)) {
            ssize_t r = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (r > 0)
                off += (size_t)r;
            else if (r < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                /* The daemon is gone; what it said before going is still to be read (the
                 * reader fails when that runs out). */
                c->eof = true;
                break;
            }
            else if (r < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
                wc_fail(c, sb_fmt("writing to the daemon of store '%s': %s", c->who, strerror(errno)));
        }
    }
    c->out.len = 0;
    return !c->err;
}

/* ---- reading ---- */

/* Makes n bytes available in the input buffer (n small). */
static bool need(WorkerConn *c, size_t n)
{
    if (c->err)
        return false;
    /* A question is answered only after it is sent. */
    if (c->out.len && !wc_flush(c))
        return false;
    while (c->in_len - c->in_off < n) {
        short ev;
        if (c->fd < 0) {
            wc_fail(c, sb_fmt("store '%s' is not connected", c->who));
            return false;
        }
        if (c->eof) {
            fail_closed(c);
            return false;
        }
        if (!wait_fd(c, POLLIN, &ev) || read_some(c) < 0)
            return false;
    }
    return true;
}

uint64_t wc_get_u64(WorkerConn *c)
{
    if (!need(c, 8))
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | c->in[c->in_off + i];
    c->in_off += 8;
    return v;
}

bool wc_get_bool(WorkerConn *c)
{
    uint64_t v = wc_get_u64(c);
    if (v > 1) {
        wc_fail(c, sb_fmt("the daemon of store '%s' sent %llu where a boolean was expected", c->who,
                          (unsigned long long)v));
        return false;
    }
    return v;
}

/* Consumes the zero padding after a string of len bytes. */
static bool get_padding(WorkerConn *c, uint64_t len)
{
    size_t pad = len % 8 ? 8 - len % 8 : 0;
    if (!pad)
        return true;
    if (!need(c, pad))
        return false;
    for (size_t i = 0; i < pad; i++)
        if (c->in[c->in_off + i]) {
            wc_fail(c, sb_fmt("the daemon of store '%s' sent a string with non-zero padding", c->who));
            return false;
        }
    c->in_off += pad;
    return true;
}

bool wc_get_raw(WorkerConn *c, size_t len, StrBuf *out)
{
    while (len && !c->err) {
        if (c->in_off == c->in_len && !need(c, 1))
            return false;
        size_t take = c->in_len - c->in_off;
        if (take > len)
            take = len;
        sb_add(out, (const char *)c->in + c->in_off, take);
        c->in_off += take;
        len -= take;
    }
    return !c->err;
}

char *wc_get_str(WorkerConn *c, size_t max, size_t *len)
{
    uint64_t n = wc_get_u64(c);
    if (!c->err && n > max)
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a string of %llu bytes (more than %zu)", c->who,
                          (unsigned long long)n, max));
    StrBuf b;
    sb_init(&b);
    if (c->err || !wc_get_raw(c, n, &b) || !get_padding(c, n)) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = b.len;
    return b.data;
}

/* A list's length, bounded. */
static uint64_t get_count(WorkerConn *c)
{
    uint64_t n = wc_get_u64(c);
    if (!c->err && n > WC_MAX_LIST) {
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a list of %llu elements", c->who, (unsigned long long)n));
        return 0;
    }
    return c->err ? 0 : n;
}

const char **wc_get_strs(WorkerConn *c, size_t *n)
{
    uint64_t cnt = get_count(c);
    const char **v = GC_MALLOC((cnt + 1) * sizeof *v);
    size_t i = 0;
    for (; i < cnt && !c->err; i++)
        v[i] = wc_get_str(c, WC_MAX_STRING, NULL);
    *n = c->err ? 0 : i;
    return v;
}

/* ---- NARs ---- */

/* One NAR string, copied raw into out; its first bytes (up to cap - 1) into tok. */
static bool nar_tok(WorkerConn *c, StrBuf *out, uint64_t max, char *tok, size_t cap)
{
    uint64_t n = wc_get_u64(c);
    if (c->err)
        return false;
    if (n > max) {
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a NAR with an entry of %llu bytes", c->who,
                          (unsigned long long)n));
        return false;
    }
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(n >> (8 * i));
    sb_add(out, (const char *)b, 8);
    size_t start = out->len;
    if (!wc_get_raw(c, n, out))
        return false;
    if (tok) {
        size_t k = n < cap ? n : cap - 1;
        memcpy(tok, out->data + start, k);
        tok[k] = 0;
        if (n >= cap)
            tok[0] = 0; /* too long to be a keyword */
    }
    size_t pad = n % 8 ? 8 - n % 8 : 0;
    if (!get_padding(c, n))
        return false;
    static const char zero[8];
    sb_add(out, zero, pad);
    return true;
}

static bool nar_expect(WorkerConn *c, StrBuf *out, const char *want)
{
    char t[32];
    if (!nar_tok(c, out, 64, t, sizeof t))
        return false;
    if (strcmp(t, want)) {
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a bad NAR (expected '%s')", c->who, want));
        return false;
    }
    return true;
}

static bool nar_node(WorkerConn *c, StrBuf *out, int depth)
{
    char t[32];
    if (depth > 256) {
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a NAR nested too deeply", c->who));
        return false;
    }
    if (!nar_expect(c, out, "(") || !nar_expect(c, out, "type") || !nar_tok(c, out, 64, t, sizeof t))
        return false;
    if (!strcmp(t, "regular")) {
        if (!nar_tok(c, out, 64, t, sizeof t))
            return false;
        if (!strcmp(t, "executable")) {
            if (!nar_expect(c, out, "") || !nar_expect(c, out, "contents"))
                return false;
        } else if (strcmp(t, "contents")) {
            wc_fail(c, sb_fmt("the daemon of store '%s' sent a bad NAR (regular file without contents)", c->who));
            return false;
        }
        return nar_tok(c, out, WC_MAX_NAR_FILE, NULL, 0) && nar_expect(c, out, ")");
    }
    if (!strcmp(t, "symlink"))
        return nar_expect(c, out, "target") && nar_tok(c, out, 4096, NULL, 0) && nar_expect(c, out, ")");
    if (strcmp(t, "directory")) {
        wc_fail(c, sb_fmt("the daemon of store '%s' sent a bad NAR (unknown type)", c->who));
        return false;
    }
    for (;;) {
        if (!nar_tok(c, out, 64, t, sizeof t))
            return false;
        if (!strcmp(t, ")"))
            return true;
        if (strcmp(t, "entry")) {
            wc_fail(c, sb_fmt("the daemon of store '%s' sent a bad NAR (expected 'entry')", c->who));
            return false;
        }
        if (!nar_expect(c, out, "(") || !nar_expect(c, out, "name") || !nar_tok(c, out, 255, NULL, 0) ||
            !nar_expect(c, out, "node") || !nar_node(c, out, depth + 1) || !nar_expect(c, out, ")"))
            return false;
    }
}

bool wc_get_nar(WorkerConn *c, StrBuf *out)
{
    sb_init(out);
    return nar_expect(c, out, "nix-archive-1") && nar_node(c, out, 0);
}

/* ---- protocol ---- */

const char *wc_handshake(WorkerConn *c)
{
    wc_put_u64(c, WORKER_MAGIC_1);
    uint64_t magic = wc_get_u64(c);
    if (c->err)
        return c->err;
    if (magic != WORKER_MAGIC_2)
        return sb_fmt("protocol mismatch with store '%s': it does not answer as a Nix daemon", c->who);
    uint64_t dv = wc_get_u64(c);
    if (c->err)
        return c->err;
    if (dv >> 8 != 1 || WORKER_MINOR(dv) < WORKER_MINOR(WORKER_MIN_VERSION))
        return sb_fmt("the daemon of store '%s' speaks protocol %llu.%llu; cnix speaks 1.%d to 1.%d", c->who,
                      (unsigned long long)(dv >> 8), (unsigned long long)(dv & 0xff),
                      WORKER_MINOR(WORKER_MIN_VERSION), WORKER_MINOR(WORKER_MAX_VERSION));
    c->version = dv < WORKER_MAX_VERSION ? (unsigned)dv : WORKER_MAX_VERSION;
    wc_put_u64(c, c->version);
    wc_put_u64(c, 0); /* obsolete CPU affinity (1.14+) */
    wc_put_u64(c, 0); /* obsolete reserveSpace (1.11+) */
    if (WORKER_MINOR(c->version) >= 33)
        c->daemon_version = wc_get_str(c, 4096, NULL);
    return wc_process_stderr(c, NULL, NULL, NULL);
}

/* Skips an activity's or result's fields (typed: 0 = number, 1 = string). */
static const char *get_fields(WorkerConn *c, const char **first_str)
{
    uint64_t n = get_count(c);
    *first_str = NULL;
    for (uint64_t i = 0; i < n && !c->err; i++) {
        uint64_t type = wc_get_u64(c);
        if (type == 0)
            wc_get_u64(c);
        else if (type == 1) {
            const char *s = wc_get_str(c, WC_MAX_STRING, NULL);
            if (!*first_str)
                *first_str = s;
        } else if (!c->err)
            wc_fail(c, sb_fmt("the daemon of store '%s' sent a field of unknown type %llu", c->who,
                              (unsigned long long)type));
    }
    return c->err;
}

/* s without its ANSI escape sequences (the daemon colours its messages as for a terminal). */
static char *strip_ansi(const char *s)
{
    StrBuf b;
    sb_init(&b);
    while (*s) {
        if (s[0] == '\033' && s[1] == '[') {
            s += 2;
            while (*s && !(*s >= 0x40 && *s <= 0x7e))
                s++;
            if (*s)
                s++;
        } else
            sb_putc(&b, *s++);
    }
    return sb_finish(&b);
}

/* Prints a line from the daemon as cnix prints its own (without a doubled newline; colours
 * only on a terminal). */
static void print_line(WorkerConn *c, const char *s)
{
    if (c->quiet)
        return;
    if (!isatty(2))
        s = strip_ansi(s);
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        n--;
    fprintf(stderr, "%.*s\n", (int)n, s);
}

/* The daemon's error (1.26+: structured, with traces; before: message and status). */
static const char *get_error(WorkerConn *c, int *status)
{
    if (WORKER_MINOR(c->version) < 26) {
        const char *msg = wc_get_str(c, WC_MAX_STRING, NULL);
        uint64_t st = wc_get_u64(c);
        if (status)
            *status = st > 0 && st < 256 ? (int)st : 1;
        return c->err ? c->err : strip_ansi(msg);
    }
    wc_get_str(c, 256, NULL); /* "Error" */
    wc_get_u64(c);            /* level */
    wc_get_str(c, 256, NULL); /* name */
    StrBuf m;
    sb_init(&m);
    sb_puts(&m, wc_get_str(c, WC_MAX_STRING, NULL));
    wc_get_u64(c); /* position: none is sent */
    uint64_t n = get_count(c);
    for (uint64_t i = 0; i < n && !c->err; i++) {
        wc_get_u64(c);
        sb_printf(&m, "\n… %s", wc_get_str(c, WC_MAX_STRING, NULL));
    }
    if (status)
        *status = 1;
    return c->err ? c->err : strip_ansi(m.data);
}

enum { ACT_BUILD_LOG_LINE = 101 };
enum { LVL_INFO = 3 };

const char *wc_process_stderr(WorkerConn *c, WorkerSource *source, StrBuf *sink, int *status)
{
    if (status)
        *status = 1;
    for (;;) {
        uint64_t msg = wc_get_u64(c);
        if (c->err)
            return c->err;
        switch (msg) {
        case STDERR_LAST:
            if (status)
                *status = 0;
            return NULL;
        case STDERR_NEXT:
            print_line(c, wc_get_str(c, WC_MAX_STRING, NULL));
            break;
        case STDERR_ERROR: {
            const char *e = get_error(c, status);
            return c->err ? c->err : e;
        }
        case STDERR_READ: {
            uint64_t want = wc_get_u64(c);
            if (c->err)
                return c->err;
            if (!source)
                return sb_fmt("the daemon of store '%s' asked for data where cnix sends none", c->who);
            size_t left = source->len - source->off;
            size_t n = want < left ? (size_t)want : left;
            wc_put_bytes(c, source->data + source->off, n);
            source->off += n;
            if (!wc_flush(c))
                return c->err;
            break;
        }
        case STDERR_WRITE: {
            size_t len;
            const char *s = wc_get_str(c, WC_MAX_NAR_FILE, &len);
            if (c->err)
                return c->err;
            if (!sink)
                return sb_fmt("the daemon of store '%s' sent data where cnix expects none", c->who);
            sb_add(sink, s, len);
            break;
        }
        case STDERR_START_ACTIVITY: {
            wc_get_u64(c); /* id */
            uint64_t level = wc_get_u64(c);
            wc_get_u64(c); /* type */
            const char *text = wc_get_str(c, WC_MAX_STRING, NULL), *f;
            get_fields(c, &f);
            wc_get_u64(c); /* parent */
            if (!c->err && level <= LVL_INFO && *text)
                print_line(c, sb_fmt("%s...", text));
            break;
        }
        case STDERR_STOP_ACTIVITY:
            wc_get_u64(c);
            break;
        case STDERR_RESULT: {
            wc_get_u64(c); /* activity */
            uint64_t type = wc_get_u64(c);
            const char *line;
            get_fields(c, &line);
            if (!c->err && type == ACT_BUILD_LOG_LINE && line)
                print_line(c, line);
            break;
        }
        default:
            wc_fail(c, sb_fmt("the daemon of store '%s' sent an unknown message (0x%llx)", c->who,
                              (unsigned long long)msg));
            return c->err;
        }
    }
}
