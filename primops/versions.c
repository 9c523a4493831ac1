/* Primop family prim_versions: package name/version parsing and version comparison. */
#include "primops/primops.h"
#include "primops/primutil.h"
#include "util/drvname.h"

#include <string.h>

/* ASCII on purpose: CppNix's isdigit runs in the C locale. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A version component: a run of digits, or a run of other characters that are not
 * separators ('.' and '-'); separators before it are skipped. Empty at the end. */
typedef struct Component {
    const char *s;
    size_t len;
} Component;

static Component next_component(const char **p, const char *end)
{
    const char *q = *p;
    while (q < end && (*q == '.' || *q == '-'))
        q++;
    const char *start = q;
    if (q < end && is_digit(*q))
        while (q < end && is_digit(*q))
            q++;
    else
        while (q < end && !is_digit(*q) && *q != '.' && *q != '-')
            q++;
    *p = q;
    return (Component){start, (size_t)(q - start)};
}

/* A component counts as a number only if it fits a C int (CppNix parses with
 * string2Int<int>); longer digit runs compare as strings. */
static bool component_int(Component c, long *out)
{
    if (c.len == 0)
        return false;
    long v = 0;
    for (size_t i = 0; i < c.len; i++) {
        if (!is_digit(c.s[i]))
            return false;
        v = v * 10 + (c.s[i] - '0');
        if (v > 2147483647L)
            return false;
    }
    *out = v;
    return true;
}

static bool component_is(Component c, const char *s)
{
    return c.len == strlen(s) && memcmp(c.s, s, c.len) == 0;
}

static int component_strcmp(Component a, Component b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int r = memcmp(a.s, b.s, n);
    if (r)
        return r;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* Numbers compare numerically; "" < numbers; "pre" sorts before everything else;
 * a word sorts before a number ("2.3a" < "2.3.1"); words compare bytewise. */
static bool component_less(Component a, Component b)
{
    long na = 0, nb = 0;
    bool ia = component_int(a, &na), ib = component_int(b, &nb);
    if (ia && ib)
        return na < nb;
    if (a.len == 0 && ib)
        return true;
    if (component_is(a, "pre") && !component_is(b, "pre"))
        return true;
    if (component_is(b, "pre"))
        return false;
    if (ib)
        return true;
    if (ia)
        return false;
    return component_strcmp(a, b) < 0;
}

static int compare_versions(const char *v1, size_t n1, const char *v2, size_t n2)
{
    const char *p1 = v1, *e1 = v1 + n1, *p2 = v2, *e2 = v2 + n2;
    while (p1 < e1 || p2 < e2) {
        Component c1 = next_component(&p1, e1), c2 = next_component(&p2, e2);
        if (component_less(c1, c2))
            return -1;
        if (component_less(c2, c1))
            return 1;
    }
    return 0;
}

static void prim_compareVersions(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *a = eval_force_string_no_ctx(st, args[0], 0,
                                             "while evaluating the first argument passed to builtins.compareVersions");
    const char *b = eval_force_string_no_ctx(st, args[1], 0,
                                             "while evaluating the second argument passed to builtins.compareVersions");
    val_set_int(out, compare_versions(a, args[0]->len, b, args[1]->len));
}

static void prim_splitVersion(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_force_string_no_ctx(st, args[0], 0,
                                             "while evaluating the first argument passed to builtins.splitVersion");
    const char *end = s + args[0]->len;
    /* At most one component per byte; count first to allocate exactly. */
    size_t n = 0;
    for (const char *p = s;;) {
        if (next_component(&p, end).len == 0)
            break;
        n++;
    }
    if (n == 0) {
        val_set_list(out, NULL, 0);
        return;
    }
    Value **elems = val_list_alloc(st, n);
    Value *parts = prim_values(st, n);
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
        Component c = next_component(&p, end);
        val_set_string(&parts[i], val_str_dup(c.s, c.len), c.len, NULL);
        elems[i] = &parts[i];
    }
    val_set_list(out, elems, n);
}

/* util/drvname.c has the rule (shared with profiles). */
static void prim_parseDrvName(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    const char *s = eval_force_string_no_ctx(st, args[0], 0,
                                             "while evaluating the first argument passed to builtins.parseDrvName");
    DrvName dn = drvname_parse(s, args[0]->len);
    Value *v = prim_values(st, 2);
    val_set_string(&v[0], val_str_dup(s, dn.name_len), dn.name_len, NULL);
    val_set_string(&v[1], val_str_dup(dn.version, dn.version_len), dn.version_len, NULL);
    Bindings *b = attrs_alloc(st, 2);
    attrs_push(b, st->s.name, 0, &v[0]);
    attrs_push(b, sym_intern_cstr(st->symbols, "version"), 0, &v[1]);
    attrs_sort(b);
    val_set_attrs(out, b);
}

const PrimOp prim_versions[] = {
    {"compareVersions", 2, 0, "s1 s2",
     "Compare two version strings: -1, 0 or 1 as *s1* is older than, the same as, or newer than *s2*. "
     "Versions are split into numeric and alphabetic components at dots and dashes; numbers compare "
     "numerically, `pre` is older than anything, and a word is older than a number: "
     "`builtins.compareVersions \"2.3a\" \"2.3.1\"` is `-1`, `builtins.compareVersions \"1.0\" "
     "\"1.0pre1\"` is `1`.",
     prim_compareVersions},
    {"splitVersion", 1, 0, "s",
     "Split a version string into its components, as `compareVersions` sees them: "
     "`builtins.splitVersion \"1.2.3pre-4\"` is `[ \"1\" \"2\" \"3\" \"pre\" \"4\" ]`.",
     prim_splitVersion},
    {"parseDrvName", 1, 0, "s",
     "Split a package name into `{ name; version; }` at the first dash not followed by a letter: "
     "`builtins.parseDrvName \"nix-0.12pre12876\"` is `{ name = \"nix\"; version = \"0.12pre12876\"; }`; "
     "the version is `\"\"` if there is no such dash.",
     prim_parseDrvName},
    {0},
};
