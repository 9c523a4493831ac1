/* A TOML 1.0 parser: text to a TomlNode tree, with toml11-style error messages. */
#include "primops/toml.h"

#include "util/strbuf.h"

#include <errno.h>
#include <gc/gc.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a table or array came to exist; decides what may later extend it. */
enum {
    TF_EXPLICIT = 1, /* [header] */
    TF_IMPLICIT = 2, /* intermediate table of a header path */
    TF_DOTTED = 4,   /* created by a dotted key (a.b = 1) */
    TF_SEALED = 8,   /* inline table or literal array: immutable */
    TF_AOT = 16,     /* array of tables ([[header]]) */
};

typedef struct TP {
    const char *s;
    size_t len, pos;
    const char *name;
    jmp_buf jb;
    const char *err;
    TomlNode *root, *cur;
    unsigned depth; /* nesting of arrays and inline tables */
} TP;

/* Deeper nesting is refused rather than risking the C stack (toml11 recurses
 * without a limit); no real document comes near it. */
#define TOML_MAX_DEPTH 10000

/* ---------------------------------------------------------------- errors */

/* toml11's layout: title, " --> name", the source line and a caret under the
 * offending column with a short explanation. */
static _Noreturn void tp_fail_at(TP *p, size_t at, const char *title, const char *what)
{
    size_t line = 1, ls = 0;
    for (size_t i = 0; i < at && i < p->len; i++)
        if (p->s[i] == '\n') {
            line++;
            ls = i + 1;
        }
    size_t le = ls;
    while (le < p->len && p->s[le] != '\n' && p->s[le] != '\r')
        le++;
    char num[24];
    int w = snprintf(num, sizeof num, "%zu", line);
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "[error] %s\n", title);
    sb_printf(&sb, "%*s--> %s\n", w, "", p->name);
    sb_printf(&sb, "%*s |\n", w + 1, "");
    sb_printf(&sb, "%*s | ", w + 1, num);
    sb_add(&sb, p->s + ls, le - ls);
    sb_putc(&sb, '\n');
    sb_printf(&sb, "%*s | %*s^-- %s\n", w + 1, "", (int)(at - ls), "", what);
    p->err = sb_finish(&sb);
    longjmp(p->jb, 1);
}

static _Noreturn void tp_fail(TP *p, const char *title, const char *what)
{
    tp_fail_at(p, p->pos, title, what);
}

/* ---------------------------------------------------------------- nodes */

static TomlNode *node_new(uint8_t kind, uint8_t flags)
{
    TomlNode *n = GC_MALLOC(sizeof *n);
    n->kind = kind;
    n->flags = flags;
    return n;
}

static TomlNode *table_get(TomlNode *t, const char *k, size_t klen)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->table.key_lens[i] == klen && memcmp(t->table.keys[i], k, klen) == 0)
            return t->table.vals[i];
    return NULL;
}

static void table_put(TomlNode *t, const char *k, size_t klen, TomlNode *v)
{
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        const char **keys = GC_MALLOC(cap * sizeof *keys);
        size_t *lens = GC_MALLOC_ATOMIC(cap * sizeof *lens);
        TomlNode **vals = GC_MALLOC(cap * sizeof *vals);
        if (t->n) {
            memcpy(keys, t->table.keys, t->n * sizeof *keys);
            memcpy(lens, t->table.key_lens, t->n * sizeof *lens);
            memcpy(vals, t->table.vals, t->n * sizeof *vals);
        }
        t->table.keys = keys;
        t->table.key_lens = lens;
        t->table.vals = vals;
        t->cap = cap;
    }
    t->table.keys[t->n] = k;
    t->table.key_lens[t->n] = klen;
    t->table.vals[t->n] = v;
    t->n++;
}

static void array_push(TomlNode *a, TomlNode *v)
{
    if (a->n == a->cap) {
        uint32_t cap = a->cap ? a->cap * 2 : 8;
        TomlNode **items = GC_MALLOC(cap * sizeof *items);
        if (a->n)
            memcpy(items, a->items, a->n * sizeof *items);
        a->items = items;
        a->cap = cap;
    }
    a->items[a->n++] = v;
}

/* ---------------------------------------------------------------- lexing helpers */

static int peek(TP *p, size_t off)
{
    return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static bool at_newline(TP *p)
{
    return peek(p, 0) == '\n' || (peek(p, 0) == '\r' && peek(p, 1) == '\n');
}

static void skip_ws(TP *p)
{
    while (peek(p, 0) == ' ' || peek(p, 0) == '\t')
        p->pos++;
}

/* A comment runs to the end of the line; control characters other than tab are not allowed. */
static void skip_comment(TP *p)
{
    if (peek(p, 0) != '#')
        return;
    while (p->pos < p->len && !at_newline(p)) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            tp_fail(p, "toml::parse_comment: invalid character in comment", "here");
        p->pos++;
    }
}

static void skip_newline(TP *p)
{
    if (peek(p, 0) == '\r')
        p->pos++;
    p->pos++;
}

/* Skips whitespace, comments and newlines (inside arrays, between statements). */
static void skip_ws_nl(TP *p)
{
    for (;;) {
        skip_ws(p);
        skip_comment(p);
        if (at_newline(p))
            skip_newline(p);
        else
            return;
    }
}

static bool is_bare(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ---------------------------------------------------------------- strings */

static void check_string_char(TP *p, unsigned char c, bool multiline)
{
    if ((c < 0x20 && c != '\t' && !(multiline && (c == '\n' || c == '\r'))) || c == 0x7f)
        tp_fail(p, "toml::parse_string: invalid character in string", "control characters must be escaped");
}

static void parse_escape(TP *p, StrBuf *sb)
{
    size_t start = p->pos;
    p->pos++; /* backslash */
    int c = peek(p, 0);
    p->pos++;
    switch (c) {
    case 'b': sb_putc(sb, '\b'); return;
    case 't': sb_putc(sb, '\t'); return;
    case 'n': sb_putc(sb, '\n'); return;
    case 'f': sb_putc(sb, '\f'); return;
    case 'r': sb_putc(sb, '\r'); return;
    case '"': sb_putc(sb, '"'); return;
    case '\\': sb_putc(sb, '\\'); return;
    case 'u':
    case 'U': {
        int nd = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < nd; i++) {
            int h = hexval(peek(p, 0));
            if (h < 0)
                tp_fail_at(p, start, "toml::parse_escape_sequence: invalid token found in UTF-8 codepoint",
                           nd == 4 ? "\\uXXXX" : "\\UXXXXXXXX");
            cp = cp * 16 + (uint32_t)h;
            p->pos++;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            tp_fail_at(p, start, "toml::parse_escape_sequence: input codepoint is too large or a surrogate",
                       "must be a Unicode scalar value");
        sb_put_utf8(sb, cp);
        return;
    }
    default:
        tp_fail_at(p, start, "toml::parse_escape_sequence: unknown escape sequence appeared.",
                   "escape sequence is one of \\, \", b, t, n, f, r, uxxxx, Uxxxxxxxx");
    }
}

static const char *parse_basic_string(TP *p, size_t *outlen)
{
    StrBuf sb;
    sb_init(&sb);
    size_t start = p->pos;
    p->pos++;
    for (;;) {
        int c = peek(p, 0);
        if (c < 0 || c == '\n' || (c == '\r' && peek(p, 1) == '\n'))
            tp_fail_at(p, start, "toml::parse_basic_string: missing closing quote", "basic string starts here");
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c == '\\') {
            parse_escape(p, &sb);
            continue;
        }
        check_string_char(p, (unsigned char)c, false);
        sb_putc(&sb, (char)c);
        p->pos++;
    }
    *outlen = sb.len;
    return sb_finish(&sb);
}

static const char *parse_ml_basic_string(TP *p, size_t *outlen)
{
    StrBuf sb;
    sb_init(&sb);
    size_t start = p->pos;
    p->pos += 3;
    if (at_newline(p))
        skip_newline(p); /* a newline right after the opening quotes is trimmed */
    for (;;) {
        int c = peek(p, 0);
        if (c < 0)
            tp_fail_at(p, start, "toml::parse_ml_basic_string: missing closing quotes",
                       "multi-line basic string starts here");
        if (c == '"' && peek(p, 1) == '"' && peek(p, 2) == '"') {
            /* Up to two more quotes belong to the content. */
            size_t q = 3;
            while (q < 5 && peek(p, q) == '"')
                q++;
            for (size_t i = 3; i < q; i++)
                sb_putc(&sb, '"');
            p->pos += q;
            break;
        }
        if (c == '\\') {
            /* A line-ending backslash eats all whitespace and newlines after it. */
            size_t save = p->pos;
            p->pos++;
            skip_ws(p);
            if (at_newline(p)) {
                while (peek(p, 0) == ' ' || peek(p, 0) == '\t' || at_newline(p)) {
                    if (at_newline(p))
                        skip_newline(p);
                    else
                        p->pos++;
                }
                continue;
            }
            p->pos = save;
            parse_escape(p, &sb);
            continue;
        }
        if (c == '\r' && peek(p, 1) == '\n') {
            sb_putc(&sb, '\n');
            p->pos += 2;
            continue;
        }
        check_string_char(p, (unsigned char)c, true);
        sb_putc(&sb, (char)c);
        p->pos++;
    }
    *outlen = sb.len;
    return sb_finish(&sb);
}

static const char *parse_literal_string(TP *p, size_t *outlen)
{
    size_t start = p->pos;
    p->pos++;
    size_t b = p->pos;
    for (;;) {
        int c = peek(p, 0);
        if (c < 0 || c == '\n' || (c == '\r' && peek(p, 1) == '\n'))
            tp_fail_at(p, start, "toml::parse_literal_string: missing closing quote", "literal string starts here");
        if (c == '\'')
            break;
        check_string_char(p, (unsigned char)c, false);
        p->pos++;
    }
    size_t n = p->pos - b;
    p->pos++;
    char *r = GC_MALLOC_ATOMIC(n + 1);
    memcpy(r, p->s + b, n);
    r[n] = 0;
    *outlen = n;
    return r;
}

static const char *parse_ml_literal_string(TP *p, size_t *outlen)
{
    StrBuf sb;
    sb_init(&sb);
    size_t start = p->pos;
    p->pos += 3;
    if (at_newline(p))
        skip_newline(p);
    for (;;) {
        int c = peek(p, 0);
        if (c < 0)
            tp_fail_at(p, start, "toml::parse_ml_literal_string: missing closing quotes",
                       "multi-line literal string starts here");
        if (c == '\'' && peek(p, 1) == '\'' && peek(p, 2) == '\'') {
            size_t q = 3;
            while (q < 5 && peek(p, q) == '\'')
                q++;
            for (size_t i = 3; i < q; i++)
                sb_putc(&sb, '\'');
            p->pos += q;
            break;
        }
        if (c == '\r' && peek(p, 1) == '\n') {
            sb_putc(&sb, '\n');
            p->pos += 2;
            continue;
        }
        check_string_char(p, (unsigned char)c, true);
        sb_putc(&sb, (char)c);
        p->pos++;
    }
    *outlen = sb.len;
    return sb_finish(&sb);
}

/* ---------------------------------------------------------------- keys */

typedef struct KeyPath {
    const char **keys;
    size_t *lens;
    size_t n;
    size_t *starts; /* source offsets, for errors */
} KeyPath;

static void parse_simple_key(TP *p, const char **k, size_t *klen)
{
    int c = peek(p, 0);
    if (c == '"') {
        if (peek(p, 1) == '"' && peek(p, 2) == '"')
            tp_fail(p, "toml::parse_key: multi-line strings cannot be keys", "here");
        *k = parse_basic_string(p, klen);
    } else if (c == '\'') {
        if (peek(p, 1) == '\'' && peek(p, 2) == '\'')
            tp_fail(p, "toml::parse_key: multi-line strings cannot be keys", "here");
        *k = parse_literal_string(p, klen);
    } else if (is_bare(c)) {
        size_t b = p->pos;
        while (is_bare(peek(p, 0)))
            p->pos++;
        size_t n = p->pos - b;
        char *r = GC_MALLOC_ATOMIC(n + 1);
        memcpy(r, p->s + b, n);
        r[n] = 0;
        *k = r;
        *klen = n;
    } else {
        tp_fail(p, "toml::parse_simple_key: invalid key: key must be a bare key, basic string or literal string",
                "expected key");
    }
}

static KeyPath parse_key(TP *p)
{
    KeyPath kp = {0};
    size_t cap = 4;
    kp.keys = GC_MALLOC(cap * sizeof *kp.keys);
    kp.lens = GC_MALLOC_ATOMIC(cap * sizeof *kp.lens);
    kp.starts = GC_MALLOC_ATOMIC(cap * sizeof *kp.starts);
    for (;;) {
        if (kp.n == cap) {
            cap *= 2;
            const char **k = GC_MALLOC(cap * sizeof *k);
            size_t *l = GC_MALLOC_ATOMIC(cap * sizeof *l);
            size_t *s = GC_MALLOC_ATOMIC(cap * sizeof *s);
            memcpy(k, kp.keys, kp.n * sizeof *k);
            memcpy(l, kp.lens, kp.n * sizeof *l);
            memcpy(s, kp.starts, kp.n * sizeof *s);
            kp.keys = k;
            kp.lens = l;
            kp.starts = s;
        }
        kp.starts[kp.n] = p->pos;
        parse_simple_key(p, &kp.keys[kp.n], &kp.lens[kp.n]);
        kp.n++;
        skip_ws(p);
        if (peek(p, 0) != '.')
            return kp;
        p->pos++;
        skip_ws(p);
    }
}

/* ---------------------------------------------------------------- numbers and dates */

static size_t scan_value_token(TP *p)
{
    size_t e = p->pos;
    while (e < p->len) {
        char c = p->s[e];
        if (is_bare(c) || c == '+' || c == '.' || c == ':')
            e++;
        else
            break;
    }
    return e;
}

static bool digits_at(TP *p, size_t at, int n)
{
    for (int i = 0; i < n; i++)
        if (at + (size_t)i >= p->len || !is_digit(p->s[at + (size_t)i]))
            return false;
    return true;
}

static int num_at(TP *p, size_t at, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p->s[at + (size_t)i] - '0');
    return v;
}

static int num_at_str(const char *s, int at, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[at + i] - '0');
    return v;
}

/* Parses HH:MM:SS[.frac] at p->pos into sb in toml11's canonical form (the
 * fraction to 3, 6 or 9 digits). */
static void parse_time(TP *p, StrBuf *sb)
{
    size_t at = p->pos;
    if (!digits_at(p, at, 2) || peek(p, 2) != ':' || !digits_at(p, at + 3, 2) || peek(p, 5) != ':' ||
        !digits_at(p, at + 6, 2))
        tp_fail(p, "toml::parse_local_time: invalid local time", "expected HH:MM:SS");
    int h = num_at(p, at, 2), m = num_at(p, at + 3, 2), s = num_at(p, at + 6, 2);
    if (h > 23 || m > 59 || s > 60)
        tp_fail(p, "toml::parse_local_time: invalid time", "hour, minute or second out of range");
    sb_add(sb, p->s + at, 8);
    p->pos += 8;
    if (peek(p, 0) == '.') {
        p->pos++;
        if (!is_digit(peek(p, 0)))
            tp_fail(p, "toml::parse_local_time: invalid subsecond", "expected digits");
        char frac[10] = "000000000";
        int n = 0;
        while (is_digit(peek(p, 0))) {
            if (n < 9)
                frac[n] = (char)peek(p, 0);
            n++;
            p->pos++;
        }
        int ms = num_at_str(frac, 0, 3), us = num_at_str(frac, 3, 3), ns = num_at_str(frac, 6, 3);
        int prec = (us || ns) ? (ns ? 9 : 6) : (ms ? 3 : 0);
        if (prec) {
            sb_putc(sb, '.');
            sb_add(sb, frac, (size_t)prec);
        }
    }
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* A date, date-time (local or with offset) or local time at p->pos. */
static TomlNode *parse_datetime(TP *p)
{
    StrBuf sb;
    sb_init(&sb);
    size_t at = p->pos;
    if (digits_at(p, at, 2) && peek(p, 2) == ':') {
        parse_time(p, &sb);
    } else {
        if (!digits_at(p, at, 4) || peek(p, 4) != '-' || !digits_at(p, at + 5, 2) || peek(p, 7) != '-' ||
            !digits_at(p, at + 8, 2))
            tp_fail(p, "toml::parse_local_date: invalid date", "expected YYYY-MM-DD");
        int y = num_at(p, at, 4), mo = num_at(p, at + 5, 2), d = num_at(p, at + 8, 2);
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
            tp_fail(p, "toml::parse_local_date: invalid date", "month or day out of range");
        sb_add(&sb, p->s + at, 10);
        p->pos += 10;
        int c = peek(p, 0);
        /* A space separates date and time only if a time follows. */
        if ((c == 'T' || c == 't' || (c == ' ' && digits_at(p, p->pos + 1, 2) && peek(p, 3) == ':'))) {
            p->pos++;
            sb_putc(&sb, 'T');
            parse_time(p, &sb);
            c = peek(p, 0);
            if (c == 'Z' || c == 'z') {
                p->pos++;
                sb_putc(&sb, 'Z');
            } else if (c == '+' || c == '-') {
                if (!digits_at(p, p->pos + 1, 2) || peek(p, 3) != ':' || !digits_at(p, p->pos + 4, 2))
                    tp_fail(p, "toml::parse_offset_datetime: invalid offset", "expected +HH:MM or -HH:MM");
                int oh = num_at(p, p->pos + 1, 2), om = num_at(p, p->pos + 4, 2);
                if (oh > 23 || om > 59)
                    tp_fail(p, "toml::parse_offset_datetime: invalid offset", "out of range");
                if (oh == 0 && om == 0)
                    sb_putc(&sb, 'Z');
                else
                    sb_printf(&sb, "%c%02d:%02d", c, oh, om);
                p->pos += 6;
            }
        }
    }
    TomlNode *n = node_new(TOML_DATETIME, 0);
    n->str.len = sb.len;
    n->str.s = sb_finish(&sb);
    return n;
}

/* Copies s[b..e) without underscores, checking that each underscore sits
 * between two digits (of the given base). */
static char *strip_underscores(TP *p, size_t b, size_t e, int base)
{
    char *r = GC_MALLOC_ATOMIC(e - b + 1);
    size_t k = 0;
    for (size_t i = b; i < e; i++) {
        char c = p->s[i];
        if (c == '_') {
            bool ok_prev = i > b && hexval(p->s[i - 1]) >= 0 && hexval(p->s[i - 1]) < base;
            bool ok_next = i + 1 < e && hexval(p->s[i + 1]) >= 0 && hexval(p->s[i + 1]) < base;
            if (!ok_prev || !ok_next)
                tp_fail_at(p, i, "toml::parse_integer: invalid underscore", "underscores must be surrounded by digits");
            continue;
        }
        r[k++] = c;
    }
    r[k] = 0;
    return r;
}

static TomlNode *parse_number(TP *p)
{
    size_t b = p->pos;
    size_t e = scan_value_token(p);
    /* A float's exponent may carry a sign: "1e-3" is one token. */
    while (e < p->len && (p->s[e] == '-' || p->s[e] == '+') && (p->s[e - 1] == 'e' || p->s[e - 1] == 'E')) {
        e++;
        while (e < p->len && (is_bare(p->s[e]) || p->s[e] == '.'))
            e++;
    }
    const char *t = p->s + b;
    size_t n = e - b;
    size_t sign = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    const char *u = t + sign;
    size_t un = n - sign;

    if ((un == 3 && (memcmp(u, "inf", 3) == 0 || memcmp(u, "nan", 3) == 0))) {
        p->pos = e;
        TomlNode *f = node_new(TOML_FLOAT, 0);
        f->f = u[0] == 'i' ? INFINITY : NAN;
        if (t[0] == '-')
            f->f = -f->f;
        return f;
    }
    if (!sign && un > 2 && u[0] == '0' && (u[1] == 'x' || u[1] == 'o' || u[1] == 'b')) {
        int base = u[1] == 'x' ? 16 : u[1] == 'o' ? 8 : 2;
        char *digits = strip_underscores(p, b + 2, e, base);
        if (!digits[0])
            tp_fail(p, "toml::parse_integer: invalid integer", "expected digits");
        for (char *d = digits; *d; d++)
            if (hexval(*d) < 0 || hexval(*d) >= base)
                tp_fail_at(p, b, "toml::parse_integer: invalid integer", "invalid digit for the base");
        errno = 0;
        unsigned long long v = strtoull(digits, NULL, base);
        if (errno || v > (unsigned long long)INT64_MAX)
            tp_fail_at(p, e, base == 16 ? "toml::parse_hex_integer: too large integer: current max value = 2^63"
                           : base == 8 ? "toml::parse_oct_integer: too large integer: current max value = 2^63"
                                       : "toml::parse_bin_integer: too large integer: current max value = 2^63",
                       "must be < 2^63");
        p->pos = e;
        TomlNode *i = node_new(TOML_INT, 0);
        i->i = (int64_t)v;
        return i;
    }
    bool isfloat = false;
    for (size_t i = 0; i < un; i++)
        if (u[i] == '.' || u[i] == 'e' || u[i] == 'E')
            isfloat = true;
    /* Decimal: digits with single underscores between them, no leading zero. */
    size_t i = 0;
    if (un == 0 || !is_digit(u[0]))
        tp_fail(p, "toml::parse_value: unknown value appeared", "here");
    if (u[0] == '0' && un > 1 && is_digit(u[1]))
        tp_fail(p, "toml::parse_integer: leading zeros are not allowed", "leading zero");
    while (i < un && (is_digit(u[i]) || u[i] == '_'))
        i++;
    if (isfloat) {
        if (i < un && u[i] == '.') {
            i++;
            if (i >= un || !is_digit(u[i]))
                tp_fail_at(p, b + sign + i, "toml::parse_floating: invalid floating-point number",
                           "expected digits after the decimal point");
            while (i < un && (is_digit(u[i]) || u[i] == '_'))
                i++;
        }
        if (i < un && (u[i] == 'e' || u[i] == 'E')) {
            i++;
            if (i < un && (u[i] == '+' || u[i] == '-'))
                i++;
            if (i >= un || !is_digit(u[i]))
                tp_fail_at(p, b + sign + i, "toml::parse_floating: invalid floating-point number",
                           "expected digits in the exponent");
            while (i < un && (is_digit(u[i]) || u[i] == '_'))
                i++;
        }
    }
    if (i != un)
        tp_fail_at(p, b + sign + i, "toml::parse_value: unknown value appeared", "here");
    char *clean = strip_underscores(p, b, e, 10);
    p->pos = e;
    if (isfloat) {
        TomlNode *f = node_new(TOML_FLOAT, 0);
        f->f = strtod(clean, NULL);
        return f;
    }
    errno = 0;
    long long v = strtoll(clean, NULL, 10);
    if (errno)
        tp_fail_at(p, e, "toml::parse_dec_integer: too large integer: current max digits = 2^63", "must be < 2^63");
    TomlNode *in = node_new(TOML_INT, 0);
    in->i = v;
    return in;
}

/* ---------------------------------------------------------------- values */

static TomlNode *parse_value(TP *p);
static void parse_keyval(TP *p, TomlNode *table);

static void enter(TP *p)
{
    if (++p->depth > TOML_MAX_DEPTH)
        tp_fail(p, "toml::parse_value: too deeply nested arrays or inline tables", "here");
}

static TomlNode *parse_array(TP *p)
{
    TomlNode *a = node_new(TOML_ARRAY, TF_SEALED);
    enter(p);
    p->pos++;
    for (;;) {
        skip_ws_nl(p);
        if (peek(p, 0) == ']') {
            p->pos++;
            p->depth--;
            return a;
        }
        array_push(a, parse_value(p));
        skip_ws_nl(p);
        if (peek(p, 0) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p, 0) == ']') {
            p->pos++;
            p->depth--;
            return a;
        }
        tp_fail(p, "toml::parse_array: missing array separator `,`", "expected `,` or `]`");
    }
}

static void seal(TomlNode *t)
{
    t->flags |= TF_SEALED;
    if (t->kind == TOML_TABLE)
        for (uint32_t i = 0; i < t->n; i++)
            if (t->table.vals[i]->kind == TOML_TABLE)
                seal(t->table.vals[i]);
}

static TomlNode *parse_inline_table(TP *p)
{
    TomlNode *t = node_new(TOML_TABLE, 0);
    enter(p);
    p->pos++;
    skip_ws(p);
    if (peek(p, 0) == '}') {
        p->pos++;
        seal(t);
        p->depth--;
        return t;
    }
    for (;;) {
        skip_ws(p);
        parse_keyval(p, t);
        skip_ws(p);
        if (peek(p, 0) == ',') {
            p->pos++;
            skip_ws(p);
            if (peek(p, 0) == '}')
                tp_fail(p, "toml::parse_inline_table: trailing comma is not allowed in an inline table",
                        "remove this comma");
            continue;
        }
        if (peek(p, 0) == '}') {
            p->pos++;
            seal(t);
            p->depth--;
            return t;
        }
        tp_fail(p, "toml::parse_inline_table: missing inline table separator `,`", "expected `,` or `}`");
    }
}

static TomlNode *parse_value(TP *p)
{
    int c = peek(p, 0);
    size_t len;
    const char *s;
    TomlNode *n;
    switch (c) {
    case '"':
        if (peek(p, 1) == '"' && peek(p, 2) == '"')
            s = parse_ml_basic_string(p, &len);
        else
            s = parse_basic_string(p, &len);
        goto str;
    case '\'':
        if (peek(p, 1) == '\'' && peek(p, 2) == '\'')
            s = parse_ml_literal_string(p, &len);
        else
            s = parse_literal_string(p, &len);
    str:
        n = node_new(TOML_STRING, 0);
        n->str.s = s;
        n->str.len = len;
        return n;
    case '[':
        return parse_array(p);
    case '{':
        return parse_inline_table(p);
    case 't':
        if (p->pos + 4 <= p->len && memcmp(p->s + p->pos, "true", 4) == 0 && !is_bare(peek(p, 4))) {
            p->pos += 4;
            n = node_new(TOML_BOOL, 0);
            n->b = true;
            return n;
        }
        break;
    case 'f':
        if (p->pos + 5 <= p->len && memcmp(p->s + p->pos, "false", 5) == 0 && !is_bare(peek(p, 5))) {
            p->pos += 5;
            n = node_new(TOML_BOOL, 0);
            n->b = false;
            return n;
        }
        break;
    case 'i':
    case 'n':
    case '+':
    case '-':
        return parse_number(p);
    default:
        if (is_digit(c)) {
            if ((digits_at(p, p->pos, 4) && peek(p, 4) == '-') || (digits_at(p, p->pos, 2) && peek(p, 2) == ':'))
                return parse_datetime(p);
            return parse_number(p);
        }
    }
    tp_fail(p, "toml::parse_value: unknown value appeared", "here");
}

/* ---------------------------------------------------------------- tables */

static _Noreturn void fail_redefined(TP *p, size_t at, const char *what)
{
    tp_fail_at(p, at, what, "here");
}

/* key = value into table (dotted keys create or extend sub-tables). */
static void parse_keyval(TP *p, TomlNode *table)
{
    KeyPath kp = parse_key(p);
    TomlNode *t = table;
    for (size_t i = 0; i + 1 < kp.n; i++) {
        TomlNode *c = table_get(t, kp.keys[i], kp.lens[i]);
        if (!c) {
            c = node_new(TOML_TABLE, TF_DOTTED);
            table_put(t, kp.keys[i], kp.lens[i], c);
        } else if (c->kind != TOML_TABLE || (c->flags & (TF_SEALED | TF_EXPLICIT)))
            fail_redefined(p, kp.starts[i], "toml::insert_value: cannot insert a value into an existing non-table value or a closed table");
        t = c;
    }
    skip_ws(p);
    if (peek(p, 0) != '=')
        tp_fail(p, "toml::parse_key_value_pair: missing `=` after a key", "expected `=`");
    p->pos++;
    skip_ws(p);
    if (p->pos >= p->len || at_newline(p) || peek(p, 0) == '#')
        tp_fail(p, "toml::parse_key_value_pair: missing value after `=`", "expected a value");
    size_t vstart = p->pos;
    TomlNode *v = parse_value(p);
    size_t last = kp.n - 1;
    if (table_get(t, kp.keys[last], kp.lens[last]))
        fail_redefined(p, kp.starts[last], "toml::insert_value: value already exists");
    (void)vstart;
    table_put(t, kp.keys[last], kp.lens[last], v);
}

/* [a.b.c] or [[a.b.c]] at p->pos; sets p->cur. */
static void parse_header(TP *p)
{
    bool aot = peek(p, 1) == '[';
    size_t hstart = p->pos;
    p->pos += aot ? 2 : 1;
    skip_ws(p);
    KeyPath kp = parse_key(p);
    skip_ws(p);
    if (aot ? !(peek(p, 0) == ']' && peek(p, 1) == ']') : peek(p, 0) != ']')
        tp_fail(p, aot ? "toml::parse_array_table: missing closing bracket `]]`"
                       : "toml::parse_table_key: missing closing bracket `]`",
                "expected `]`");
    p->pos += aot ? 2 : 1;

    TomlNode *t = p->root;
    for (size_t i = 0; i + 1 < kp.n; i++) {
        TomlNode *c = table_get(t, kp.keys[i], kp.lens[i]);
        if (!c) {
            c = node_new(TOML_TABLE, TF_IMPLICIT);
            table_put(t, kp.keys[i], kp.lens[i], c);
        } else if (c->kind == TOML_ARRAY && (c->flags & TF_AOT) && c->n) {
            c = c->items[c->n - 1];
        } else if (c->kind != TOML_TABLE || (c->flags & TF_SEALED))
            fail_redefined(p, kp.starts[i], "toml::insert_value: cannot define a table inside a non-table value");
        t = c;
    }
    size_t last = kp.n - 1;
    TomlNode *c = table_get(t, kp.keys[last], kp.lens[last]);
    if (aot) {
        if (!c) {
            c = node_new(TOML_ARRAY, TF_AOT);
            table_put(t, kp.keys[last], kp.lens[last], c);
        } else if (c->kind != TOML_ARRAY || !(c->flags & TF_AOT))
            fail_redefined(p, hstart, "toml::insert_value: array of tables cannot be defined: the key already exists");
        TomlNode *nt = node_new(TOML_TABLE, TF_EXPLICIT);
        array_push(c, nt);
        p->cur = nt;
    } else {
        if (!c) {
            c = node_new(TOML_TABLE, TF_EXPLICIT);
            table_put(t, kp.keys[last], kp.lens[last], c);
        } else if (c->kind == TOML_TABLE && (c->flags & TF_IMPLICIT) && !(c->flags & (TF_EXPLICIT | TF_SEALED | TF_DOTTED))) {
            c->flags = (uint8_t)((c->flags & ~TF_IMPLICIT) | TF_EXPLICIT);
        } else
            fail_redefined(p, hstart, "toml::insert_value: table already defined");
        p->cur = c;
    }
}

/* After a statement: only whitespace and a comment before the end of the line. */
static void end_of_line(TP *p)
{
    skip_ws(p);
    skip_comment(p);
    if (p->pos >= p->len)
        return;
    if (!at_newline(p))
        tp_fail(p, "toml::parse_file: unexpected characters after a statement", "expected newline");
    skip_newline(p);
}

TomlNode *prim_toml_parse(const char *text, size_t len, const char *name, const char **err)
{
    TP p = {0};
    p.s = text;
    p.len = len;
    p.name = name;
    p.root = node_new(TOML_TABLE, TF_EXPLICIT);
    p.cur = p.root;
    if (setjmp(p.jb)) {
        *err = p.err;
        return NULL;
    }
    /* A UTF-8 byte order mark is allowed at the start. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    for (;;) {
        skip_ws_nl(&p);
        if (p.pos >= p.len)
            break;
        if (peek(&p, 0) == '[')
            parse_header(&p);
        else
            parse_keyval(&p, p.cur);
        end_of_line(&p);
    }
    return p.root;
}
