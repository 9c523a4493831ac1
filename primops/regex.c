/* Primop family prim_regex: POSIX extended regular expressions (match, split). */
#include "primops/primops.h"
#include "primops/primutil.h"
#include "util/strmap.h"

#include <gc/gc.h>
#include <regex.h>
#include <string.h>

/* Compiled regexes by source text, per EvalState (st->regex_cache); entries
 * are never removed. regex_t holds malloc'd internals
 * that live as long as the process, which is fine for a bounded cache of
 * the program's literal patterns. */
typedef struct Compiled {
    regex_t re;
    /* For match without groups: "^(re)$" compiled with REG_NOSUB, which lets
     * glibc skip computing match boundaries. 0: not tried, 1: ok, -1: failed. */
    regex_t whole;
    int whole_state;
    /* Literal text every whole match starts / ends with (see required_literals):
     * match rejects other strings without running the regex. */
    uint8_t plen, slen;
    char prefix[16], suffix[16];
    /* A regex that is plain text (ordinary and escaped special characters, nothing
     * else) matches exactly that text: litlen > 0, searched with memmem. */
    uint8_t litlen;
    char lit[32];
} Compiled;

typedef struct RegexCache {
    StrMap by_src; /* source text -> Compiled */
    /* The last lookup by the caller's own characters: the same (immutable) string
     * is found again without hashing; holding the pointer keeps it from being reused. */
    const char *last_src;
    size_t last_len;
    Compiled *last;
} RegexCache;

/* CppNix compiles with std::regex's POSIX extended grammar (libstdc++), which
 * is stricter than glibc's regcomp in two ways that change results: outside
 * brackets only the special characters may be escaped (`\d`, `\w`, `\n`,
 * backreferences, `\}` are errors), and `{` always opens an interval
 * `{m}`, `{m,}` or `{m,n}` (a lone or malformed brace is an error). Inside
 * brackets a backslash is an ordinary character in both. */
static bool std_regex_accepts(const char *re, size_t len)
{
    bool in_bracket = false;
    for (size_t i = 0; i < len; i++) {
        char c = re[i];
        if (in_bracket) {
            /* "[]...]" and "[^]...]": a leading ']' is literal; "[:class:]" etc. nest */
            if (c == '[' && i + 1 < len && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
                char close = re[i + 1];
                size_t j = i + 2;
                while (j + 1 < len && !(re[j] == close && re[j + 1] == ']'))
                    j++;
                i = j + 1;
            } else if (c == ']')
                in_bracket = false;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= len || !strchr(".[\\()*+?{|^$", re[i + 1]))
                return false;
            i++;
        } else if (c == '[') {
            in_bracket = true;
            if (i + 1 < len && re[i + 1] == '^')
                i++;
            if (i + 1 < len && re[i + 1] == ']')
                i++;
        } else if (c == '{') {
            size_t j = i + 1, d1 = 0;
            while (j < len && re[j] >= '0' && re[j] <= '9')
                j++, d1++;
            if (!d1)
                return false;
            if (j < len && re[j] == ',') {
                j++;
                while (j < len && re[j] >= '0' && re[j] <= '9')
                    j++;
            }
            if (j >= len || re[j] != '}')
                return false;
            if (i == 0 || re[i - 1] == '(' || re[i - 1] == '|')
                return false; /* nothing to repeat */
            i = j;
        }
    }
    return true;
}

/* An unescaped character that matches only itself. */
static bool re_ordinary(char c)
{
    return c && !strchr(".[]\\()*+?{}|^$", c) && (unsigned char)c < 0x80;
}

static bool re_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

/* Finds the literal characters any whole-string match of re must begin and end with:
 * the leading and trailing unquantified ordinary characters, when the expression has no
 * alternative at the top level (`a|b`). Conservative: stops at anything else. */
static void required_literals(Compiled *c, const char *re, size_t len)
{
    int depth = 0;
    bool in_bracket = false;
    for (size_t i = 0; i < len; i++) {
        char ch = re[i];
        if (in_bracket) {
            if (ch == '[' && i + 1 < len && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
                char close = re[i + 1];
                size_t j = i + 2;
                while (j + 1 < len && !(re[j] == close && re[j + 1] == ']'))
                    j++;
                i = j + 1;
            } else if (ch == ']')
                in_bracket = false;
            continue;
        }
        if (ch == '\\')
            i++;
        else if (ch == '[') {
            in_bracket = true;
            if (i + 1 < len && re[i + 1] == '^')
                i++;
            if (i + 1 < len && re[i + 1] == ']')
                i++;
        } else if (ch == '(')
            depth++;
        else if (ch == ')')
            depth--;
        else if (ch == '|' && depth == 0)
            return;
    }
    size_t p = 0;
    while (p < len && p < sizeof c->prefix && re_ordinary(re[p]) && !(p + 1 < len && re_quantifier(re[p + 1])))
        p++;
    memcpy(c->prefix, re, p);
    c->plen = (uint8_t)p;
    size_t k = 0; /* the last k characters; one preceded by a backslash is an escape: stop */
    while (k < len && k < sizeof c->suffix && re_ordinary(re[len - 1 - k]) &&
           !(len - 1 - k > 0 && re[len - 2 - k] == '\\'))
        k++;
    memcpy(c->suffix, re + len - k, k);
    c->slen = (uint8_t)k;
}

/* Sets c->lit/litlen if re is plain text of 1 to 32 bytes. */
static void literal_form(Compiled *c, const char *re, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = re[i];
        if (ch == '\\' && i + 1 < len && strchr(".[]\\()*+?{}|^$", re[i + 1]) && re[i + 1])
            ch = re[++i];
        else if (!re_ordinary(ch))
            return;
        if (n == sizeof c->lit)
            return;
        c->lit[n++] = ch;
    }
    c->litlen = (uint8_t)n;
}

/* The compiled form of re (len bytes), compiling on first use; throws
 * CppNix's error for an invalid expression. */
static Compiled *get_regex(EvalState *st, const char *re, size_t len)
{
    RegexCache *c = st->regex_cache;
    if (!c) {
        c = GC_MALLOC(sizeof *c);
        st->regex_cache = c;
    }
    if (re == c->last_src && len == c->last_len)
        return c->last;
    void **found = strmap_find(&c->by_src, re, len);
    if (found) {
        c->last_src = re;
        c->last_len = len;
        c->last = *found;
        return c->last;
    }
    Compiled *r = GC_MALLOC_ATOMIC(sizeof *r); /* regex_t points only to malloc'd memory */
    memset(r, 0, sizeof *r);
    if (!std_regex_accepts(re, len) || regcomp(&r->re, re, REG_EXTENDED) != 0)
        eval_error(st, ERR_EVAL, 0, "invalid regular expression '%s'", re);
    required_literals(r, re, len);
    literal_form(r, re, len);
    *strmap_insert(&c->by_src, val_str_dup(re, len), len) = r;
    return r;
}

/* A list of the capture groups of m (1..nsub): strings or null when unmatched. */
static void captures_to_list(EvalState *st, const char *base, const regmatch_t *m, size_t nsub, Value *out)
{
    Value **l = val_list_alloc(st, nsub);
    for (size_t i = 0; i < nsub; i++) {
        Value *v = val_alloc(st);
        const regmatch_t *g = &m[i + 1];
        if (g->rm_so < 0)
            val_set_null(v);
        else
            val_set_string(v, val_str_dup(base + g->rm_so, (size_t)(g->rm_eo - g->rm_so)),
                           (size_t)(g->rm_eo - g->rm_so), NULL);
        l[i] = v;
    }
    val_set_list(out, l, nsub);
}

/* Match arrays live on the stack for the usual handful of groups. */
#define SMALL_NSUB 15

static regmatch_t *alloc_matches(size_t nsub, regmatch_t *small)
{
    return nsub <= SMALL_NSUB ? small : GC_MALLOC_ATOMIC((nsub + 1) * sizeof(regmatch_t));
}

static bool whole_regex(Compiled *c, const char *re, size_t len)
{
    if (c->whole_state == 0) {
        char *w = GC_MALLOC_ATOMIC(len + 5);
        memcpy(w, "^(", 2);
        memcpy(w + 2, re, len);
        memcpy(w + 2 + len, ")$", 3);
        c->whole_state = regcomp(&c->whole, w, REG_EXTENDED | REG_NOSUB) == 0 ? 1 : -1;
    }
    return c->whole_state == 1;
}

static void prim_match(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *re = eval_force_string_no_ctx(st, args[0], 0,
        "while evaluating the first argument passed to builtins.match");
    size_t relen = args[0]->len;
    Compiled *c = get_regex(st, re, relen);
    const char *s = eval_force_string(st, args[1], 0,
        "while evaluating the second argument passed to builtins.match");
    size_t len = args[1]->len;
    if (len < c->plen || memcmp(s, c->prefix, c->plen) != 0 || len < c->slen ||
        memcmp(s + len - c->slen, c->suffix, c->slen) != 0) {
        val_set_null(out); /* cannot match: the required literal text is missing */
        return;
    }
    if (c->litlen) {
        if (len == c->litlen && memcmp(s, c->lit, len) == 0)
            val_set_list(out, val_list_alloc(st, 0), 0);
        else
            val_set_null(out);
        return;
    }
    regex_t *r = &c->re;
    regmatch_t small[SMALL_NSUB + 1];
    regmatch_t *m = alloc_matches(r->re_nsub, small);
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)len;
    if (r->re_nsub == 0 && whole_regex(c, re, relen)) {
        if (regexec(&c->whole, s, 1, m, REG_STARTEND) != 0)
            val_set_null(out);
        else
            val_set_list(out, val_list_alloc(st, 0), 0);
        return;
    }
    /* Leftmost-longest: if the whole string matches, the match from 0 spans it. */
    if (regexec(r, s, r->re_nsub + 1, m, REG_STARTEND) != 0 || m[0].rm_so != 0 || (size_t)m[0].rm_eo != len) {
        val_set_null(out);
        return;
    }
    captures_to_list(st, s, m, r->re_nsub, out);
}

/* Growable list of Values for split's result. */
typedef struct ValVec {
    Value **v;
    size_t n, cap;
} ValVec;

static void vv_push(ValVec *vv, Value *x)
{
    if (vv->n == vv->cap) {
        size_t cap = vv->cap ? vv->cap * 2 : 16;
        Value **nv = GC_MALLOC(cap * sizeof *nv);
        if (vv->n)
            memcpy(nv, vv->v, vv->n * sizeof *nv);
        vv->v = nv;
        vv->cap = cap;
    }
    vv->v[vv->n++] = x;
}

static Value *new_string(EvalState *st, const char *s, size_t n)
{
    Value *v = val_alloc(st);
    val_set_string(v, val_str_dup(s, n), n, NULL);
    return v;
}

/* split with a plain-text regex (never an empty match): a byte search; the pieces share
 * one copy of the input (each NUL-terminated where its separator began), their Values
 * one block, and the (group-less) matches one empty list. */
static void split_literal(EvalState *st, const Compiled *c, Value *input, const char *s, size_t len,
                          Value *out)
{
    size_t nmatch = 0;
    for (const char *q = s, *end = s + len; (q = memmem(q, (size_t)(end - q), c->lit, c->litlen));
         q += c->litlen)
        nmatch++;
    if (nmatch == 0) {
        /* No match: the input itself, context and all. */
        Value **l = val_list_alloc(st, 1);
        l[0] = input;
        val_set_list(out, l, 1);
        return;
    }
    char *copy = val_str_alloc(len);
    memcpy(copy, s, len);
    copy[len] = 0;
    size_t n = 2 * nmatch + 1;
    Value **l = val_list_alloc(st, n);
    Value *pieces = prim_values(st, nmatch + 2), *groups = &pieces[nmatch + 1];
    val_set_list(groups, NULL, 0);
    size_t piece = 0, k = 0;
    for (size_t i = 0; i < nmatch; i++) {
        size_t so = (size_t)((const char *)memmem(copy + piece, len - piece, c->lit, c->litlen) - copy);
        copy[so] = 0; /* the separator's first byte ends this piece */
        val_set_string(&pieces[i], copy + piece, so - piece, NULL);
        l[k++] = &pieces[i];
        l[k++] = groups;
        piece = so + c->litlen;
    }
    val_set_string(&pieces[nmatch], copy + piece, len - piece, NULL);
    l[k++] = &pieces[nmatch];
    val_set_list(out, l, n);
}

/* Iterates matches like std::regex_iterator: after an empty match the next
 * search starts one character later, but that character still belongs to the
 * next piece of unmatched text. */
static void prim_split(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *re = eval_force_string_no_ctx(st, args[0], 0,
        "while evaluating the first argument passed to builtins.split");
    Compiled *c = get_regex(st, re, args[0]->len);
    regex_t *r = &c->re;
    const char *s = eval_force_string(st, args[1], 0,
        "while evaluating the second argument passed to builtins.split");
    size_t len = args[1]->len;
    if (c->litlen) {
        split_literal(st, c, args[1], s, len, out);
        return;
    }
    regmatch_t small[SMALL_NSUB + 1];
    regmatch_t *m = alloc_matches(r->re_nsub, small);

    ValVec vv = {0};
    size_t piece = 0, from = 0;
    for (;;) {
        /* REG_STARTEND: search s[from..len) without rescanning for the NUL,
         * with offsets relative to s and `^` only at the very start. */
        m[0].rm_so = (regoff_t)from;
        m[0].rm_eo = (regoff_t)len;
        if (regexec(r, s, r->re_nsub + 1, m, REG_STARTEND) != 0)
            break;
        size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
        vv_push(&vv, new_string(st, s + piece, so - piece));
        Value *groups = val_alloc(st);
        captures_to_list(st, s, m, r->re_nsub, groups);
        vv_push(&vv, groups);
        piece = eo;
        if (so == eo) {
            if (eo >= len)
                break;
            from = eo + 1;
        } else {
            from = eo;
        }
    }
    if (vv.n == 0) {
        /* No match: the input itself, context and all. */
        Value **l = val_list_alloc(st, 1);
        l[0] = args[1];
        val_set_list(out, l, 1);
        return;
    }
    vv_push(&vv, new_string(st, s + piece, len - piece));
    val_set_list(out, vv.v, vv.n);
}

const PrimOp prim_regex[] = {
    {"match", 2, 0, "regex str",
     "If the POSIX extended regular expression *regex* matches the whole of *str*, return\n"
     "the list of its capture groups (a group that did not take part is `null`); otherwise\n"
     "`null`.\n\n"
     "    builtins.match \"a(b)?(c)\" \"ac\"   # [ null \"c\" ]\n"
     "    builtins.match \"ab\" \"abc\"        # null",
     prim_match},
    {"split", 2, 0, "regex str",
     "Split *str* at the matches of the POSIX extended regular expression *regex*: a list of\n"
     "the unmatched pieces interleaved with, for each match, the list of its capture groups.\n\n"
     "    builtins.split \"(a)b\" \"abc\"   # [ \"\" [ \"a\" ] \"c\" ]\n"
     "    builtins.split \"[ ]\" \"x y\"    # [ \"x\" [ ] \"y\" ]",
     prim_split},
    {0},
};
