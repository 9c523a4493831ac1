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

#include "store/local.h"
#include "store/storeimpl.h"
#include "store/valid.h"
#include "store/nar.h"
#include "store/path.h"
#include "util/fs.h"
#include "util/strbuf.h"

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

/* ---- the file:// kind ---- */

typedef struct CacheStore {
    Store base;
    const char *dir;
    const char *compression; /* for additions: xz (CppNix's default), zstd or none */
    const char *secret_key;  /* "name:base64" to sign additions with, or NULL */
    bool info_checked;       /* nix-cache-info read (or written) and its StoreDir agrees */
} CacheStore;

static const StoreOps cache_ops;

static CacheStore *cache_of(Store *s) { return (CacheStore *)s; }

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Reads nix-cache-info (or writes it, for a new cache when create); its StoreDir must be
 * ours. */
static const char *check_info(CacheStore *c, bool create)
{
    if (c->info_checked)
        return NULL;
    const char *info_file = sb_fmt("%s/nix-cache-info", c->dir);
    size_t len;
    const char *t = fs_read_file(info_file, &len);
    if (!t) {
        if (!create)
            return sb_fmt("binary cache '%s' does not exist (no '%s')", c->base.uri, info_file);
        if (!fs_mkdir_p(sb_fmt("%s/nar", c->dir), 0755))
            return sb_fmt("creating binary cache directory '%s': %s", c->dir, strerror(errno));
        const char *text = sb_fmt("StoreDir: %s\nWantMassQuery: 1\nPriority: 40\n", c->base.store_dir);
        const char *e = write_atomic(info_file, text, strlen(text));
        if (e)
            return e;
        c->info_checked = true;
        return NULL;
    }
    const char *sd = strstr(t, "StoreDir: ");
    if (sd) {
        sd += 10;
        size_t l = strcspn(sd, "\r\n");
        if (l != strlen(c->base.store_dir) || strncmp(sd, c->base.store_dir, l))
            return sb_fmt("binary cache '%s' is for Nix stores with prefix '%.*s', not '%s'", c->base.uri, (int)l, sd,
                          c->base.store_dir);
    }
    c->info_checked = true;
    return NULL;
}

typedef struct NarInfo {
    PathInfo info;
    const char *url, *compression;
    StrBuf sigs;
} NarInfo;

/* NULL and no *err: the cache does not have it. */
static NarInfo *read_narinfo(CacheStore *c, const char *path, const char **err)
{
    *err = NULL;
    const char *sd = c->base.store_dir;
    if (!store_is_store_path(sd, path) || check_info(c, false))
        return NULL;
    size_t hl = strlen(sd) + 1;
    size_t len;
    char *text = fs_read_file(sb_fmt("%s/%.32s.narinfo", c->dir, path + hl), &len);
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
            ni->info.deriver = strcmp(v, "unknown-deriver") ? sb_fmt("%s/%s", sd, v) : NULL;
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
                ni->info.refs[ni->info.nrefs++] = sb_fmt("%s/%s", sd, r);
            }
        }
    }
    if (!ni->info.path || strcmp(ni->info.path, path) || !ni->url || !have_hash) {
        *err = sb_fmt("binary cache '%s' has a bad .narinfo for '%s'", c->base.uri, path);
        return NULL;
    }
    ni->info.sigs = ni->sigs.len ? sb_fmt("%.*s", (int)ni->sigs.len, ni->sigs.data) : NULL;
    return ni;
}

static bool cache_query_info(Store *s, const char *path, PathInfo *out)
{
    const char *e;
    NarInfo *ni = read_narinfo(cache_of(s), path, &e);
    if (!ni)
        return false;
    *out = ni->info;
    return true;
}

static const char *cache_nar_from_path(Store *s, const char *path, StrBuf *out)
{
    CacheStore *c = cache_of(s);
    const char *e;
    NarInfo *ni = read_narinfo(c, path, &e);
    if (!ni)
        return e ? e : sb_fmt("path '%s' is not in binary cache '%s'", path, s->uri);
    size_t clen;
    const char *comp = fs_read_file(sb_fmt("%s/%s", c->dir, ni->url), &clen);
    if (!comp)
        return sb_fmt("file '%s' does not exist in binary cache '%s'", ni->url, s->uri);
    return decompress(ni->compression, (const uint8_t *)comp, clen, out);
}

/* Writes the NAR (compressed) and then the narinfo, so that a reader who sees the narinfo
 * finds its NAR. References must be in the cache already, as CppNix requires. */
static const char *cache_add_nar(Store *s, const PathInfo *info, const uint8_t *nar, size_t len)
{
    CacheStore *c = cache_of(s);
    const char *e = store_parse_path(s->store_dir, info->path);
    if (e || (e = check_info(c, true)))
        return e;
    Hash nh;
    hash_buf(HASH_SHA256, nar, len, &nh);
    if (nh.len != info->nar_hash.len || memcmp(nh.bytes, info->nar_hash.bytes, nh.len))
        return sb_fmt("hash mismatch adding path '%s' to '%s';\n  specified: %s\n  got:       %s", info->path,
                      s->uri, hash_to_string(&info->nar_hash, HASH_FMT_NIX32, true),
                      hash_to_string(&nh, HASH_FMT_NIX32, true));
    if (info->nar_size && info->nar_size != len)
        return sb_fmt("size mismatch adding path '%s': specified %llu, got %zu", info->path,
                      (unsigned long long)info->nar_size, len);
    for (size_t k = 0; k < info->nrefs; k++)
        if (strcmp(info->refs[k], info->path) && !store_is_valid(s, info->refs[k]))
            return sb_fmt("cannot add '%s' to the binary cache because the reference '%s' is not valid", info->path,
                          info->refs[k]);
    const char *narinfo = sb_fmt("%s/%.32s.narinfo", c->dir, info->path + strlen(s->store_dir) + 1);
    /* A path already there keeps its NAR; only a new signature is added to it. */
    if (access(narinfo, F_OK) == 0 && !c->secret_key)
        return NULL;
    StrBuf comp;
    const char *ext;
    if ((e = compress(c->compression, nar, len, &comp, &ext)))
        return e;
    Hash fh;
    hash_buf(HASH_SHA256, comp.data, comp.len, &fh);
    const char *fhs = hash_to_string(&fh, HASH_FMT_NIX32, false);
    const char *nar_rel = sb_fmt("nar/%s.nar%s", fhs, ext);
    if (!fs_mkdir_p(sb_fmt("%s/nar", c->dir), 0755))
        return sb_fmt("creating '%s/nar': %s", c->dir, strerror(errno));
    if ((e = write_atomic(sb_fmt("%s/%s", c->dir, nar_rel), comp.data, comp.len)))
        return e;
    StrBuf ni;
    sb_init(&ni);
    sb_printf(&ni, "StorePath: %s\nURL: %s\nCompression: %s\nFileHash: sha256:%s\nFileSize: %zu\n", info->path,
              nar_rel, c->compression, fhs, comp.len);
    sb_printf(&ni, "NarHash: %s\nNarSize: %llu\nReferences: ", hash_to_string(&nh, HASH_FMT_NIX32, true),
              (unsigned long long)len);
    for (size_t k = 0; k < info->nrefs; k++)
        sb_printf(&ni, "%s%s", k ? " " : "", base(info->refs[k]));
    sb_putc(&ni, '\n');
    if (info->deriver)
        sb_printf(&ni, "Deriver: %s\n", base(info->deriver));
    if (info->sigs && *info->sigs)
        for (const char *p = info->sigs; *p;) {
            size_t l = strcspn(p, " ");
            if (l)
                sb_printf(&ni, "Sig: %.*s\n", (int)l, p);
            p += l;
            while (*p == ' ')
                p++;
        }
    if (c->secret_key) {
        const char *sig;
        if ((e = cache_sign(info, c->secret_key, &sig)))
            return e;
        if (!info->sigs || !strstr(info->sigs, sig))
            sb_printf(&ni, "Sig: %s\n", sig);
    }
    if (info->ca)
        sb_printf(&ni, "CA: %s\n", info->ca);
    return write_atomic(narinfo, ni.data, ni.len);
}

static const StoreOps cache_ops = {
    .kind = "file",
    .query_path_info = cache_query_info,
    .nar_from_path = cache_nar_from_path,
    .add_nar = cache_add_nar,
};

/* file://DIR?compression=...&secret-key=FILE (CppNix's parameters; secret-key names a
 * file holding the key). */
Store *cache_store_open(const char *uri, const char *rest, const StoreParam *params, size_t nparams,
                        const StoreSettings *settings, const char **err)
{
    if (rest[0] != '/') {
        *err = sb_fmt("binary cache '%s' does not name an absolute directory", uri);
        return NULL;
    }
    CacheStore *c = GC_MALLOC(sizeof *c);
    c->base.ops = &cache_ops;
    c->base.uri = uri;
    c->base.store_dir = settings->store_dir && *settings->store_dir ? settings->store_dir : STORE_DEFAULT_DIR;
    c->dir = rest;
    c->compression = "xz";
    for (size_t i = 0; i < nparams; i++) {
        const char *n = params[i].name, *v = params[i].value;
        if (!strcmp(n, "compression")) {
            if (strcmp(v, "xz") && strcmp(v, "zstd") && strcmp(v, "none")) {
                *err = sb_fmt("unknown compression method '%s'", v);
                return NULL;
            }
            c->compression = v;
        } else if (!strcmp(n, "secret-key")) {
            if ((*err = cache_read_key_file(v, &c->secret_key)))
                return NULL;
        } else if (strcmp(n, "want-mass-query") && strcmp(n, "priority")) {
            *err = sb_fmt("store '%s' has unknown parameter '%s'", uri, n);
            return NULL;
        }
    }
    /* An existing cache must be for our store dir (CppNix checks it when opening too). */
    if (access(sb_fmt("%s/nix-cache-info", c->dir), F_OK) == 0 && (*err = check_info(c, false)))
        return NULL;
    return &c->base;
}

/* ---- copying and substituting through the interface ---- */

/* A cache store for url (file:///DIR or /DIR), sharing s's store dir. */
static Store *open_cache(Store *s, const char *url, const char *query, const char **err)
{
    if (url[0] == '/')
        url = sb_fmt("file://%s", url);
    if (strncmp(url, "file://", 7)) {
        *err = sb_fmt("binary cache '%s' is not supported (only file:// URLs)", url);
        return NULL;
    }
    StoreSettings set = {.store_dir = store_dir(s)};
    return store_open(query ? sb_fmt("%s?%s", url, query) : url, &set, err);
}

/* Substitutes path (and its closure) from one cache; false (with a warning for errors
 * other than absence) if not possible. */
static bool cache_substitute(Store *s, const StoreConfig *cfg, const char *url, const char *path)
{
    const char *e = NULL;
    Store *c = open_cache(s, url, NULL, &e);
    if (!c || check_info(cache_of(c), false))
        return false;
    size_t nc;
    const char **closure = store_closure(c, &path, 1, &nc);
    for (size_t k = 0; k < nc; k++)
        if (!store_is_valid(s, closure[k]) && !store_is_valid(c, closure[k]))
            return false;
    e = store_copy_paths(c, s, &path, 1, cfg->require_sigs ? &cfg->trusted_keys : NULL);
    if (e)
        fprintf(stderr, "warning: substituting '%s' from '%s': %s\n", path, url, e);
    return !e && store_is_valid(s, path);
}

static bool cache_has(Store *s, const char *url, const char *path)
{
    const char *e = NULL;
    Store *c = open_cache(s, url, NULL, &e);
    return c && !check_info(cache_of(c), false) && store_is_valid(c, path);
}

bool store_substitute(Store *s, const StoreConfig *cfg, const char *path)
{
    for (size_t i = 0; i < cfg->substituters.n; i++)
        if (cache_substitute(s, cfg, cfg->substituters.v[i], path))
            return true;
    return store_is_valid(s, path);
}

bool store_substitutable(Store *s, const StoreConfig *cfg, const char *path)
{
    for (size_t i = 0; i < cfg->substituters.n; i++)
        if (cache_has(s, cfg->substituters.v[i], path))
            return true;
    return false;
}
