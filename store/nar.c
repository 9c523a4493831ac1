/* NAR writing (from the file system, entries in byte order) and parsing/restoring. */
#include "store/nar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAR_MAGIC "nix-archive-1"
#define NAR_MAX_DEPTH 4096

static const char *errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *errf(const char *fmt, ...)
{
    StrBuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb_finish(&sb);
}

/* ---- writing ---- */

typedef struct Dumper {
    NarSink sink;
    void *sctx;
    NarFilter filter;
    void *fctx;
} Dumper;

static void put_u64(Dumper *d, uint64_t n)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(n >> (8 * i));
    d->sink(d->sctx, b, 8);
}

static void put_pad(Dumper *d, uint64_t len)
{
    static const uint8_t zero[8];
    if (len % 8)
        d->sink(d->sctx, zero, 8 - len % 8);
}

static void put_bytes(Dumper *d, const void *s, size_t len)
{
    put_u64(d, len);
    d->sink(d->sctx, s, len);
    put_pad(d, len);
}

static void put_str(Dumper *d, const char *s) { put_bytes(d, s, strlen(s)); }

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *type_name(mode_t m)
{
    return S_ISREG(m) ? "regular" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : "unknown";
}

static const char *dump_file(Dumper *d, const char *path, const struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errf("opening file '%s': %s", path, strerror(errno));
    put_str(d, "contents");
    uint64_t size = (uint64_t)st->st_size, done = 0;
    put_u64(d, size);
    char buf[65536];
    while (done < size) {
        size_t want = size - done < sizeof buf ? (size_t)(size - done) : sizeof buf;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return n < 0 ? errf("reading file '%s': %s", path, strerror(errno))
                         : errf("file '%s' changed size while being read", path);
        }
        d->sink(d->sctx, buf, (size_t)n);
        done += (uint64_t)n;
    }
    close(fd);
    put_pad(d, size);
    return NULL;
}

static const char *dump_rec(Dumper *d, const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errf("getting status of '%s': %s", path, strerror(errno));
    if (depth > NAR_MAX_DEPTH)
        return errf("directory tree at '%s' is too deep", path);
    put_str(d, "(");
    const char *e = NULL;
    if (S_ISREG(st.st_mode)) {
        put_str(d, "type");
        put_str(d, "regular");
        if (st.st_mode & S_IXUSR) {
            put_str(d, "executable");
            put_str(d, "");
        }
        e = dump_file(d, path, &st);
    } else if (S_ISLNK(st.st_mode)) {
        char *target = GC_MALLOC_ATOMIC((size_t)st.st_size + 2);
        ssize_t n = readlink(path, target, (size_t)st.st_size + 1);
        if (n < 0)
            return errf("reading symbolic link '%s': %s", path, strerror(errno));
        target[n] = 0;
        put_str(d, "type");
        put_str(d, "symlink");
        put_str(d, "target");
        put_bytes(d, target, (size_t)n);
    } else if (S_ISDIR(st.st_mode)) {
        put_str(d, "type");
        put_str(d, "directory");
        /* Read all names first: the filter may longjmp, and no DIR* may leak then. */
        DIR *dir = opendir(path);
        if (!dir)
            return errf("opening directory '%s': %s", path, strerror(errno));
        size_t n = 0, cap = 16;
        const char **names = GC_MALLOC(cap * sizeof *names);
        struct dirent *de;
        while ((de = readdir(dir))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if (n == cap) {
                cap *= 2;
                const char **nn = GC_MALLOC(cap * sizeof *nn);
                memcpy(nn, names, n * sizeof *nn);
                names = nn;
            }
            size_t l = strlen(de->d_name);
            char *s = GC_MALLOC_ATOMIC(l + 1);
            memcpy(s, de->d_name, l + 1);
            names[n++] = s;
        }
        closedir(dir);
        qsort(names, n, sizeof *names, cmp_name);
        size_t plen = strlen(path);
        for (size_t i = 0; i < n && !e; i++) {
            size_t l = strlen(names[i]);
            char *child = GC_MALLOC_ATOMIC(plen + l + 2);
            memcpy(child, path, plen);
            child[plen] = '/';
            memcpy(child + plen + 1, names[i], l + 1);
            if (d->filter) {
                struct stat cst;
                const char *t = lstat(child, &cst) == 0 ? type_name(cst.st_mode) : "unknown";
                if (!d->filter(d->fctx, child, t))
                    continue;
            }
            put_str(d, "entry");
            put_str(d, "(");
            put_str(d, "name");
            put_str(d, names[i]);
            put_str(d, "node");
            e = dump_rec(d, child, depth + 1);
            put_str(d, ")");
        }
    } else {
        return errf("file '%s' has an unsupported type", path);
    }
    put_str(d, ")");
    return e;
}

const char *nar_dump(const char *path, NarSink sink, void *sink_ctx, NarFilter filter, void *fctx)
{
    Dumper d = {sink, sink_ctx, filter, fctx};
    put_str(&d, NAR_MAGIC);
    return dump_rec(&d, path, 0);
}

static void sink_buf(void *ctx, const void *data, size_t len) { sb_add(ctx, data, len); }

const char *nar_dump_to_buf(const char *path, NarFilter filter, void *fctx, StrBuf *out)
{
    return nar_dump(path, sink_buf, out, filter, fctx);
}

void nar_of_bytes(const void *data, size_t len, bool executable, StrBuf *out)
{
    Dumper d = {sink_buf, out, NULL, NULL};
    put_str(&d, NAR_MAGIC);
    put_str(&d, "(");
    put_str(&d, "type");
    put_str(&d, "regular");
    if (executable) {
        put_str(&d, "executable");
        put_str(&d, "");
    }
    put_str(&d, "contents");
    put_bytes(&d, data, len);
    put_str(&d, ")");
}

typedef struct HashSink {
    HashCtx hc;
    uint64_t size;
} HashSink;

static void sink_hash(void *ctx, const void *data, size_t len)
{
    HashSink *h = ctx;
    hash_update(&h->hc, data, len);
    h->size += len;
}

const char *nar_hash_path(const char *path, HashAlgo algo, NarFilter filter, void *fctx, Hash *out,
                          uint64_t *nar_size)
{
    HashSink h = {.size = 0};
    hash_init(&h.hc, algo);
    const char *e = nar_dump(path, sink_hash, &h, filter, fctx);
    hash_final(&h.hc, out);
    if (nar_size)
        *nar_size = h.size;
    return e;
}

/* ---- parsing ---- */

typedef struct Parser {
    const uint8_t *p, *end;
    const NarVisitor *v;
    void *ctx;
    const char *err;
} Parser;

static bool get_u64(Parser *ps, uint64_t *n)
{
    if (ps->end - ps->p < 8) {
        ps->err = "unexpected end of NAR";
        return false;
    }
    uint64_t r = 0;
    for (int i = 0; i < 8; i++)
        r |= (uint64_t)ps->p[i] << (8 * i);
    ps->p += 8;
    *n = r;
    return true;
}

/* Reads a length-prefixed byte string; *s points into the input. */
static bool get_bytes(Parser *ps, const uint8_t **s, uint64_t *len)
{
    if (!get_u64(ps, len))
        return false;
    uint64_t padded = *len + (8 - *len % 8) % 8;
    if (*len > (uint64_t)(ps->end - ps->p) || padded > (uint64_t)(ps->end - ps->p)) {
        ps->err = "unexpected end of NAR";
        return false;
    }
    *s = ps->p;
    for (uint64_t i = *len; i < padded; i++)
        if (ps->p[i]) {
            ps->err = "non-zero padding in NAR";
            return false;
        }
    ps->p += padded;
    return true;
}

static bool expect(Parser *ps, const char *want)
{
    const uint8_t *s;
    uint64_t len;
    if (!get_bytes(ps, &s, &len))
        return false;
    if (len != strlen(want) || memcmp(s, want, len) != 0) {
        ps->err = errf("expected '%s' in NAR", want);
        return false;
    }
    return true;
}

static bool is_tag(const uint8_t *s, uint64_t len, const char *t)
{
    return len == strlen(t) && memcmp(s, t, len) == 0;
}

static char *join(const char *dir, const uint8_t *name, uint64_t len)
{
    size_t dl = strlen(dir);
    char *r = GC_MALLOC_ATOMIC(dl + (size_t)len + 2);
    size_t k = 0;
    if (dl) {
        memcpy(r, dir, dl);
        r[dl] = '/';
        k = dl + 1;
    }
    memcpy(r + k, name, (size_t)len);
    r[k + len] = 0;
    return r;
}

static bool parse_node(Parser *ps, const char *path, int depth)
{
    const uint8_t *s;
    uint64_t len;
    if (depth > NAR_MAX_DEPTH) {
        ps->err = "NAR nested too deeply";
        return false;
    }
    if (!expect(ps, "(") || !expect(ps, "type") || !get_bytes(ps, &s, &len))
        return false;
    if (is_tag(s, len, "regular")) {
        bool exec = false;
        if (!get_bytes(ps, &s, &len))
            return false;
        if (is_tag(s, len, "executable")) {
            if (!get_bytes(ps, &s, &len))
                return false;
            if (len != 0) {
                ps->err = "executable marker has non-empty value";
                return false;
            }
            exec = true;
            if (!get_bytes(ps, &s, &len))
                return false;
        }
        if (!is_tag(s, len, "contents")) {
            ps->err = "expected 'contents' in NAR";
            return false;
        }
        if (!get_bytes(ps, &s, &len))
            return false;
        if (ps->v && (ps->err = ps->v->regular(ps->ctx, path, exec, s, len)))
            return false;
    } else if (is_tag(s, len, "symlink")) {
        if (!expect(ps, "target") || !get_bytes(ps, &s, &len))
            return false;
        if (len == 0 || memchr(s, 0, (size_t)len)) {
            ps->err = "invalid symlink target in NAR";
            return false;
        }
        char *t = join("", s, len);
        if (ps->v && (ps->err = ps->v->symlink(ps->ctx, path, t)))
            return false;
    } else if (is_tag(s, len, "directory")) {
        if (ps->v && (ps->err = ps->v->directory(ps->ctx, path)))
            return false;
        const uint8_t *prev = NULL;
        uint64_t prev_len = 0;
        for (;;) {
            if (!get_bytes(ps, &s, &len))
                return false;
            if (is_tag(s, len, ")"))
                return true;
            if (!is_tag(s, len, "entry")) {
                ps->err = "expected 'entry' or ')' in NAR";
                return false;
            }
            const uint8_t *name;
            uint64_t nlen;
            if (!expect(ps, "(") || !expect(ps, "name") || !get_bytes(ps, &name, &nlen))
                return false;
            if (nlen == 0 || is_tag(name, nlen, ".") || is_tag(name, nlen, "..") ||
                memchr(name, '/', (size_t)nlen) || memchr(name, 0, (size_t)nlen)) {
                ps->err = errf("NAR contains invalid file name '%.*s'", (int)nlen, (const char *)name);
                return false;
            }
            if (prev) {
                uint64_t m = prev_len < nlen ? prev_len : nlen;
                int c = memcmp(prev, name, (size_t)m);
                if (c > 0 || (c == 0 && prev_len >= nlen)) {
                    ps->err = "NAR directory is not sorted";
                    return false;
                }
            }
            prev = name;
            prev_len = nlen;
            if (!expect(ps, "node") || !parse_node(ps, join(path, name, nlen), depth + 1) ||
                !expect(ps, ")"))
                return false;
        }
    } else {
        ps->err = errf("unknown file type '%.*s' in NAR", (int)(len > 64 ? 64 : len), (const char *)s);
        return false;
    }
    return expect(ps, ")");
}

const char *nar_parse(const uint8_t *data, size_t len, const NarVisitor *v, void *ctx)
{
    Parser ps = {data, data + len, v, ctx, NULL};
    const uint8_t *s;
    uint64_t n;
    if (!get_bytes(&ps, &s, &n) || !is_tag(s, n, NAR_MAGIC))
        return "input doesn't look like a Nix archive";
    if (!parse_node(&ps, "", 0))
        return ps.err ? ps.err : "invalid NAR";
    if (ps.p != ps.end)
        return "trailing data after the end of the NAR";
    return NULL;
}

/* ---- restoring ---- */

static const char *full(void *ctx, const char *rel)
{
    return *rel ? errf("%s/%s", (const char *)ctx, rel) : (const char *)ctx;
}

static const char *r_dir(void *ctx, const char *path)
{
    const char *p = full(ctx, path);
    if (mkdir(p, 0755) < 0)
        return errf("creating directory '%s': %s", p, strerror(errno));
    return NULL;
}

static const char *r_reg(void *ctx, const char *path, bool exec, const uint8_t *data, uint64_t len)
{
    const char *p = full(ctx, path);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exec ? 0755 : 0644);
    if (fd < 0)
        return errf("creating file '%s': %s", p, strerror(errno));
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, (size_t)(len - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return errf("writing file '%s': %s", p, strerror(e));
        }
        done += (uint64_t)n;
    }
    /* restored files go into the store: on disk before they become visible */
    if (fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return errf("writing file '%s': %s", p, strerror(e));
    }
    if (close(fd) < 0)
        return errf("writing file '%s': %s", p, strerror(errno));
    return NULL;
}

static const char *r_link(void *ctx, const char *path, const char *target)
{
    const char *p = full(ctx, path);
    if (symlink(target, p) < 0)
        return errf("creating symlink '%s': %s", p, strerror(errno));
    return NULL;
}

const char *nar_restore(const uint8_t *data, size_t len, const char *dest)
{
    /* Validate first so that a bad archive leaves nothing behind. */
    const char *e = nar_parse(data, len, NULL, NULL);
    if (e)
        return e;
    static const NarVisitor restorer = {r_dir, r_reg, r_link};
    return nar_parse(data, len, &restorer, (void *)dest);
}
