/* Parser tests: the language suite's parse-okay/parse-fail files, lexer cases, bad input. */
#include <dirent.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "parser/lexer.h"
#include "parser/parser.h"
#include "util/fs.h"

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    }
}

typedef struct Result {
    Expr *e;
    ParseError err;
    SymTab *syms;
    PosTable *pt;
} Result;

static Result parse_text(const char *text, size_t len, SourceKind kind)
{
    Result r;
    r.syms = sym_new();
    r.pt = pos_table_new();
    const Source *src = pos_add_source(r.pt, kind, kind == SRC_FILE ? "/pwd/lang/x.nix" : NULL,
                                       "/pwd", text, len);
    ParseOptions opts = {.home = "/fake-home"};
    r.e = parse_source(r.syms, r.pt, src, &opts, &r.err);
    return r;
}

static char *shown(Result *r)
{
    StrBuf sb;
    sb_init(&sb);
    parse_show(r->syms, r->e, &sb);
    return sb_finish(&sb);
}

/* "MSG" at «stdin»:L:C as the .err.exp files print it. */
static char *error_text(Result *r)
{
    Pos p = pos_get(r->pt, r->err.pos);
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "error: %s\n       at \xc2\xabstdin\xc2\xbb:%u:%u:", r->err.msg, p.line, p.col);
    return sb_finish(&sb);
}

/* `nix-instantiate --parse` also binds variables, so undefined ones are static
 * errors too; that step belongs to the evaluator's binder. Kept out of line:
 * EVAL_TRY's setjmp must not share a frame with the caller's locals. */
__attribute__((noinline)) static Result parse_and_bind(const char *text, size_t len)
{
    Result r;
    EvalSettings es;
    eval_settings_default(&es);
    EvalState *st = eval_state_new(&es);
    r.syms = st->symbols;
    r.pt = st->positions;
    const Source *src = pos_add_source(r.pt, SRC_STDIN, NULL, "/pwd", text, len);
    ParseOptions opts = {.home = "/fake-home"};
    r.e = parse_source(r.syms, r.pt, src, &opts, &r.err);
    TryFrame f;
    if (r.e && EVAL_TRY(st, &f)) {
        eval_bind(st, r.e);
        eval_try_leave(st, &f);
    } else if (r.e) {
        r.e = NULL;
        r.err.msg = (char *)f.error->msg;
        r.err.pos = f.error->pos;
    }
    return r;
}

static const char *suite_dir(void)
{
    static const char *const cands[] = {"../shared/nix-lang-tests/lang", "../../shared/nix-lang-tests/lang",
                                        "/work/shared/nix-lang-tests/lang"};
    const char *env = getenv("CNIX_LANG_TESTS");
    if (env)
        return env;
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
        DIR *d = opendir(cands[i]);
        if (d) {
            closedir(d);
            return cands[i];
        }
    }
    return NULL;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_suite(void)
{
    const char *dir = suite_dir();
    check(dir != NULL, "language suite found", NULL);
    if (!dir)
        return;
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if ((strncmp(de->d_name, "parse-", 6) != 0 && strncmp(de->d_name, "eval-okay-", 10) != 0) ||
            !ends_with(de->d_name, ".nix"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int fail_total = 0, fail_exact = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096], exp_path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len, elen;
        char *text = fs_read_file(path, &len);
        Result r = parse_text(text, len, SRC_STDIN);
        size_t base = strlen(names[i]) - 4;
        if (strncmp(names[i], "eval-okay-", 10) == 0) {
            /* Every program the evaluator must run parses, and prints. */
            check(r.e != NULL, names[i], r.e ? NULL : r.err.msg);
            if (r.e)
                check(strlen(shown(&r)) > 0, names[i], "empty --parse output");
        } else if (strncmp(names[i], "parse-okay-", 11) == 0) {
            snprintf(exp_path, sizeof exp_path, "%s/%.*s.exp", dir, (int)base, names[i]);
            char *exp = fs_read_file(exp_path, &elen);
            if (!r.e) {
                check(0, names[i], r.err.msg);
                continue;
            }
            char *out = shown(&r);
            size_t ol = strlen(out);
            /* .exp holds the output plus a trailing newline. */
            int ok = exp && elen == ol + 1 && memcmp(exp, out, ol) == 0 && exp[ol] == '\n';
            check(ok, names[i], ok ? NULL : out);
            if (!ok && exp)
                printf("  expected: %s", exp);
        } else {
            fail_total++;
            if (r.e)
                r = parse_and_bind(text, len);
            check(r.e == NULL, names[i], "parsed but should fail");
            if (r.e)
                continue;
            snprintf(exp_path, sizeof exp_path, "%s/%.*s.err.exp", dir, (int)base, names[i]);
            char *exp = fs_read_file(exp_path, &elen);
            char *got = error_text(&r);
            if (exp && strncmp(exp, got, strlen(got)) == 0)
                fail_exact++;
            else
                printf("  message differs for %s:\n    got: %s\n    exp: %.*s\n", names[i], got,
                       (int)(strchr(exp, '\n') ? strchr(strchr(exp, '\n') + 1, '\n') - exp : 80), exp);
        }
    }
    printf("parse-fail messages matching .err.exp exactly: %d of %d\n", fail_exact, fail_total);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Parses src and compares the --parse rendering (or the error text, prefixed "E:"). */
static void expect_show_n(const char *src, size_t len, const char *want)
{
    Result r = parse_text(src, len, SRC_STDIN);
    char *got;
    if (r.e) {
        got = shown(&r);
    } else {
        Pos p = pos_get(r.pt, r.err.pos);
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "E:%u:%u: %s", p.line, p.col, r.err.msg);
        got = sb_finish(&sb);
    }
    int ok = strcmp(got, want) == 0;
    char detail[4096];
    snprintf(detail, sizeof detail, "\n    input: %s\n    got:   %s\n    want:  %s", src, got, want);
    check(ok, "parse", ok ? NULL : detail);
}

static void expect_show(const char *src, const char *want) { expect_show_n(src, strlen(src), want); }

static void test_lexer(void)
{
    struct {
        const char *src;
        TokKind kinds[8];
    } cases[] = {
        {"a/b", {TOK_PATH, TOK_EOF}},
        {"a //b", {TOK_ID, TOK_UPDATE, TOK_ID, TOK_EOF}},
        {"x:x", {TOK_URI, TOK_EOF}},
        {"x: x", {TOK_ID, TOK_COLON, TOK_ID, TOK_EOF}},
        {"<nixpkgs/lib>", {TOK_SPATH, TOK_EOF}},
        {"a<b>c", {TOK_ID, TOK_SPATH, TOK_ID, TOK_EOF}},
        {"1.5 .5 00.5", {TOK_FLOAT, TOK_FLOAT, TOK_INT, TOK_FLOAT, TOK_EOF}},
        {"1e3", {TOK_INT, TOK_ID, TOK_EOF}},
        {"if iff or orr", {TOK_IF, TOK_ID, TOK_OR_KW, TOK_ID, TOK_EOF}},
        {"a'-b_ 'c", {TOK_ID, TOK_INVALID, TOK_ID, TOK_EOF}},
        {"... .. .", {TOK_ELLIPSIS, TOK_DOT, TOK_DOT, TOK_DOT, TOK_EOF}},
        {"-> |> <| ++ // && || == != <= >=", {TOK_IMPL, TOK_PIPE_INTO, TOK_PIPE_FROM, TOK_CONCAT, TOK_UPDATE,
                                                TOK_AND, TOK_OR, TOK_EQ}},
        {"/* c */ # x\n /** d */ a", {TOK_ID, TOK_EOF}},
        {"1 \0 2", {TOK_INT, TOK_EOF}},
        {"~/a ./a/${", {TOK_HPATH, TOK_EOF}},
        {"$ & ~", {TOK_INVALID, TOK_INVALID, TOK_INVALID, TOK_EOF}},
        {"/* open", {TOK_SLASH, TOK_STAR, TOK_ID, TOK_EOF}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        Lexer L;
        size_t len = strlen(cases[i].src);
        if (i == 13)
            len = 5;
        lex_init(&L, cases[i].src, len);
        int ok = 1;
        for (int k = 0; k < 8; k++) {
            Token t;
            lex_next(&L, &t);
            if (t.kind != cases[i].kinds[k]) {
                ok = 0;
                break;
            }
            if (t.kind == TOK_EOF || t.kind == TOK_HPATH)
                break;
        }
        check(ok, "lexer tokens", cases[i].src);
    }

    /* Positions: CR, CRLF and LF all end lines. */
    {
        const char *s = "a\r\nb\rc\nd";
        Lexer L;
        lex_init(&L, s, strlen(s));
        Token t;
        uint32_t lines[4] = {1, 2, 3, 4}, ok = 1;
        for (int k = 0; k < 4; k++) {
            lex_next(&L, &t);
            ok &= t.line == lines[k] && t.col == 1;
        }
        check(ok, "lexer line counting", NULL);
    }
    /* The same through the position table (offset positions, computed lazily). */
    {
        const char *s = "[ a\r\nb\rc\n\n  d ]";
        Result r = parse_text(s, strlen(s), SRC_STDIN);
        int ok = r.e && r.e->kind == EXPR_LIST && ((ExprList *)r.e)->n == 4;
        uint32_t want[4][2] = {{1, 3}, {2, 1}, {3, 1}, {5, 3}};
        for (uint32_t k = 0; ok && k < 4; k++) {
            Pos p = pos_get(r.pt, ((ExprList *)r.e)->elems[k]->pos);
            ok &= p.line == want[k][0] && p.col == want[k][1];
        }
        check(ok, "positions through the table", NULL);
    }
    /* Doc comments attach to the next token only. */
    {
        const char *s = "/** hi */ f /** x */ # c\n g h";
        Lexer L;
        lex_init(&L, s, strlen(s));
        Token a, b, c;
        lex_next(&L, &a);
        lex_next(&L, &b);
        lex_next(&L, &c);
        check(a.doc_end && memcmp(s + a.doc_start, " hi ", 4) == 0 && b.doc_end && !c.doc_end,
              "doc comment tracking", NULL);
    }
    /* Integer overflow. */
    expect_show("9223372036854775807", "9223372036854775807");
    expect_show("9223372036854775808", "E:1:1: invalid integer '9223372036854775808'");
    expect_show("1.0e400", "E:1:1: invalid float '1.0e400'");
    expect_show("[ 1.5 .5 1.5e-3 1. 100000000.0 123456789.0 ]",
                "[ (1.5) (0.5) (0.0015) (1) (1e+08) (1.23457e+08) ]");
}

static void test_syntax(void)
{
    expect_show("a.b.c or d", "(a).b.c or (d)");
    expect_show("{a.b = 1; \"${x}\" = 2; ${y}.z = 3; \"c d\" = 4; inherit \"e\" or; \"if\" = 1;}",
                "{ inherit e or; a = { b = 1; }; \"c d\" = 4; \"if\" = 1; \"${(x)}\" = 2; \"${y}\" = { z = 3; }; }");
    expect_show("[(-x) (a - b) (a < b) (a <= b) (a > b) (a >= b) (!a) (a ? b.c) (a // b ++ c) (a.or) (f or)]",
                "[ ((__sub 0 x)) ((__sub a b)) ((__lessThan a b)) ((! (__lessThan b a))) ((__lessThan b a)) "
                "((! (__lessThan a b))) ((! a)) (((a) ? b.c)) ((a // (b ++ c))) ((a).or) ((f or)) ]");
    expect_show("\"a${b}c\\${d}$\"", "(\"a\" + b + \"c\\${d}$\")");
    expect_show("./a/${b}/c", "(/pwd/a/ + b + \"/c\")");
    expect_show("./a/../../../b/./c", "/b/c");
    expect_show("~/foo", "/fake-home/foo");
    expect_show("<nixpkgs/lib>", "(__findFile __nixPath \"nixpkgs/lib\")");
    expect_show("let { body = 1; }", "(rec { body = 1; }).body");
    expect_show("rec {a=1;}.a", "(rec { a = 1; }).a");
    expect_show("a ? b ? c", "((((a) ? b)) ? c)");
    expect_show("1 + a ? b", "(1 + ((a) ? b))");
    expect_show("!a + b == c", "((! (a + b)) == c)");
    expect_show("a -> b -> c || d && e", "(a -> (b -> (c || (d && e))))");
    expect_show("a ++ b ++ c", "(a ++ (b ++ c))");
    expect_show("a - b - c * d / e", "(__sub (__sub a b) (__div (__mul c d) e))");
    expect_show("- - a", "(__sub 0 (__sub 0 a))");
    expect_show("f a b (g c) d.e", "(f a b (g c) (d).e)");
    expect_show("(f a) b", "(f a b)");
    expect_show("x: y: { a, b ? 1, ... } @ c: d@{}: e", "(x: (y: ({ a, b ? 1, ... } @ c: ({  } @ d: e))))");
    expect_show("{}: 1", "({  }: 1)");
    expect_show("{ ... }: 1", "({ ... }: 1)");
    expect_show("if a then b else if c then d else e", "(if a then b else (if c then d else e))");
    expect_show("assert a; with b; let c = 1; in c", "assert a; (with b; (let c = 1; in c))");
    expect_show("{ a = { b = 1; }; a.c = 2; a = { d = 3; }; }", "{ a = { b = 1; c = 2; d = 3; }; }");
    expect_show("{ inherit (a) b; c.\"inherit\" = 1; }", "{ inherit (a) b; c = { \"inherit\" = 1; }; }");
    expect_show("{ a = { inherit (x) y; }; a = { inherit (z) w; }; }",
                "{ a = { inherit (x) y; inherit (z) w; }; }");
    expect_show("__curPos", "__curPos");
    expect_show("''\n  a\n    b\n  ''", "\"a\\n  b\\n\"");
    expect_show("''  a ''${x} '''b ''\\n''", "(\"a \" + \"$\" + \"{x} \" + \"''\" + \"b \" + \"\\n\")");
    expect_show("''\n  a ${b}\n  c\n''", "(\"a \" + b + \"\\nc\\n\")");
    expect_show("\"\\r\\t\\n\\a\\\\\"", "\"\\r\\t\\na\\\\\"");
    expect_show("http://x.org/a?b=c", "\"http://x.org/a?b=c\"");
    expect_show("a.\"b c\".${\"d\"}.${e}", "(a).\"b c\".d.\"${e}\"");
    expect_show("{ \"\" = 1; }", "{ \"\" = 1; }");
    expect_show("(a - b) c (-d) e", "(__sub a b c (__sub 0 d) e)");
    expect_show("(a > b) c", "(__lessThan b a c)");
    expect_show("a |> f x |> g", "E:1:3: experimental Nix feature 'pipe-operators' is disabled; add "
                                 "'--extra-experimental-features pipe-operators' to enable it");
    expect_show("let in x", "(let in x)");
    expect_show("f or [ a or b ]", "(f or [ ((a or)) (b) ])");
    expect_show("a.b or c.d or e", "(a).b or ((c).d or (e))");
    expect_show("x@{ y }: z", "({ y } @ x: z)");
    expect_show("{ a.\"${b}\".c = 1; }", "{ a = { \"${(b)}\" = { c = 1; }; }; }");
    expect_show("<a>/b", "(__findFile __nixPath \"a\" /b)");
}

/* Pipe operators with the experimental feature on. */
static void test_pipes(void)
{
    const char *cases[][2] = {
        {"a |> f x |> g", "(g (f x a))"},
        {"f <| g <| a", "(f (g a))"},
        {"a + 1 |> f", "(f (a + 1))"},
        {"a |> f <| b", "E:1:8: syntax error, unexpected '<|', expecting end of file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        SymTab *syms = sym_new();
        PosTable *pt = pos_table_new();
        const char *src = cases[i][0];
        const Source *s = pos_add_source(pt, SRC_STDIN, NULL, "/pwd", src, strlen(src));
        ParseOptions opts = {.pipe_operators = true};
        ParseError err;
        Expr *e = parse_source(syms, pt, s, &opts, &err);
        StrBuf sb;
        sb_init(&sb);
        if (e) {
            parse_show(syms, e, &sb);
        } else {
            Pos p = pos_get(pt, err.pos);
            sb_printf(&sb, "E:%u:%u: %s", p.line, p.col, err.msg);
        }
        check(strcmp(sb.data, cases[i][1]) == 0, "pipe operators", sb.data);
    }
}

static void collect_warning(void *ctx, const char *msg, PosIdx pos)
{
    StrBuf *sb = ctx;
    sb_printf(sb, "[%s]", msg);
}

/* CppNix's deprecation warning for `or` used as an identifier argument. */
static void test_cursed_or(void)
{
    const char *src = "[ (f (g or)) (map or []) (h (x: x) or) ([ (x: x) or ]) (a.b or c or) ]";
    SymTab *syms = sym_new();
    PosTable *pt = pos_table_new();
    const Source *s = pos_add_source(pt, SRC_STDIN, NULL, "/pwd", src, strlen(src));
    StrBuf w;
    sb_init(&w);
    ParseOptions opts = {.warn = collect_warning, .warn_ctx = &w};
    ParseError err;
    Expr *e = parse_source(syms, pt, s, &opts, &err);
    const char *pre = "This expression uses `or` as an identifier in a way that will change in a future "
                      "Nix release.\nWrap this entire expression in parentheses to preserve its current "
                      "meaning:\n    (";
    const char *post = ")\nGive feedback at https://github.com/NixOS/nix/pull/11121]";
    StrBuf want;
    sb_init(&want);
    sb_printf(&want, "[at \xc2\xabstdin\xc2\xbb:1:29: %s(x: x) or%s", pre, post);
    sb_printf(&want, "[at \xc2\xabstdin\xc2\xbb:1:43: %s(x: x) or%s", pre, post);
    sb_printf(&want, "[at \xc2\xabstdin\xc2\xbb:1:64: %sc or%s", pre, post);
    check(e && strcmp(w.data, want.data) == 0, "cursed or warnings", w.data);
}

/* Lambda names (CppNix's setName) and doc comments. */
static void test_names_docs(void)
{
    const char *src = "{ /** Adds. */ f = x: y: x; g.h = z: z; inherit (s) i; k = /** inner */ w: w; }";
    Result r = parse_text(src, strlen(src), SRC_STDIN);
    check(r.e && r.e->kind == EXPR_ATTRS, "names: parsed", NULL);
    if (!r.e)
        return;
    ExprAttrs *a = (ExprAttrs *)r.e;
    int ok = 1;
    for (uint32_t i = 0; i < a->nattrs; i++) {
        const char *n = sym_name(r.syms, a->attrs[i].name);
        Expr *v = a->attrs[i].e;
        if (!strcmp(n, "f")) {
            ExprLambda *l = (ExprLambda *)v, *l2 = (ExprLambda *)l->body;
            ok &= l->name == a->attrs[i].name && l2->name == l->name;
            ok &= l->doc && !strcmp(l->doc, " Adds. ") && l2->doc == l->doc;
        } else if (!strcmp(n, "g")) {
            ExprLambda *l = (ExprLambda *)((ExprAttrs *)v)->attrs[0].e;
            ok &= !strcmp(sym_name(r.syms, l->name), "h") && !l->doc;
        } else if (!strcmp(n, "k")) {
            ok &= !strcmp(((ExprLambda *)v)->doc, " inner ");
        }
    }
    /* Attributes are sorted by symbol id for the evaluator's binary search. */
    for (uint32_t i = 1; i < a->nattrs; i++)
        ok &= a->attrs[i - 1].name < a->attrs[i].name;
    check(ok, "lambda names and doc comments", NULL);
}

static void test_errors(void)
{
    expect_show("1 == 2 == 3", "E:1:8: syntax error, unexpected '=='");
    expect_show("1 < 2 > 3", "E:1:7: syntax error, unexpected '>'");
    expect_show("(1 ]", "E:1:4: syntax error, unexpected ']', expecting ')'");
    expect_show("[ 1 ; ]", "E:1:5: syntax error, unexpected ';'");
    expect_show("x: 1 )", "E:1:6: syntax error, unexpected ')', expecting end of file");
    expect_show("if 1 then 2 )", "E:1:13: syntax error, unexpected ')', expecting 'else'");
    expect_show("{ a = 1 }", "E:1:9: syntax error, unexpected '}', expecting ';'");
    expect_show("{ a }", "E:1:6: syntax error, unexpected end of file, expecting ':' or '@'");
    expect_show("a@1", "E:1:3: syntax error, unexpected integer, expecting '{'");
    expect_show("{ a } @ 1", "E:1:9: syntax error, unexpected integer, expecting identifier");
    expect_show("{ ... x", "E:1:7: syntax error, unexpected identifier, expecting '}'");
    expect_show("{ a, 1", "E:1:6: syntax error, unexpected integer, expecting identifier or '...' or '}'");
    expect_show("let 1", "E:1:5: syntax error, unexpected integer, expecting 'in' or 'inherit'");
    expect_show("rec { 1", "E:1:7: syntax error, unexpected integer, expecting 'inherit' or '}'");
    expect_show("\"abc", "E:1:5: syntax error, unexpected end of file, expecting '\"'");
    expect_show("''abc", "E:1:6: syntax error, unexpected end of file, expecting indented string or '${' or "
                         "end of an indented string");
    expect_show("\"abc${", "E:1:7: syntax error, unexpected end of file");
    expect_show("{ inherit ${x}; }", "E:1:11: dynamic attributes not allowed in inherit");
    expect_show("let ${x} = 1; in 2", "E:1:1: dynamic attributes not allowed in let");
    expect_show("{ x = 1; x.y = 2; }", "E:1:10: attribute 'x' already defined at \xc2\xabstdin\xc2\xbb:1:3");
    expect_show("{ x.y = 1; x = 2; }", "E:1:12: attribute 'x' already defined at \xc2\xabstdin\xc2\xbb:1:3");
    expect_show("./a/ ", "E:1:5: path has a trailing slash");
    expect_show("a |> f", "E:1:3: experimental Nix feature 'pipe-operators' is disabled; add "
                          "'--extra-experimental-features pipe-operators' to enable it");
    expect_show_n("\"a\0b\"", 5, "E:1:2: input string 'a\xe2\x90\x80" "b' cannot be represented as Nix string because it contains null bytes");
    expect_show("f let", "E:1:6: syntax error, unexpected end of file, expecting '{'");
    expect_show("/* open", "E:1:1: syntax error, unexpected '/'");
}

static void test_bad_input(void)
{
    /* Deep nesting must give a clean error, not a crash. */
    size_t n = 1000000;
    char *s = GC_MALLOC_ATOMIC(2 * n + 2);
    memset(s, '(', n);
    s[n] = '1';
    memset(s + n + 1, ')', n);
    Result r = parse_text(s, 2 * n + 1, SRC_STDIN);
    check(r.e == NULL && strstr(r.err.msg, "nesting"), "10^6 nested parentheses", NULL);
    memset(s, '[', n);
    r = parse_text(s, n, SRC_STDIN);
    check(r.e == NULL, "10^6 open brackets", NULL);
    for (size_t i = 0; i < n; i++)
        s[i] = "-!"[i & 1];
    r = parse_text(s, n, SRC_STDIN);
    check(r.e == NULL, "10^6 prefix operators", NULL);
    /* Long chains are iterative, not nested. */
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < 100000; i++)
        sb_puts(&sb, "a ++ ");
    sb_puts(&sb, "b");
    r = parse_text(sb.data, sb.len, SRC_STDIN);
    check(r.e != NULL, "100000-long right-assoc chain", r.e ? NULL : r.err.msg);
    sb_init(&sb);
    for (int i = 0; i < 100000; i++)
        sb_puts(&sb, "x: ");
    sb_puts(&sb, "x");
    r = parse_text(sb.data, sb.len, SRC_STDIN);
    check(r.e != NULL, "100000 curried lambdas", r.e ? NULL : r.err.msg);
    /* Garbage bytes and unterminated constructs. */
    unsigned seed = 12345;
    char g[256];
    int ok = 1;
    for (int k = 0; k < 2000; k++) {
        size_t len = (size_t)(k % 200);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            g[i] = k & 1 ? (char)(seed >> 16) : "{}[]()\"'$;.=:@?/\\ ax1\n~<>"[(seed >> 16) % 25];
        }
        r = parse_text(g, len, SRC_STDIN);
        ok &= (r.e != NULL) || (r.err.msg != NULL);
    }
    check(ok, "random garbage handled", NULL);
    const char *unterminated[] = {"\"abc", "''abc", "/* x", "{ a = ", "./a/${", "\"${", "''${", "x.\"", "\\"};
    for (size_t i = 0; i < sizeof unterminated / sizeof *unterminated; i++) {
        r = parse_text(unterminated[i], strlen(unterminated[i]), SRC_STDIN);
        check(r.e == NULL && r.err.msg, "unterminated input", unterminated[i]);
    }
}

int main(void)
{
    GC_INIT();
    run_suite();
    test_lexer();
    test_syntax();
    test_errors();
    test_pipes();
    test_names_docs();
    test_cursed_or();
    test_bad_input();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
