/* Unit tests of the profile element operations (profile/elems.c): install replaces by pname,
 * remove by name or pname (an unknown name is an error), upgrade finds the same pname. */
#include <gc/gc.h>
#include <stdio.h>
#include <string.h>

#include "profile/elems.h"
#include "tests/unit/check.h"

static ProfileElem el(const char *name, const char *pname)
{
    return (ProfileElem){.name = name, .pname = pname, .version = "", .priority = 5};
}

/* The names of v, space-separated. */
static const char *names(const ProfileElem *v, size_t n)
{
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? " " : "", v[i].name);
    return sb_finish(&sb);
}

int main(void)
{
    GC_INIT();
    ProfileElem cur[] = {el("hello-2.10", "hello"), el("jq-1.6", "jq"), el("foo-", "foo-")};
    ProfileElem add[] = {el("hello-2.12", "hello"), el("ripgrep-14", "ripgrep")};
    size_t n;
    ProfileElem *r = profile_install(cur, 3, add, 2, &n);
    CHECK(n == 4 && !strcmp(names(r, n), "jq-1.6 foo- hello-2.12 ripgrep-14"));
    r = profile_install(cur, 3, NULL, 0, &n);
    CHECK(n == 3 && !strcmp(names(r, n), "hello-2.10 jq-1.6 foo-"));

    const char *err = NULL;
    const char *rm1[] = {"jq"};
    r = profile_remove(cur, 3, rm1, 1, &n, &err);
    CHECK(r && n == 2 && !strcmp(names(r, n), "hello-2.10 foo-"));
    const char *rm2[] = {"hello-2.10", "foo-"};
    r = profile_remove(cur, 3, rm2, 2, &n, &err);
    CHECK(r && n == 1 && !strcmp(names(r, n), "jq-1.6"));
    const char *rm3[] = {"jq", "nope"};
    err = NULL;
    r = profile_remove(cur, 3, rm3, 2, &n, &err);
    CHECK(!r && err && strstr(err, "'nope'"));
    const char *rm4[] = {"foo"}; /* "foo-" is its own pname (parseDrvName keeps the dash) */
    r = profile_remove(cur, 3, rm4, 1, &n, &err);
    CHECK(!r);

    CHECK(profile_elem_matches(&cur[0], "hello") && profile_elem_matches(&cur[0], "hello-2.10"));
    CHECK(!profile_elem_matches(&cur[0], "hello-2"));
    const ProfileElem *u = profile_upgrade_of(&cur[0], add, 2);
    CHECK(u == &add[0]);
    CHECK(profile_upgrade_of(&cur[1], add, 2) == NULL);

    return CHECK_DONE();
}
