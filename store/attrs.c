/* Structured attributes: .attrs.json (with `outputs` mapped to the output paths) and
 * .attrs.sh (bash declarations of the representable attributes), as CppNix writes them. */
#include "store/attrs.h"

#include <ctype.h>
#include <errno.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* ---- a small JSON scanner over the text of __json ---- */

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Decodes the string at p (at '"') into out (if not NULL); returns the end or NULL. */
static const char *scan_string(const char *p, StrBuf *out)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned cp = 0;
                for (int i = 1; i <= 4; i++) {
                    if (!isxdigit((unsigned char)p[i]))
                        return NULL;
                    cp = cp * 16 + (unsigned)(isdigit((unsigned char)p[i]) ? p[i] - '0' : (tolower(p[i]) - 'a' + 10));
                }
                p += 4;
                if (out) {
                    if (cp < 0x80)
                        sb_putc(out, (char)cp);
                    else if (cp < 0x800) {
                        sb_putc(out, (char)(0xc0 | (cp >> 6)));
                        sb_putc(out, (char)(0x80 | (cp & 0x3f)));
                    } else {
                        sb_putc(out, (char)(0xe0 | (cp >> 12)));
                        sb_putc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
                        sb_putc(out, (char)(0x80 | (cp & 0x3f)));
                    }
                }
                continue;
            }
            case 0: return NULL;
            default: c = *p; break;
            }
        }
        if (out)
            sb_putc(out, c);
    }
    return *p == '"' ? p + 1 : NULL;
}

/* The end of the value at p, or NULL if malformed. */
static const char *skip_value(const char *p, int depth)
{
    p = ws(p);
    if (depth > 512)
        return NULL;
    if (*p == '"')
        return scan_string(p, NULL);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (!(p = scan_string(ws(p), NULL)))
                    return NULL;
                p = ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            if (!(p = skip_value(p, depth + 1)))
                return NULL;
            p = ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    const char *s = p;
    while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
        p++;
    return p > s ? p : NULL;
}

static void shell_escape(StrBuf *sb, const char *s)
{
    sb_putc(sb, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            sb_puts(sb, "'\\''");
        else
            sb_putc(sb, *s);
    }
    sb_putc(sb, '\'');
}

/* A string, number or Boolean as bash text; false for other values. */
static bool simple(const char *v, const char *end, StrBuf *out)
{
    v = ws(v);
    if (*v == '"') {
        StrBuf s;
        sb_init(&s);
        if (!scan_string(v, &s))
            return false;
        shell_escape(out, sb_finish(&s));
        return true;
    }
    size_t n = (size_t)(end - v);
    if (n == 4 && !strncmp(v, "true", 4)) {
        sb_putc(out, '1');
        return true;
    }
    if (n == 5 && !strncmp(v, "false", 5))
        return true;
    if (*v == '-' || isdigit((unsigned char)*v)) {
        sb_add(out, v, n);
        return true;
    }
    return false;
}

static bool good_name(const char *k)
{
    if (!*k || !(isalpha((unsigned char)*k) || *k == '_'))
        return false;
    for (; *k; k++)
        if (!(isalnum((unsigned char)*k) || *k == '_'))
            return false;
    return true;
}

/* Calls f for each member of the object (or element of the array, key NULL) at p. */
typedef void (*Member)(void *ctx, const char *key, const char *v, const char *end);
static bool each(const char *p, Member f, void *ctx)
{
    p = ws(p);
    char close = *p == '{' ? '}' : *p == '[' ? ']' : 0;
    if (!close)
        return false;
    p = ws(p + 1);
    if (*p == close)
        return true;
    for (;;) {
        const char *key = NULL;
        if (close == '}') {
            StrBuf k;
            sb_init(&k);
            if (!(p = scan_string(ws(p), &k)))
                return false;
            key = sb_finish(&k);
            p = ws(p);
            if (*p++ != ':')
                return false;
        }
        const char *v = ws(p);
        const char *end = skip_value(v, 0);
        if (!end)
            return false;
        f(ctx, key, v, end);
        p = ws(end);
        if (*p == ',') {
            p++;
            continue;
        }
        return *p == close;
    }
}

typedef struct ShCtx {
    StrBuf *out;
    StrBuf inner;
    bool ok;
} ShCtx;

static void inner_member(void *c, const char *key, const char *v, const char *end)
{
    ShCtx *x = c;
    StrBuf s;
    sb_init(&s);
    if (!simple(v, end, &s)) {
        x->ok = false;
        return;
    }
    if (key) {
        sb_putc(&x->inner, '[');
        shell_escape(&x->inner, key);
        sb_puts(&x->inner, "]=");
    }
    sb_add(&x->inner, s.data, s.len);
    sb_putc(&x->inner, ' ');
}

static void top_member(void *c, const char *key, const char *v, const char *end)
{
    ShCtx *x = c;
    if (!good_name(key))
        return;
    StrBuf s;
    sb_init(&s);
    if (simple(v, end, &s)) {
        sb_printf(x->out, "declare %s=%.*s\n", key, (int)s.len, s.data);
        return;
    }
    ShCtx in = {NULL, {0}, true};
    sb_init(&in.inner);
    if (!each(v, inner_member, &in) || !in.ok)
        return; /* not representable in bash: left out, as in CppNix */
    sb_printf(x->out, "declare -%c %s=(%.*s)\n", *v == '{' ? 'A' : 'a', key, (int)in.inner.len, in.inner.data);
}

typedef struct JsonCtx {
    StrBuf *out;
    const Derivation *d;
    bool first, saw_outputs;
} JsonCtx;

static void put_json_string(StrBuf *sb, const char *s)
{
    sb_putc(sb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(sb, "\\%c", c);
        else if (c == '\n')
            sb_puts(sb, "\\n");
        else if (c < 0x20)
            sb_printf(sb, "\\u%04x", c);
        else
            sb_putc(sb, (char)c);
    }
    sb_putc(sb, '"');
}

static void outputs_object(StrBuf *sb, const Derivation *d)
{
    sb_putc(sb, '{');
    for (uint32_t i = 0; i < d->noutputs; i++) {
        if (i)
            sb_putc(sb, ',');
        put_json_string(sb, d->outputs[i].name);
        sb_putc(sb, ':');
        put_json_string(sb, d->outputs[i].path);
    }
    sb_putc(sb, '}');
}

static void json_member(void *c, const char *key, const char *v, const char *end)
{
    JsonCtx *x = c;
    if (!x->first)
        sb_putc(x->out, ',');
    x->first = false;
    put_json_string(x->out, key);
    sb_putc(x->out, ':');
    if (!strcmp(key, "outputs")) {
        outputs_object(x->out, x->d);
        x->saw_outputs = true;
    } else
        sb_add(x->out, v, (size_t)(end - v));
}

const char *store_attrs_json(const char *json, const Derivation *d, const char **out)
{
    StrBuf sb;
    sb_init(&sb);
    sb_putc(&sb, '{');
    JsonCtx x = {&sb, d, true, false};
    if (!each(json, json_member, &x))
        return "the __json attribute of the derivation is not a JSON object";
    if (!x.saw_outputs) {
        if (!x.first)
            sb_putc(&sb, ',');
        sb_puts(&sb, "\"outputs\":");
        outputs_object(&sb, d);
    }
    sb_putc(&sb, '}');
    *out = sb_finish(&sb);
    return NULL;
}

const char *store_write_attrs_sh(const char *path, const char *json, const Derivation *d)
{
    (void)d;
    StrBuf sb;
    sb_init(&sb);
    ShCtx x = {&sb, {0}, true};
    if (!each(json, top_member, &x))
        return "the __json attribute of the derivation is not a JSON object";
    FILE *f = fopen(path, "w");
    if (!f)
        return "cannot write .attrs.sh";
    bool ok = fwrite(sb.data, 1, sb.len, f) == sb.len;
    ok = fclose(f) == 0 && ok;
    return ok ? NULL : "cannot write .attrs.sh";
}
