/* cnix hash: hashes files and trees like nix-hash (default md5, base16, NAR serialisation),
 *   cnix hash [path|file] [--flat] [--type md5|sha1|sha256|sha512]
 *             [--base16|--base32|--base64|--sri] [--truncate] PATH...
 *   cnix hash --to-base16|--to-base32|--to-base64|--to-sri [--type T] HASH...
 * "file" is the same as --flat. */
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/hash.h"
#include "store/nar.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: cnix hash [path|file] [--flat] [--type md5|sha1|sha256|sha512]\n"
            "                 [--base16|--base32|--base64|--sri] [--truncate] PATH...\n"
            "       cnix hash --to-base16|--to-base32|--to-base64|--to-sri [--type T] HASH...\n");
    return 1;
}

static void print_hash(Hash *h, HashFormat f, bool truncate)
{
    if (truncate && h->len > 20) {
        uint8_t c[20];
        hash_compress(h, c, 20);
        memcpy(h->bytes, c, 20);
        h->len = 20;
    }
    printf("%s\n", hash_to_string(h, f, f == HASH_FMT_SRI));
}

int cli_hash(int argc, char **argv)
{
    GC_INIT();
    HashAlgo algo = HASH_MD5;
    HashFormat fmt = HASH_FMT_BASE16;
    bool flat = false, truncate = false, convert = false, type_given = false;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "path") == 0)
        first = 2;
    else if (argc > 1 && strcmp(argv[1], "file") == 0) {
        flat = true;
        first = 2;
    }
    const char **items = GC_MALLOC((size_t)argc * sizeof *items);
    int nitems = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--flat") == 0) flat = true;
        else if (strcmp(a, "--truncate") == 0) truncate = true;
        else if (strcmp(a, "--base16") == 0) fmt = HASH_FMT_BASE16;
        else if (strcmp(a, "--base32") == 0 || strcmp(a, "--nix32") == 0) fmt = HASH_FMT_NIX32;
        else if (strcmp(a, "--base64") == 0) fmt = HASH_FMT_BASE64;
        else if (strcmp(a, "--sri") == 0) fmt = HASH_FMT_SRI;
        else if (strncmp(a, "--to-", 5) == 0) {
            convert = true;
            if (!hash_format_parse(a + 5, &fmt))
                return usage();
        } else if (strcmp(a, "--type") == 0 || strcmp(a, "--algo") == 0) {
            if (++i >= argc)
                return usage();
            algo = hash_algo_parse(argv[i], strlen(argv[i]));
            if (algo == HASH_NONE) {
                fprintf(stderr, "error: unknown hash algorithm '%s', expect 'md5', 'sha1', 'sha256', or 'sha512'\n", argv[i]);
                return 1;
            }
            type_given = true;
        } else if (strcmp(a, "--help") == 0) {
            usage();
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "error: unrecognised flag '%s'\n", a);
            return usage();
        } else
            items[nitems++] = a;
    }
    int status = 0;
    for (int i = 0; i < nitems; i++) {
        Hash h;
        if (convert) {
            const char *e = hash_parse_any(items[i], type_given ? algo : HASH_NONE, &h, NULL);
            if (e) {
                fprintf(stderr, "error: %s\n", e);
                status = 1;
                continue;
            }
            printf("%s\n", hash_to_string(&h, fmt, fmt == HASH_FMT_SRI));
            continue;
        }
        if (flat) {
            if (!hash_file(algo, items[i], &h)) {
                fprintf(stderr, "error: opening file '%s': %m\n", items[i]);
                status = 1;
                continue;
            }
        } else {
            const char *e = nar_hash_path(items[i], algo, NULL, NULL, &h, NULL);
            if (e) {
                fprintf(stderr, "error: %s\n", e);
                status = 1;
                continue;
            }
        }
        print_hash(&h, fmt, truncate);
    }
    return status;
}
