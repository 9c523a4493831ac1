/* Unit tests of the TOML parser (primops/toml_parse.c): values, tables, errors. */
#include <gc/gc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primops/toml.h"
#include "util/strbuf.h"

static int npass, nfail;

static int cmp_idx(const void *a, const void *b, void *tab)
{
    const TomlNode *t = tab;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    size_t li = t->table.key_lens[i], lj = t->table.key_lens[j];
    int c = memcmp(t->table.keys[i], t->table.keys[j], li < lj ? li : lj);
    return c ? c : (li > lj) - (li < lj);
}

/* A compact canonical rendering: {k=v;...} with sorted keys, [a,b], "s", 1, 1.5, T(...). */
static void dump(const TomlNode *n, StrBuf *sb)
{
    switch (n->kind) {
    case TOML_TABLE: {
        size_t *idx = GC_MALLOC_ATOMIC((n->n + 1) * sizeof *idx);
        for (size_t i = 0; i < n->n; i++)
            idx[i] = i;
        qsort_r(idx, n->n, sizeof *idx, cmp_idx, (void *)n);
        sb_putc(sb, '{');
        for (size_t k = 0; k < n->n; k++) {
            size_t i = idx[k];
            sb_add(sb, n->table.keys[i], n->table.key_lens[i]);
            sb_putc(sb, '=');
            dump(n->table.vals[i], sb);
            sb_putc(sb, ';');
        }
        sb_putc(sb, '}');
        break;
    }
    case TOML_ARRAY:
        sb_putc(sb, '[');
        for (size_t i = 0; i < n->n; i++) {
            if (i)
                sb_putc(sb, ',');
            dump(n->items[i], sb);
        }
        sb_putc(sb, ']');
        break;
    case TOML_STRING:
        sb_putc(sb, '"');
        sb_add(sb, n->str.s, n->str.len);
        sb_putc(sb, '"');
        break;
    case TOML_INT: sb_printf(sb, "%lld", (long long)n->i); break;
    case TOML_FLOAT: sb_printf(sb, "%.17g", n->f); break;
    case TOML_BOOL: sb_puts(sb, n->b ? "true" : "false"); break;
    case TOML_DATETIME:
        sb_puts(sb, "T(");
        sb_add(sb, n->str.s, n->str.len);
        sb_putc(sb, ')');
        break;
    }
}

static void ok(int line, const char *text, const char *want)
{
    const char *err = NULL;
    TomlNode *n = prim_toml_parse(text, strlen(text), "fromTOML", &err);
    if (!n) {
        nfail++;
        fprintf(stderr, "line %d: unexpected error for %s:\n%s\n", line, text, err);
        return;
    }
    StrBuf sb;
    sb_init(&sb);
    dump(n, &sb);
    if (strcmp(sb.data, want) == 0)
        npass++;
    else {
        nfail++;
        fprintf(stderr, "line %d: %s\n  got:  %s\n  want: %s\n", line, text, sb.data, want);
    }
}

/* want_err: a substring of the message (or the whole message if exact). */
static void bad(int line, const char *text, const char *want_err, bool exact)
{
    const char *err = NULL;
    TomlNode *n = prim_toml_parse(text, strlen(text), "fromTOML", &err);
    if (n) {
        nfail++;
        fprintf(stderr, "line %d: expected an error for %s\n", line, text);
        return;
    }
    if (exact ? strcmp(err, want_err) == 0 : strstr(err, want_err) != NULL)
        npass++;
    else {
        nfail++;
        fprintf(stderr, "line %d: %s\n  got error:  %s\n  want: %s\n", line, text, err, want_err);
    }
}

#define OK(t, w) ok(__LINE__, t, w)
#define BAD(t, w) bad(__LINE__, t, w, false)

int main(void)
{
    GC_INIT();
    OK("", "{}");
    OK("# only a comment\n\n", "{}");
    OK("a = 1\nb = \"x\"", "{a=1;b=\"x\";}");
    OK("a = +99\nb = -17\nc = 1_000\nd = 0", "{a=99;b=-17;c=1000;d=0;}");
    OK("h = 0xDEAD_beef\no = 0o755\nb = 0b1101", "{b=13;h=3735928559;o=493;}");
    OK("f = 3.1415\ng = -2E-2\nh = 5e+22\ni = 9_224_617.445_991", "{f=3.1415000000000002;g=-0.02;h=4.9999999999999996e+22;i=9224617.4459910002;}");
    OK("a = inf\nb = -inf", "{a=inf;b=-inf;}");
    OK("t = true\nf = false", "{f=false;t=true;}");
    OK("s = \"tab\\there \\u00E9 \\U0001F600\"", "{s=\"tab\there é 😀\";}");
    OK("s = 'C:\\path'", "{s=\"C:\\path\";}");
    OK("s = \"\"\"\nline1\nline2\"\"\"", "{s=\"line1\nline2\";}");
    OK("s = \"\"\"a \\\n    b\"\"\"", "{s=\"a b\";}");
    OK("s = \"\"\"q\"\"\"\"\"", "{s=\"q\"\"\";}");
    OK("s = '''\nraw \\n'''", "{s=\"raw \\n\";}");
    OK("a.b.c = 1\na.b.d = 2", "{a={b={c=1;d=2;};};}");
    OK("\"quoted key\" = 1\n'lit' = 2\n1234 = 3", "{1234=3;lit=2;quoted key=1;}");
    OK("site.\"google.com\" = true", "{site={google.com=true;};}");
    OK("[t]\nx = 1\n[u.v]\ny = 2", "{t={x=1;};u={v={y=2;};};}");
    OK("[ g .  h  . i ]", "{g={h={i={};};};}");
    OK("[a.b]\nx=1\n[a]\ny=2", "{a={b={x=1;};y=2;};}");
    OK("arr = [ 1, [2, 3], \"x\", { a = 1 } ]", "{arr=[1,[2,3],\"x\",{a=1;}];}");
    OK("arr = [\n  1,\n  2, # ok\n]", "{arr=[1,2];}");
    OK("p = { x = 1, y.z = 2 }", "{p={x=1;y={z=2;};};}");
    OK("[[p]]\nn = 1\n[[p]]\n[[p]]\nn = 3", "{p=[{n=1;},{},{n=3;}];}");
    OK("[[f]]\nn='a'\n[f.ph]\nc='r'\n[[f.v]]\nn='x'\n[[f.v]]\nn='y'\n[[f]]\nn='b'",
       "{f=[{n=\"a\";ph={c=\"r\";};v=[{n=\"x\";},{n=\"y\";}];},{n=\"b\";}];}");
    OK("d = 1979-05-27", "{d=T(1979-05-27);}");
    OK("t = 07:32:00", "{t=T(07:32:00);}");
    OK("t = 00:32:00.1", "{t=T(00:32:00.100);}");
    OK("t = 00:32:00.1234", "{t=T(00:32:00.123400);}");
    OK("t = 00:32:00.1234567891", "{t=T(00:32:00.123456789);}");
    OK("a = 1979-05-27T07:32:00Z\nb = 1979-05-27 00:32:00-07:00\nc = 1979-05-27t07:32:00.5z",
       "{a=T(1979-05-27T07:32:00Z);b=T(1979-05-27T00:32:00-07:00);c=T(1979-05-27T07:32:00.500Z);}");
    OK("a = 1979-05-27T07:32:00+00:00", "{a=T(1979-05-27T07:32:00Z);}");
    OK("a = 1\r\nb = 2\r\n", "{a=1;b=2;}");

    BAD("a = 1\na = 2", "value already exists");
    {
        /* nesting beyond the limit is a clean error, not a stack overflow */
        static char deep[40000];
        strcpy(deep, "a = ");
        for (int i = 0; i < 20000; i++)
            strcat(deep + 4 + i, "[");
        bad(__LINE__, deep, "too deeply nested", false);
    }
    BAD("a = +", "unknown value"); /* found by fuzz_toml: read past the end */
    BAD("a = -", "unknown value");
    BAD("[t]\n[t]", "table already defined");
    BAD("a = { x = 1 }\n[a]", "table already defined");
    BAD("a = 01", "leading zeros");
    BAD("a = 1__0", "underscore");
    BAD("a = \"unterminated", "missing closing quote");
    BAD("a = 1 b = 2", "unexpected characters after a statement");
    BAD("a = ", "missing value");
    BAD("= 1", "invalid key");
    BAD("a = [1 2]", "missing array separator");
    BAD("a = { x = 1, }", "trailing comma");
    BAD("a = 1979-13-01", "invalid date");
    BAD("s = \"\\q\"", "unknown escape sequence");
    BAD("a.b = 1\na.b.c = 2", "cannot insert");
    BAD("x = [1]\n[[x]]", "array of tables cannot be defined");
    bad(__LINE__, "attr = 9223372036854775808",
        "[error] toml::parse_dec_integer: too large integer: current max digits = 2^63\n"
        " --> fromTOML\n"
        "   |\n"
        " 1 | attr = 9223372036854775808\n"
        "   |                           ^-- must be < 2^63\n",
        true);
    OK("attr = 9223372036854775807\nm = -9223372036854775808", "{attr=9223372036854775807;m=-9223372036854775808;}");
    BAD("attr = -9223372036854775809", "too large integer");

    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
