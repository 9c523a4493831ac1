/* Flake registries (flag, user, system, global) and resolving indirect references. */
#include <errno.h>
#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flake/flake.h"
#include "flake/internal.h"
#include "util/fs.h"

void flake_settings_default(FlakeSettings *s)
{
    memset(s, 0, sizeof *s);
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        s->user_registry = sb_fmt("%s/cnix/registry.json", xdg);
    else if (home && *home)
        s->user_registry = sb_fmt("%s/.config/cnix/registry.json", home);
    s->system_registry = "/etc/cnix/registry.json";
    const char *cache = getenv("XDG_CACHE_HOME");
    if (cache && *cache)
        s->source_cache = sb_fmt("%s/cnix/flake-sources", cache);
    else if (home && *home)
        s->source_cache = sb_fmt("%s/.cache/cnix/flake-sources", home);
    s->use_registries = true;
}

static bool parse_bool(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

bool flake_settings_set(FlakeSettings *s, const char *name, const char *value)
{
    if (strcmp(name, "flake-registry") == 0)
        s->global_registry = *value ? sb_fmt("%s", value) : NULL;
    else if (strcmp(name, "forge-mirror") == 0)
        s->forge_mirror = *value ? sb_fmt("%s", value) : NULL;
    else if (strcmp(name, "flake-source-cache") == 0)
        s->source_cache = *value && strcmp(value, "false") != 0 ? sb_fmt("%s", value) : NULL;
    else if (strcmp(name, "use-registries") == 0)
        s->use_registries = parse_bool(value);
    else if (strcmp(name, "accept-flake-config") == 0)
        s->accept_flake_config = parse_bool(value);
    else if (strcmp(name, "commit-lock-file-summary") == 0 || strcmp(name, "commit-lockfile-summary") == 0)
        s->commit_lock_file_summary = sb_fmt("%s", value);
    else if (strcmp(name, "bash-prompt") == 0)
        s->bash_prompt[0] = sb_fmt("%s", value);
    else if (strcmp(name, "bash-prompt-prefix") == 0)
        s->bash_prompt[1] = sb_fmt("%s", value);
    else if (strcmp(name, "bash-prompt-suffix") == 0)
        s->bash_prompt[2] = sb_fmt("%s", value);
    else
        return false;
    return true;
}

/* ---------- registry files ---------- */

static Value *member(EvalState *st, Value *obj, const char *name)
{
    if (obj->type != T_ATTRS)
        return NULL;
    Attr *a = attrs_find(val_attrs(obj), sym_intern_cstr(st->symbols, name));
    return a ? a->value : NULL;
}

FlakeRegistry flake_registry_read(EvalState *st, const char *where)
{
    FlakeRegistry r = {0};
    const char *path = strncmp(where, "file://", 7) == 0 ? where + 7 : where;
    size_t len;
    char *text = fs_read_file(path, &len);
    if (!text)
        return r;
    Value *j = flake_parse_json(st, text, len, path);
    Value *ver = member(st, j, "version");
    if (!ver || ver->type != T_INT || ver->integer != 2)
        eval_error(st, ERR_EVAL, 0, "flake registry '%s' has unsupported version %lld", path,
                   ver && ver->type == T_INT ? (long long)ver->integer : 0LL);
    Value *flakes = member(st, j, "flakes");
    if (!flakes || flakes->type != T_LIST)
        return r;
    r.v = GC_MALLOC((flakes->len + 1) * sizeof *r.v);
    for (uint32_t i = 0; i < flakes->len; i++) {
        Value *e = val_list(flakes)[i];
        Value *from = member(st, e, "from"), *to = member(st, e, "to"), *exact = member(st, e, "exact");
        if (!from || !to)
            eval_error(st, ERR_EVAL, 0, "flake registry '%s' has an entry without 'from' or 'to'", path);
        FlakeRegistryEntry *re = &r.v[r.n++];
        re->from = flake_attrs_from_value(st, from, 0, "flake registry");
        re->to = flake_attrs_from_value(st, to, 0, "flake registry");
        re->exact = exact && exact->type == T_BOOL && exact->boolean;
    }
    return r;
}

const char *flake_registry_write(const FlakeRegistry *r, const char *path)
{
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "{\n  \"flakes\": [");
    for (uint32_t i = 0; i < r->n; i++) {
        const FlakeRegistryEntry *e = &r->v[i];
        sb_puts(&sb, i ? ",\n    {" : "\n    {");
        if (e->exact)
            sb_puts(&sb, "\n      \"exact\": true,");
        sb_puts(&sb, "\n      \"from\": ");
        flake_attrs_json(&e->from, 3, &sb);
        sb_puts(&sb, ",\n      \"to\": ");
        flake_attrs_json(&e->to, 3, &sb);
        sb_puts(&sb, "\n    }");
    }
    sb_puts(&sb, r->n ? "\n  ],\n  \"version\": 2\n}" : "],\n  \"version\": 2\n}");
    /* the directory may not exist yet (~/.config/cnix) */
    char *dir = sb_fmt("%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        fs_mkdir_p(dir, 0755);
    }
    const char *tmp = sb_fmt("%s.tmp-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return sb_fmt("writing '%s': %s", path, strerror(errno));
    bool ok = fwrite(sb.data, 1, sb.len, f) == sb.len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return sb_fmt("writing '%s': %s", path, strerror(errno));
    }
    return NULL;
}

void flake_registry_add(FlakeRegistry *r, const FlakeAttrs *from, const FlakeAttrs *to, bool exact)
{
    flake_registry_remove(r, from);
    FlakeRegistryEntry *nv = GC_MALLOC((r->n + 1) * sizeof *nv);
    if (r->n)
        memcpy(nv, r->v, r->n * sizeof *nv);
    nv[r->n].from = *from;
    nv[r->n].to = *to;
    nv[r->n].exact = exact;
    r->v = nv;
    r->n++;
}

uint32_t flake_registry_remove(FlakeRegistry *r, const FlakeAttrs *from)
{
    uint32_t k = 0, removed = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        if (flake_attrs_equal(&r->v[i].from, from))
            removed++;
        else
            r->v[k++] = r->v[i];
    }
    r->n = k;
    return removed;
}

/* ---------- resolving ---------- */

/* CppNix's Input::contains: from names input, ignoring the input's ref and rev. */
static bool contains(const FlakeAttrs *from, const FlakeAttrs *input)
{
    FlakeAttrs x = flake_attrs_copy(input);
    flake_attrs_del(&x, "dir");
    if (flake_attrs_equal(from, &x))
        return true;
    flake_attrs_del(&x, "rev");
    if (flake_attrs_equal(from, &x))
        return true;
    flake_attrs_del(&x, "ref");
    return flake_attrs_equal(from, &x);
}

static bool lookup(const FlakeRegistry *r, const FlakeAttrs *in, FlakeAttrs *out)
{
    if (!r)
        return false;
    for (uint32_t i = 0; i < r->n; i++) {
        const FlakeRegistryEntry *e = &r->v[i];
        FlakeAttrs bare = flake_attrs_copy(in);
        flake_attrs_del(&bare, "dir");
        if (e->exact ? flake_attrs_equal(&e->from, &bare) : contains(&e->from, in)) {
            FlakeAttrs res = flake_attrs_copy(&e->to);
            if (!e->exact) {
                const char *ref = flake_attrs_str(in, "ref"), *rev = flake_attrs_str(in, "rev");
                if (ref && !flake_attrs_get(&e->from, "ref"))
                    flake_attrs_set_str(&res, "ref", ref);
                if (rev && !flake_attrs_get(&e->from, "rev"))
                    flake_attrs_set_str(&res, "rev", rev);
            }
            const char *dir = flake_attrs_str(in, "dir");
            if (dir && !flake_attrs_get(&res, "dir"))
                flake_attrs_set_str(&res, "dir", dir);
            *out = res;
            return true;
        }
    }
    return false;
}

FlakeAttrs flake_resolve(EvalState *st, const FlakeSettings *fs, const FlakeAttrs *ref)
{
    FlakeAttrs cur = *ref;
    for (int depth = 0;; depth++) {
        const char *type = flake_attrs_str(&cur, "type");
        if (!type || strcmp(type, "indirect") != 0)
            return cur;
        if (depth > 100)
            eval_error(st, ERR_EVAL, 0, "cycle detected in flake registry for '%s'", flake_ref_to_string(st, ref));
        if (!fs || !fs->use_registries)
            eval_error(st, ERR_EVAL, 0, "'%s' is an indirect flake reference, but registry lookups are not allowed",
                       flake_ref_to_string(st, &cur));
        FlakeRegistry user = fs->user_registry ? flake_registry_read(st, fs->user_registry) : (FlakeRegistry){0};
        FlakeRegistry sys = fs->system_registry ? flake_registry_read(st, fs->system_registry) : (FlakeRegistry){0};
        FlakeRegistry glob = fs->global_registry ? flake_registry_read(st, fs->global_registry) : (FlakeRegistry){0};
        FlakeAttrs next;
        if (!lookup(fs->flag_registry, &cur, &next) && !lookup(&user, &cur, &next) && !lookup(&sys, &cur, &next) &&
            !lookup(&glob, &cur, &next))
            eval_error(st, ERR_EVAL, 0, "cannot find flake '%s' in the flake registries", flake_ref_to_string(st, &cur));
        cur = next;
    }
}
