/* Unit tests of the worker protocol client (store/worker.c, store/daemon.c): the wire
 * encoding byte for byte, bounded and checked decoding, NAR copying, the stderr stream,
 * the handshake's version negotiation, and the daemon store against fake daemons that
 * disconnect, answer garbage or never answer. */
#include <gc/gc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store/nar.h"
#include "store/store.h"
#include "store/worker.h"

static int peer; /* the test's end of the socket pair */

static void conn(WorkerConn *c, int timeout_ms)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        abort();
    wc_init(c, sv[0], "unix:///test", timeout_ms);
    peer = sv[1];
}

static void done(WorkerConn *c)
{
    wc_close(c);
    close(peer);
}

/* Reads exactly n bytes the client sent. */
static bool peer_read(void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(peer, (char *)buf + got, n - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

static void peer_write(const void *buf, size_t n)
{
    if (write(peer, buf, n) != (ssize_t)n)
        abort();
}

static void le(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void peer_u64(uint64_t v)
{
    uint8_t b[8];
    le(b, v);
    peer_write(b, 8);
}

static void peer_str(const char *s)
{
    size_t n = strlen(s);
    static const char zero[8];
    peer_u64(n);
    peer_write(s, n);
    if (n % 8)
        peer_write(zero, 8 - n % 8);
}

static bool has(const char *s, const char *sub) { return s && strstr(s, sub); }

static void test_encoding(void)
{
    WorkerConn c;
    conn(&c, 2000);
    wc_put_u64(&c, 0x0102030405060708ull);
    wc_put_str(&c, "abc");
    wc_put_str(&c, "");
    wc_put_str(&c, "12345678");
    const char *v[] = {"x", "yz"};
    wc_put_strs(&c, v, 2);
    CHECK(wc_flush(&c));
    uint8_t want[] = {8, 7, 6, 5, 4, 3, 2, 1,                           /* the number, LE */
                      3, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 0, /* padded */
                      0, 0, 0, 0, 0, 0, 0, 0,                           /* "" */
                      8, 0, 0, 0, 0, 0, 0, 0, '1', '2', '3', '4', '5', '6', '7', '8', /* no pad */
                      2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 'x', 0, 0, 0, 0, 0, 0, 0,
                      2, 0, 0, 0, 0, 0, 0, 0, 'y', 'z', 0, 0, 0, 0, 0, 0};
    uint8_t got[sizeof want];
    CHECK(peer_read(got, sizeof got));
    CHECK(memcmp(got, want, sizeof want) == 0);
    done(&c);
}

static void test_decoding(void)
{
    WorkerConn c;
    conn(&c, 2000);
    peer_u64(42);
    peer_str("hello");
    peer_u64(2);
    peer_str("a");
    peer_str("bcdefghij");
    peer_u64(1);
    CHECK(wc_get_u64(&c) == 42);
    size_t len;
    const char *s = wc_get_str(&c, 100, &len);
    CHECK(len == 5 && !strcmp(s, "hello"));
    size_t n;
    const char **v = wc_get_strs(&c, &n);
    CHECK(n == 2 && !strcmp(v[0], "a") && !strcmp(v[1], "bcdefghij"));
    CHECK(wc_get_bool(&c) && !wc_error(&c));
    done(&c);

    /* non-zero padding */
    conn(&c, 2000);
    peer_u64(1);
    peer_write("a\1\0\0\0\0\0\0", 8);
    wc_get_str(&c, 100, NULL);
    CHECK(has(wc_error(&c), "padding"));
    done(&c);

    /* a string over its bound is refused before anything is allocated for it */
    conn(&c, 2000);
    peer_u64(1ull << 40);
    CHECK(!strcmp(wc_get_str(&c, 100, NULL), ""));
    CHECK(has(wc_error(&c), "more than 100"));
    CHECK(wc_get_u64(&c) == 0); /* sticky */
    done(&c);

    /* a list over its bound */
    conn(&c, 2000);
    peer_u64(1ull << 50);
    wc_get_strs(&c, &n);
    CHECK(n == 0 && has(wc_error(&c), "list of"));
    done(&c);

    /* a boolean that is not 0 or 1 */
    conn(&c, 2000);
    peer_u64(7);
    wc_get_bool(&c);
    CHECK(has(wc_error(&c), "boolean"));
    done(&c);

    /* disconnection mid-number names the store */
    conn(&c, 2000);
    peer_write("\1\2\3", 3);
    close(peer);
    peer = -1;
    wc_get_u64(&c);
    CHECK(has(wc_error(&c), "closed the connection") && has(wc_error(&c), "unix:///test"));
    wc_close(&c);

    /* silence: the read times out */
    conn(&c, 300);
    time_t t0 = time(NULL);
    wc_get_u64(&c);
    CHECK(has(wc_error(&c), "did not answer"));
    CHECK(time(NULL) - t0 < 5);
    done(&c);
}

static void test_nar(void)
{
    StrBuf nar;
    sb_init(&nar);
    nar_of_bytes("some file contents", 18, true, &nar);
    WorkerConn c;
    conn(&c, 2000);
    peer_write(nar.data, nar.len);
    peer_u64(99); /* what follows the NAR stays unread */
    StrBuf got;
    CHECK(wc_get_nar(&c, &got));
    CHECK(got.len == nar.len && memcmp(got.data, nar.data, nar.len) == 0);
    CHECK(wc_get_u64(&c) == 99);
    done(&c);

    /* a directory with an entry and a symlink, built by hand */
    conn(&c, 2000);
    const char *toks[] = {"nix-archive-1", "(", "type", "directory", "entry", "(", "name", "l", "node", "(",
                          "type", "symlink", "target", "x", ")", ")", ")"};
    for (size_t i = 0; i < sizeof toks / sizeof *toks; i++)
        peer_str(toks[i]);
    CHECK(wc_get_nar(&c, &got) && !wc_error(&c));
    done(&c);

    /* garbage where a NAR should be */
    conn(&c, 2000);
    peer_str("nix-archive-1");
    peer_str("(");
    peer_str("type");
    peer_str("fifo");
    CHECK(!wc_get_nar(&c, &got) && has(wc_error(&c), "bad NAR"));
    done(&c);
}

static void test_stderr(void)
{
    WorkerConn c;
    conn(&c, 2000);
    c.version = WORKER_PROTO(1, 34);
    c.quiet = true;
    peer_u64(STDERR_NEXT);
    peer_str("a log line\n");
    peer_u64(STDERR_START_ACTIVITY);
    peer_u64(5);
    peer_u64(3);
    peer_u64(105);
    peer_str("building 'x'");
    peer_u64(2);
    peer_u64(1);
    peer_str("x.drv");
    peer_u64(0);
    peer_u64(7);
    peer_u64(0);
    peer_u64(STDERR_RESULT);
    peer_u64(5);
    peer_u64(101);
    peer_u64(1);
    peer_u64(1);
    peer_str("build output");
    peer_u64(STDERR_STOP_ACTIVITY);
    peer_u64(5);
    peer_u64(STDERR_WRITE);
    peer_str("data");
    peer_u64(STDERR_LAST);
    StrBuf sink;
    sb_init(&sink);
    int status = -1;
    CHECK(wc_process_stderr(&c, NULL, &sink, &status) == NULL && status == 0);
    CHECK(!strcmp(sink.data, "data"));
    done(&c);

    /* 1.26+: a structured error with a trace; colours stripped */
    conn(&c, 2000);
    c.version = WORKER_PROTO(1, 34);
    peer_u64(STDERR_ERROR);
    peer_str("Error");
    peer_u64(0);
    peer_str("Error");
    peer_str("builder for '\033[35;1mx\033[0m' failed");
    peer_u64(0);
    peer_u64(1);
    peer_u64(0);
    peer_str("while doing it");
    const char *e = wc_process_stderr(&c, NULL, NULL, &status);
    CHECK(e && !strcmp(e, "builder for 'x' failed\n… while doing it") && !wc_error(&c));
    done(&c);

    /* before 1.26: message and exit status */
    conn(&c, 2000);
    c.version = WORKER_PROTO(1, 25);
    peer_u64(STDERR_ERROR);
    peer_str("it failed");
    peer_u64(100);
    e = wc_process_stderr(&c, NULL, NULL, &status);
    CHECK(e && !strcmp(e, "it failed") && status == 100);
    done(&c);

    /* STDERR_READ is answered from the source, in pieces of the size asked */
    conn(&c, 2000);
    c.version = WORKER_PROTO(1, 21);
    WorkerSource src = {(const uint8_t *)"0123456789", 10, 0};
    peer_u64(STDERR_READ);
    peer_u64(4);
    peer_u64(STDERR_LAST);
    CHECK(wc_process_stderr(&c, &src, NULL, NULL) == NULL);
    uint8_t got[16], want[16] = {4, 0, 0, 0, 0, 0, 0, 0, '0', '1', '2', '3', 0, 0, 0, 0};
    CHECK(peer_read(got, 16) && memcmp(got, want, 16) == 0 && src.off == 4);
    done(&c);

    /* an unknown message */
    conn(&c, 2000);
    peer_u64(0x12345678);
    CHECK(has(wc_process_stderr(&c, NULL, NULL, NULL), "unknown message"));
    done(&c);
}

/* The daemon's side of a handshake offering version v; returns the version the client sent. */
static uint64_t serve_handshake(WorkerConn *c, uint64_t v, const char **err)
{
    peer_u64(WORKER_MAGIC_2);
    peer_u64(v);
    if (WORKER_MINOR(v) >= 33)
        peer_str("2.8.0");
    peer_u64(STDERR_LAST);
    *err = wc_handshake(c);
    uint8_t b[8];
    uint64_t magic = 0, cv = 0;
    if (peer_read(b, 8))
        for (int i = 7; i >= 0; i--)
            magic = magic << 8 | b[i];
    if (magic != WORKER_MAGIC_1 || *err)
        return 0;
    if (peer_read(b, 8))
        for (int i = 7; i >= 0; i--)
            cv = cv << 8 | b[i];
    return cv;
}

static void test_handshake(void)
{
    WorkerConn c;
    const char *e;
    conn(&c, 2000);
    CHECK(serve_handshake(&c, WORKER_PROTO(1, 37), &e) == WORKER_PROTO(1, 34));
    CHECK(!e && c.version == WORKER_PROTO(1, 34) && c.daemon_version && !strcmp(c.daemon_version, "2.8.0"));
    done(&c);

    conn(&c, 2000);
    CHECK(serve_handshake(&c, WORKER_PROTO(1, 25), &e) == WORKER_PROTO(1, 25));
    CHECK(!e && c.version == WORKER_PROTO(1, 25) && !c.daemon_version);
    done(&c);

    conn(&c, 2000);
    serve_handshake(&c, WORKER_PROTO(1, 20), &e);
    CHECK(has(e, "speaks protocol 1.20"));
    done(&c);

    conn(&c, 2000);
    serve_handshake(&c, WORKER_PROTO(2, 0), &e);
    CHECK(has(e, "speaks protocol 2.0"));
    done(&c);

    conn(&c, 2000);
    peer_u64(0xdeadbeef);
    CHECK(has(wc_handshake(&c), "protocol mismatch"));
    done(&c);
}

/* A fake daemon on a socket in dir: mode 0 closes each connection at once, 1 sends garbage,
 * 2 says nothing, 3 handshakes and then closes. */
static pid_t fake_daemon(const char *sock, int mode)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, sock);
    unlink(sock);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c < 0)
                _exit(0);
            if (mode == 1 && write(c, "HTTP/1.0 200 OK\r\n\r\n", 19) < 0)
                _exit(1);
            if (mode == 2) {
                sleep(30);
                _exit(0);
            }
            if (mode == 3) {
                uint8_t b[8];
                peer = c;
                peer_read(b, 8);
                peer_u64(WORKER_MAGIC_2);
                peer_u64(WORKER_PROTO(1, 34));
                peer_read(b, 8); /* version, affinity, reserveSpace */
                peer_read(b, 8);
                peer_read(b, 8);
                peer_str("2.8.0");
                peer_u64(STDERR_LAST);
                usleep(100000);
            }
            close(c);
        }
    }
    close(fd);
    return pid;
}

static void test_daemon_store(void)
{
    char dir[] = "/tmp/cnix-worker-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    const char *sock = sb_fmt("%s/sock", dir);
    const char *err = NULL;
    const char *msgs[4] = {"closed the connection", "protocol mismatch", "did not answer", "closed the connection"};
    for (int mode = 0; mode < 4; mode++) {
        pid_t pid = fake_daemon(sock, mode);
        Store *s = store_open(sb_fmt("unix://%s?timeout=1", sock), NULL, &err);
        CHECK(s != NULL);
        if (!s)
            continue;
        const char *out;
        time_t t0 = time(NULL);
        const char *e = store_add_text(s, "t", "x", 1, NULL, 0, &out);
        CHECK(has(e, msgs[mode]) && has(e, sock));
        if (!has(e, msgs[mode]))
            fprintf(stderr, "mode %d: %s\n", mode, e ? e : "(none)");
        CHECK(time(NULL) - t0 < 10);
        /* the fault is sticky: the next operation says the same at once */
        CHECK(store_add_text(s, "u", "y", 1, NULL, 0, &out) == e);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    /* nothing listening */
    unlink(sock);
    Store *s = store_open(sb_fmt("unix://%s", sock), NULL, &err);
    const char *out;
    CHECK(s && has(store_add_text(s, "t", "x", 1, NULL, 0, &out), "cannot connect to socket"));
    /* the URI forms */
    CHECK(store_open("daemon", NULL, &err) != NULL);
    CHECK(store_open("unix://", NULL, &err) == NULL && has(err, "names no socket"));
    CHECK(store_open("unix:///x?bogus=1", NULL, &err) == NULL && has(err, "unknown parameter"));
    CHECK(store_open("unix:///x?timeout=z", NULL, &err) == NULL && has(err, "timeout"));
    CHECK(store_open("daemon://x", NULL, &err) == NULL);
    rmdir(dir);
}

int main(void)
{
    GC_INIT();
    signal(SIGPIPE, SIG_IGN);
    test_encoding();
    test_decoding();
    test_nar();
    test_stderr();
    test_handshake();
    test_daemon_store();
    return CHECK_DONE();
}
