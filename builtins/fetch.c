/* Primop family bi_fetch: fetchurl, fetchTarball, fetchGit and fetchTree for local sources. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "builtins/access.h"
#include "builtins/derivation.h"
#include "builtins/builtins.h"
#include "store/config.h"
#include "store/makeca.h"
#include "store/path.h"
#include "store/store.h"
#include "util/lazyarchive.h"
#include "util/strbuf.h"

/* ---------- temporary directories ---------- */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static void rm_tree(const char *p)
{
    if (p)
        nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch directory; removed by the caller on every path (errors included), so the
 * primops below keep it in a TryFrame. */
static char *make_temp_dir(EvalState *st)
{
    const char *t = getenv("TMPDIR");
    char *tmpl = sb_fmt("%s/cnix-fetch.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpl))
        eval_error(st, ERR_IO, 0, "creating a temporary directory: %s", strerror(errno));
    return tmpl;
}

/* ---------- URLs ---------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *percent_decode(const char *s, size_t n)
{
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
            sb_putc(&sb, (char)(h * 16 + l));
            i += 2;
        } else
            sb_putc(&sb, s[i]);
    }
    return sb_finish(&sb);
}

/* The local file a URL names: "file:///p", "file:/p", "file:rel" (returned relative), an
 * absolute path as is; NULL for other schemes (remote). */
static const char *url_local_path(const char *url)
{
    if (url[0] == '/')
        return url;
    const char *p = NULL;
    if (strncmp(url, "file://", 7) == 0) {
        p = strchr(url + 7, '/');
        if (!p)
            p = url + 7 + strlen(url + 7);
    } else if (strncmp(url, "file:", 5) == 0)
        p = url + 5;
    if (!p)
        return NULL;
    size_t n = strcspn(p, "?#");
    return percent_decode(p, n);
}

/* CppNix's legacy baseNameOf, used for default names: the last component, ignoring
 * one trailing slash. */
static const char *url_base_name(const char *url)
{
    size_t n = strlen(url);
    if (n == 0)
        return "";
    size_t last = n - 1;
    if (url[last] == '/' && last > 0)
        last--;
    size_t start = last + 1;
    while (start > 0 && url[start - 1] != '/')
        start--;
    return val_str_dup(url + start, last + 1 - start);
}

_Noreturn static void no_network(EvalState *st, const char *url)
{
    eval_error(st, ERR_IO, 0,
               "unable to download '%s': cnix fetches only local sources (file:// URLs and paths)", url);
}

/* ---------- store ---------- */

static Store *lstore(EvalState *st)
{
    return bi_store(st);
}

/* Adds src to the store (recursive NAR or flat file, sha256); returns the path, the
 * content hash in *ca. The path becomes accessible under restricted evaluation. */
static const char *add_to_store(EvalState *st, const char *name, const char *src, FileIngestion m, Hash *ca)
{
    const char *out = NULL;
    const char *e = store_add_path(lstore(st), name, src, m, HASH_SHA256, NULL, NULL, false, ca, &out);
    if (e)
        eval_error(st, ERR_IO, 0, "%s", e);
    bi_allow_path(st, out);
    return out;
}

static void set_store_string(Value *v, const char *path)
{
    val_set_string(v, path, strlen(path), ctx_single(path));
}

/* ---------- unpacking ---------- */

/* Extracts an archive (any format and compression libarchive knows) into dest, refusing
 * absolute names, ".." and writes through symlinks. Returns NULL or an error message. */
static const char *unpack_archive(struct archive *a, const char *dest)
{
    struct archive *w = archive_write_disk_new();
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    const char *err = NULL;
    struct archive_entry *ent;
    int r;
    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(ent);
        /* entries are placed under dest, so refuse names that could leave it */
        if (name && (name[0] == '/' || strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 ||
                     strstr(name, "/../") || (strlen(name) >= 3 && strcmp(name + strlen(name) - 3, "/..") == 0))) {
            err = sb_fmt("archive entry '%s' is outside the archive", name);
            break;
        }
        archive_entry_set_pathname(ent, sb_fmt("%s/%s", dest, name ? name : ""));
        const char *hl = archive_entry_hardlink(ent);
        if (hl)
            archive_entry_set_hardlink(ent, sb_fmt("%s/%s", dest, hl));
        /* ownership is not recorded in the store */
        archive_entry_set_uid(ent, getuid());
        archive_entry_set_gid(ent, getgid());
        if (archive_write_header(w, ent) != ARCHIVE_OK) {
            err = sb_fmt("failed to extract archive (%s)", archive_error_string(w));
            break;
        }
        const void *buf;
        size_t size;
        la_int64_t off;
        int rr;
        while ((rr = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
                err = sb_fmt("failed to extract archive (%s)", archive_error_string(w));
                break;
            }
        if (err)
            break;
        if (rr != ARCHIVE_EOF) {
            err = sb_fmt("failed to extract archive (%s)", archive_error_string(a));
            break;
        }
        archive_write_finish_entry(w);
    }
    if (!err && r != ARCHIVE_EOF && r != ARCHIVE_OK && r != ARCHIVE_WARN)
        err = sb_fmt("failed to extract archive (%s)", archive_error_string(a));
    archive_write_close(w);
    archive_write_free(w);
    return err;
}

static const char *unpack_file(const char *file, const char *dest)
{
    const char *lerr = lazyarchive_load();
    if (lerr)
        return lerr;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    const char *err = NULL;
    if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK)
        err = sb_fmt("failed to open archive (%s)", archive_error_string(a));
    else
        err = unpack_archive(a, dest);
    archive_read_free(a);
    return err;
}

static const char *unpack_memory(const void *data, size_t len, const char *dest)
{
    const char *lerr = lazyarchive_load();
    if (lerr)
        return lerr;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    const char *err = NULL;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
        err = sb_fmt("failed to open archive (%s)", archive_error_string(a));
    else if (len > 0) /* git archive of an empty tree may still be a valid empty tar */
        err = unpack_archive(a, dest);
    archive_read_free(a);
    return err;
}

/* The root of an unpacked tarball: its only entry if that is a directory, else dir. */
static const char *tarball_root(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return dir;
    struct dirent *de;
    const char *only = NULL;
    int n = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        only = sb_fmt("%s/%s", dir, de->d_name);
    }
    closedir(d);
    struct stat sb;
    if (n == 1 && lstat(only, &sb) == 0 && S_ISDIR(sb.st_mode))
        return only;
    return dir;
}

/* ---------- running git ---------- */

/* Runs argv (no shell) with stdout captured into *out; stderr is kept for messages. Returns
 * the exit status, or -1 if it could not be run. */
static int run_capture(const char *const *argv, StrBuf *out, StrBuf *errout)
{
    int po[2], pe[2];
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        int dn = open("/dev/null", O_RDONLY);
        if (dn >= 0)
            dup2(dn, 0);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    sb_init(out);
    sb_init(errout);
    char buf[65536];
    /* Both pipes are drained alternately through poll-free reads: git writes little to
     * stderr, so reading stdout to EOF first cannot deadlock on a full stderr pipe in
     * practice; stderr is read afterwards. */
    ssize_t n;
    while ((n = read(po[0], buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        sb_add(out, buf, (size_t)n);
    }
    while ((n = read(pe[0], buf, sizeof buf)) > 0)
        sb_add(errout, buf, (size_t)n);
    close(po[0]);
    close(pe[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* git -C repo ARGS..., stdout trimmed of its final newline; NULL on failure (*err set). */
static char *git(const char *repo, const char **err, const char *a1, const char *a2, const char *a3,
                 const char *a4)
{
    const char *argv[] = {"git", "-C", repo, a1, a2, a3, a4, NULL};
    StrBuf out, eo;
    int rc = run_capture(argv, &out, &eo);
    if (rc != 0) {
        while (eo.len && (eo.data[eo.len - 1] == '\n'))
            eo.data[--eo.len] = 0;
        *err = rc < 0 ? "could not run 'git'" : eo.len ? eo.data : "git failed";
        return NULL;
    }
    while (out.len && out.data[out.len - 1] == '\n')
        out.data[--out.len] = 0;
    return out.data;
}

/* ---------- fetchurl / fetchTarball ---------- */

static bool parse_sha256(EvalState *st, const char *s, Hash *h, PosIdx pos)
{
    if (!*s) {
        bi_empty_hash(st, HASH_SHA256, h);
        return true;
    }
    const char *e = hash_parse_any(s, HASH_SHA256, h, NULL);
    if (e)
        eval_error(st, ERR_EVAL, pos, "%s", e);
    return true;
}

/* Checks that a local file URL names a readable regular file; the store reads it directly. */
static const char *fetch_local_file(EvalState *st, const char *url, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        eval_error(st, ERR_IO, 0, "unable to download '%s': Couldn't open file %s (%s)", url, path,
                   strerror(errno));
    if (!S_ISREG(sb.st_mode))
        eval_error(st, ERR_IO, 0, "unable to download '%s': '%s' is not a regular file", url, path);
    return path;
}

typedef struct Fetched {
    const char *store_path;
    Hash ca;
} Fetched;

/* Unpacks the tarball at url (local) and adds its root to the store as name. */
static void fetch_tarball_local(EvalState *st, const char *url, const char *name, Fetched *f)
{
    const char *path = url_local_path(url);
    if (!path)
        no_network(st, url);
    if (path[0] != '/')
        eval_error(st, ERR_EVAL, 0,
                   "tarball '%s' must use an absolute path. The 'file' scheme does not support relative paths.",
                   url);
    struct stat sb;
    if (stat(path, &sb) != 0)
        eval_error(st, ERR_IO, 0, "tarball \"%s\" does not exist.", path);
    if (S_ISDIR(sb.st_mode)) {
        if (access(sb_fmt("%s/.git", path), F_OK) == 0)
            eval_error(st, ERR_EVAL, 0,
                       "tarball \"%s\" is a git repository, not a tarball. Please use `git+file` as the scheme.",
                       path);
        eval_error(st, ERR_EVAL, 0, "tarball \"%s\" is a directory, not a file.", path);
    }
    char *tmp = make_temp_dir(st);
    TryFrame tf;
    if (EVAL_TRY(st, &tf)) {
        const char *e = unpack_file(path, tmp);
        if (e)
            eval_error(st, ERR_EVAL, 0, "%s", sb_fmt("unpacking '%s': %s", url, e));
        f->store_path = add_to_store(st, name, tarball_root(tmp), FIM_RECURSIVE, &f->ca);
        eval_try_leave(st, &tf);
        rm_tree(tmp);
    } else {
        rm_tree(tmp);
        eval_throw(st, tf.error);
    }
}

static void fetch_common(EvalState *st, Value **args, Value *out, const char *who, bool unpack,
                         const char *name)
{
    Value *arg = args[0];
    eval_force(st, arg, 0);
    const char *url = NULL;
    bool have_hash = false, name_passed = false, is_attrs = arg->type == T_ATTRS;
    Hash expected;
    if (is_attrs) {
        Bindings *b = val_attrs(arg);
        for (uint32_t i = 0; i < b->size; i++) {
            Attr *a = &b->attrs[i];
            const char *n = sym_name(st->symbols, a->name);
            if (strcmp(n, "url") == 0)
                url = eval_force_string_no_ctx(st, a->value, a->pos, "while evaluating the url we should fetch");
            else if (strcmp(n, "sha256") == 0)
                have_hash = parse_sha256(st, eval_force_string_no_ctx(st, a->value, a->pos,
                                                                      "while evaluating the sha256 of the content we should fetch"),
                                         &expected, a->pos);
            else if (strcmp(n, "name") == 0) {
                name_passed = true;
                name = eval_force_string_no_ctx(st, a->value, a->pos,
                                                "while evaluating the name of the content we should fetch");
            } else
                eval_error(st, ERR_EVAL, 0, "unsupported argument '%s' to '%s'", n, who);
        }
        if (!url)
            eval_error(st, ERR_EVAL, 0, "'url' argument required");
    } else
        url = eval_force_string_no_ctx(st, arg, 0, "while evaluating the url we should fetch");

    if (unpack && strncmp(url, "channel:", 8) == 0)
        url = sb_fmt("https://channels.nixos.org/%s/nixexprs.tar.xz", url + 8);
    bi_check_uri(st, url, 0);
    if (!*name)
        name = url_base_name(url);
    const char *ne = store_check_name(name, strlen(name));
    if (ne) {
        const char *fix =
            name_passed ? sb_fmt("Please change the value for the 'name' attribute passed to '%s', so that it can create a valid store path.", who)
            : is_attrs  ? sb_fmt("Please add a valid 'name' attribute to the argument for '%s', so that it can create a valid store path.", who)
                        : sb_fmt("Please pass an attribute set with 'url' and 'name' attributes to '%s',  so that it can create a valid store path.", who);
        eval_error(st, ERR_EVAL, 0, "invalid store path name when fetching URL '%s': %s. %s", url, ne, fix);
    }
    if (st->settings.pure_eval && !have_hash)
        eval_error(st, ERR_EVAL, 0, "in pure evaluation mode, '%s' requires a 'sha256' argument", who);

    Fetched f;
    if (unpack) {
        fetch_tarball_local(st, url, name, &f);
        if (have_hash && memcmp(f.ca.bytes, expected.bytes, 32) != 0)
            eval_error(st, ERR_EVAL, 0, "NAR hash mismatch in input '%s', expected '%s' but got '%s'", url,
                       hash_to_string(&expected, HASH_FMT_SRI, true), hash_to_string(&f.ca, HASH_FMT_SRI, true));
    } else {
        const char *path = url_local_path(url);
        if (!path)
            no_network(st, url);
        f.store_path = add_to_store(st, name, fetch_local_file(st, url, path), FIM_FLAT, &f.ca);
        if (have_hash && memcmp(f.ca.bytes, expected.bytes, 32) != 0)
            eval_error(st, ERR_EVAL, 0, "hash mismatch in file downloaded from '%s':\n  specified: %s\n  got:       %s",
                       url, hash_to_string(&expected, HASH_FMT_NIX32, true), hash_to_string(&f.ca, HASH_FMT_NIX32, true));
    }
    set_store_string(out, f.store_path);
}

static void bi_fetchurl(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    fetch_common(st, args, out, "fetchurl", false, "");
}

static void bi_fetchTarball(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    fetch_common(st, args, out, "fetchTarball", true, "source");
}

/* ---------- fetchTree / fetchGit ---------- */

/* The attributes of a fetchTree/fetchGit input, after CppNix's type checks. */
typedef struct Input {
    const char *type, *url, *path, *ref, *rev, *name, *nar_hash;
    bool shallow, submodules, have_shallow;
} Input;

static void add_attr(EvalState *st, Bindings *b, const char *name, Value *v, PosIdx pos)
{
    attrs_push(b, sym_intern_cstr(st->symbols, name), pos, v);
}

static Value *str_v(EvalState *st, const char *s)
{
    Value *v = val_alloc(st);
    val_make_string(v, s);
    return v;
}

static Value *int_v(EvalState *st, int64_t i)
{
    Value *v = val_alloc(st);
    val_set_int(v, i);
    return v;
}

static Value *bool_v(EvalState *st, bool b)
{
    Value *v = val_alloc(st);
    val_set_bool(v, b);
    return v;
}

static Value *store_v(EvalState *st, const char *path)
{
    Value *v = val_alloc(st);
    set_store_string(v, path);
    return v;
}

static const char *last_modified_date(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return val_str_dup(buf, strlen(buf));
}

static void parse_input_attrs(EvalState *st, Value *arg, const char *fetcher, bool is_git, bool allow_name, Input *in)
{
    Bindings *b = eval_force_attrs(st, arg, 0, sb_fmt("while evaluating the argument passed to '%s'", fetcher));
    Attr *ta = attrs_find(b, st->s.type);
    if (ta) {
        if (is_git)
            eval_error(st, ERR_EVAL, 0, "unexpected argument 'type'");
        in->type = eval_force_string_no_ctx(st, ta->value, ta->pos,
                                            sb_fmt("while evaluating the `type` argument passed to '%s'", fetcher));
    } else if (!is_git)
        eval_error(st, ERR_EVAL, 0, "argument 'type' is missing in call to '%s'", fetcher);
    uint32_t *order = attrs_sorted_by_name(st, b);
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        if (a->name == st->s.type)
            continue;
        const char *n = sym_name(st->symbols, a->name);
        eval_force(st, a->value, a->pos);
        Value *v = a->value;
        if (v->type == T_PATH || v->type == T_STRING) {
            const char *s = eval_coerce_to_string(st, v, a->pos, "", 0, NULL, NULL);
            if (strcmp(n, "url") == 0)
                in->url = s;
            else if (strcmp(n, "path") == 0)
                in->path = s;
            else if (strcmp(n, "ref") == 0)
                in->ref = s;
            else if (strcmp(n, "rev") == 0)
                in->rev = s;
            else if (strcmp(n, "name") == 0)
                in->name = s;
            else if (strcmp(n, "narHash") == 0)
                in->nar_hash = s;
        } else if (v->type == T_BOOL) {
            if (strcmp(n, "shallow") == 0) {
                in->shallow = v->boolean;
                in->have_shallow = true;
            } else if (strcmp(n, "submodules") == 0)
                in->submodules = v->boolean;
        } else if (v->type == T_INT) {
            if (v->integer < 0)
                eval_error(st, ERR_EVAL, 0, "negative value given for '%s' argument '%s': %lld", fetcher, n,
                           (long long)v->integer);
        } else
            eval_error(st, ERR_TYPE, 0, "argument '%s' to '%s' is %s while a string, Boolean or integer is expected",
                       n, fetcher, eval_type_name(v));
    }
    if (in->name && !allow_name)
        eval_error(st, ERR_EVAL, 0, "argument 'name' isn\xe2\x80\x99t supported in call to '%s'", fetcher);
}

/* A git input's local repository directory, from "file://", "git+file://" or a path. */
static const char *git_repo_dir(EvalState *st, const char *url)
{
    const char *u = url;
    if (strncmp(u, "git+", 4) == 0)
        u += 4;
    const char *p = url_local_path(u);
    if (!p)
        no_network(st, url);
    return bi_canon_path(p);
}

/* Writes the tree of commit rev of repo into dest; with submodules, each gitlink entry is
 * filled from the submodule's repository (its checkout in the work tree, or the copy under
 * .git/modules), recursively. */
static void export_git_rev(EvalState *st, const char *repo, const char *rev, const char *dest, bool submodules,
                           int depth)
{
    if (depth > 32)
        eval_error(st, ERR_EVAL, 0, "Git submodules of '%s' nest too deeply", repo);
    const char *argv[] = {"git", "-C", repo, "archive", "--format=tar", rev, NULL};
    StrBuf tar, eo;
    if (run_capture(argv, &tar, &eo) != 0)
        eval_error(st, ERR_EVAL, 0, "exporting revision '%s' of '%s': %s", rev, repo, eo.data);
    const char *e = unpack_memory(tar.data, tar.len, dest);
    if (e)
        eval_error(st, ERR_EVAL, 0, "%s", e);
    if (!submodules)
        return;
    const char *lsargv[] = {"git", "-C", repo, "ls-tree", "-r", "-z", rev, NULL};
    StrBuf ls;
    if (run_capture(lsargv, &ls, &eo) != 0)
        eval_error(st, ERR_EVAL, 0, "listing revision '%s' of '%s': %s", rev, repo, eo.data);
    for (size_t i = 0; i < ls.len;) {
        const char *ent = ls.data + i; /* "MODE TYPE SHA\tPATH" */
        i += strlen(ent) + 1;
        if (strncmp(ent, "160000 commit ", 14) != 0)
            continue;
        const char *tab = strchr(ent, '\t');
        if (!tab || tab - (ent + 14) != 40)
            continue;
        const char *sub_rev = val_str_dup(ent + 14, 40), *path = tab + 1;
        const char *cands[2] = {sb_fmt("%s/%s", repo, path), NULL};
        const char *gd = git(repo, &e, "rev-parse", "--git-dir", NULL, NULL);
        if (gd)
            cands[1] = gd[0] == '/' ? sb_fmt("%s/modules/%s", gd, path) : sb_fmt("%s/%s/modules/%s", repo, gd, path);
        const char *sub = NULL;
        for (int k = 0; k < 2 && !sub; k++)
            if (cands[k] && git(cands[k], &e, "cat-file", "-e", sb_fmt("%s^{commit}", sub_rev), NULL))
                sub = cands[k];
        if (!sub)
            eval_error(st, ERR_EVAL, 0, "cannot find revision '%s' of Git submodule '%s' of '%s'", sub_rev, path, repo);
        const char *sdest = sb_fmt("%s/%s", dest, path);
        for (char *q = strchr((char *)sdest + strlen(dest) + 1, '/'); q; q = strchr(q + 1, '/')) {
            *q = 0;
            mkdir(sdest, 0755);
            *q = '/';
        }
        mkdir(sdest, 0755);
        export_git_rev(st, sub, sub_rev, sdest, true, depth + 1);
    }
}

/* Copies the files named in lst (NUL-separated paths relative to repo: a VCS's list of tracked
 * files) from repo into dest, as they are on disk; deleted ones are skipped. */
static void copy_listed_files(EvalState *st, const char *repo, const StrBuf *lst, const char *tmp)
{
    for (size_t i = 0; i < lst->len;) {
        const char *f = lst->data + i;
        size_t fl = strlen(f);
        i += fl + 1;
        const char *src = sb_fmt("%s/%s", repo, f), *dst = sb_fmt("%s/%s", tmp, f);
        for (char *s = strchr(dst + strlen(tmp) + 1, '/'); s; s = strchr(s + 1, '/')) {
            *s = 0;
            mkdir(dst, 0755);
            *s = '/';
        }
        struct stat fs;
        if (lstat(src, &fs) != 0)
            continue; /* deleted in the working tree */
        if (S_ISLNK(fs.st_mode)) {
            char t[4096];
            ssize_t tl = readlink(src, t, sizeof t - 1);
            if (tl >= 0) {
                t[tl] = 0;
                if (symlink(t, dst) != 0)
                    eval_error(st, ERR_IO, 0, "copying '%s': %s", src, strerror(errno));
            }
        } else if (S_ISREG(fs.st_mode)) {
            size_t n = 0;
            FILE *in_f = fopen(src, "rb"), *out_f = fopen(dst, "wb");
            if (!in_f || !out_f) {
                if (in_f)
                    fclose(in_f);
                if (out_f)
                    fclose(out_f);
                eval_error(st, ERR_IO, 0, "copying '%s': %s", src, strerror(errno));
            }
            char buf[65536];
            while ((n = fread(buf, 1, sizeof buf, in_f)) > 0)
                fwrite(buf, 1, n, out_f);
            fclose(in_f);
            fclose(out_f);
            chmod(dst, fs.st_mode & 0100 ? 0755 : 0644);
        }
    }
}

static void fetch_git(EvalState *st, Input *in, const char *fetcher, bool empty_rev_fallback, Value *out)
{
    if (!in->url)
        eval_error(st, ERR_EVAL, 0, "'url' argument required");
    const char *repo = git_repo_dir(st, in->url);
    const char *input_str = sb_fmt("git+file://%s%s%s", repo, in->ref ? "?ref=" : "", in->ref ? in->ref : "");
    if (st->settings.pure_eval && !in->rev)
        eval_error(st, ERR_EVAL, 0, "in pure evaluation mode, '%s' doesn't fetch unlocked input '%s'", fetcher, input_str);
    /* Like CppNix, fetchers read sources directly: only the URI is checked (restricted
     * evaluation), not the evaluator's path allow-list. */
    bi_check_uri(st, input_str, 0);
    struct stat sb;
    if (stat(repo, &sb) != 0 || !S_ISDIR(sb.st_mode))
        eval_error(st, ERR_IO, 0, "path '%s' does not exist", repo);
    const char *err = NULL;
    if (!git(repo, &err, "rev-parse", "--git-dir", NULL, NULL))
        eval_error(st, ERR_EVAL, 0, "'%s' is not a Git repository: %s", repo, err);

    const char *rev = in->rev;
    bool dirty = false;
    if (rev) {
        if (strlen(rev) != 40 || strspn(rev, "0123456789abcdef") != 40)
            eval_error(st, ERR_EVAL, 0, "hash '%s' is not supported by Git. Supported types are sha1 and sha256.", rev);
        if (!git(repo, &err, "cat-file", "-e", sb_fmt("%s^{commit}", rev), NULL))
            eval_error(st, ERR_EVAL, 0, "Cannot find Git revision '%s' in ref '%s' of repository '%s'! Please make sure that the rev exists on the ref you've specified or add allRefs = true; to fetchGit.",
                       rev, in->ref ? in->ref : "HEAD", repo);
    } else if (in->ref) {
        const char *r = in->ref;
        rev = git(repo, &err, "rev-parse", "--verify", "--quiet", sb_fmt("%s^{commit}", strncmp(r, "refs/", 5) == 0 ? r : sb_fmt("refs/heads/%s", r)));
        if (!rev)
            rev = git(repo, &err, "rev-parse", "--verify", "--quiet", sb_fmt("%s^{commit}", r));
        if (!rev)
            eval_error(st, ERR_EVAL, 0, "resolving Git reference '%s' in repository '%s' failed", r, repo);
    } else {
        /* The working tree: tracked files as they are on disk when it has changes. */
        const char *status = git(repo, &err, "status", "--porcelain", "--untracked-files=no", NULL);
        dirty = status && *status;
        rev = git(repo, &err, "rev-parse", "--verify", "--quiet", "HEAD^{commit}");
        if (!rev && !dirty)
            eval_error(st, ERR_EVAL, 0, "repository '%s' has no commits", repo);
        if (dirty)
            fprintf(stderr, "warning: Git tree '%s' has uncommitted changes\n", repo);
    }

    char *tmp = make_temp_dir(st);
    const char *sp = NULL;
    Hash ca;
    TryFrame tf;
    if (EVAL_TRY(st, &tf)) {
        if (dirty) {
            /* copy the tracked files of the working tree */
            const char *argv[] = {"git", "-C", repo, "ls-files", "-z", NULL};
            StrBuf lst, eo;
            if (run_capture(argv, &lst, &eo) != 0)
                eval_error(st, ERR_EVAL, 0, "listing files of '%s': %s", repo, eo.data);
            copy_listed_files(st, repo, &lst, tmp);
        } else {
            export_git_rev(st, repo, rev, tmp, in->submodules, 0);
        }
        sp = add_to_store(st, in->name ? in->name : "source", tmp, FIM_RECURSIVE, &ca);
        eval_try_leave(st, &tf);
        rm_tree(tmp);
    } else {
        rm_tree(tmp);
        eval_throw(st, tf.error);
    }
    if (in->nar_hash) {
        Hash want;
        const char *e = hash_parse_any(in->nar_hash, HASH_NONE, &want, NULL);
        if (e)
            eval_error(st, ERR_EVAL, 0, "%s", e);
        if (want.algo != HASH_SHA256 || memcmp(want.bytes, ca.bytes, 32) != 0)
            eval_error(st, ERR_EVAL, 0, "NAR hash mismatch in input '%s', expected '%s' but got '%s'", input_str,
                       hash_to_string(&want, HASH_FMT_SRI, true), hash_to_string(&ca, HASH_FMT_SRI, true));
    }

    Bindings *b = attrs_alloc(st, 12);
    add_attr(st, b, "outPath", store_v(st, sp), 0);
    add_attr(st, b, "narHash", str_v(st, hash_to_string(&ca, HASH_FMT_SRI, true)), 0);
    add_attr(st, b, "submodules", bool_v(st, in->submodules), 0);
    int64_t last_mod = 0;
    if (rev) {
        const char *ct = git(repo, &err, "log", "-1", "--format=%ct", rev);
        last_mod = ct ? strtoll(ct, NULL, 10) : 0;
    }
    if (dirty) {
        if (rev) {
            add_attr(st, b, "dirtyRev", str_v(st, sb_fmt("%s-dirty", rev)), 0);
            add_attr(st, b, "dirtyShortRev", str_v(st, sb_fmt("%.7s-dirty", rev)), 0);
        }
        if (empty_rev_fallback) {
            add_attr(st, b, "rev", str_v(st, "0000000000000000000000000000000000000000"), 0);
            add_attr(st, b, "shortRev", str_v(st, "0000000"), 0);
            add_attr(st, b, "revCount", int_v(st, 0), 0);
        }
    } else {
        add_attr(st, b, "rev", str_v(st, rev), 0);
        add_attr(st, b, "shortRev", str_v(st, sb_fmt("%.7s", rev)), 0);
        bool shallow = in->have_shallow ? in->shallow : !empty_rev_fallback;
        if (!shallow) {
            const char *cnt = git(repo, &err, "rev-list", "--count", rev, NULL);
            add_attr(st, b, "revCount", int_v(st, cnt ? strtoll(cnt, NULL, 10) : 0), 0);
        }
    }
    if (rev) {
        add_attr(st, b, "lastModified", int_v(st, last_mod), 0);
        add_attr(st, b, "lastModifiedDate", str_v(st, last_modified_date(last_mod)), 0);
    }
    attrs_sort(b);
    val_set_attrs(out, b);
}

/* The newest modification time in a tree, as CppNix reports for path inputs. nftw has no
 * user pointer, hence the file-scope accumulator (single-threaded, reset per call). */
static int64_t newest_mtime_acc;
static int newest_mtime_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)p;
    (void)flag;
    (void)ftw;
    if ((int64_t)sb->st_mtime > newest_mtime_acc)
        newest_mtime_acc = (int64_t)sb->st_mtime;
    return 0;
}

static int64_t newest_mtime(const char *path)
{
    newest_mtime_acc = 0;
    nftw(path, newest_mtime_cb, 16, FTW_PHYS);
    return newest_mtime_acc;
}

/* fetchTree { type = "file" | "tarball" | "path"; ... } */
static void fetch_plain(EvalState *st, Input *in, Value *out)
{
    const char *type = in->type;
    Fetched f;
    if (strcmp(type, "path") == 0) {
        const char *p = in->path;
        if (!p)
            eval_error(st, ERR_EVAL, 0, "input attribute 'path' is missing");
        if (p[0] != '/')
            eval_error(st, ERR_EVAL, 0, "path input '%s' is not an absolute path", p);
        const char *real = bi_canon_path(p);
        bi_check_uri(st, sb_fmt("path:%s", real), 0);
        if (st->settings.pure_eval && !in->nar_hash)
            eval_error(st, ERR_EVAL, 0, "in pure evaluation mode, 'fetchTree' doesn't fetch unlocked input 'path:%s'", p);
        struct stat sb;
        if (lstat(real, &sb) != 0)
            eval_error(st, ERR_IO, 0, "path '%s' does not exist", real);
        f.store_path = add_to_store(st, in->name ? in->name : "source", real, FIM_RECURSIVE, &f.ca);
    } else {
        if (!in->url)
            eval_error(st, ERR_EVAL, 0, "'url' argument required");
        if (st->settings.pure_eval && !in->nar_hash)
            eval_error(st, ERR_EVAL, 0, "in pure evaluation mode, 'fetchTree' doesn't fetch unlocked input '%s'", in->url);
        bi_check_uri(st, in->url, 0);
        const char *name = in->name ? in->name : "source";
        if (strcmp(type, "tarball") == 0)
            fetch_tarball_local(st, in->url, name, &f);
        else if (strcmp(type, "file") == 0) {
            const char *path = url_local_path(in->url);
            if (!path)
                no_network(st, in->url);
            /* the file is stored flat, but its narHash is that of the NAR */
            Hash flat;
            f.store_path = add_to_store(st, name, fetch_local_file(st, in->url, path), FIM_FLAT, &flat);
            const char *e = nar_hash_path(path, HASH_SHA256, NULL, NULL, &f.ca, NULL);
            if (e)
                eval_error(st, ERR_IO, 0, "%s", e);
        } else
            eval_error(st, ERR_EVAL, 0, "input type '%s' is not supported by cnix's fetchTree", type);
    }
    if (in->nar_hash) {
        Hash want;
        const char *e = hash_parse_any(in->nar_hash, HASH_NONE, &want, NULL);
        if (e)
            eval_error(st, ERR_EVAL, 0, "%s", e);
        if (want.algo != HASH_SHA256 || memcmp(want.bytes, f.ca.bytes, 32) != 0)
            eval_error(st, ERR_EVAL, 0, "NAR hash mismatch in input '%s', expected '%s' but got '%s'",
                       in->url ? in->url : in->path, hash_to_string(&want, HASH_FMT_SRI, true),
                       hash_to_string(&f.ca, HASH_FMT_SRI, true));
    }
    Bindings *b = attrs_alloc(st, 4);
    if (strcmp(type, "path") == 0) {
        int64_t t = newest_mtime(bi_canon_path(in->path));
        add_attr(st, b, "lastModified", int_v(st, t), 0);
        add_attr(st, b, "lastModifiedDate", str_v(st, last_modified_date(t)), 0);
    }
    add_attr(st, b, "outPath", store_v(st, f.store_path), 0);
    add_attr(st, b, "narHash", str_v(st, hash_to_string(&f.ca, HASH_FMT_SRI, true)), 0);
    attrs_sort(b);
    val_set_attrs(out, b);
}

/* fetchTree "URL": the type follows from the scheme and the file name. */
static void input_from_url(EvalState *st, const char *url, Input *in)
{
    const char *u = url;
    if (strncmp(u, "git+", 4) == 0) {
        in->type = "git";
        in->url = u;
        in->shallow = true;
        return;
    }
    if (strncmp(u, "path:", 5) == 0) {
        in->type = "path";
        in->path = percent_decode(u + 5, strcspn(u + 5, "?#"));
        return;
    }
    if (strncmp(u, "tarball+", 8) == 0) {
        in->type = "tarball";
        in->url = u + 8;
        return;
    }
    if (strncmp(u, "file+", 5) == 0) {
        in->type = "file";
        in->url = u + 5;
        return;
    }
    static const char *const exts[] = {".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst", NULL};
    size_t n = strcspn(u, "?#");
    for (const char *const *e = exts; *e; e++) {
        size_t el = strlen(*e);
        if (n >= el && strncmp(u + n - el, *e, el) == 0) {
            in->type = "tarball";
            in->url = u;
            return;
        }
    }
    if (strncmp(u, "file:", 5) == 0 || strncmp(u, "http:", 5) == 0 || strncmp(u, "https:", 6) == 0) {
        in->type = "file";
        in->url = u;
        return;
    }
    eval_error(st, ERR_EVAL, 0, "input '%s' is unsupported", url);
}

static void bi_fetchTree(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Input in = {0};
    eval_force(st, args[0], 0);
    if (args[0]->type == T_ATTRS)
        parse_input_attrs(st, args[0], "fetchTree", false, false, &in);
    else {
        const char *url = eval_coerce_to_string(st, args[0], 0, "while evaluating the first argument passed to 'fetchTree'",
                                                0, NULL, NULL);
        input_from_url(st, url, &in);
        eval_frame_push(st, 0, sb_fmt("while fetching the input '%s'", url));
    }
    if (strcmp(in.type, "git") == 0) {
        if (!in.have_shallow) {
            in.shallow = true;
            in.have_shallow = true;
        }
        fetch_git(st, &in, "fetchTree", false, out);
    } else
        fetch_plain(st, &in, out);
    if (args[0]->type != T_ATTRS)
        eval_frame_pop(st);
}

static void bi_fetchGit(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Input in = {0};
    in.type = "git";
    eval_force(st, args[0], 0);
    if (args[0]->type == T_ATTRS)
        parse_input_attrs(st, args[0], "fetchGit", true, true, &in);
    else
        in.url = eval_coerce_to_string(st, args[0], 0, "while evaluating the first argument passed to 'fetchGit'", 0,
                                       NULL, NULL);
    fetch_git(st, &in, "fetchGit", true, out);
}

/* ---------- flake references ---------- */

static bool is_rev(const char *s)
{
    return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

bool bi_is_flake_id(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* Splits "a/b/c" after the scheme; a ref-or-rev component becomes ref or rev. */
static void flake_ref_or_rev(EvalState *st, Bindings *b, const char *x)
{
    if (is_rev(x))
        add_attr(st, b, "rev", str_v(st, x), 0);
    else
        add_attr(st, b, "ref", str_v(st, x), 0);
}

/* Query parameters "k=v&..." become string attributes ("dir" included). */
static void flake_query(EvalState *st, Bindings *b, const char *q)
{
    while (q && *q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (eq) {
            const char *k = percent_decode(q, (size_t)(eq - q));
            const char *v = percent_decode(eq + 1, n - (size_t)(eq + 1 - q));
            if (!attrs_find(b, sym_intern_cstr(st->symbols, k))) {
                attrs_push(b, sym_intern_cstr(st->symbols, k), 0, str_v(st, v));
                attrs_sort(b);
            }
        }
        q += n;
        if (*q == '&')
            q++;
    }
}

static void bi_parseFlakeRef(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *ref = eval_force_string_no_ctx(st, args[0], 0, "while evaluating the argument passed to builtins.parseFlakeRef");
    size_t ql = strcspn(ref, "?#");
    const char *body = val_str_dup(ref, ql);
    const char *query = ref[ql] == '?' ? sb_fmt("%.*s", (int)strcspn(ref + ql + 1, "#"), ref + ql + 1) : NULL;
    Bindings *b = attrs_alloc(st, 16);
    const char *colon = strchr(body, ':');
    const char *scheme = colon ? val_str_dup(body, (size_t)(colon - body)) : NULL;
    if (scheme && (strcmp(scheme, "github") == 0 || strcmp(scheme, "gitlab") == 0 || strcmp(scheme, "sourcehut") == 0)) {
        const char *p = colon + 1;
        size_t n1 = strcspn(p, "/");
        if (!p[n1])
            eval_error(st, ERR_EVAL, 0, "'%s' is not a valid %s URL: missing repository name", ref, scheme);
        const char *p2 = p + n1 + 1;
        size_t n2 = strcspn(p2, "/");
        add_attr(st, b, "type", str_v(st, scheme), 0);
        add_attr(st, b, "owner", str_v(st, percent_decode(p, n1)), 0);
        add_attr(st, b, "repo", str_v(st, percent_decode(p2, n2)), 0);
        if (p2[n2] == '/' && p2[n2 + 1])
            flake_ref_or_rev(st, b, percent_decode(p2 + n2 + 1, strlen(p2 + n2 + 1)));
    } else if (scheme && strcmp(scheme, "flake") == 0) {
        const char *p = colon + 1;
        size_t n = strcspn(p, "/");
        add_attr(st, b, "type", str_v(st, "indirect"), 0);
        add_attr(st, b, "id", str_v(st, val_str_dup(p, n)), 0);
        if (p[n] == '/' && p[n + 1])
            flake_ref_or_rev(st, b, p + n + 1);
    } else if (!scheme && body[0] != '/' && body[0] != '.' && bi_is_flake_id(body, strcspn(body, "/"))) {
        size_t n = strcspn(body, "/");
        add_attr(st, b, "type", str_v(st, "indirect"), 0);
        add_attr(st, b, "id", str_v(st, val_str_dup(body, n)), 0);
        if (body[n] == '/' && body[n + 1])
            flake_ref_or_rev(st, b, body + n + 1);
    } else if (!scheme || strcmp(scheme, "path") == 0) {
        const char *p = scheme ? colon + 1 : body;
        if (p[0] != '/')
            eval_error(st, ERR_EVAL, 0, "flake reference '%s' is not an absolute path", ref);
        add_attr(st, b, "type", str_v(st, "path"), 0);
        add_attr(st, b, "path", str_v(st, bi_canon_path(percent_decode(p, strlen(p)))), 0);
    } else if (strncmp(scheme, "git+", 4) == 0) {
        add_attr(st, b, "type", str_v(st, "git"), 0);
        add_attr(st, b, "url", str_v(st, body + 4), 0);
    } else if (strncmp(scheme, "tarball+", 8) == 0 || strncmp(scheme, "file+", 5) == 0) {
        add_attr(st, b, "type", str_v(st, scheme[0] == 't' ? "tarball" : "file"), 0);
        add_attr(st, b, "url", str_v(st, strchr(body, '+') + 1), 0);
    } else if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "file") == 0) {
        Input in = {0};
        input_from_url(st, body, &in);
        add_attr(st, b, "type", str_v(st, in.type), 0);
        add_attr(st, b, "url", str_v(st, in.url), 0);
    } else
        eval_error(st, ERR_EVAL, 0, "input '%s' is unsupported", ref);
    attrs_sort(b);
    flake_query(st, b, query);
    val_set_attrs(out, b);
}

static void bi_flakeRefToString(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = eval_force_attrs(st, args[0], 0, "while evaluating the argument passed to builtins.flakeRefToString");
    uint32_t *order = attrs_sorted_by_name(st, b);
    const char **vals = GC_MALLOC((b->size + 1) * sizeof *vals);
    const char *type = NULL, *owner = NULL, *repo = NULL, *refv = NULL, *rev = NULL, *id = NULL, *path = NULL, *url = NULL;
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        const char *n = sym_name(st->symbols, a->name);
        eval_force(st, a->value, a->pos);
        Value *v = a->value;
        const char *sv;
        if (v->type == T_INT) {
            if (v->integer < 0)
                eval_error(st, ERR_EVAL, 0, "negative value given for flake ref attr %s: %lld", n, (long long)v->integer);
            sv = sb_fmt("%lld", (long long)v->integer);
        } else if (v->type == T_BOOL)
            sv = v->boolean ? "1" : "0";
        else if (v->type == T_STRING)
            sv = val_str(v);
        else
            eval_error(st, ERR_EVAL, 0,
                       "flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '%s' is %s",
                       n, eval_type_name(v));
        vals[order[k]] = sv;
        if (strcmp(n, "type") == 0) type = sv;
        else if (strcmp(n, "owner") == 0) owner = sv;
        else if (strcmp(n, "repo") == 0) repo = sv;
        else if (strcmp(n, "ref") == 0) refv = sv;
        else if (strcmp(n, "rev") == 0) rev = sv;
        else if (strcmp(n, "id") == 0) id = sv;
        else if (strcmp(n, "path") == 0) path = sv;
        else if (strcmp(n, "url") == 0) url = sv;
    }
    if (!type)
        eval_error(st, ERR_EVAL, 0, "attribute 'type' is missing in flake reference");
    StrBuf sb;
    sb_init(&sb);
    /* attributes that are part of the URL itself rather than its query */
    const char *in_url[8] = {"type", NULL};
    bool forge = strcmp(type, "github") == 0 || strcmp(type, "gitlab") == 0 || strcmp(type, "sourcehut") == 0;
    if (forge) {
        sb_printf(&sb, "%s:%s/%s", type, owner ? owner : "", repo ? repo : "");
        if (rev)
            sb_printf(&sb, "/%s", rev);
        else if (refv)
            sb_printf(&sb, "/%s", refv);
        in_url[1] = "owner"; in_url[2] = "repo"; in_url[3] = rev ? "rev" : "ref";
    } else if (strcmp(type, "indirect") == 0) {
        sb_printf(&sb, "flake:%s", id ? id : "");
        if (refv)
            sb_printf(&sb, "/%s", refv);
        if (rev)
            sb_printf(&sb, "/%s", rev);
        in_url[1] = "id"; in_url[2] = "ref"; in_url[3] = "rev";
    } else if (strcmp(type, "path") == 0) {
        sb_printf(&sb, "path:%s", path ? path : "");
        in_url[1] = "path";
    } else if (strcmp(type, "git") == 0 || strcmp(type, "tarball") == 0 || strcmp(type, "file") == 0) {
        if (strcmp(type, "git") == 0)
            sb_puts(&sb, "git+");
        else if (strcmp(type, "file") == 0)
            sb_puts(&sb, "file+");
        sb_puts(&sb, url ? url : "");
        in_url[1] = "url";
    } else
        eval_error(st, ERR_EVAL, 0, "flake reference type '%s' is not supported by cnix", type);
    bool first = true;
    for (uint32_t k = 0; k < b->size; k++) {
        const char *n = sym_name(st->symbols, b->attrs[order[k]].name);
        bool skip = false;
        for (int i = 0; in_url[i]; i++)
            if (strcmp(n, in_url[i]) == 0)
                skip = true;
        if (skip)
            continue;
        sb_printf(&sb, "%c%s=%s", first ? '?' : '&', n, vals[order[k]]);
        first = false;
    }
    val_set_string(out, sb.data, sb.len, NULL);
}

/* ---------- fetchMercurial ---------- */

/* hg ARGS... (at most 8) with HGPLAIN set, as CppNix runs it (no user or system configuration
 * in its output), its stdout into *out (NUL-terminated; it may hold NULs itself). On failure
 * hg's own message goes to stderr, as CppNix lets it through, and the error says how it ended. */
static void hg(EvalState *st, StrBuf *out, const char *a1, const char *a2, const char *a3, const char *a4,
               const char *a5, const char *a6, const char *a7, const char *a8)
{
    const char *argv[] = {"env", "HGPLAIN=", "hg", a1, a2, a3, a4, a5, a6, a7, a8, NULL};
    StrBuf eo;
    int rc = run_capture(argv, out, &eo);
    if (rc == 0)
        return;
    fwrite(eo.data, 1, eo.len, stderr);
    if (rc == 127 || rc < 0)
        eval_error(st, ERR_EVAL, 0, "could not run 'hg' (is Mercurial installed?)");
    eval_error(st, ERR_EVAL, 0, "program 'hg' failed with exit code %d", rc);
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
}

/* Adds revision node of repo to the store under name; with node NULL, the tracked files of
 * the working tree as they are on disk. */
static const char *hg_to_store(EvalState *st, const char *repo, const char *node, const char *name)
{
    char *tmp = make_temp_dir(st);
    const char *path = NULL;
    Hash ca;
    TryFrame tf;
    if (EVAL_TRY(st, &tf)) {
        const char *src = tmp;
        StrBuf o;
        if (!node) {
            /* the tracked files, NUL-separated */
            hg(st, &o, "status", "-R", repo, "--clean", "--modified", "--added", "--no-status", "--print0");
            copy_listed_files(st, repo, &o, tmp);
        } else {
            src = sb_fmt("%s/archive", tmp);
            hg(st, &o, "archive", "-R", repo, "-r", node, src, NULL, NULL);
            unlink(sb_fmt("%s/.hg_archival.txt", src));
        }
        path = add_to_store(st, name, src, FIM_RECURSIVE, &ca);
        eval_try_leave(st, &tf);
        rm_tree(tmp);
    } else {
        rm_tree(tmp);
        eval_throw(st, tf.error);
    }
    return path;
}

/* builtins.fetchMercurial: a local Mercurial repository through the `hg` command, with
 * CppNix's arguments (url, rev: a 40-hex revision or else a branch/tag name, name) and result
 * (outPath, branch, rev, shortRev, revCount). */
static void bi_fetchMercurial(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *url = NULL, *rev = NULL, *ref = NULL, *name = "source";
    eval_force(st, args[0], pos);
    if (args[0]->type == T_ATTRS) {
        Bindings *b = val_attrs(args[0]);
        for (uint32_t i = 0; i < b->size; i++) {
            Attr *a = &b->attrs[i];
            const char *n = sym_name(st->symbols, a->name);
            if (strcmp(n, "url") == 0)
                url = eval_coerce_to_string(st, a->value, a->pos,
                                            "while evaluating the `url` attribute passed to builtins.fetchMercurial",
                                            0, NULL, NULL);
            else if (strcmp(n, "rev") == 0) {
                const char *v = eval_force_string_no_ctx(
                    st, a->value, a->pos, "while evaluating the `rev` attribute passed to builtins.fetchMercurial");
                if (strlen(v) == 40 && strspn(v, "0123456789abcdef") == 40)
                    rev = v;
                else
                    ref = v;
            } else if (strcmp(n, "name") == 0)
                name = eval_force_string_no_ctx(
                    st, a->value, a->pos, "while evaluating the `name` attribute passed to builtins.fetchMercurial");
            else
                eval_error(st, ERR_EVAL, a->pos, "unsupported argument '%s' to 'fetchMercurial'", n);
        }
        if (!url || !*url)
            eval_error(st, ERR_EVAL, 0, "'url' argument required");
    } else
        url = eval_coerce_to_string(st, args[0], 0, "while evaluating the first argument passed to builtins.fetchMercurial",
                                    0, NULL, NULL);
    bi_check_uri(st, url, 0);
    if (st->settings.pure_eval && !rev)
        eval_error(st, ERR_EVAL, 0, "in pure evaluation mode, 'fetchMercurial' requires a Mercurial revision");
    const char *local = strstr(url, "://") ? url_local_path(url) : url;
    if (!local)
        no_network(st, url);
    const char *repo = bi_canon_path(local);
    struct stat sb;
    if (stat(sb_fmt("%s/.hg", repo), &sb) != 0 || !S_ISDIR(sb.st_mode))
        eval_error(st, ERR_EVAL, 0, "'%s' is not a Mercurial repository", repo);

    /* an unlocked fetch of a working tree with changes copies its tracked files (CppNix) */
    bool dirty = false;
    if (!rev && !ref) {
        StrBuf o;
        hg(st, &o, "status", "-R", repo, "--modified", "--added", "--removed", NULL, NULL);
        dirty = o.len != 0;
    }
    const char *node = NULL, *branch = NULL;
    int64_t rev_count = -1;
    if (dirty) {
        fprintf(stderr, "warning: Mercurial tree '%s' is unclean\n", repo);
        StrBuf o;
        hg(st, &o, "branch", "-R", repo, NULL, NULL, NULL, NULL, NULL);
        chomp(o.data);
        branch = o.data;
    } else {
        StrBuf o;
        hg(st, &o, "log", "-R", repo, "-r", rev ? rev : ref ? ref : "default", "--template", "{node} {rev} {branch}",
           NULL);
        char *log = o.data;
        char *sp1 = strchr(log, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        if (!sp2 || sp1 - log != 40)
            eval_error(st, ERR_EVAL, 0, "unexpected output of 'hg log' in '%s'", repo);
        *sp1 = *sp2 = 0;
        node = log;
        rev_count = strtoll(sp1 + 1, NULL, 10);
        branch = sp2 + 1;
    }

    const char *path = hg_to_store(st, repo, dirty ? NULL : node, name);
    Bindings *b = attrs_alloc(st, 6);
    add_attr(st, b, "outPath", store_v(st, path), 0);
    if (branch)
        add_attr(st, b, "branch", str_v(st, branch), 0);
    /* a dirty tree has the null revision, for backward compatibility (CppNix) */
    const char *r = node ? node : "0000000000000000000000000000000000000000";
    add_attr(st, b, "rev", str_v(st, r), 0);
    add_attr(st, b, "shortRev", str_v(st, sb_fmt("%.12s", r)), 0);
    if (rev_count >= 0)
        add_attr(st, b, "revCount", int_v(st, rev_count), 0);
    attrs_sort(b);
    val_set_attrs(out, b);
}

/* ---------- fetchClosure ---------- */

/* The store path that attribute a gives (CppNix's coerceToStorePath: exactly a store path). */
static const char *closure_store_path(EvalState *st, Attr *a, const char *ctx)
{
    const char *p = eval_coerce_to_string(st, a->value, a->pos, ctx, 0, NULL, NULL);
    if (!store_is_store_path(store_dir(lstore(st)), p)) {
        eval_frame_push(st, a->pos, ctx);
        eval_error(st, ERR_EVAL, 0, "path '%s' is not in the Nix store", p);
    }
    return p;
}

/* Makes path and its closure accessible under restricted evaluation (CppNix's allowClosure). */
static void allow_closure(EvalState *st, const char *path, int depth)
{
    PathInfo info;
    if (depth > 10000 || !store_query_info(lstore(st), path, &info))
        return;
    bi_allow_path(st, path);
    for (size_t i = 0; i < info.nrefs; i++)
        if (strcmp(info.refs[i], path) != 0)
            allow_closure(st, info.refs[i], depth + 1);
}

/* Copies path's closure from the cache unless path is valid already, each path signed by a
 * trusted key (trusted-public-keys, unless require-sigs is false) or content-addressed, as
 * CppNix's copyClosure; its info in *info. */
static void closure_copy(EvalState *st, const StoreConfig *cfg, Store *from, const char *path, PathInfo *info)
{
    Store *s = lstore(st);
    if (!store_is_valid(s, path)) {
        const char *e = store_copy_paths(from, s, &path, 1, cfg->require_sigs ? &cfg->trusted_keys : NULL);
        if (e)
            eval_error(st, ERR_EVAL, 0, "%s", e);
    }
    if (!store_query_info(s, path, info))
        eval_error(st, ERR_EVAL, 0, "path '%s' is not valid", path);
}

/* builtins.fetchClosure (experimental feature fetch-closure): a store path's closure from a
 * binary cache, with CppNix's three forms: a content-addressed fromPath; fromPath rewritten
 * to the content-addressed toPath; an input-addressed fromPath with inputAddressed = true.
 * cnix reads file:// caches only. */
static void bi_fetchClosure(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    Bindings *b = eval_force_attrs(st, args[0], pos, "while evaluating the argument passed to builtins.fetchClosure");
    const char *from_store = NULL, *from_path = NULL, *to_path = NULL;
    bool have_to = false, input_addressed = false;
    for (uint32_t i = 0; i < b->size; i++) {
        Attr *a = &b->attrs[i];
        const char *n = sym_name(st->symbols, a->name);
        const char *ctx = sb_fmt("while evaluating the attribute '%s' passed to builtins.fetchClosure", n);
        if (strcmp(n, "fromPath") == 0)
            from_path = closure_store_path(st, a, ctx);
        else if (strcmp(n, "toPath") == 0) {
            eval_force(st, a->value, a->pos);
            have_to = true;
            /* "" asks for the path in the error message */
            if (!(a->value->type == T_STRING && a->value->len == 0))
                to_path = closure_store_path(st, a, ctx);
        } else if (strcmp(n, "fromStore") == 0)
            from_store = eval_force_string_no_ctx(st, a->value, a->pos, ctx);
        else if (strcmp(n, "inputAddressed") == 0)
            input_addressed = eval_force_bool(st, a->value, a->pos, ctx);
        else
            eval_error(st, ERR_EVAL, 0, "attribute '%s' isn't supported in call to 'fetchClosure'", n);
    }
    if (!from_path)
        eval_error(st, ERR_EVAL, 0, "attribute '%s' is missing in call to 'fetchClosure'", "fromPath");
    if (input_addressed && have_to)
        eval_error(st, ERR_EVAL, 0, "attribute '%s' is set to true, but '%s' is also set. Please remove one of them",
                   "inputAddressed", "toPath");
    if (!from_store)
        eval_error(st, ERR_EVAL, 0, "attribute '%s' is missing in call to 'fetchClosure'", "fromStore");
    if (strncmp(from_store, "http://", 7) == 0 || strncmp(from_store, "https://", 8) == 0)
        no_network(st, from_store);
    if (strncmp(from_store, "file://", 7) != 0)
        eval_error(st, ERR_EVAL, 0,
                   "'fetchClosure' only supports http:// and https:// stores (and, in cnix, file:// binary caches)");
    if (strchr(from_store, '?'))
        eval_error(st, ERR_EVAL, 0, "'fetchClosure' does not support URL query parameters (in '%s')", from_store);
    bi_check_uri(st, from_store, 0);

    Store *ls = lstore(st);
    /* the settings files give the store's location and the trusted keys (the evaluator is
     * not handed the session's StoreConfig) */
    StoreConfig cfg;
    const char *e = store_config_init(&cfg);
    Store *from = e ? NULL : store_open(from_store, &cfg.settings, &e);
    if (!from)
        eval_error(st, ERR_EVAL, 0, "%s", e);
    const char *sd = store_dir(ls), *result = from_path;
    PathInfo info;
    if (have_to) {
        if (!to_path || !store_is_valid(ls, to_path)) {
            const char *rewritten = NULL;
            e = store_make_content_addressed(from, ls, from_path, &rewritten);
            if (e)
                eval_error(st, ERR_EVAL, 0, "%s", e);
            if (to_path && strcmp(to_path, rewritten) != 0)
                eval_error(st, ERR_EVAL, 0,
                           "rewriting '%s' to content-addressed form yielded '%s', while '%s' was expected",
                           from_path, rewritten, to_path);
            if (!to_path)
                eval_error(st, ERR_EVAL, 0,
                           "rewriting '%s' to content-addressed form yielded '%s'\n"
                           "Use this value for the 'toPath' attribute passed to 'fetchClosure'",
                           from_path, rewritten);
        }
        if (!store_query_info(ls, to_path, &info))
            eval_error(st, ERR_EVAL, 0, "path '%s' is not valid", to_path);
        if (!store_info_is_ca(sd, &info))
            eval_error(st, ERR_EVAL, 0,
                       "The 'toPath' value '%s' is input-addressed, so it can't possibly be the result of rewriting "
                       "to a content-addressed path.\n\n"
                       "Set 'toPath' to an empty string to make Nix report the correct content-addressed path.",
                       to_path);
        result = to_path;
    } else {
        closure_copy(st, &cfg, from, from_path, &info);
        bool ca = store_info_is_ca(sd, &info);
        if (input_addressed && ca)
            eval_error(st, ERR_EVAL, 0,
                       "The store object referred to by 'fromPath' at '%s' is not input-addressed, but "
                       "'inputAddressed' is set to 'true'.\n\n"
                       "Remove the 'inputAddressed' attribute (it defaults to 'false') to expect 'fromPath' to be "
                       "content-addressed",
                       from_path);
        if (!input_addressed && !ca)
            eval_error(st, ERR_EVAL, 0,
                       "The 'fromPath' value '%s' is input-addressed, but 'inputAddressed' is set to 'false' "
                       "(default).\n\n"
                       "If you do intend to fetch an input-addressed store path, add\n\n"
                       "    inputAddressed = true;\n\n"
                       "to the 'fetchClosure' arguments.\n\n"
                       "Note that to ensure authenticity input-addressed store paths, users must configure a "
                       "trusted binary cache public key on their systems. This is not needed for "
                       "content-addressed paths.",
                       from_path);
    }
    allow_closure(st, result, 0);
    set_store_string(out, result);
}

const PrimOp bi_fetch[] = {
    {"fetchurl", 1, 0, "arg",
     "Fetch the file at a URL into the store and return its store path. *arg* is the URL or a\n"
     "set with `url`, optional `name` (default: the URL's last component) and `sha256`.\n\n"
     "    builtins.fetchurl file:///tmp/data.txt\n\n"
     "cnix fetches local sources only (`file://` URLs and absolute paths). Pure evaluation\n"
     "requires `sha256`; restricted evaluation requires the URL to be in `allowed-uris`.",
     bi_fetchurl},
    {"fetchTarball", 1, PRIM_GLOBAL, "args",
     "Unpack the archive at a URL (tar with gzip, xz, bzip2 or zstd, or zip) into the store and\n"
     "return the path of the tree; a single top-level directory is stripped. *args* is the URL\n"
     "or a set with `url`, optional `name` (default `source`) and `sha256` (NAR hash).\n\n"
     "    import (builtins.fetchTarball file:///tmp/src.tar.gz)\n\n"
     "Local sources only; `sha256` is required in pure evaluation mode.",
     bi_fetchTarball},
    {"fetchGit", 1, PRIM_GLOBAL, "args",
     "Copy a revision of a local Git repository into the store. *args* is the URL/path or a set\n"
     "with `url`, `ref`, `rev`, `name`, `shallow`. Returns `{ outPath, rev, shortRev, revCount,\n"
     "lastModified, lastModifiedDate, narHash, submodules }`.\n\n"
     "    builtins.fetchGit { url = ./repo; rev = \"0d1ca20b...\"; }\n\n"
     "Without `rev` or `ref` a dirty working tree is copied as it is (tracked files), with\n"
     "`dirtyRev`. `submodules = true` fills submodules from their local repositories;\n"
     "remote repositories are not supported.",
     bi_fetchGit},
    {"fetchMercurial", 1, PRIM_GLOBAL, "args",
     "Copy a revision of a local Mercurial repository into the store through the `hg` command.\n"
     "*args* is the URL/path or a set with `url`, `rev` (a 40-hex revision, or else a branch or\n"
     "tag name; default `default`) and `name` (default `source`). Returns `{ outPath, branch,\n"
     "rev, shortRev, revCount }`.\n\n"
     "    builtins.fetchMercurial { url = ./repo; rev = \"default\"; }\n\n"
     "Without `rev`, a working tree with changes is copied as it is (tracked files), with\n"
     "`rev` all zeros and no `revCount`. Remote repositories are not supported.",
     bi_fetchMercurial},
    {"fetchClosure", 1, 0, "args",
     "Fetch a store path's closure from a binary cache and return the path as a string with\n"
     "context (experimental feature `fetch-closure`). *args*: `fromStore` (a `file://` cache in\n"
     "cnix), `fromPath`, and `toPath` (rewrite to this content-addressed path; `\"\"` reports it)\n"
     "or `inputAddressed = true` (take an input-addressed path as is; it must be signed by a\n"
     "trusted key). Without either, `fromPath` must be content-addressed.\n\n"
     "    builtins.fetchClosure { fromStore = \"file:///tmp/cache\"; fromPath = /nix/store/...-hello; toPath = \"\"; }",
     bi_fetchClosure},
    {"fetchTree", 1, PRIM_GLOBAL, "input",
     "Fetch a source tree described by an attribute set with `type` (`file`, `tarball`, `git`,\n"
     "`path`) or by a URL string (`git+file://...`, `path:/...`, `file:///x.tar.gz`). Returns\n"
     "at least `{ outPath, narHash }`.\n\n"
     "    builtins.fetchTree { type = \"path\"; path = \"/tmp/src\"; }\n\n"
     "Negative integers and non-scalar attributes are errors; local sources only. Needs the\n"
     "experimental feature `fetch-tree` (or `flakes`).",
     bi_fetchTree},
    {"parseFlakeRef", 1, 0, "flake-ref",
     "Parse a flake reference into its attribute set form.\n\n"
     "    builtins.parseFlakeRef \"github:NixOS/nixpkgs/23.05?dir=lib\"\n"
     "    # => { dir = \"lib\"; owner = \"NixOS\"; ref = \"23.05\"; repo = \"nixpkgs\"; type = \"github\"; }\n\n"
     "Supported: github:/gitlab:/sourcehut:, flake:ID and bare IDs (indirect), path: and\n"
     "absolute paths, git+URL, tarball+/file+ and http(s)/file URLs; query parameters\n"
     "become attributes. A 40-hex-digit component is a `rev`, anything else a `ref`. Needs the\n"
     "experimental feature `flakes`.",
     bi_parseFlakeRef},
    {"flakeRefToString", 1, 0, "attrs",
     "Convert a flake reference from attribute set form to URL form; the inverse of\n"
     "`parseFlakeRef`.\n\n"
     "    builtins.flakeRefToString { type = \"github\"; owner = \"NixOS\"; repo = \"nixpkgs\"; ref = \"23.05\"; dir = \"lib\"; }\n"
     "    # => \"github:NixOS/nixpkgs/23.05?dir=lib\"\n\n"
     "Attribute values must be strings, Booleans or non-negative integers. Needs the experimental\n"
     "feature `flakes`.",
     bi_flakeRefToString},
    {0},
};
