/* Unit tests of the JSON printer and parser (primops/json*.c): nlohmann's float format,
 * escapes, key order, UTF-8 errors, parse errors. */
#define GC_THREADS
#include <gc/gc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "builtins/builtins.h"
#include "eval/eval.h"
#include "primops/json.h"

static EvalState *st;

static int npass, nfail;

static void check(int line, double d, const char *want)
{
    StrBuf sb;
    sb_init(&sb);
    prim_json_float(d, &sb);
    if (strcmp(sb.data, want) == 0)
        npass++;
    else {
        nfail++;
        fprintf(stderr, "line %d: %.17g printed as %s, want %s\n", line, d, sb.data, want);
    }
}

#define F(d, s) check(__LINE__, d, s)

/* Evaluates src and prints it with prim_to_json; returns the JSON or "error: MSG". */
static const char *to_json(const char *src)
{
    StrBuf sb;
    sb_init(&sb);
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        Expr *e = eval_parse_string(st, src, strlen(src), "/", SRC_STRING);
        Value *v = GC_MALLOC(sizeof(Value));
        eval_expr(st, e, v);
        const StrContext *ctx = NULL;
        prim_to_json(st, v, 0, true, &sb, &ctx);
        eval_try_leave(st, &f);
        return sb.data;
    }
    StrBuf e;
    sb_init(&e);
    sb_printf(&e, "error: %s", f.error->msg);
    return e.data;
}

/* Parses json with prim_from_json and prints the value back as JSON. */
static const char *round_trip(const char *json)
{
    StrBuf sb;
    sb_init(&sb);
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        Value *v = GC_MALLOC(sizeof(Value));
        prim_from_json(st, json, strlen(json), v);
        prim_to_json(st, v, 0, true, &sb, NULL);
        eval_try_leave(st, &f);
        return sb.data;
    }
    StrBuf e;
    sb_init(&e);
    sb_printf(&e, "error: %s", f.error->msg);
    return e.data;
}

static void check_str(int line, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        npass++;
    else {
        nfail++;
        fprintf(stderr, "line %d:\n  got:  %s\n  want: %s\n", line, got, want);
    }
}

#define J(src, want) check_str(__LINE__, to_json(src), want)
#define RT(json, want) check_str(__LINE__, round_trip(json), want)

static void body(void *arg)
{
    (void)arg;
    EvalSettings s;
    eval_settings_default(&s);
    st = eval_state_new(&s);
    bi_open_all(st, NULL);

    J("{ b = 1; a = [ true null ]; }", "{\"a\":[true,null],\"b\":1}");
    J("\"q\\\"b\\\\s\\n\\t\\r\"", "\"q\\\"b\\\\s\\n\\t\\r\"");
    J("builtins.fromJSON ''\"\\u0001\\u007f\\u00e9\"''", "\"\\u0001\x7f\xc3\xa9\"");
    J("[ 1.5 100.0 (-7) ]", "[1.5,100.0,-7]");
    J("{ x = { outPath = \"/p\"; }; y = { __toString = s: \"t\"; }; }", "{\"x\":\"/p\",\"y\":\"t\"}");
    J("\"bad \xff!\"", "error: JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index 4: 0xFF");
    J("\"bad \xc3\"", "error: JSON serialization error: [json.exception.type_error.316] incomplete UTF-8 string; last byte: 0xC3");
    J("\"bad \xe2\x28\xa1\"", "error: JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index 5: 0x28");
    J("{ f = x: x; }", "error: cannot convert a function to JSON");

    RT("{\"b\": [1, -2, 3.25, 1e2], \"a\": {\"a\": null}}", "{\"a\":{\"a\":null},\"b\":[1,-2,3.25,100.0]}");
    RT("{\"k\": 1, \"k\": 2}", "{\"k\":2}");
    RT("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
    RT("9223372036854775807", "9223372036854775807");
    RT("18446744073709551615", "error: unsigned json number 18446744073709551615 outside of Nix integer range");
    RT("99999999999999999999", "1e+20");
    RT("[1,", "error: [json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal");
    RT("{\"a\" 1}", "error: [json.exception.parse_error.101] parse error at line 1, column 6: syntax error while parsing object separator - unexpected number literal; expected ':'");
}

int main(void)
{
    GC_INIT();
    GC_allow_register_threads();
    eval_run_with_big_stack(body, NULL);
    F(1.44, "1.44");
    F(100.0, "100.0");
    F(1.0 / 3, "0.3333333333333333");
    F(0.5, "0.5");
    F(-2.5, "-2.5");
    F(0.0, "0.0");
    F(-0.0, "-0.0");
    F(1e15, "1e+15");
    F(1e14, "100000000000000.0");
    F(123456789012345.0, "123456789012345.0");
    F(1e16, "1e+16");
    F(1.5e16, "1.5e+16");
    F(1e21, "1e+21");
    F(1e100, "1e+100");
    F(0.001, "0.001");
    F(0.0001, "0.0001");
    F(0.00001, "1e-05");
    F(1.5e-7, "1.5e-07");
    F(5e-324, "5e-324");
    F(1.7976931348623157e308, "1.7976931348623157e+308");
    F(0.1 + 0.2, "0.30000000000000004");
    F(3.14, "3.14");
    F(12345.678, "12345.678");
    F(2.5e-4, "0.00025");
    F(-0.001, "-0.001");
    F(1234.5, "1234.5");
    F(99999999999999.9, "99999999999999.9");
    F(999999999999999.9, "999999999999999.9");
    F(5e-5, "5e-05");
    F(0.12345678901, "0.12345678901");
    F(1.0 / 7, "0.14285714285714285");
    F(4.35, "4.35");
    F(INFINITY, "null");
    F(NAN, "null");
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
