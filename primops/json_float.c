/* JSON number formatting as nlohmann::json prints doubles (shared by toJSON and --json). */
#include "primops/json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits of v into buf (no NUL); returns the count. */
static int snprintf_u64(char *buf, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};

/* Common case without printf: 1e-4 <= |d| < 1e15 with at most 10 decimals. For the
 * fewest decimals k such that m = round(d * 10^k) gives back d as m / 10^k (an exact
 * check: m and 10^k are exact doubles and IEEE division rounds correctly, as strtod
 * does), m's digits are the shortest round-trip digits, printed in fixed notation
 * as nlohmann does in this range. */
static bool json_float_fast(double d, StrBuf *out)
{
    double a = fabs(d);
    if (!(a >= 1e-4 && a < 1e15))
        return false;
    for (int k = 0; k <= 10; k++) {
        double scaled = a * pow10_tab[k];
        if (scaled >= 9007199254740992.0) /* 2^53: m no longer exact */
            return false;
        double m = nearbyint(scaled);
        if (m / pow10_tab[k] != a)
            continue;
        char digits[24];
        int n = snprintf_u64(digits, (uint64_t)m);
        if (d < 0)
            sb_putc(out, '-');
        if (k == 0) {
            sb_add(out, digits, (size_t)n);
            sb_add(out, ".0", 2);
        } else if (n > k) {
            sb_add(out, digits, (size_t)(n - k));
            sb_putc(out, '.');
            sb_add(out, digits + n - k, (size_t)k);
        } else {
            sb_add(out, "0.", 2);
            for (int i = n; i < k; i++)
                sb_putc(out, '0');
            sb_add(out, digits, (size_t)n);
        }
        return true;
    }
    return false;
}

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
    if (json_float_fast(d, out))
        return;
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

