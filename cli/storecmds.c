/* cnix store maintenance subcommands: path-info, export, import, gc, delete, verify, and the
 * binary cache commands copy, generate-key, sign. */
#include "cli/storecmds.h"

#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/session.h"
#include "store/build.h"
#include "store/cache.h"
#include "store/export.h"
#include "store/gc.h"
#include "store/nar.h"
#include "store/path.h"
#include "store/valid.h"
#include "store/verify.h"
#include "util/fs.h"
#include "util/strbuf.h"

typedef struct Args {
    CliSession *ses;
    Store *s;
    const char **pos; /* positional arguments */
    size_t npos;
} Args;

/* Parses store options and positional arguments; flags (NULL-terminated; a trailing '='
 * means "takes a value") are returned through vals in the same order. */
static bool parse(Args *a, int argc, char **argv, const char *const *flags, const char **vals)
{
    a->ses = GC_MALLOC(sizeof *a->ses);
    if (!cli_session_init(a->ses, "cnix store"))
        return false;
    a->pos = GC_MALLOC((size_t)(argc + 1) * sizeof *a->pos);
    a->npos = 0;
    for (int i = 1; i < argc; i++) {
        bool matched = false;
        for (int f = 0; flags && flags[f]; f++) {
            size_t fl = strlen(flags[f]);
            bool takes = flags[f][fl - 1] == '=';
            size_t nl = takes ? fl - 1 : fl;
            if (strncmp(argv[i], flags[f], nl) || argv[i][nl])
                continue;
            matched = true;
            if (takes) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "error: flag '%s' requires 1 argument\n", argv[i]);
                    return false;
                }
                vals[f] = argv[++i];
            } else
                vals[f] = "1";
            break;
        }
        if (matched)
            continue;
        int r = cli_session_store_option(a->ses, argc, argv, &i);
        if (r < 0)
            return false;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "error: unrecognised flag '%s'\n", argv[i]);
            return false;
        }
        a->pos[a->npos++] = argv[i];
    }
    if (!cli_session_open_store(a->ses))
        return false;
    a->s = a->ses->store;
    return true;
}

/* A path argument: a store path, a path inside one, or a symlink (result) to one. */
static const char *to_store_path(Store *s, const char *arg)
{
    const char *sd = store_dir(s);
    const char *p = arg;
    char buf[4096];
    for (int i = 0; i < 16 && !store_is_in_store(sd, p); i++) {
        ssize_t n = readlink(p, buf, sizeof buf - 1);
        if (n <= 0)
            break;
        buf[n] = 0;
        p = GC_strdup(buf);
    }
    const char *sp = store_to_store_path(sd, p);
    if (!sp)
        fprintf(stderr, "error: path '%s' is not in the Nix store\n", arg);
    return sp;
}

static const char **store_args(Args *a, bool must_be_valid)
{
    const char **v = GC_MALLOC((a->npos + 1) * sizeof *v);
    for (size_t i = 0; i < a->npos; i++) {
        if (!(v[i] = to_store_path(a->s, a->pos[i])))
            return NULL;
        if (must_be_valid && !store_is_valid(a->s, v[i])) {
            fprintf(stderr, "error: path '%s' is not valid\n", v[i]);
            return NULL;
        }
    }
    return v;
}

static int cmd_path_info(int argc, char **argv)
{
    static const char *const flags[] = {"-r", "--recursive", "-s", "--size", "-S", "--closure-size", "--sigs", NULL};
    const char *vals[8] = {0};
    Args a;
    if (!parse(&a, argc, argv, flags, vals))
        return 1;
    const char **paths = store_args(&a, true);
    if (!paths)
        return 1;
    size_t n = a.npos;
    if (vals[0] || vals[1])
        paths = store_closure(a.s, paths, n, &n);
    for (size_t i = 0; i < n; i++) {
        PathInfo info;
        store_query_info(a.s, paths[i], &info);
        printf("%s", paths[i]);
        if (vals[2] || vals[3])
            printf("\t%llu", (unsigned long long)info.nar_size);
        if (vals[4] || vals[5]) {
            size_t nc;
            const char **cl = store_closure(a.s, &paths[i], 1, &nc);
            unsigned long long total = 0;
            for (size_t k = 0; k < nc; k++) {
                PathInfo ci;
                if (store_query_info(a.s, cl[k], &ci))
                    total += ci.nar_size;
            }
            printf("\t%llu", total);
        }
        if (vals[6])
            printf("\t%s", info.sigs ? info.sigs : "");
        printf("\n");
    }
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    Args a;
    if (!parse(&a, argc, argv, NULL, NULL))
        return 1;
    const char **paths = store_args(&a, true);
    if (!paths)
        return 1;
    const char *e = store_export(a.s, paths, a.npos, stdout);
    fflush(stdout);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    Args a;
    if (!parse(&a, argc, argv, NULL, NULL))
        return 1;
    size_t len;
    const char *data = fs_read_stream(stdin, &len);
    if (!data) {
        fprintf(stderr, "error: reading standard input: %s\n", strerror(errno));
        return 1;
    }
    const char **imported;
    size_t ni;
    const char *e = store_import(a.s, (const uint8_t *)data, len, &imported, &ni);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    for (size_t i = 0; i < ni; i++)
        printf("%s\n", imported[i]);
    return 0;
}

static int cmd_gc(int argc, char **argv)
{
    static const char *const flags[] = {"--dry-run", "--print-dead", "--max-freed=", "--print-roots", NULL};
    const char *vals[4] = {0};
    Args a;
    /* --dry-run is also a store option (for builds); here it means "print dead". */
    if (!parse(&a, argc, argv, flags, vals))
        return 1;
    if (vals[3]) {
        size_t n;
        const char **roots = store_gc_roots(a.s, &n);
        for (size_t i = 0; i < n; i++)
            printf("%s\n", roots[i]);
        return 0;
    }
    GcOptions o = {vals[0] || vals[1] || a.ses->cfg.dry_run, 0};
    if (vals[2]) {
        char *end;
        o.max_freed = strtoull(vals[2], &end, 10);
        if (*end == 'K' || *end == 'k')
            o.max_freed <<= 10;
        else if (*end == 'M' || *end == 'm')
            o.max_freed <<= 20;
        else if (*end == 'G' || *end == 'g')
            o.max_freed <<= 30;
    }
    uint64_t freed;
    size_t deleted;
    const char *e = store_gc(a.s, &o, stdout, &freed, &deleted);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    if (!o.dry_run)
        printf("%zu store paths deleted, %.2f MiB freed\n", deleted, (double)freed / (1024.0 * 1024.0));
    return 0;
}

static int cmd_delete(int argc, char **argv)
{
    Args a;
    if (!parse(&a, argc, argv, NULL, NULL))
        return 1;
    const char **paths = store_args(&a, false);
    if (!paths)
        return 1;
    const char *e = store_gc_delete(a.s, paths, a.npos);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    printf("%zu store paths deleted\n", a.npos);
    return 0;
}

static int cmd_verify(int argc, char **argv)
{
    static const char *const flags[] = {"--check-contents", "--repair", NULL};
    const char *vals[2] = {0};
    Args a;
    if (!parse(&a, argc, argv, flags, vals))
        return 1;
    VerifyOptions o = {vals[0] != NULL, vals[1] != NULL};
    if (store_verify(a.s, &o, stderr)) {
        if (o.repair)
            fprintf(stderr, "warning: not all store errors were fixed\n");
        return 1;
    }
    return 0;
}

/* cnix store copy [--from URI] [--to URI] PATH...: the closure from one store to another,
 * either defaulting to --store's. --compression and --key-file are a binary cache
 * destination's parameters (as ?compression= and ?secret-key=). Paths coming into the
 * local store from another kind need a trusted signature unless require-sigs is false. */
static int cmd_copy(int argc, char **argv)
{
    static const char *const flags[] = {"--to=", "--from=", "--key-file=", "--compression=", NULL};
    const char *vals[4] = {0};
    Args a;
    if (!parse(&a, argc, argv, flags, vals))
        return 1;
    if (!vals[0] && !vals[1]) {
        fprintf(stderr, "error: 'cnix store copy' needs --to URL or --from URL\n");
        return 1;
    }
    const char *e = NULL;
    Store *src = a.s, *dst = a.s;
    if (vals[1] && !(src = cli_session_open_other(a.ses, vals[1])))
        return 1;
    const char *to = vals[0];
    if (to && (vals[2] || vals[3])) {
        if (strncmp(to, "file://", 7)) {
            fprintf(stderr, "error: --key-file and --compression apply to binary caches (file://), not '%s'\n", to);
            return 1;
        }
        StrBuf sb;
        sb_init(&sb);
        sb_puts(&sb, to);
        char sep = strchr(to, '?') ? '&' : '?';
        if (vals[3]) {
            sb_printf(&sb, "%ccompression=%s", sep, vals[3]);
            sep = '&';
        }
        if (vals[2])
            sb_printf(&sb, "%csecret-key=%s", sep, vals[2]);
        to = sb_finish(&sb);
    }
    if (to && !(dst = cli_session_open_other(a.ses, to)))
        return 1;
    const char **paths = GC_MALLOC((a.npos + 1) * sizeof *paths);
    for (size_t i = 0; i < a.npos; i++)
        if (!(paths[i] = to_store_path(src, a.pos[i])))
            return 1;
    bool check = store_is_local(dst) && !store_is_local(src) && a.ses->cfg.require_sigs;
    e = store_copy_paths(src, dst, paths, a.npos, check ? &a.ses->cfg.trusted_keys : NULL);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    return 0;
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "error: writing '%s'\n", path);
        return false;
    }
    return true;
}

static int cmd_generate_key(int argc, char **argv)
{
    Args a;
    if (!parse(&a, argc, argv, NULL, NULL))
        return 1;
    if (a.npos != 3) {
        fprintf(stderr, "usage: cnix store generate-key NAME SECRET-KEY-FILE PUBLIC-KEY-FILE\n");
        return 1;
    }
    const char *sec, *pub;
    const char *e = cache_generate_key(a.pos[0], &sec, &pub);
    if (e) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    umask(077);
    return write_text(a.pos[1], sec) && write_text(a.pos[2], pub) ? 0 : 1;
}

static int cmd_sign(int argc, char **argv)
{
    static const char *const flags[] = {"--key-file=", "-k=", NULL};
    const char *vals[2] = {0};
    Args a;
    if (!parse(&a, argc, argv, flags, vals))
        return 1;
    const char *kf = vals[0] ? vals[0] : vals[1];
    if (!kf) {
        fprintf(stderr, "error: 'cnix store sign' needs --key-file FILE\n");
        return 1;
    }
    const char *key, *e;
    if ((e = cache_read_key_file(kf, &key))) {
        fprintf(stderr, "error: %s\n", e);
        return 1;
    }
    const char **paths = store_args(&a, true);
    if (!paths)
        return 1;
    for (size_t i = 0; i < a.npos; i++) {
        PathInfo info;
        store_query_info(a.s, paths[i], &info);
        const char *sig;
        if ((e = cache_sign(&info, key, &sig))) {
            fprintf(stderr, "error: %s\n", e);
            return 1;
        }
        if (info.sigs && strstr(info.sigs, sig))
            continue;
        StrBuf sb;
        sb_init(&sb);
        if (info.sigs && *info.sigs)
            sb_printf(&sb, "%s ", info.sigs);
        sb_puts(&sb, sig);
        if ((e = store_set_sigs(a.s, paths[i], sb_finish(&sb)))) {
            fprintf(stderr, "error: %s\n", e);
            return 1;
        }
    }
    return 0;
}

int cli_store_subcommand(const char *name, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {
        {"path-info", cmd_path_info}, {"export", cmd_export}, {"import", cmd_import},
        {"gc", cmd_gc},               {"delete", cmd_delete}, {"verify", cmd_verify},
        {"copy", cmd_copy},           {"generate-key", cmd_generate_key}, {"sign", cmd_sign},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(name, cmds[i].name))
            return cmds[i].run(argc, argv);
    return -1;
}
