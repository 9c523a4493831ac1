/* Unit tests of the JSON float printer (primops/json_float.c) against nlohmann::json's output. */
#include <gc/gc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "primops/json.h"

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

int main(void)
{
    GC_INIT();
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
