/* JSON number formatting as nlohmann::json prints doubles (shared by toJSON and --json). */
#include "primops/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prim_json_float(double d, StrBuf *out)
{
    if (!isfinite(d)) {
        sb_puts(out, "null");
        return;
    }
    if (d == 0) {
        sb_puts(out, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    /* Shortest precision that reads back exactly. */
    char buf[40];
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    /* buf: [-]D[.DDD]e[+-]XX -> digits and decimal exponent */
    char digits[24];
    int k = 0;
    const char *p = buf;
    if (*p == '-') {
        sb_putc(out, '-');
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[k++] = *p;
    int e10 = atoi(p + 1);
    /* Trailing zeros are not significant. */
    while (k > 1 && digits[k - 1] == '0')
        k--;
    int n = e10 + 1; /* position of the decimal point relative to the digits */
    if (k <= n && n <= 15) {
        sb_add(out, digits, (size_t)k);
        for (int i = k; i < n; i++)
            sb_putc(out, '0');
        sb_puts(out, ".0");
    } else if (0 < n && n <= 15) {
        sb_add(out, digits, (size_t)n);
        sb_putc(out, '.');
        sb_add(out, digits + n, (size_t)(k - n));
    } else if (-4 < n && n <= 0) {
        sb_puts(out, "0.");
        for (int i = 0; i < -n; i++)
            sb_putc(out, '0');
        sb_add(out, digits, (size_t)k);
    } else {
        sb_putc(out, digits[0]);
        if (k > 1) {
            sb_putc(out, '.');
            sb_add(out, digits + 1, (size_t)(k - 1));
        }
        int x = n - 1;
        sb_printf(out, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    }
}

