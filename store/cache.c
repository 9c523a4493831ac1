/* Binary caches on file:// URLs: writing (copy --to), reading (copy --from, substitution),
 * ed25519 signatures over Nix's fingerprints. */
#include "store/cache.h"

#include <errno.h>
#include <gc/gc.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "store/build.h"
#include "store/nar.h"
#include "store/path.h"
#include "util/strbuf.h"
#include "util/fs.h"
#include "util/strmap.h"

static const char *cache_dir(const char *url, const char **err)
{
    if (!strncmp(url, "file://", 7))
        return url + 7;
    if (url[0] == '/')
        return url;
    *err = sb_fmt("binary cache '%s' is not supported (only file:// URLs)", url);
    return NULL;
}

/* Writes via a temporary file and rename, so readers never see half a file. */
static const char *write_atomic(const char *path, const void *data, size_t len)
{
    const char *tmp = sb_fmt("%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return sb_fmt("creating '%s': %s", tmp, strerror(errno));
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return sb_fmt("writing '%s': %s", path, strerror(errno));
    }
    return NULL;
}

/* ---- compression ---- */

static const char *xz_code(lzma_stream *z, const uint8_t *in, size_t len, StrBuf *out)
{
    uint8_t buf[65536];
    z->next_in = in;
    z->avail_in = len;
    for (;;) {
        z->next_out = buf;
        z->avail_out = sizeof buf;
        lzma_ret r = lzma_code(z, LZMA_FINISH);
        sb_add(out, (const char *)buf, sizeof buf - z->avail_out);
        if (r == LZMA_STREAM_END)
            break;
        if (r != LZMA_OK) {
            lzma_end(z);
            return sb_fmt("xz (de)compression failed (error %d)", (int)r);
        }
    }
    lzma_end(z);
    return NULL;
}

static const char *compress(const char *method, const uint8_t *in, size_t len, StrBuf *out, const char **ext)
{
    sb_init(out);
    if (!strcmp(method, "none")) {
        sb_add(out, (const char *)in, len);
        *ext = "";
        return NULL;
    }
    if (!strcmp(method, "xz")) {
        lzma_stream z = LZMA_STREAM_INIT;
        if (lzma_easy_encoder(&z, 6, LZMA_CHECK_CRC64) != LZMA_OK)
            return "cannot start xz compression";
        *ext = ".xz";
        return xz_code(&z, in, len, out);
    }
    if (!strcmp(method, "zstd")) {
        size_t cap = ZSTD_compressBound(len);
        char *buf = GC_MALLOC_ATOMIC(cap);
        size_t n = ZSTD_compress(buf, cap, in, len, 3);
        if (ZSTD_isError(n))
            return sb_fmt("zstd compression failed: %s", ZSTD_getErrorName(n));
        sb_add(out, buf, n);
        *ext = ".zst";
        return NULL;
    }
    return sb_fmt("unknown compression method '%s'", method);
}

static const char *decompress(const char *method, const uint8_t *in, size_t len, StrBuf *out)
{
    sb_init(out);
    if (!*method || !strcmp(method, "none")) {
        sb_add(out, (const char *)in, len);
        return NULL;
    }
    if (!strcmp(method, "xz")) {
        lzma_stream z = LZMA_STREAM_INIT;
        if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK)
            return "cannot start xz decompression";
        return xz_code(&z, in, len, out);
    }
    if (!strcmp(method, "zstd")) {
        ZSTD_DStream *d = ZSTD_createDStream();
        ZSTD_inBuffer ib = {in, len, 0};
        char buf[65536];
        const char *err = NULL;
        while (ib.pos < ib.size) {
            ZSTD_outBuffer ob = {buf, sizeof buf, 0};
            size_t r = ZSTD_decompressStream(d, &ob, &ib);
            if (ZSTD_isError(r)) {
                err = sb_fmt("zstd decompression failed: %s", ZSTD_getErrorName(r));
                break;
            }
            sb_add(out, buf, ob.pos);
            if (r == 0 && ib.pos == ib.size)
                break;
        }
        ZSTD_freeDStream(d);
        return err;
    }
    return sb_fmt("compression method '%s' is not supported", method);
}

/* ---- keys and signatures ---- */

static const char *fingerprint(const PathInfo *info)
{
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "1;%s;%s;%llu;", info->path, hash_to_string(&info->nar_hash, HASH_FMT_NIX32, true),
              (unsigned long long)info->nar_size);
    for (size_t i = 0; i < info->nrefs; i++)
        sb_printf(&sb, "%s%s", i ? "," : "", info->refs[i]);
    return sb_finish(&sb);
}

/* "name:base64" -> name and decoded bytes of exactly want bytes. */
static const char *split_key(const char *key, size_t want, const char **name, uint8_t *out)
{
    const char *colon = strchr(key, ':');
    if (!colon || colon == key)
        return sb_fmt("key '%s' is not of the form 'name:base64'", key);
    *name = sb_fmt("%.*s", (int)(colon - key), key);
    long n = hash_base64_decode(colon + 1, strlen(colon + 1), out, want);
    if (n != (long)want)
        return sb_fmt("key '%s' is corrupt", *name);
    return NULL;
}

const char *cache_generate_key(const char *name, const char **secret, const char **pub)
{
    uint8_t seed[32];
    if (RAND_bytes(seed, sizeof seed) != 1)
        return "cannot get random bytes for a key";
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    uint8_t pk[32];
    size_t pklen = sizeof pk;
    if (!k || EVP_PKEY_get_raw_public_key(k, pk, &pklen) != 1) {
        EVP_PKEY_free(k);
        return "cannot create an ed25519 key";
    }
    EVP_PKEY_free(k);
    uint8_t sk[64];
    memcpy(sk, seed, 32);
    memcpy(sk + 32, pk, 32);
    char b64[128];
    b64[hash_base64_encode(sk, 64, b64)] = 0;
    *secret = sb_fmt("%s:%s", name, b64);
    b64[hash_base64_encode(pk, 32, b64)] = 0;
    *pub = sb_fmt("%s:%s", name, b64);
    return NULL;
}

const char *cache_sign(const PathInfo *info, const char *secret_key, const char **sig)
{
    const char *name;
    uint8_t sk[64];
    const char *e = split_key(secret_key, 64, &name, sk);
    if (e)
        return e;
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const char *fp = fingerprint(info);
    uint8_t s[64];
    size_t slen = sizeof s;
    bool ok = k && md && EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestSign(md, s, &slen, (const uint8_t *)fp, strlen(fp)) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    if (!ok)
        return "signing failed";
    char b64[128];
    b64[hash_base64_encode(s, slen, b64)] = 0;
    *sig = sb_fmt("%s:%s", name, b64);
    return NULL;
}

static bool verify_one(const char *fp, const char *sig, const char *key)
{
    const char *kname, *sname;
    uint8_t pk[32], s[64];
    if (split_key(key, 32, &kname, pk) || split_key(sig, 64, &sname, s) || strcmp(kname, sname))
        return false;
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = k && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestVerify(md, s, 64, (const uint8_t *)fp, strlen(fp)) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return ok;
}

bool cache_verify_sigs(const PathInfo *info, const char *sigs, const StrList *keys)
{
    if (!sigs)
        return false;
    const char *fp = fingerprint(info);
    for (const char *p = sigs; *p;) {
        while (*p == ' ')
            p++;
        const char *st = p;
        while (*p && *p != ' ')
            p++;
        if (p == st)
            break;
        const char *sig = sb_fmt("%.*s", (int)(p - st), st);
        for (size_t k = 0; k < keys->n; k++)
            if (verify_one(fp, sig, keys->v[k]))
                return true;
    }
    return false;
}

const char *cache_read_key_file(const char *path, const char **key)
{
    size_t len;
    char *t = fs_read_file(path, &len);
    if (!t)
        return sb_fmt("reading key file '%s': %s", path, strerror(errno));
    t[strcspn(t, "\r\n")] = 0;
    *key = t;
    return NULL;
}

/* ---- writing a cache ---- */

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

const char *cache_copy_to(LocalStore *s, const char *url, const char *const *paths, size_t n,
                          const char *compression, const char *secret_key)
{
    const char *e = NULL;
    const char *dir = cache_dir(url, &e);
    if (!dir)
        return e;
    mkdir(dir, 0755);
    mkdir(sb_fmt("%s/nar", dir), 0755);
    const char *info_file = sb_fmt("%s/nix-cache-info", dir);
    if (access(info_file, F_OK) != 0) {
        const char *text = sb_fmt("StoreDir: %s\nWantMassQuery: 1\nPriority: 40\n", store_dir(s));
        if ((e = write_atomic(info_file, text, strlen(text))))
            return e;
    }
    size_t nc;
    const char **closure = store_closure(s, paths, n, &nc);
    size_t hl = strlen(store_dir(s)) + 1;
    for (size_t i = 0; i < nc; i++) {
        const char *narinfo = sb_fmt("%s/%.32s.narinfo", dir, closure[i] + hl);
        if (access(narinfo, F_OK) == 0 && !secret_key)
            continue;
        PathInfo info;
        if (!store_query_info(s, closure[i], &info))
            return sb_fmt("path '%s' is not valid", closure[i]);
        StrBuf nar, comp;
        sb_init(&nar);
        if ((e = nar_dump_to_buf(store_real_path(s, closure[i]), NULL, NULL, &nar)))
            return e;
        Hash nh;
        hash_buf(HASH_SHA256, nar.data, nar.len, &nh);
        if (memcmp(nh.bytes, info.nar_hash.bytes, nh.len))
            return sb_fmt("path '%s' was modified! expected hash '%s', got '%s'", closure[i],
                       hash_to_string(&info.nar_hash, HASH_FMT_NIX32, true), hash_to_string(&nh, HASH_FMT_NIX32, true));
        const char *ext;
        if ((e = compress(compression, (const uint8_t *)nar.data, nar.len, &comp, &ext)))
            return e;
        Hash fh;
        hash_buf(HASH_SHA256, comp.data, comp.len, &fh);
        const char *fhs = hash_to_string(&fh, HASH_FMT_NIX32, false);
        const char *nar_rel = sb_fmt("nar/%s.nar%s", fhs, ext);
        if ((e = write_atomic(sb_fmt("%s/%s", dir, nar_rel), comp.data, comp.len)))
            return e;
        StrBuf ni;
        sb_init(&ni);
        sb_printf(&ni, "StorePath: %s\nURL: %s\nCompression: %s\nFileHash: sha256:%s\nFileSize: %zu\n", closure[i],
                  nar_rel, compression, fhs, comp.len);
        sb_printf(&ni, "NarHash: %s\nNarSize: %llu\nReferences: ", hash_to_string(&nh, HASH_FMT_NIX32, true),
                  (unsigned long long)nar.len);
        for (size_t k = 0; k < info.nrefs; k++)
            sb_printf(&ni, "%s%s", k ? " " : "", base(info.refs[k]));
        sb_putc(&ni, '\n');
        if (info.deriver)
            sb_printf(&ni, "Deriver: %s\n", base(info.deriver));
        if (info.sigs && *info.sigs)
            for (const char *p = info.sigs; *p;) {
                size_t l = strcspn(p, " ");
                if (l)
                    sb_printf(&ni, "Sig: %.*s\n", (int)l, p);
                p += l;
                while (*p == ' ')
                    p++;
            }
        if (secret_key) {
            const char *sig;
            if ((e = cache_sign(&info, secret_key, &sig)))
                return e;
            if (!info.sigs || !strstr(info.sigs, sig))
                sb_printf(&ni, "Sig: %s\n", sig);
        }
        if (info.ca)
            sb_printf(&ni, "CA: %s\n", info.ca);
        if ((e = write_atomic(narinfo, ni.data, ni.len)))
            return e;
    }
    return NULL;
}

/* ---- reading a cache ---- */

typedef struct NarInfo {
    PathInfo info;
    const char *url, *compression;
    StrBuf sigs;
} NarInfo;

/* NULL and no *err: the cache does not have it. */
static NarInfo *read_narinfo(LocalStore *s, const char *dir, const char *path, const char **err)
{
    *err = NULL;
    size_t hl = strlen(store_dir(s)) + 1;
    size_t len;
    char *text = fs_read_file(sb_fmt("%s/%.32s.narinfo", dir, path + hl), &len);
    if (!text)
        return NULL;
    NarInfo *ni = GC_MALLOC(sizeof *ni);
    sb_init(&ni->sigs);
    ni->compression = "bzip2"; /* Nix's default when the field is absent */
    size_t cap = 8;
    ni->info.refs = GC_MALLOC(cap * sizeof *ni->info.refs);
    bool have_hash = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *colon = strstr(line, ": ");
        if (!colon)
            continue;
        *colon = 0;
        const char *k = line, *v = colon + 2;
        if (!strcmp(k, "StorePath"))
            ni->info.path = sb_fmt("%s", v);
        else if (!strcmp(k, "URL"))
            ni->url = sb_fmt("%s", v);
        else if (!strcmp(k, "Compression"))
            ni->compression = sb_fmt("%s", v);
        else if (!strcmp(k, "NarHash")) {
            if ((*err = hash_parse_any(v, HASH_SHA256, &ni->info.nar_hash, NULL)))
                return NULL;
            have_hash = true;
        } else if (!strcmp(k, "NarSize"))
            ni->info.nar_size = strtoull(v, NULL, 10);
        else if (!strcmp(k, "Deriver"))
            ni->info.deriver = strcmp(v, "unknown-deriver") ? sb_fmt("%s/%s", store_dir(s), v) : NULL;
        else if (!strcmp(k, "CA"))
            ni->info.ca = sb_fmt("%s", v);
        else if (!strcmp(k, "Sig"))
            sb_printf(&ni->sigs, "%s%s", ni->sigs.len ? " " : "", v);
        else if (!strcmp(k, "References")) {
            char *refs = sb_fmt("%s", v);
            for (char *save = NULL, *r = strtok_r(refs, " ", &save); r; r = strtok_r(NULL, " ", &save)) {
                if (ni->info.nrefs == cap) {
                    const char **nr = GC_MALLOC(2 * cap * sizeof *nr);
                    memcpy(nr, ni->info.refs, cap * sizeof *nr);
                    ni->info.refs = nr;
                    cap *= 2;
                }
                ni->info.refs[ni->info.nrefs++] = sb_fmt("%s/%s", store_dir(s), r);
            }
        }
    }
    if (!ni->info.path || strcmp(ni->info.path, path) || !ni->url || !have_hash) {
        *err = sb_fmt("binary cache '%s' has a bad .narinfo for '%s'", dir, path);
        return NULL;
    }
    ni->info.sigs = ni->sigs.len ? sb_fmt("%.*s", (int)ni->sigs.len, ni->sigs.data) : NULL;
    return ni;
}

/* A path's NAR from the cache at dir, decompressed. */
static const char *read_nar(const char *url, const char *dir, const NarInfo *ni, StrBuf *nar)
{
    size_t clen;
    const char *comp = fs_read_file(sb_fmt("%s/%s", dir, ni->url), &clen);
    if (!comp)
        return sb_fmt("file '%s' does not exist in binary cache '%s'", ni->url, url);
    return decompress(ni->compression, (const uint8_t *)comp, clen, nar);
}

/* Adds path and its closure from the cache at dir. NULL on success; *missing when the
 * cache lacks something (not an error for a substituter). */
static const char *fetch_path(LocalStore *s, const StoreConfig *cfg, const char *url, const char *dir,
                              const char *path, bool *missing, int depth)
{
    if (store_is_valid(s, path))
        return NULL;
    if (depth > 10000)
        return "reference chain too deep";
    const char *e;
    NarInfo *ni = read_narinfo(s, dir, path, &e);
    if (!ni) {
        if (!e)
            *missing = true;
        return e;
    }
    /* a content-addressed path vouches for itself (CppNix's checkSignatures) */
    if (cfg->require_sigs && !store_info_is_ca(store_dir(s), &ni->info) &&
        !cache_verify_sigs(&ni->info, ni->info.sigs, &cfg->trusted_keys))
        return sb_fmt("cannot add path '%s' because it lacks a signature by a trusted key", path);
    for (size_t i = 0; i < ni->info.nrefs; i++)
        if (strcmp(ni->info.refs[i], path) &&
            (e = fetch_path(s, cfg, url, dir, ni->info.refs[i], missing, depth + 1)))
            return e;
    if (*missing)
        return NULL;
    fprintf(stderr, "copying path '%s' from '%s'...\n", path, url);
    StrBuf nar;
    if ((e = read_nar(url, dir, ni, &nar)))
        return e;
    /* store_add_nar checks NarHash and NarSize against what arrived. */
    return store_add_nar(s, &ni->info, (const uint8_t *)nar.data, nar.len);
}

/* Replaces every occurrence of from (len bytes) in buf by to, left to right; the offsets of
 * the matches go to *pos (when not NULL), as CppNix's rewriteStrings records them. */
static void replace_all(StrBuf *buf, const char *from, const char *to, size_t len, StrBuf *pos)
{
    if (!len || buf->len < len)
        return;
    for (char *p = buf->data, *end = buf->data + buf->len; (p = memmem(p, (size_t)(end - p), from, len));) {
        if (pos)
            sb_printf(pos, "|%zu", (size_t)(p - buf->data));
        memcpy(p, to, len);
        p += len;
    }
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct Rewrite {
    LocalStore *s;
    const char *url, *dir;
    StrMap done; /* original path -> its content-addressed path */
} Rewrite;

/* CppNix's makeContentAddressed for one path, its references first: the NAR with references
 * rewritten, hashed modulo its own hash part, gives a "source" path; the result is added. */
static const char *rewrite_path(Rewrite *rw, const char *path, const char **out, int depth)
{
    if ((*out = strmap_get(&rw->done, path)))
        return NULL;
    if (depth > 10000)
        return "reference chain too deep";
    const char *sd = store_dir(rw->s), *e;
    NarInfo *ni = read_narinfo(rw->s, rw->dir, path, &e);
    if (!ni)
        return e ? e : sb_fmt("path '%s' is not valid", path);
    bool self = false;
    const char **refs = GC_MALLOC((ni->info.nrefs + 1) * sizeof *refs);
    size_t n = 0;
    StrBuf nar;
    for (size_t i = 0; i < ni->info.nrefs; i++) {
        const char *r = ni->info.refs[i], *to;
        if (strcmp(r, path) == 0) {
            self = true;
            continue;
        }
        if ((e = rewrite_path(rw, r, &to, depth + 1)))
            return e;
        refs[n++] = to;
    }
    if ((e = read_nar(rw->url, rw->dir, ni, &nar)))
        return e;
    for (size_t i = 0; i < ni->info.nrefs; i++) {
        const char *r = ni->info.refs[i], *to = strmap_get(&rw->done, r);
        if (to && strcmp(r, to) != 0)
            replace_all(&nar, r, to, strlen(r), NULL);
    }
    /* the hash modulo self-references: zeros for the hash part, then the match offsets */
    const char *old_hash = path + strlen(sd) + 1;
    StrBuf zeroed, pos;
    sb_init(&zeroed);
    sb_init(&pos);
    sb_add(&zeroed, nar.data, nar.len);
    static const char zeros[STORE_HASH_LEN];
    replace_all(&zeroed, old_hash, zeros, STORE_HASH_LEN, &pos);
    HashCtx hc;
    Hash h;
    hash_init(&hc, HASH_SHA256);
    hash_update(&hc, zeroed.data, zeroed.len);
    hash_update(&hc, pos.data, pos.len);
    hash_final(&hc, &h);
    qsort(refs, n, sizeof *refs, cmp_cstr);
    const char *name = old_hash + STORE_HASH_LEN + 1;
    const char *np = store_make_fixed_output_path(sd, name, FIM_RECURSIVE, &h, refs, n, self, &e);
    if (!np)
        return e;
    fprintf(stderr, "rewriting '%s' to '%s'\n", path, np);
    replace_all(&nar, old_hash, np + strlen(sd) + 1, STORE_HASH_LEN, NULL);
    if (self)
        refs[n++] = np;
    qsort(refs, n, sizeof *refs, cmp_cstr);
    PathInfo info = {.path = np, .nar_size = nar.len, .refs = refs, .nrefs = n};
    hash_buf(HASH_SHA256, nar.data, nar.len, &info.nar_hash);
    info.ca = sb_fmt("fixed:r:%s", hash_to_string(&h, HASH_FMT_NIX32, true));
    if ((e = store_add_nar(rw->s, &info, (const uint8_t *)nar.data, nar.len)))
        return e;
    strmap_put(&rw->done, path, (void *)np);
    *out = np;
    return NULL;
}

static bool cache_store_dir_ok(LocalStore *s, const char *dir)
{
    size_t len;
    const char *t = fs_read_file(sb_fmt("%s/nix-cache-info", dir), &len);
    if (!t)
        return false;
    const char *sd = strstr(t, "StoreDir: ");
    if (!sd)
        return true;
    sd += 10;
    size_t l = strcspn(sd, "\r\n");
    return l == strlen(store_dir(s)) && !strncmp(sd, store_dir(s), l);
}

/* The directory of the cache at url, for reading into s; NULL and *e if it is not one. */
static const char *open_cache(LocalStore *s, const char *url, const char **e)
{
    const char *dir = cache_dir(url, e);
    if (dir && !cache_store_dir_ok(s, dir)) {
        *e = sb_fmt("binary cache '%s' is not for store directory '%s'", url, store_dir(s));
        return NULL;
    }
    return dir;
}

const char *cache_copy_from(LocalStore *s, const StoreConfig *cfg, const char *url, const char *const *paths,
                            size_t n)
{
    const char *e = NULL;
    const char *dir = open_cache(s, url, &e);
    if (!dir)
        return e;
    for (size_t i = 0; i < n; i++) {
        bool missing = false;
        if ((e = fetch_path(s, cfg, url, dir, paths[i], &missing, 0)))
            return e;
        if (missing)
            return sb_fmt("path '%s' (or one of its references) is not in binary cache '%s'", paths[i], url);
    }
    return NULL;
}

const char *cache_make_content_addressed(LocalStore *s, const char *url, const char *path, const char **out)
{
    const char *e = NULL;
    const char *dir = open_cache(s, url, &e);
    if (!dir)
        return e;
    Rewrite rw = {.s = s, .url = url, .dir = dir};
    return rewrite_path(&rw, path, out, 0);
}

bool cache_substitute(LocalStore *s, const StoreConfig *cfg, const char *url, const char *path)
{
    const char *e = NULL;
    const char *dir = cache_dir(url, &e);
    if (!dir || !cache_store_dir_ok(s, dir))
        return false;
    bool missing = false;
    e = fetch_path(s, cfg, url, dir, path, &missing, 0);
    if (e)
        fprintf(stderr, "warning: substituting '%s' from '%s': %s\n", path, url, e);
    return !e && !missing && store_is_valid(s, path);
}

bool cache_has(LocalStore *s, const char *url, const char *path)
{
    const char *e = NULL;
    const char *dir = cache_dir(url, &e);
    if (!dir || !cache_store_dir_ok(s, dir))
        return false;
    NarInfo *ni = read_narinfo(s, dir, path, &e);
    return ni != NULL;
}
