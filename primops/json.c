/* Primop family prim_json: toJSON (value printer shared with --json) and fromJSON. */
#include "primops/json.h"

#include "primops/primops.h"
#include "primops/ctxbuf.h"
#include "primops/primutil.h"

#include <errno.h>
#include <gc/gc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* toJSON                                                             */

typedef struct JsonOut {
    EvalState *st;
    bool strict;
    StrBuf *out;
    CtxBuf ctx;
    /* First invalid UTF-8 found; reported after everything was evaluated,
     * as CppNix only notices it when serialising the finished document. */
    const char *utf8_error;
} JsonOut;

static void json_value(JsonOut *j, Value *v, PosIdx pos, bool copy);

/* sb_putc without the call: the printer emits many single characters. */
static inline void jo_putc(StrBuf *o, char c)
{
    if (o->len + 2 > o->cap)
        sb_reserve(o, 1);
    o->data[o->len++] = c;
    o->data[o->len] = 0;
}

/* Length of the valid UTF-8 sequence at s[i..len), or 0 with *bad set to
 * the index of the offending byte (nlohmann's decoder rules). */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t i, size_t *bad, bool *incomplete)
{
    unsigned char c = s[i];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c == 0xE0) {
        n = 3;
        lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        n = 3;
    else if (c == 0xED) {
        n = 3;
        hi = 0x9F;
    } else if (c == 0xF0) {
        n = 4;
        lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3)
        n = 4;
    else if (c == 0xF4) {
        n = 4;
        hi = 0x8F;
    } else {
        *bad = i;
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if (i + k >= len) {
            *incomplete = true;
            return 0;
        }
        unsigned char d = s[i + k];
        unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (d < l || d > h) {
            *bad = i + k;
            return 0;
        }
    }
    return n;
}

/* Printable ASCII other than '"' and '\\': copied verbatim. */
static bool json_plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

static void json_string(JsonOut *j, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    StrBuf *o = j->out;
    sb_reserve(o, len + 2);
    size_t i = 0;
    while (i < len && json_plain(s[i]))
        i++;
    if (i == len) {
        /* nothing to escape or check (the common case): one copy */
        char *d = o->data + o->len;
        d[0] = '"';
        memcpy(d + 1, str, len);
        d[len + 1] = '"';
        d[len + 2] = 0;
        o->len += len + 2;
        return;
    }
    jo_putc(o, '"');
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t bad = 0;
            bool incomplete = false;
            size_t n = utf8_seq(s, len, i, &bad, &incomplete);
            if (n) {
                i += n;
                continue;
            }
            if (!j->utf8_error) {
                StrBuf e;
                sb_init(&e);
                if (incomplete)
                    sb_printf(&e, "JSON serialization error: [json.exception.type_error.316] "
                                  "incomplete UTF-8 string; last byte: 0x%02X", s[len - 1]);
                else
                    sb_printf(&e, "JSON serialization error: [json.exception.type_error.316] "
                                  "invalid UTF-8 byte at index %zu: 0x%02X", bad, s[bad]);
                j->utf8_error = sb_finish(&e);
            }
            i++;
            continue;
        }
        sb_add(o, str + run, i - run);
        switch (c) {
        case '"': sb_puts(o, "\\\""); break;
        case '\\': sb_puts(o, "\\\\"); break;
        case '\b': sb_puts(o, "\\b"); break;
        case '\f': sb_puts(o, "\\f"); break;
        case '\n': sb_puts(o, "\\n"); break;
        case '\r': sb_puts(o, "\\r"); break;
        case '\t': sb_puts(o, "\\t"); break;
        default: sb_printf(o, "\\u%04x", c); break;
        }
        i++;
        run = i;
    }
    sb_add(o, str + run, len - run);
    jo_putc(o, '"');
}

static void depth_enter(EvalState *st, PosIdx pos)
{
    if (++st->call_depth > st->settings.max_value_depth && st->settings.max_value_depth)
        eval_error(st, ERR_STACK_OVERFLOW, pos, "stack overflow; max-call-depth exceeded");
}

typedef struct KeyRef {
    const char *name;
    uint32_t len, idx;
} KeyRef;

static bool key_less(const KeyRef *a, const KeyRef *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    for (uint32_t i = 0; i < n; i++)
        if (a->name[i] != b->name[i])
            return (unsigned char)a->name[i] < (unsigned char)b->name[i];
    return a->len < b->len;
}

static void json_attrs_plain(JsonOut *j, Value *v, bool copy)
{
    EvalState *st = j->st;
    Bindings *b = val_attrs(v);
    /* Records (small sets, most of a typical document) are ordered on the stack. */
    uint32_t small[16], *order = small;
    if (b->size <= 16) {
        KeyRef k[16];
        for (uint32_t i = 0; i < b->size; i++) {
            KeyRef x = {sym_name(st->symbols, b->attrs[i].name), (uint32_t)sym_len(st->symbols, b->attrs[i].name), i};
            uint32_t m = i;
            while (m > 0 && key_less(&x, &k[m - 1])) {
                k[m] = k[m - 1];
                m--;
            }
            k[m] = x;
        }
        for (uint32_t i = 0; i < b->size; i++)
            small[i] = k[i].idx;
    } else {
        order = attrs_sorted_by_name(st, b);
    }
    jo_putc(j->out, '{');
    for (uint32_t k = 0; k < b->size; k++) {
        Attr *a = &b->attrs[order[k]];
        if (k)
            jo_putc(j->out, ',');
        json_string(j, sym_name(st->symbols, a->name), sym_len(st->symbols, a->name));
        jo_putc(j->out, ':');
        /* The name is filled into the message only if an error is raised. */
        eval_frame_push(st, a->pos, "while evaluating attribute '%s'");
        st->frames[st->nframes - 1].sym = a->name;
        json_value(j, a->value, a->pos, copy);
        eval_frame_pop(st);
    }
    jo_putc(j->out, '}');
}

/* Follows __toString (first) and outPath until a non-set or a set with
 * neither, then prints that; came: some __toString was called on the way. */
static void json_peel(JsonOut *j, Value *v, PosIdx pos, bool copy, bool came)
{
    EvalState *st = j->st;
    eval_force(st, v, pos);
    if (v->type != T_ATTRS) {
        if (came && v->type != T_STRING && v->type != T_PATH && v->type != T_EXTERNAL)
            eval_error(st, ERR_TYPE, pos, "`__toString` should return a string, but got %s: %s",
                       eval_type_name(v), eval_show_value_str(st, v));
        /* Historical quirk: a path reached through __toString is not copied. */
        json_value(j, v, pos, copy && !came);
        return;
    }
    Attr *a = attrs_find(v->attrs, st->s.__toString);
    if (a) {
        Value *res = val_alloc(st);
        eval_frame_push(st, a->pos, "while calling the `__toString` attribute");
        Value *arg = v;
        eval_call(st, a->value, 1, &arg, res, a->pos);
        eval_frame_pop(st);
        eval_frame_push(st, a->pos, val_is_thunk(res)
                                        ? "while evaluating the result of the `__toString` attribute"
                                        : "while using the result of the `__toString` attribute");
        depth_enter(st, pos);
        json_peel(j, res, a->pos, copy, true);
        st->call_depth--;
        eval_frame_pop(st);
        return;
    }
    a = attrs_find(v->attrs, st->s.outPath);
    if (a) {
        eval_frame_push(st, a->pos, "while evaluating the `outPath` attribute");
        eval_force(st, a->value, a->pos);
        eval_frame_pop(st);
        eval_frame_push(st, a->pos, "while using the `outPath` attribute");
        depth_enter(st, pos);
        json_peel(j, a->value, a->pos, copy, came);
        st->call_depth--;
        eval_frame_pop(st);
        return;
    }
    if (came)
        eval_error(st, ERR_TYPE, pos, "`__toString` must return a string, but got %s: %s",
                   eval_type_name(v), eval_show_value_str(st, v));
    json_attrs_plain(j, v, copy);
}

static void json_value(JsonOut *j, Value *v, PosIdx pos, bool copy)
{
    EvalState *st = j->st;
    depth_enter(st, pos);
    if (j->strict)
        eval_force(st, v, pos);
    StrBuf *o = j->out;
    switch (v->type) {
    case T_NULL:
        sb_puts(o, "null");
        break;
    case T_BOOL:
        sb_puts(o, v->boolean ? "true" : "false");
        break;
    case T_INT: {
        char buf[24], *e = buf + sizeof buf, *q = e;
        uint64_t u = v->integer < 0 ? 0 - (uint64_t)v->integer : (uint64_t)v->integer;
        do {
            *--q = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v->integer < 0)
            *--q = '-';
        sb_add(o, q, (size_t)(e - q));
        break;
    }
    case T_FLOAT:
        prim_json_float(v->fpoint, o);
        break;
    case T_STRING:
        prim_ctxbuf_add_ctx(&j->ctx, v->str.ctx);
        json_string(j, val_str(v), v->len);
        break;
    case T_PATH:
        if (copy && st->copy_path_to_store) {
            const char *sp = st->copy_path_to_store(st, v->path.path, pos);
            prim_ctxbuf_add(&j->ctx, sp);
            json_string(j, sp, strlen(sp));
        } else {
            json_string(j, v->path.path, strlen(v->path.path));
        }
        break;
    case T_ATTRS:
        json_peel(j, v, pos, copy, false);
        break;
    case T_LIST: {
        /* One message buffer per list, its index digits rewritten per element:
         * no formatting or allocation per element on the success path. */
        static const char prefix[] = "while evaluating list element at index ";
        char *msg = GC_MALLOC_ATOMIC(sizeof prefix + 24);
        memcpy(msg, prefix, sizeof prefix);
        char *digits = msg + sizeof prefix - 1;
        jo_putc(o, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                jo_putc(o, ',');
            char tmp[12];
            int n = 0;
            uint32_t k = i;
            do {
                tmp[n++] = (char)('0' + k % 10);
                k /= 10;
            } while (k);
            for (int d = 0; d < n; d++)
                digits[d] = tmp[n - 1 - d];
            digits[n] = 0;
            eval_frame_push(st, pos, msg);
            json_value(j, val_list(v)[i], pos, copy);
            eval_frame_pop(st);
        }
        jo_putc(o, ']');
        break;
    }
    default: {
        eval_error(st, ERR_TYPE, prim_value_pos(v, pos), "cannot convert %s to JSON", eval_type_name(v));
    }
    }
    st->call_depth--;
}

void prim_to_json(EvalState *st, Value *v, PosIdx pos, bool strict, StrBuf *out, const StrContext **ctx)
{
    JsonOut j = {0};
    j.st = st;
    j.strict = strict;
    j.out = out;
    prim_ctxbuf_init(&j.ctx);
    json_value(&j, v, pos, true);
    if (j.utf8_error)
        eval_error(st, ERR_EVAL, 0, "%s", j.utf8_error);
    if (ctx) {
        prim_ctxbuf_add_ctx(&j.ctx, *ctx);
        *ctx = prim_ctxbuf_finish(&j.ctx);
    }
}

static void prim_to_json_fn(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    StrBuf sb;
    sb_init(&sb);
    const StrContext *ctx = NULL;
    prim_to_json(st, args[0], 0, true, &sb, &ctx);
    size_t len = sb.len;
    val_set_string(out, sb_finish(&sb), len, ctx);
}

/* ------------------------------------------------------------------ */
/* fromJSON: a recursive-descent parser reporting errors in nlohmann's words */

typedef enum Tok {
    TK_UNINIT, TK_TRUE, TK_FALSE, TK_NULL, TK_STRING, TK_UINT, TK_INT, TK_FLOAT,
    TK_LBRACKET, TK_LBRACE, TK_RBRACKET, TK_RBRACE, TK_COLON, TK_COMMA, TK_ERROR, TK_EOF,
    TK_LITERAL_OR_VALUE,
} Tok;

static const char *const tok_names[] = {
    "<uninitialized>", "true literal", "false literal", "null literal", "string literal",
    "number literal", "number literal", "number literal", "'['", "'{'", "']'", "'}'", "':'",
    "','", "<parse error>", "end of input", "'[', '{', or a literal",
};

typedef struct JsonIn {
    EvalState *st;
    const char *s;
    size_t len, pos;
    bool eof_read;           /* the last scan consumed the end of input */
    size_t tok_start;
    /* nlohmann's "last read" text runs from the start of the last string or number
     * token (its lexer only resets there), structural characters and blanks included. */
    size_t last_reset;
    Tok tok;
    const char *err; /* lexer error message for TK_ERROR */
    StrBuf str;      /* decoded string literal, when it had escapes */
    /* The last string literal: sptr/slen point into the input when it had no
     * escapes (no copy), else into str; owned says which. */
    const char *sptr;
    size_t slen;
    bool owned, has_nul;
    int64_t ival;
    uint64_t uval;
    double fval;
    unsigned depth;
    /* Elements and key/value pairs of the containers being parsed, as stacks
     * shared by all nesting levels (no per-container scratch allocations). */
    Value **vstack;
    size_t vtop, vcap;
    Value *v_null, *v_true, *v_false; /* shared (see jp_shared) */
    Value *scache[64];
    Symbol kcache[64];   /* see jp_key_symbol */
    struct KV *kvstack;
    size_t kvtop, kvcap;
} JsonIn;

static _Noreturn void jp_fail(JsonIn *p, const char *msg)
{
    eval_frame_push(p->st, 0, "while decoding a JSON string");
    eval_error(p->st, ERR_EVAL, 0, "%s", msg);
}

static _Noreturn void jp_syntax(JsonIn *p, const char *context, Tok expected)
{
    /* nlohmann counts lines as it reads (a newline inside a string counts too)
     * and the column as characters read on the current line, end of input included. */
    size_t line = 1, ls = 0;
    for (size_t i = 0; i < p->pos; i++)
        if (p->s[i] == '\n') {
            line++;
            ls = i + 1;
        }
    size_t col = p->pos - ls + (p->eof_read ? 1 : 0);
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "[json.exception.parse_error.101] parse error at line %zu, column %zu: "
                   "syntax error while parsing %s - ", line, col, context);
    if (p->tok == TK_ERROR) {
        sb_printf(&sb, "%s; last read: '", p->err);
        for (size_t i = p->last_reset; i < p->pos; i++) {
            unsigned char c = (unsigned char)p->s[i];
            if (c <= 0x1F)
                sb_printf(&sb, "<U+%04X>", c);
            else
                sb_putc(&sb, (char)c);
        }
        sb_putc(&sb, '\'');
    } else {
        sb_printf(&sb, "unexpected %s", tok_names[p->tok]);
    }
    if (expected != TK_UNINIT)
        sb_printf(&sb, "; expected %s", tok_names[expected]);
    jp_fail(p, sb_finish(&sb));
}

static int jp_get(JsonIn *p)
{
    if (p->pos >= p->len) {
        p->eof_read = true;
        return -1;
    }
    return (unsigned char)p->s[p->pos++];
}

static Tok jp_error(JsonIn *p, const char *msg)
{
    p->err = msg;
    return p->tok = TK_ERROR;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long jp_hex4(JsonIn *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(jp_get(p));
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static const char *control_char_msg(int c)
{
    static const char *const names[32] = {
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
        "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
        "ESC", "FS", "GS", "RS", "US",
    };
    const char *alt = c == 8 ? "b" : c == 9 ? "t" : c == 10 ? "n" : c == 12 ? "f" : c == 13 ? "r" : NULL;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "invalid string: control character U+%04X (%s) must be escaped to \\u%04X", c, names[c], c);
    if (alt)
        sb_printf(&sb, " or \\%s", alt);
    return sb_finish(&sb);
}

static Tok jp_scan_string_slow(JsonIn *p);

static Tok jp_scan_string(JsonIn *p)
{
    p->has_nul = false;
    /* Common case: no escapes and nothing to check; the literal stays in the input. */
    size_t start0 = p->pos, i = start0, len = p->len;
    const unsigned char *s = (const unsigned char *)p->s;
    /* 8 bytes at a time: stop at a word holding '"', '\\', a control byte or a
     * non-ASCII byte (bit tricks: a byte b is "zero" where (x - 0x01..) & ~x & 0x80.. is set) */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | w;
        if (special & highs)
            break;
        i += 8;
    }
    while (i < len) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
            break;
        i++;
    }
    p->pos = i;
    if (i < len && s[i] == '"') {
        p->sptr = p->s + start0;
        p->slen = p->pos - start0;
        p->owned = false;
        p->pos++;
        return p->tok = TK_STRING;
    }
    p->pos = start0;
    sb_init(&p->str);
    Tok t = jp_scan_string_slow(p);
    p->sptr = p->str.data;
    p->slen = p->str.len;
    p->owned = true;
    return t;
}

static Tok jp_scan_string_slow(JsonIn *p)
{
    for (;;) {
        /* fast path: a run of plain characters */
        size_t start = p->pos;
        while (p->pos < p->len) {
            unsigned char c = (unsigned char)p->s[p->pos];
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
                break;
            p->pos++;
        }
        sb_add(&p->str, p->s + start, p->pos - start);
        int c = jp_get(p);
        if (c < 0)
            return jp_error(p, "invalid string: missing closing quote");
        if (c == '"')
            return p->tok = TK_STRING;
        if (c < 0x20)
            return jp_error(p, control_char_msg(c));
        if (c >= 0x80) {
            size_t bad = 0;
            bool inc = false;
            size_t n = utf8_seq((const unsigned char *)p->s, p->len, p->pos - 1, &bad, &inc);
            if (!n) {
                if (inc)
                    p->pos = p->len;
                else
                    p->pos = bad + 1;
                return jp_error(p, "invalid string: ill-formed UTF-8 byte");
            }
            sb_add(&p->str, p->s + p->pos - 1, n);
            p->pos += n - 1;
            continue;
        }
        /* backslash */
        c = jp_get(p);
        switch (c) {
        case '"': sb_putc(&p->str, '"'); break;
        case '\\': sb_putc(&p->str, '\\'); break;
        case '/': sb_putc(&p->str, '/'); break;
        case 'b': sb_putc(&p->str, '\b'); break;
        case 'f': sb_putc(&p->str, '\f'); break;
        case 'n': sb_putc(&p->str, '\n'); break;
        case 'r': sb_putc(&p->str, '\r'); break;
        case 't': sb_putc(&p->str, '\t'); break;
        case 'u': {
            long cp = jp_hex4(p);
            if (cp < 0)
                return jp_error(p, "invalid string: '\\u' must be followed by 4 hex digits");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (jp_get(p) != '\\' || jp_get(p) != 'u')
                    return jp_error(p, "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
                long lo = jp_hex4(p);
                if (lo < 0)
                    return jp_error(p, "invalid string: '\\u' must be followed by 4 hex digits");
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return jp_error(p, "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return jp_error(p, "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF");
            }
            if (cp == 0)
                p->has_nul = true;
            sb_put_utf8(&p->str, (uint32_t)cp);
            break;
        }
        default:
            return jp_error(p, "invalid string: forbidden character after backslash");
        }
    }
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static __attribute__((noinline)) Tok jp_scan_number(JsonIn *p)
{
    size_t start = p->pos;
    bool neg = false, isfloat = false;
    if (p->s[p->pos] == '-') {
        neg = true;
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            jp_get(p);
            return jp_error(p, "invalid number; expected digit after '-'");
        }
    }
    if (p->s[p->pos] == '0')
        p->pos++;
    else
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        isfloat = true;
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            jp_get(p);
            return jp_error(p, "invalid number; expected digit after '.'");
        }
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        isfloat = true;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) {
            p->pos++;
            if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
                jp_get(p);
                return jp_error(p, "invalid number; expected digit after exponent sign");
            }
        } else if (p->pos >= p->len || !is_digit(p->s[p->pos])) {
            jp_get(p);
            return jp_error(p, "invalid number; expected '+', '-', or digit after exponent");
        }
        while (p->pos < p->len && is_digit(p->s[p->pos]))
            p->pos++;
    }
    size_t n = p->pos - start;
    /* Fast paths: short integers, and decimals whose digits fit in 2^53 with a
     * small exponent (exact by Clinger's argument: both operands exact, one
     * correctly rounded operation). */
    if (n <= 18) {
        uint64_t mant = 0;
        int frac = 0;
        bool in_frac = false, simple = true;
        size_t i = start + (neg ? 1 : 0);
        for (; i < p->pos; i++) {
            char c = p->s[i];
            if (c == '.') {
                in_frac = true;
            } else if (c == 'e' || c == 'E') {
                simple = false;
                break;
            } else {
                mant = mant * 10 + (uint64_t)(c - '0');
                if (in_frac)
                    frac++;
            }
        }
        if (simple) {
            if (!isfloat) {
                if (neg)
                    p->ival = -(int64_t)mant;
                else
                    p->uval = mant;
                return p->tok = neg ? TK_INT : TK_UINT;
            }
            if (mant < (1ull << 53) && frac <= 22) {
                static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
                double f = (double)mant / p10[frac];
                p->fval = neg ? -f : f;
                return p->tok = TK_FLOAT;
            }
        }
    }
    char small[64];
    char *buf = n < sizeof small ? small : GC_MALLOC_ATOMIC(n + 1);
    memcpy(buf, p->s + start, n);
    buf[n] = 0;
    if (!isfloat) {
        /* Integers that do not fit 64 bits become floats, as in nlohmann. */
        char *end;
        if (neg) {
            errno = 0;
            long long v = strtoll(buf, &end, 10);
            if (errno == 0) {
                p->ival = v;
                return p->tok = TK_INT;
            }
        } else {
            errno = 0;
            unsigned long long v = strtoull(buf, &end, 10);
            if (errno == 0) {
                p->uval = v;
                return p->tok = TK_UINT;
            }
        }
    }
    p->fval = strtod(buf, NULL);
    if (!isfinite(p->fval)) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "[json.exception.out_of_range.406] number overflow parsing '%s'", buf);
        jp_fail(p, sb_finish(&sb));
    }
    return p->tok = TK_FLOAT;
}

static __attribute__((noinline)) Tok jp_scan_literal(JsonIn *p, const char *lit, Tok t)
{
    for (size_t i = 0; lit[i]; i++) {
        int c = jp_get(p);
        if (c != (unsigned char)lit[i])
            return jp_error(p, "invalid literal"); /* the mismatch counts as read */
    }
    return p->tok = t;
}

static Tok jp_scan(JsonIn *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
            p->pos++;
        } else
            break;
    }
    p->tok_start = p->pos;
    int c = jp_get(p);
    switch (c) {
    case -1: return p->tok = TK_EOF;
    case '[': return p->tok = TK_LBRACKET;
    case ']': return p->tok = TK_RBRACKET;
    case '{': return p->tok = TK_LBRACE;
    case '}': return p->tok = TK_RBRACE;
    case ':': return p->tok = TK_COLON;
    case ',': return p->tok = TK_COMMA;
    case 't': p->pos--; return jp_scan_literal(p, "true", TK_TRUE);
    case 'f': p->pos--; return jp_scan_literal(p, "false", TK_FALSE);
    case 'n': p->pos--; return jp_scan_literal(p, "null", TK_NULL);
    case '"':
        p->last_reset = p->tok_start;
        return jp_scan_string(p);
    default:
        if (c == '-' || is_digit(c)) {
            p->pos--;
            p->last_reset = p->tok_start;
            return jp_scan_number(p);
        }
        return jp_error(p, "invalid literal");
    }
}

/* Refuses a literal with NUL bytes (as CppNix does); copy: return a fresh
 * NUL-terminated string (values), else the literal may stay in the input (keys). */
static const char *checked_string(JsonIn *p, bool copy)
{
    const char *s = p->sptr;
    size_t n = p->slen;
    if (p->has_nul) {
        StrBuf sb;
        sb_init(&sb);
        for (size_t i = 0; i < n; i++) {
            if (s[i])
                sb_putc(&sb, s[i]);
            else
                sb_puts(&sb, "\xe2\x90\x80"); /* U+2400 SYMBOL FOR NULL */
        }
        eval_error(p->st, ERR_EVAL, 0,
                   "input string '%s' cannot be represented as Nix string because it contains null bytes",
                   sb.data);
    }
    if (copy && !p->owned)
        return val_str_dup(s, n);
    return s;
}

typedef struct KV {
    Symbol sym;
    uint32_t order;
    Value *v;
} KV;

static void vpush(JsonIn *p, Value *v)
{
    if (p->vtop == p->vcap) {
        size_t cap = p->vcap ? p->vcap * 2 : 64;
        Value **n = GC_MALLOC(cap * sizeof *n);
        if (p->vtop)
            memcpy(n, p->vstack, p->vtop * sizeof *n);
        p->vstack = n;
        p->vcap = cap;
    }
    p->vstack[p->vtop++] = v;
}

static void kvpush(JsonIn *p, KV kv)
{
    if (p->kvtop == p->kvcap) {
        size_t cap = p->kvcap ? p->kvcap * 2 : 64;
        KV *n = GC_MALLOC(cap * sizeof *n);
        if (p->kvtop)
            memcpy(n, p->kvstack, p->kvtop * sizeof *n);
        p->kvstack = n;
        p->kvcap = cap;
    }
    p->kvstack[p->kvtop++] = kv;
}

static int cmp_kv(const void *a, const void *b)
{
    const KV *x = a, *y = b;
    if (x->sym != y->sym)
        return x->sym < y->sym ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Skips blanks; the next character, or -1 at the end. */
static inline int jp_peek(JsonIn *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
            return (unsigned char)c;
        p->pos++;
    }
    return -1;
}

/* Scans the next token: structural characters directly, the rest via jp_scan
 * (which also reports errors). */
static inline Tok jp_next(JsonIn *p)
{
    int c = jp_peek(p);
    Tok t;
    switch (c) {
    case ',': t = TK_COMMA; break;
    case ':': t = TK_COLON; break;
    case ']': t = TK_RBRACKET; break;
    case '}': t = TK_RBRACE; break;
    default: return jp_scan(p);
    }
    p->tok_start = p->pos++;
    return p->tok = t;
}

/* Immutable values are shared: null, true and false once per parse, and a short
 * string literal that recurs (keys of records, enum-like values) once per cache slot. */
static Value *jp_shared(JsonIn *p, Value **slot, Tok t)
{
    if (!*slot) {
        Value *v = val_alloc(p->st);
        if (t == TK_NULL)
            val_set_null(v);
        else
            val_set_bool(v, t == TK_TRUE);
        *slot = v;
    }
    return *slot;
}

static Value *jp_string_value(JsonIn *p)
{
    size_t n = p->slen;
    Value *v;
    if (n <= 16 && !p->has_nul) {
        uint32_t h = (uint32_t)n * 0x9E3779B1u;
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)p->sptr[i]) * 0x01000193u;
        Value **slot = &p->scache[h >> 26]; /* 64 slots */
        v = *slot;
        if (v && v->len == n && memcmp(val_str(v), p->sptr, n) == 0)
            return v;
        v = val_alloc(p->st);
        val_set_string(v, checked_string(p, true), n, NULL);
        *slot = v;
        return v;
    }
    v = val_alloc(p->st);
    val_set_string(v, checked_string(p, true), n, NULL);
    return v;
}

/* The symbol of an object key: records repeat the same few keys, so a small cache
 * keyed by length and end bytes answers most lookups with one comparison. */
static Symbol jp_key_symbol(JsonIn *p, const char *key, size_t len)
{
    if (!len)
        return sym_intern(p->st->symbols, key, len);
    uint32_t h = ((uint32_t)len * 31u + (unsigned char)key[0] * 7u + (unsigned char)key[len - 1]) & 63u;
    Symbol s = p->kcache[h];
    if (s && sym_len(p->st->symbols, s) == len && memcmp(sym_name(p->st->symbols, s), key, len) == 0)
        return s;
    s = sym_intern(p->st->symbols, key, len);
    p->kcache[h] = s;
    return s;
}

/* Parses a value whose first token has been scanned into p->tok. */
static Value *jp_value(JsonIn *p)
{
    EvalState *st = p->st;
    Value *out;
    switch (p->tok) {
    case TK_NULL: return jp_shared(p, &p->v_null, TK_NULL);
    case TK_TRUE: return jp_shared(p, &p->v_true, TK_TRUE);
    case TK_FALSE: return jp_shared(p, &p->v_false, TK_FALSE);
    case TK_INT:
        out = val_alloc(st);
        val_set_int(out, p->ival);
        return out;
    case TK_UINT:
        if (p->uval > (uint64_t)INT64_MAX) {
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "unsigned json number %llu outside of Nix integer range", (unsigned long long)p->uval);
            eval_error(st, ERR_EVAL, 0, "%s", sb.data);
        }
        out = val_alloc(st);
        val_set_int(out, (int64_t)p->uval);
        return out;
    case TK_FLOAT:
        out = val_alloc(st);
        val_set_float(out, p->fval);
        return out;
    case TK_STRING:
        return jp_string_value(p);
    case TK_LBRACKET: {
        /* nlohmann parses iteratively without a nesting limit; this recursive
         * parser stops at max-call-depth rather than exhausting the stack. */
        if (++p->depth > st->settings.max_call_depth && st->settings.max_call_depth)
            eval_error(st, ERR_STACK_OVERFLOW, 0, "stack overflow; max-call-depth exceeded");
        size_t base = p->vtop;
        if (jp_next(p) != TK_RBRACKET) {
            for (;;) {
                vpush(p, jp_value(p));
                jp_next(p);
                if (p->tok == TK_COMMA) {
                    jp_scan(p);
                    continue;
                }
                if (p->tok == TK_RBRACKET)
                    break;
                jp_syntax(p, "array", TK_RBRACKET);
            }
        }
        size_t n = p->vtop - base;
        Value **l = val_list_alloc(st, n);
        if (n)
            memcpy(l, p->vstack + base, n * sizeof *l);
        p->vtop = base;
        out = val_alloc(st);
        val_set_list(out, l, n);
        p->depth--;
        return out;
    }
    case TK_LBRACE: {
        if (++p->depth > st->settings.max_call_depth && st->settings.max_call_depth)
            eval_error(st, ERR_STACK_OVERFLOW, 0, "stack overflow; max-call-depth exceeded");
        size_t base = p->kvtop;
        if (jp_next(p) != TK_RBRACE) {
            for (;;) {
                if (p->tok != TK_STRING)
                    jp_syntax(p, "object key", TK_STRING);
                size_t klen = p->slen;
                const char *key = checked_string(p, false);
                Symbol sym = jp_key_symbol(p, key, klen);
                if (jp_next(p) != TK_COLON)
                    jp_syntax(p, "object separator", TK_COLON);
                jp_scan(p);
                Value *v = jp_value(p);
                /* A repeated key: the last value wins. Small objects are checked
                 * on the fly, large ones by sorting below. */
                size_t cnt = p->kvtop - base, i = cnt;
                if (cnt <= 32)
                    for (i = 0; i < cnt; i++)
                        if (p->kvstack[base + i].sym == sym)
                            break;
                if (i < cnt)
                    p->kvstack[base + i].v = v;
                else
                    kvpush(p, (KV){sym, (uint32_t)cnt, v});
                jp_next(p);
                if (p->tok == TK_COMMA) {
                    jp_scan(p);
                    continue;
                }
                if (p->tok == TK_RBRACE)
                    break;
                jp_syntax(p, "object", TK_RBRACE);
            }
        }
        size_t n = p->kvtop - base;
        KV *kv = n ? p->kvstack + base : NULL; /* kvstack is NULL until the first key */
        size_t m = n;
        if (n > 32) {
            qsort(kv, n, sizeof *kv, cmp_kv);
            m = 0;
            for (size_t i = 0; i < n; i++)
                if (i + 1 == n || kv[i + 1].sym != kv[i].sym)
                    kv[m++] = kv[i];
        }
        Bindings *b = attrs_alloc(st, m);
        for (size_t i = 0; i < m; i++)
            attrs_push(b, kv[i].sym, 0, kv[i].v);
        p->kvtop = base;
        attrs_sort(b);
        out = val_alloc(st);
        val_set_attrs(out, b);
        p->depth--;
        return out;
    }
    case TK_ERROR:
        jp_syntax(p, "value", TK_UNINIT);
    case TK_EOF:
    default:
        jp_syntax(p, "value", TK_LITERAL_OR_VALUE);
    }
}

void prim_from_json(EvalState *st, const char *s, size_t len, Value *out)
{
    JsonIn p = {0};
    p.st = st;
    p.s = s;
    p.len = len;
    jp_scan(&p);
    *out = *jp_value(&p);
    if (jp_scan(&p) != TK_EOF)
        jp_syntax(&p, "value", TK_EOF);
}

static void prim_from_json_fn(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_force_string_no_ctx(st, args[0], 0,
        "while evaluating the first argument passed to builtins.fromJSON");
    prim_from_json(st, s, args[0]->len, out);
}

const PrimOp prim_json[] = {
    {"toJSON", 1, 0, "e",
     "Return a string containing a JSON representation of *e*. Strings, integers, floats,\n"
     "Booleans, null and lists map to their JSON equivalents; sets become objects with\n"
     "sorted keys, except that a set with `__toString` or `outPath` (a derivation) is\n"
     "represented by that. Paths are copied to the store. Functions are an error.\n\n"
     "    builtins.toJSON { x = [ 1 2.5 ]; y = null; }   # \"{\\\"x\\\":[1,2.5],\\\"y\\\":null}\"",
     prim_to_json_fn},
    {"fromJSON", 1, 0, "e",
     "Convert a JSON string to a Nix value. Integral numbers become integers (unless they\n"
     "do not fit in 64 bits), others floats; a repeated object key keeps its last value.\n\n"
     "    builtins.fromJSON ''{\"x\": [1, 2, 3], \"y\": null}''   # { x = [ 1 2 3 ]; y = null; }",
     prim_from_json_fn},
    {0},
};
