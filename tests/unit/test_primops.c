/* Unit tests of the pure primop families (arith, types, lists, attrs, versions), called
 * directly from C with primops as the function arguments (no parser needed). */
#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "builtins/builtins.h"
#include "primops/primutil.h"
#include "util/strbuf.h"

static int npass, nfail;
static EvalState *st;

#define CHECK_STR(got, want)                                                                        \
    do {                                                                                            \
        const char *g_ = (got), *w_ = (want);                                                       \
        if (g_ && w_ && strcmp(g_, w_) == 0)                                                        \
            npass++;                                                                                \
        else {                                                                                      \
            nfail++;                                                                                \
            fprintf(stderr, "%s:%d: FAIL %s\n  got:  %s\n  want: %s\n", __FILE__, __LINE__, #got,    \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                        \
        }                                                                                           \
    } while (0)

/* ---- building values ---- */

static Value *prim(const char *name)
{
    const PrimOp *p = bi_find_primop(name);
    if (!p) {
        fprintf(stderr, "no primop %s\n", name);
        return NULL;
    }
    Value *v = val_alloc(st);
    v->type = T_PRIMOP;
    v->primop = p;
    return v;
}

static Value *num(int64_t i)
{
    Value *v = val_alloc(st);
    val_set_int(v, i);
    return v;
}

static Value *flt(double d)
{
    Value *v = val_alloc(st);
    val_set_float(v, d);
    return v;
}

static Value *str(const char *s)
{
    Value *v = val_alloc(st);
    val_make_string(v, s);
    return v;
}

static Value *list(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    Value **elems = val_list_alloc(st, n);
    for (int i = 0; i < n; i++)
        elems[i] = va_arg(ap, Value *);
    va_end(ap);
    Value *v = val_alloc(st);
    val_set_list(v, n ? elems : NULL, n);
    return v;
}

/* attrs(n, "name", value, ...) */
static Value *attrs(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    Bindings *b = attrs_alloc(st, n);
    for (int i = 0; i < n; i++) {
        const char *name = va_arg(ap, const char *);
        attrs_push(b, sym_intern_cstr(st->symbols, name), 0, va_arg(ap, Value *));
    }
    va_end(ap);
    attrs_sort(b);
    Value *v = val_alloc(st);
    val_set_attrs(v, b);
    return v;
}

static Value *list(int n, ...);

/* A thunk that fails when forced: `builtins.head [ ]` as an unevaluated application. */
static Value *boom(const char *why)
{
    (void)why;
    Value *v = val_alloc(st);
    v->type = T_APP;
    v->app.fn = prim("head");
    v->app.arg = list(0);
    return v;
}

static Value *call(Value *fn, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    Value *args[8];
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, Value *);
    va_end(ap);
    Value *out = val_alloc(st);
    eval_call(st, fn, n, args, out, 0);
    return out;
}

/* ---- showing values (forcing deeply), for comparisons ---- */

static void show(Value *v, StrBuf *sb)
{
    eval_force(st, v, 0);
    switch (v->type) {
    case T_NULL: sb_puts(sb, "null"); break;
    case T_BOOL: sb_puts(sb, v->boolean ? "true" : "false"); break;
    case T_INT: sb_printf(sb, "%lld", (long long)v->integer); break;
    case T_FLOAT: sb_printf(sb, "%g", v->fpoint); break;
    case T_STRING: sb_printf(sb, "\"%s\"", val_str(v)); break;
    case T_PATH: sb_puts(sb, v->path.path); break;
    case T_LIST:
        sb_puts(sb, "[ ");
        for (uint32_t i = 0; i < v->len; i++) {
            show(val_list(v)[i], sb);
            sb_putc(sb, ' ');
        }
        sb_putc(sb, ']');
        break;
    case T_ATTRS: {
        Bindings *vb = val_attrs(v);
        uint32_t *idx = attrs_sorted_by_name(st, vb);
        sb_puts(sb, "{ ");
        for (uint32_t i = 0; i < vb->size; i++) {
            Attr *a = &vb->attrs[idx[i]];
            sb_printf(sb, "%s = ", sym_name(st->symbols, a->name));
            show(a->value, sb);
            sb_puts(sb, "; ");
        }
        sb_putc(sb, '}');
        break;
    }
    default: sb_puts(sb, "<fn>"); break;
    }
}

static const char *shown(Value *v)
{
    StrBuf sb;
    sb_init(&sb);
    show(v, &sb);
    return sb_finish(&sb);
}

/* The result of fn args (deeply shown), or "error: MESSAGE". */
static const char *run(Value *fn, int n, Value *a, Value *b, Value *c)
{
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        Value *args[3] = {a, b, c};
        Value *out = val_alloc(st);
        eval_call(st, fn, n, args, out, 0);
        const char *s = shown(out);
        eval_try_leave(st, &f);
        return s;
    }
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "error: %s", f.error->msg);
    return sb_finish(&sb);
}

#define R1(name, a) run(prim(name), 1, a, NULL, NULL)
#define R2(name, a, b) run(prim(name), 2, a, b, NULL)
#define R3(name, a, b, c) run(prim(name), 3, a, b, c)

/* The innermost trace message of the error from fn args, for context checks. */
static const char *last_trace(Value *fn, int n, Value *a, Value *b)
{
    TryFrame f;
    if (EVAL_TRY(st, &f)) {
        Value *args[2] = {a, b};
        Value *out = val_alloc(st);
        eval_call(st, fn, n, args, out, 0);
        eval_force_deep(st, out, 0);
        eval_try_leave(st, &f);
        return "(no error)";
    }
    return f.error->ntrace ? f.error->trace[f.error->ntrace - 1].msg : "(no trace)";
}

static void test_arith(void)
{
    CHECK_STR(R2("add", num(1), num(2)), "3");
    CHECK_STR(R2("add", num(1), flt(2.5)), "3.5");
    CHECK_STR(R2("add", num(INT64_MAX), num(1)), "error: integer overflow in adding 9223372036854775807 + 1");
    CHECK_STR(R2("add", str("a"), num(1)), "error: expected an integer but found a string: \"a\"");
    CHECK_STR(R2("sub", num(INT64_MIN), num(1)),
              "error: integer overflow in subtracting -9223372036854775808 - 1");
    CHECK_STR(R2("mul", num(6), num(7)), "42");
    CHECK_STR(R2("mul", num(INT64_MAX), num(2)),
              "error: integer overflow in multiplying 9223372036854775807 * 2");
    CHECK_STR(R2("div", num(-7), num(2)), "-3");
    CHECK_STR(R2("div", num(7), flt(2)), "3.5");
    CHECK_STR(R2("div", str("x"), num(0)), "error: division by zero");
    CHECK_STR(R2("div", num(1), flt(0.0)), "error: division by zero");
    CHECK_STR(R2("div", num(INT64_MIN), num(-1)),
              "error: integer overflow in dividing -9223372036854775808 / -1");
    CHECK_STR(R2("div", num(1), str("x")), "error: expected a float but found a string: \"x\"");
    CHECK_STR(R2("bitAnd", num(12), num(10)), "8");
    CHECK_STR(R2("bitOr", num(12), num(10)), "14");
    CHECK_STR(R2("bitXor", num(12), num(10)), "6");
    CHECK_STR(R2("bitAnd", flt(1.1), num(2)), "error: expected an integer but found a float: 1.1");
    CHECK_STR(R2("lessThan", num(1), flt(1.5)), "true");
    CHECK_STR(R2("lessThan", str("b"), str("a")), "false");
    CHECK_STR(R1("ceil", flt(1.2)), "2");
    CHECK_STR(R1("ceil", flt(-1.2)), "-1");
    CHECK_STR(R1("floor", flt(-1.2)), "-2");
    CHECK_STR(R1("floor", num(5)), "5");
    CHECK_STR(R1("floor", flt(1e300)), "error: NixFloat argument 1e+300 is not in the range of NixInt");
    CHECK_STR(last_trace(prim("bitOr"), 2, num(1), str("x")),
              "while evaluating the second argument passed to builtins.bitOr");
}

static void test_types(void)
{
    CHECK_STR(R1("typeOf", num(1)), "\"int\"");
    CHECK_STR(R1("typeOf", list(0)), "\"list\"");
    CHECK_STR(R1("typeOf", prim("map")), "\"lambda\"");
    CHECK_STR(R1("isFunction", call(prim("map"), 1, prim("typeOf"))), "true");
    CHECK_STR(R1("isFunction", attrs(0)), "false");
    CHECK_STR(R1("isInt", flt(1)), "false");
    CHECK_STR(R1("isFloat", flt(1)), "true");
    CHECK_STR(R1("isString", str("")), "true");
    CHECK_STR(R1("isList", list(1, num(1))), "true");
    CHECK_STR(R1("isAttrs", attrs(0)), "true");
    CHECK_STR(R1("isBool", str("true")), "false");
    CHECK_STR(R1("isNull", boom("forced")), "error: 'builtins.head' called on an empty list");
}

static void test_lists(void)
{
    Value *xs = list(4, num(3), num(1), num(2), num(1));
    CHECK_STR(R2("map", prim("typeOf"), xs), "[ \"int\" \"int\" \"int\" \"int\" ]");
    CHECK_STR(R2("map", call(prim("add"), 1, num(10)), xs), "[ 13 11 12 11 ]");
    /* map and genList are lazy: thunks that would throw are not forced by length. */
    CHECK_STR(R1("length", call(prim("map"), 2, prim("head"), xs)), "4");
    CHECK_STR(R1("length", call(prim("genList"), 2, prim("head"), num(3))), "3");
    CHECK_STR(R2("map", boom("f"), list(0)), "[ ]");
    CHECK_STR(R2("map", num(1), str("foo")), "error: expected a list but found a string: \"foo\"");
    CHECK_STR(R2("map", num(1), xs), "error: expected a function but found an integer: 1");
    CHECK_STR(R2("filter", call(prim("lessThan"), 1, num(1)), xs), "[ 3 2 ]");
    CHECK_STR(R2("filter", prim("typeOf"), xs), "error: expected a Boolean but found a string: \"int\"");
    CHECK_STR(R3("foldl'", prim("add"), num(0), xs), "7");
    CHECK_STR(R3("foldl'", prim("add"), num(5), list(0)), "5");
    CHECK_STR(R3("foldl'", prim("sub"), num(0), list(2, num(1), num(2))), "-3");
    CHECK_STR(R2("genList", call(prim("mul"), 1, num(2)), num(4)), "[ 0 2 4 6 ]");
    CHECK_STR(R2("genList", prim("typeOf"), num(-1)), "error: cannot create list of size -1");
    CHECK_STR(R2("elemAt", xs, num(2)), "2");
    CHECK_STR(R2("elemAt", xs, num(4)), "error: 'builtins.elemAt' called with index 4 on a list of size 4");
    CHECK_STR(R2("elemAt", xs, num(-1)), "error: 'builtins.elemAt' called with index -1 on a list of size 4");
    CHECK_STR(R1("head", xs), "3");
    CHECK_STR(R1("head", list(0)), "error: 'builtins.head' called on an empty list");
    CHECK_STR(R1("tail", xs), "[ 1 2 1 ]");
    CHECK_STR(R1("tail", call(prim("tail"), 1, xs)), "[ 2 1 ]");
    CHECK_STR(R1("tail", list(0)), "error: 'builtins.tail' called on an empty list");
    CHECK_STR(R1("length", list(2, boom("a"), boom("b"))), "2");
    CHECK_STR(R2("elem", num(2), xs), "true");
    CHECK_STR(R2("elem", flt(2.0), xs), "true");
    CHECK_STR(R2("elem", num(9), xs), "false");
    CHECK_STR(R1("concatLists", list(3, list(1, num(1)), list(0), list(2, num(2), num(3)))), "[ 1 2 3 ]");
    CHECK_STR(R1("concatLists", list(2, list(0), num(1))), "error: expected a list but found an integer: 1");
    CHECK_STR(R2("concatMap", call(prim("genList"), 1, prim("typeOf")), list(2, num(1), num(2))),
              "[ \"int\" \"int\" \"int\" ]");
    CHECK_STR(R2("any", call(prim("lessThan"), 1, num(2)), xs), "true");
    CHECK_STR(R2("all", call(prim("lessThan"), 1, num(0)), xs), "true");
    CHECK_STR(R2("all", call(prim("lessThan"), 1, num(1)), xs), "false");
    CHECK_STR(R2("any", prim("isInt"), list(2, num(1), boom("not reached"))), "true");
    CHECK_STR(R2("sort", prim("lessThan"), xs), "[ 1 1 2 3 ]");
    CHECK_STR(R2("sort", prim("lessThan"), list(2, num(1), str("a"))),
              "error: cannot compare a string with an integer; values are \"a\" and 1");
    CHECK_STR(last_trace(prim("sort"), 2, prim("lessThan"), list(2, num(1), str("a"))),
              "while evaluating the ordering function passed to builtins.sort");
    CHECK_STR(R2("sort", boom("unused"), list(0)), "[ ]");
    CHECK_STR(R2("partition", prim("isInt"), list(3, num(1), str("x"), num(2))),
              "{ right = [ 1 2 ]; wrong = [ \"x\" ]; }");
    CHECK_STR(R2("groupBy", prim("typeOf"), list(4, num(1), str("x"), num(2), flt(1))),
              "{ float = [ 1 ]; int = [ 1 2 ]; string = [ \"x\" ]; }");
    CHECK_STR(R2("groupBy", prim("isInt"), xs), "error: expected a string but found a Boolean: true");

    /* A large sort: stable merge sort on many elements, compared with a check of order. */
    enum { N = 5000 };
    Value **elems = val_list_alloc(st, N);
    for (int i = 0; i < N; i++)
        elems[i] = num((i * 7919) % 1009);
    Value *big = val_alloc(st);
    val_set_list(big, elems, N);
    Value *sorted = call(prim("sort"), 2, prim("lessThan"), big);
    eval_force(st, sorted, 0);
    int ok = sorted->len == N;
    for (int i = 1; ok && i < N; i++)
        ok = val_list(sorted)[i - 1]->integer <= val_list(sorted)[i]->integer;
    CHECK_STR(ok ? "sorted" : "unsorted", "sorted");
}

static void test_attrs(void)
{
    /* Interned in reverse name order, so symbol order is not name order. */
    Value *s = attrs(4, "zz", num(1), "yy", num(2), "a", num(3), "B", boom("lazy"));
    CHECK_STR(R1("attrNames", s), "[ \"B\" \"a\" \"yy\" \"zz\" ]");
    CHECK_STR(R1("length", call(prim("attrValues"), 1, s)), "4");
    CHECK_STR(R2("getAttr", str("yy"), s), "2");
    CHECK_STR(R2("getAttr", str("nope-never-interned"), s), "error: attribute 'nope-never-interned' missing");
    CHECK_STR(R2("hasAttr", str("a"), s), "true");
    CHECK_STR(R2("hasAttr", str("b"), s), "false");
    CHECK_STR(R2("removeAttrs", s, list(3, str("zz"), str("B"), str("q"))), "{ a = 3; yy = 2; }");
    CHECK_STR(R2("removeAttrs", s, list(1, num(1))), "error: expected a string but found an integer: 1");
    Value *nv = list(4, attrs(2, "name", str("b"), "value", num(1)), attrs(2, "name", str("a"), "value", num(2)),
                     attrs(2, "name", str("b"), "value", boom("second b")), attrs(1, "name", str("a")));
    CHECK_STR(R1("listToAttrs", nv), "{ a = 2; b = 1; }");
    CHECK_STR(R1("listToAttrs", list(1, attrs(0))), "error: attribute 'name' missing");
    CHECK_STR(R1("listToAttrs", list(1, attrs(1, "name", str("x")))), "error: attribute 'value' missing");
    CHECK_STR(R2("intersectAttrs", attrs(2, "a", num(0), "yy", num(0)), s), "{ a = 3; yy = 2; }");
    CHECK_STR(R2("intersectAttrs", s, attrs(2, "a", num(7), "q", num(0))), "{ a = 7; }");
    CHECK_STR(R2("catAttrs", str("a"), list(3, attrs(1, "a", num(1)), attrs(0), attrs(1, "a", num(2)))),
              "[ 1 2 ]");
    CHECK_STR(R2("catAttrs", str("a"), list(1, num(1))), "error: expected a set but found an integer: 1");
    CHECK_STR(R2("mapAttrs", prim("add"), attrs(0)), "{ }");
    CHECK_STR(R2("mapAttrs", prim("add"), attrs(1, "x", num(1))),
              "error: expected an integer but found a string: \"x\"");
    CHECK_STR(R1("attrNames", call(prim("mapAttrs"), 2, prim("head"), s)), "[ \"B\" \"a\" \"yy\" \"zz\" ]");
    CHECK_STR(R2("zipAttrsWith", prim("catAttrs"),
                 list(2, attrs(2, "b", attrs(1, "b", num(1)), "a", attrs(1, "a", num(2))),
                      attrs(1, "a", attrs(1, "a", num(3))))),
              "{ a = [ 2 3 ]; b = [ 1 ]; }");
    CHECK_STR(R1("functionArgs", prim("map")), "{ }");
    CHECK_STR(R1("functionArgs", num(1)), "error: 'functionArgs' requires a function");
    CHECK_STR(R2("unsafeGetAttrPos", str("a"), s), "null");
    /* operator = getAttr "next": each element lists its successors. */
    Value *next = call(prim("getAttr"), 1, str("next"));
    Value *k3 = attrs(2, "key", num(3), "next", list(0));
    Value *cl = attrs(2, "startSet",
                      list(3, attrs(2, "key", num(1), "next", list(1, k3)), attrs(2, "key", flt(1.0), "next", list(0)),
                           attrs(2, "key", num(2), "next", list(1, k3))),
                      "operator", next);
    CHECK_STR(R1("length", call(prim("genericClosure"), 1, cl)), "3");
    CHECK_STR(R2("catAttrs", str("key"), call(prim("genericClosure"), 1, cl)), "[ 1 2 3 ]");
    Value *bad = attrs(2, "startSet", list(2, attrs(2, "key", num(1), "next", list(0)), attrs(2, "key", str("x"), "next", list(0))),
                       "operator", next);
    CHECK_STR(R1("genericClosure", bad), "error: cannot compare a string with an integer; values are \"x\" and 1");
    CHECK_STR(R1("genericClosure", attrs(1, "startSet", list(1, attrs(0)))), "error: attribute 'operator' missing");
    CHECK_STR(R1("genericClosure", attrs(2, "startSet", list(1, attrs(0)), "operator", prim("typeOf"))),
              "error: attribute 'key' missing");
}

/* Name order of large sets (eval/attrnames.c: radix sort, symbol-rank table, merging of
 * names newer than the table) against a plain comparison, on awkward names (shared 8-byte
 * prefixes, prefixes of each other, bytes >= 0x80, empty), through every path: a first big
 * sort (builds the ranks), a dense and a sparse ranked sort, and a mix of ranked and new
 * names. */
static int ref_name_cmp(Symbol a, Symbol b)
{
    size_t la = sym_len(st->symbols, a), lb = sym_len(st->symbols, b);
    int c = memcmp(sym_name(st->symbols, a), sym_name(st->symbols, b), la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static bool name_order_ok(const Bindings *b, const uint32_t *got)
{
    static unsigned char used[1 << 16];
    if (b->size >= sizeof used)
        return false;
    memset(used, 0, b->size);
    for (uint32_t i = 0; i < b->size; i++) {
        if (got[i] >= b->size || used[got[i]]++)
            return false;
        if (i && ref_name_cmp(b->attrs[got[i - 1]].name, b->attrs[got[i]].name) >= 0)
            return false;
    }
    return true;
}

/* n fresh awkward names (interned now), appended to syms. */
static uint32_t awkward_names(uint32_t *seed, Symbol *syms, uint32_t have, uint32_t n)
{
    char buf[32];
    while (n) {
        *seed = *seed * 1103515245u + 12345u;
        int len = (int)((*seed >> 16) % 14);
        for (int j = 0; j < len; j++) {
            *seed = *seed * 1103515245u + 12345u;
            static const char alphabet[] = "aab\x80\xff-zAAAAAAAAA";
            buf[j] = alphabet[(*seed >> 16) % (sizeof alphabet - 1)];
        }
        if (sym_lookup(st->symbols, buf, len))
            continue;
        syms[have++] = sym_intern(st->symbols, buf, len);
        n--;
    }
    return have;
}

static Bindings *set_of(const Symbol *syms, uint32_t from, uint32_t to, uint32_t step)
{
    Bindings *b = attrs_alloc(st, (to - from) / step + 1);
    for (uint32_t i = from; i < to; i += step)
        attrs_push(b, syms[i], 0, num(i));
    attrs_sort(b);
    return b;
}

static void test_name_sort(void)
{
    enum { OLD = 6000, NEW = 2000 };
    static Symbol syms[OLD + NEW];
    uint32_t seed = 12345;
    uint32_t n = awkward_names(&seed, syms, 0, OLD);
    Bindings *big = set_of(syms, 0, OLD, 1);
    CHECK_STR(name_order_ok(big, prim_attrs_by_name(st, big)) ? "ok" : "bad", "ok");
    Bindings *dense = set_of(syms, 0, OLD, 2), *sparse = set_of(syms, 1, OLD, 20);
    CHECK_STR(name_order_ok(dense, prim_attrs_by_name(st, dense)) ? "ok" : "bad", "ok");
    CHECK_STR(name_order_ok(sparse, prim_attrs_by_name(st, sparse)) ? "ok" : "bad", "ok");
    n = awkward_names(&seed, syms, n, NEW);
    Bindings *mixed = set_of(syms, OLD - 3000, n, 1);
    CHECK_STR(name_order_ok(mixed, prim_attrs_by_name(st, mixed)) ? "ok" : "bad", "ok");
    Bindings *small = set_of(syms, 0, n, 400);
    CHECK_STR(name_order_ok(small, attrs_sorted_by_name(st, small)) ? "ok" : "bad", "ok");
    CHECK_STR(name_order_ok(big, prim_attrs_by_name(st, big)) ? "ok" : "bad", "ok");
}

static void test_versions(void)
{
    CHECK_STR(R2("compareVersions", str("1.0"), str("2.3")), "-1");
    CHECK_STR(R2("compareVersions", str("2.3"), str("2.3")), "0");
    CHECK_STR(R2("compareVersions", str("2.3.1"), str("2.3a")), "1");
    CHECK_STR(R2("compareVersions", str("1.0pre1"), str("1.0")), "-1");
    CHECK_STR(R2("compareVersions", str("3000000000"), str("4")), "-1");
    CHECK_STR(R1("splitVersion", str("1.2.3pre-4")), "[ \"1\" \"2\" \"3\" \"pre\" \"4\" ]");
    CHECK_STR(R1("splitVersion", str("")), "[ ]");
    CHECK_STR(R1("parseDrvName", str("nix-0.12pre12876")), "{ name = \"nix\"; version = \"0.12pre12876\"; }");
    CHECK_STR(R1("parseDrvName", str("a-b-c")), "{ name = \"a-b-c\"; version = \"\"; }");
    CHECK_STR(R1("parseDrvName", num(1)), "error: expected a string but found an integer: 1");
}

int main(void)
{
    GC_INIT();
    EvalSettings settings;
    eval_settings_default(&settings);
    st = eval_state_new(&settings);
    bi_open_all(st, NULL);
    test_arith();
    test_types();
    test_lists();
    test_attrs();
    test_versions();
    test_name_sort();
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail != 0;
}
