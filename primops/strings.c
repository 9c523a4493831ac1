/* Primop family prim_strings: string length, slicing, joining, replacing, coercion, path names. */
#include "primops/primops.h"
#include "primops/ctxbuf.h"
#include "util/strbuf.h"

#include <gc/gc.h>
#include <string.h>

static void prim_string_length(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], 0);
    if (args[0]->type == T_STRING) {
        val_set_int(out, args[0]->len); /* a rope need not be flattened for this */
        return;
    }
    size_t len;
    eval_coerce_to_string(st, args[0], 0, "while evaluating the argument passed to builtins.stringLength",
                          COERCE_COPY_TO_STORE, NULL, &len);
    val_set_int(out, (int64_t)len);
}

static void prim_substring(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    int64_t start = eval_force_int(st, args[0], 0,
        "while evaluating the first argument (the start offset) passed to builtins.substring");
    if (start < 0)
        eval_error(st, ERR_EVAL, 0, "negative start position in 'substring'");
    int64_t len = eval_force_int(st, args[1], 0,
        "while evaluating the second argument (the substring length) passed to builtins.substring");

    /* An empty slice of a string keeps its context without copying: nixpkgs
     * uses `substring 0 0 s` to capture context cheaply. */
    if (len == 0) {
        eval_force(st, args[2], 0);
        if (args[2]->type == T_STRING) {
            val_set_string(out, "", 0, args[2]->str.ctx);
            return;
        }
    }

    const StrContext *ctx = NULL;
    size_t slen;
    const char *s = eval_coerce_to_string(st, args[2], 0,
        "while evaluating the third argument (the string) passed to builtins.substring",
        COERCE_COPY_TO_STORE, &ctx, &slen);
    if ((uint64_t)start >= slen) {
        val_set_string(out, "", 0, ctx);
        return;
    }
    size_t n = slen - (size_t)start;
    if (len >= 0 && (uint64_t)len < n)
        n = (size_t)len;
    val_set_string(out, val_str_dup(s + start, n), n, ctx);
}

static void prim_to_string(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], 0);
    if (args[0]->type == T_STRING) {
        *out = *args[0]; /* as it is, context (and rope) included */
        return;
    }
    const StrContext *ctx = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, args[0], 0,
        "while evaluating the first argument passed to builtins.toString", COERCE_MORE, &ctx, &len);
    val_set_string(out, s, len, ctx);
}

static void prim_concat_strings_sep(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *sep = eval_force_string(st, args[0], 0,
        "while evaluating the first argument (the separator string) passed to builtins.concatStringsSep");
    size_t seplen = args[0]->len;
    CtxBuf cb;
    prim_ctxbuf_init(&cb);
    prim_ctxbuf_add_ctx(&cb, args[0]->str.ctx);
    eval_force_list(st, args[1], 0,
        "while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep");

    uint32_t n = args[1]->len;
    Value **elems = val_list(args[1]);
    if (n == 1) {
        /* A single element is returned as is (after coercion): no copy. */
        const StrContext *c = NULL;
        size_t len;
        const char *s = eval_coerce_to_string(st, elems[0], 0,
            "while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep",
            COERCE_COPY_TO_STORE, &c, &len);
        prim_ctxbuf_add_ctx(&cb, c);
        val_set_string(out, s, len, prim_ctxbuf_finish(&cb));
        return;
    }
    /* Reserve what the elements that are already strings need, so that the
     * common all-strings case builds the result without regrowing. */
    size_t estimate = n ? seplen * (n - 1) : 0;
    for (uint32_t i = 0; i < n; i++)
        if (elems[i]->type == T_STRING)
            estimate += elems[i]->len;
    StrBuf sb;
    sb_init(&sb);
    sb_reserve(&sb, estimate);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_add(&sb, sep, seplen);
        const StrContext *c = NULL;
        size_t len;
        const char *s = eval_coerce_to_string(st, elems[i], 0,
            "while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep",
            COERCE_COPY_TO_STORE, &c, &len);
        prim_ctxbuf_add_ctx(&cb, c);
        sb_add(&sb, s, len);
    }
    size_t len = sb.len;
    val_set_string(out, sb_finish(&sb), len, prim_ctxbuf_finish(&cb));
}

static void prim_replace_strings(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[0], 0, "while evaluating the first argument passed to builtins.replaceStrings");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.replaceStrings");
    if (args[0]->len != args[1]->len)
        eval_error(st, ERR_EVAL, 0,
                   "'from' and 'to' arguments passed to builtins.replaceStrings have different lengths");

    uint32_t nfrom = args[0]->len;
    const char **from = GC_MALLOC((nfrom + 1) * sizeof *from);
    uint32_t *fromlen = GC_MALLOC_ATOMIC((nfrom + 1) * sizeof *fromlen);
    /* Replacements are forced lazily (only when used), then cached. */
    Value **to_vals = GC_MALLOC((nfrom + 1) * sizeof *to_vals);
    bool has_empty = false;
    /* first[c]: some pattern starts with byte c; lets the scan skip most positions. */
    bool first[256] = {false};
    for (uint32_t i = 0; i < nfrom; i++) {
        Value *e = val_list(args[0])[i];
        from[i] = eval_force_string(st, e, 0,
            "while evaluating one of the strings to replace passed to builtins.replaceStrings");
        fromlen[i] = e->len;
        if (fromlen[i] == 0)
            has_empty = true;
        else
            first[(unsigned char)from[i][0]] = true;
        to_vals[i] = NULL;
    }

    const char *s = eval_force_string(st, args[2], 0,
        "while evaluating the third argument passed to builtins.replaceStrings");
    size_t slen = args[2]->len;
    CtxBuf cb;
    prim_ctxbuf_init(&cb);
    prim_ctxbuf_add_ctx(&cb, args[2]->str.ctx);

    StrBuf sb;
    sb_init(&sb);
    sb_reserve(&sb, slen);
    size_t p = 0, copied = 0; /* s[copied..p) is pending verbatim output */
    while (p <= slen) {
        if (!has_empty) {
            while (p < slen && !first[(unsigned char)s[p]])
                p++;
            if (p == slen)
                break;
        }
        uint32_t i;
        for (i = 0; i < nfrom; i++)
            if (fromlen[i] <= slen - p && memcmp(s + p, from[i], fromlen[i]) == 0)
                break;
        if (i == nfrom) {
            p++;
            continue;
        }
        if (!to_vals[i]) {
            Value *tv = val_list(args[1])[i];
            eval_force_string(st, tv, 0,
                "while evaluating one of the replacement strings passed to builtins.replaceStrings");
            prim_ctxbuf_add_ctx(&cb, tv->str.ctx);
            to_vals[i] = tv;
        }
        sb_add(&sb, s + copied, p - copied);
        sb_add(&sb, val_str(to_vals[i]), to_vals[i]->len);
        if (fromlen[i] == 0) {
            /* An empty pattern matches between every two characters. */
            if (p < slen)
                sb_putc(&sb, s[p]);
            p++;
        } else {
            p += fromlen[i];
        }
        copied = p;
    }
    if (copied == 0 && sb.len == 0) {
        /* Nothing matched: the input itself (no copy). */
        *out = *args[2];
        return;
    }
    if (copied < slen)
        sb_add(&sb, s + copied, slen - copied);
    size_t len = sb.len;
    val_set_string(out, sb_finish(&sb), len, prim_ctxbuf_finish(&cb));
}

/* The last path component, ignoring one trailing slash ("a/b/" -> "b"). */
static void prim_base_name_of(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const StrContext *ctx = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, args[0], 0,
        "while evaluating the first argument passed to builtins.baseNameOf", 0, &ctx, &len);
    if (len == 0) {
        val_set_string(out, "", 0, ctx);
        return;
    }
    size_t last = len - 1;
    if (s[last] == '/' && last > 0)
        last--;
    size_t start = 0;
    for (size_t i = last + 1; i-- > 0;)
        if (s[i] == '/') {
            start = i + 1;
            break;
        }
    size_t n = last + 1 - start;
    val_set_string(out, val_str_dup(s + start, n), n, ctx);
}

static void prim_dir_of(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force(st, args[0], 0);
    if (args[0]->type == T_PATH) {
        const char *p = args[0]->path.path;
        const char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            val_set_path(out, "/");
        else
            val_set_path(out, val_str_dup(p, (size_t)(slash - p)));
        return;
    }
    const StrContext *ctx = NULL;
    size_t len;
    const char *s = eval_coerce_to_string(st, args[0], 0,
        "while evaluating the first argument passed to 'builtins.dirOf'", 0, &ctx, &len);
    size_t i = len;
    while (i > 0 && s[i - 1] != '/')
        i--;
    if (i == 0)
        val_set_string(out, ".", 1, ctx);
    else if (i == 1)
        val_set_string(out, "/", 1, ctx);
    else
        val_set_string(out, val_str_dup(s, i - 1), i - 1, ctx);
}

const PrimOp prim_strings[] = {
    {"stringLength", 1, 0, "e",
     "Return the number of bytes of the string *e*. If *e* is not a string, evaluation is\n"
     "aborted unless it can be coerced to one (paths, sets with `outPath` or `__toString`).\n\n"
     "    builtins.stringLength \"héllo\"   # 6 (bytes, not characters)",
     prim_string_length},
    {"substring", 3, 0, "start len s",
     "Return the substring of *s* from byte position *start* (zero-based) up to but not\n"
     "including *start + len*. If *start* is past the end, the result is empty; if\n"
     "*start + len* is past the end or *len* is negative, the rest of the string is taken.\n"
     "A negative *start* is an error. Context is preserved.\n\n"
     "    builtins.substring 0 3 \"nixos\"   # \"nix\"",
     prim_substring},
    {"toString", 1, PRIM_GLOBAL, "e",
     "Convert *e* to a string: strings unchanged, paths to their text (not copied to the\n"
     "store), integers and floats printed, `true` to \"1\", `false` and `null` to \"\", lists\n"
     "to their elements' strings joined by spaces, sets through `__toString` or `outPath`.\n\n"
     "    toString [ 1 null \"a\" ]   # \"1  a\"",
     prim_to_string},
    {"concatStringsSep", 2, 0, "separator list",
     "Concatenate the strings in *list*, with *separator* between each two. Elements are\n"
     "coerced like string interpolation does (paths are copied to the store).\n\n"
     "    builtins.concatStringsSep \"/\" [ \"usr\" \"local\" \"bin\" ]   # \"usr/local/bin\"",
     prim_concat_strings_sep},
    {"replaceStrings", 3, 0, "from to s",
     "Replace in *s* every occurrence of a string in *from* by the string at the same index\n"
     "in *to*, scanning left to right; at each position the first matching pattern wins. An\n"
     "empty pattern matches between characters. Replacements are evaluated only if used.\n\n"
     "    builtins.replaceStrings [\"oo\" \"a\"] [\"a\" \"i\"] \"foobar\"   # \"faabir\"",
     prim_replace_strings},
    {"baseNameOf", 1, PRIM_GLOBAL, "x",
     "Return the last component of the path or string *x*, ignoring one trailing slash.\n\n"
     "    baseNameOf \"/a/b/c/\"   # \"c\"\n"
     "    baseNameOf \"a//\"       # \"\"",
     prim_base_name_of},
    {"dirOf", 1, PRIM_GLOBAL, "s",
     "Return the directory part of *s*: everything before the last slash. For a string\n"
     "without a slash, \".\"; for a path, a path (the root's parent is the root).\n\n"
     "    dirOf \"a/b/c\"   # \"a/b\"\n"
     "    dirOf /a        # /",
     prim_dir_of},
    {0},
};
