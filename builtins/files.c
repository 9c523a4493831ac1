/* Primop family bi_files: builtins that read the file system and the environment. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gc.h>

#include "builtins/access.h"
#include "builtins/builtins.h"
#include "builtins/derivation.h"
#include "store/hash.h"
#include "store/store.h"
#include "store/path.h"
#include "util/strbuf.h"

/* ---------- shared helpers ---------- */

/* CppNix's realisePath: coerce to a path (strings must be absolute), make it
 * canonical and follow symlinks as mode says. Errors carry no position of
 * their own; the "while calling" frame locates them. */
static const char *realise_path(EvalState *st, Value *v, SymlinkMode mode)
{
    const char *p = eval_coerce_to_path(st, v, 0, "while realising the context of a path");
    return bi_resolve_symlinks(st, bi_canon_path(p), mode, 0);
}

_Noreturn static void sys_error(EvalState *st, int err, const char *what, const char *path)
{
    eval_error(st, ERR_IO, 0, "%s '%s': %s", what, path, strerror(err));
}

/* Reads a whole regular file into atomic GC memory (NUL-terminated), with
 * CppNix's messages for missing files, directories and unreadable files. */
static char *read_whole_file(EvalState *st, const char *path, size_t *len_out)
{
    bi_check_access(st, path, 0);
    const char *host = bi_host_path(st, path);
    struct stat sb;
    if (lstat(host, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            eval_error(st, ERR_IO, 0, "path '%s' does not exist", path);
        sys_error(st, errno, "getting status of", path);
    }
    int fd = open(host, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            eval_error(st, ERR_IO, 0, "file '%s' does not exist", path);
        sys_error(st, errno, "opening", path);
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        eval_error(st, ERR_IO, 0, "file '%s' is not a regular file", path);
    }
    /* Values hold string lengths in 32 bits. */
    if ((uint64_t)sb.st_size >= UINT32_MAX) {
        close(fd);
        eval_error(st, ERR_IO, 0, "file '%s' is too large to be read into a string", path);
    }
    size_t cap = (size_t)sb.st_size + 1, len = 0;
    char *buf = GC_MALLOC_ATOMIC(cap + 1);
    if (!buf) {
        close(fd);
        eval_error(st, ERR_OOM, 0, "out of memory reading file '%s'", path);
    }
    for (;;) {
        if (len == cap) {
            /* the file grew (or is a /proc file reporting size 0) */
            if (cap >= UINT32_MAX / 2) {
                close(fd);
                eval_error(st, ERR_IO, 0, "file '%s' is too large to be read into a string", path);
            }
            cap *= 2;
            char *nb = GC_MALLOC_ATOMIC(cap + 1);
            if (!nb) {
                close(fd);
                eval_error(st, ERR_OOM, 0, "out of memory reading file '%s'", path);
            }
            memcpy(nb, buf, len);
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(fd);
            sys_error(st, err, "reading file", path);
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    *len_out = len;
    return buf;
}

static const char *file_type_name(mode_t m)
{
    if (S_ISREG(m))
        return "regular";
    if (S_ISDIR(m))
        return "directory";
    if (S_ISLNK(m))
        return "symlink";
    return "unknown";
}

static Value *make_string_value(EvalState *st, const char *s)
{
    Value *v = val_alloc(st);
    val_set_string(v, s, strlen(s), NULL);
    return v;
}

/* For a file inside a store path: the registered references of that path whose hash
 * part occurs in the contents, as opaque context (CppNix re-scans the references so
 * that only those actually present are kept). NULL otherwise. */
static const StrContext *store_refs_in(EvalState *st, const char *path, const char *s, size_t len)
{
    const char *sd = st->settings.store_dir && *st->settings.store_dir ? st->settings.store_dir
                                                                       : STORE_DEFAULT_DIR;
    if (!store_is_in_store(sd, path))
        return NULL;
    const char *sp = store_to_store_path(sd, path);
    if (!sp)
        return NULL;
    size_t n = 0;
    const char **refs = store_query_references(bi_store(st), sp, &n);
    const char **keep = GC_MALLOC((n + 1) * sizeof *keep);
    size_t k = 0, sdl = strlen(sd);
    for (size_t i = 0; i < n; i++) {
        const char *hash = refs[i] + sdl + 1; /* STOREDIR/HASH-NAME */
        if (strlen(refs[i]) > sdl + STORE_HASH_LEN && memmem(s, len, hash, STORE_HASH_LEN))
            keep[k++] = refs[i];
    }
    return k ? ctx_from_array(keep, k) : NULL;
}

/* ---------- primops ---------- */

static void bi_readFile(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *path = realise_path(st, args[0], SYMLINKS_FULL);
    size_t len;
    char *s = read_whole_file(st, path, &len);
    if (memchr(s, 0, len))
        eval_error(st, ERR_EVAL, 0,
                   "the contents of the file '%s' cannot be represented as a Nix string", path);
    val_set_string(out, s, len, store_refs_in(st, path, s, len));
}

static void bi_readDir(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *path = realise_path(st, args[0], SYMLINKS_FULL);
    bi_check_access(st, path, 0);
    const char *host = bi_host_path(st, path);
    struct stat sb;
    if (lstat(host, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            eval_error(st, ERR_IO, 0, "path '%s' does not exist", path);
        sys_error(st, errno, "getting status of", path);
    }
    DIR *d = opendir(host);
    if (!d) {
        if (errno == ENOTDIR)
            eval_error(st, ERR_IO, 0, "'%s' is not a directory", path);
        sys_error(st, errno, "opening directory", path);
    }
    /* Collect names first: errors must not leak the DIR handle. */
    size_t n = 0, cap = 16;
    char **names = GC_MALLOC(cap * sizeof *names);
    unsigned char *types = GC_MALLOC_ATOMIC(cap);
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            char **nn = GC_MALLOC(cap * sizeof *nn);
            unsigned char *nt = GC_MALLOC_ATOMIC(cap);
            memcpy(nn, names, n * sizeof *nn);
            memcpy(nt, types, n);
            names = nn;
            types = nt;
        }
        size_t l = strlen(de->d_name);
        names[n] = GC_MALLOC_ATOMIC(l + 1);
        memcpy(names[n], de->d_name, l + 1);
        types[n] = de->d_type;
        n++;
        errno = 0;
    }
    int err = errno;
    closedir(d);
    if (err)
        sys_error(st, err, "reading directory", path);

    Value *vreg = make_string_value(st, "regular"), *vdir = make_string_value(st, "directory"),
          *vlnk = make_string_value(st, "symlink"), *vunk = make_string_value(st, "unknown");
    Bindings *b = attrs_alloc(st, n);
    StrBuf child;
    for (size_t i = 0; i < n; i++) {
        sb_init(&child);
        sb_printf(&child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, names[i]);
        /* Under restricted evaluation, entries outside the allow-list are hidden. */
        if (!bi_path_allowed(st, child.data))
            continue;
        Value *tv;
        switch (types[i]) {
        case DT_REG: tv = vreg; break;
        case DT_DIR: tv = vdir; break;
        case DT_LNK: tv = vlnk; break;
        case DT_UNKNOWN: {
            /* Some file systems do not report types in directory entries. */
            struct stat cs;
            if (lstat(bi_host_path(st, child.data), &cs) != 0)
                sys_error(st, errno, "getting status of", child.data);
            const char *t = file_type_name(cs.st_mode);
            tv = t[0] == 'r' ? vreg : t[0] == 'd' ? vdir : t[0] == 's' ? vlnk : vunk;
            break;
        }
        default: tv = vunk; break;
        }
        attrs_push(b, sym_intern_cstr(st->symbols, names[i]), 0, tv);
    }
    attrs_sort(b);
    val_set_attrs(out, b);
}

static void bi_pathExists(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Value *arg = args[0];
    eval_force(st, arg, 0);
    /* Paths cannot end in '/', but strings can: "/foo/" and "/foo/." must be directories. */
    bool must_be_dir = false;
    if (arg->type == T_STRING) {
        const char *s = val_str(arg);
        size_t l = arg->len;
        must_be_dir = (l >= 1 && s[l - 1] == '/') || (l >= 2 && s[l - 2] == '/' && s[l - 1] == '.');
    }
    const char *path = realise_path(st, arg, must_be_dir ? SYMLINKS_FULL : SYMLINKS_ANCESTORS);
    /* A forbidden path simply does not exist (CppNix catches the denial). */
    if (!bi_path_allowed(st, path)) {
        val_set_bool(out, false);
        return;
    }
    struct stat sb;
    bool exists = lstat(bi_host_path(st, path), &sb) == 0 && (!must_be_dir || S_ISDIR(sb.st_mode));
    val_set_bool(out, exists);
}

static void bi_readFileType(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *path = realise_path(st, args[0], SYMLINKS_NONE);
    bi_check_access(st, path, 0);
    struct stat sb;
    if (lstat(bi_host_path(st, path), &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            eval_error(st, ERR_IO, 0, "path '%s' does not exist", path);
        sys_error(st, errno, "getting status of", path);
    }
    const char *t = file_type_name(sb.st_mode);
    val_set_string(out, t, strlen(t), NULL);
}

static void bi_getEnv(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *name = eval_force_string_no_ctx(st, args[0], 0,
                                                "while evaluating the first argument passed to builtins.getEnv");
    const char *v = NULL;
    if (!bi_access_limited(st))
        v = getenv(name);
    val_make_string(out, v ? v : "");
}

static void bi_hashFile(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *algo = eval_force_string_no_ctx(st, args[0], 0,
                                                "while evaluating the first argument passed to builtins.hashFile");
    HashAlgo a = hash_algo_parse(algo, strlen(algo));
    if (a == HASH_NONE)
        eval_error(st, ERR_EVAL, 0, "unknown hash algorithm '%s'", algo);
    const char *path = realise_path(st, args[1], SYMLINKS_FULL);
    size_t len;
    char *data = read_whole_file(st, path, &len);
    Hash h;
    hash_buf(a, data, len, &h);
    char *s = hash_to_string(&h, HASH_FMT_BASE16, false);
    val_set_string(out, s, strlen(s), NULL);
}

static void bi_toPath(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *ctxmsg = "while evaluating the first argument passed to builtins.toPath";
    const char *path = eval_coerce_to_path(st, args[0], 0, ctxmsg);
    /* The result is a string that keeps the argument's context. */
    const StrContext *ctx = NULL;
    if (args[0]->type != T_PATH) {
        size_t len;
        eval_coerce_to_string(st, args[0], 0, ctxmsg, 0, &ctx, &len);
    }
    path = bi_canon_path(path);
    val_set_string(out, path, strlen(path), ctx);
}

const PrimOp bi_files[] = {
    {"readFile", 1, 0, "path",
     "Return the contents of the file *path* as a string.\n\n"
     "    builtins.readFile ./hello.txt   # => \"Hello\\n\"\n\n"
     "Symlinks are followed. Reading a directory, a missing or unreadable file is an\n"
     "error, and so is a file containing a NUL byte, which no Nix string can hold.\n"
     "Under pure or restricted evaluation the path must be allowed.",
     bi_readFile},
    {"readDir", 1, 0, "path",
     "Return the contents of the directory *path* as a set mapping each entry name\n"
     "to its type: `\"regular\"`, `\"directory\"`, `\"symlink\"` or `\"unknown\"`.\n\n"
     "    builtins.readDir ./A   # => { B = \"regular\"; C = \"directory\"; }\n\n"
     "`.` and `..` are omitted; symlinks in *path* are followed, entries are not.\n"
     "A *path* that is not a directory is an error.",
     bi_readDir},
    {"pathExists", 1, 0, "path",
     "Return `true` if *path* exists at evaluation time, `false` otherwise.\n\n"
     "    builtins.pathExists ./default.nix   # => true\n\n"
     "A string ending in `/` or `/.` must name a directory. A dangling symlink exists.\n"
     "A path forbidden by pure or restricted evaluation does not exist.",
     bi_pathExists},
    {"readFileType", 1, 0, "p",
     "Return the type of the directory entry *p*: `\"directory\"`, `\"regular\"`,\n"
     "`\"symlink\"` or `\"unknown\"` (devices, sockets, fifos).\n\n"
     "    builtins.readFileType ./.   # => \"directory\"\n\n"
     "A symlink is reported as such, not followed.",
     bi_readFileType},
    {"getEnv", 1, 0, "s",
     "Return the value of the environment variable *s*, or `\"\"` if it is unset.\n\n"
     "    builtins.getEnv \"HOME\"   # => \"/home/alice\"\n\n"
     "Always `\"\"` under pure or restricted evaluation.",
     bi_getEnv},
    {"hashFile", 2, 0, "type p",
     "Return the base-16 hash of the file *p*; *type* is one of `\"md5\"`, `\"sha1\"`,\n"
     "`\"sha256\"` or `\"sha512\"`.\n\n"
     "    builtins.hashFile \"sha256\" ./data\n\n"
     "Unlike `readFile`, the file may contain NUL bytes.",
     bi_hashFile},
    {"toPath", 1, 0, "s",
     "**Deprecated.** Return the absolute path *s* as a canonical string (not a path).\n"
     "Use `/. + \"/path\"` to make a path from a string.\n\n"
     "    builtins.toPath \"/a//b/../c\"   # => \"/a/c\"\n\n"
     "Relative strings are an error; the string context is kept.",
     bi_toPath},
    {0},
};
