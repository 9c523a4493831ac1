/* The check counters of the small unit tests: CHECK(cond) counts a pass or prints the failed
 * condition with its line; CHECK_DONE() prints "N passed, N failed" and gives main's status. */
#ifndef CNIX_TESTS_UNIT_CHECK_H
#define CNIX_TESTS_UNIT_CHECK_H

#include <stdio.h>

static int npass, nfail;

static void check(int line, int ok, const char *what)
{
    if (ok)
        npass++;
    else {
        nfail++;
        fprintf(stderr, "line %d: %s\n", line, what);
    }
}

#define CHECK(c) check(__LINE__, (c), #c)
#define CHECK_DONE() (printf("%d passed, %d failed\n", npass, nfail), nfail ? 1 : 0)

#endif
