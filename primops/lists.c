/* Primop family prim_lists: list construction, traversal, folding, sorting and grouping. */
#include "primops/primops.h"
#include "primops/primutil.h"

#include <gc/gc.h>
#include <string.h>

/* Lists hold at most UINT32_MAX elements (Value.len). */
static void check_list_size(EvalState *st, uint64_t n)
{
    if (n > UINT32_MAX)
        eval_error(st, ERR_EVAL, 0, "cannot create list of size %llu", (unsigned long long)n);
}

static void set_list(Value *out, Value **elems, size_t n)
{
    val_set_list(out, n ? elems : NULL, n);
}

static void prim_map(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.map");
    size_t n = args[1]->len;
    if (n == 0) {
        *out = *args[1];
        return;
    }
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.map");
    Value **src = val_list(args[1]);
    Value **elems = val_list_alloc(st, n);
    Value *apps = prim_values(st, n);
    for (size_t i = 0; i < n; i++) {
        apps[i].type = T_APP;
        apps[i].app.fn = args[0];
        apps[i].app.arg = src[i];
        elems[i] = &apps[i];
    }
    val_set_list(out, elems, n);
}

static void prim_filter(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.filter");
    size_t n = args[1]->len;
    if (n == 0) {
        *out = *args[1];
        return;
    }
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.filter");
    Value **src = val_list(args[1]);
    Value **keep = val_list_alloc(st, n);
    size_t k = 0;
    Value res;
    for (size_t i = 0; i < n; i++) {
        eval_call(st, args[0], 1, &src[i], &res, 0);
        if (eval_force_bool(st, &res, 0,
                            "while evaluating the return value of the filtering function passed to builtins.filter"))
            keep[k++] = src[i];
    }
    if (k == n)
        *out = *args[1]; /* nothing dropped: share the input */
    else
        set_list(out, keep, k);
}

/* foldl' op nul list: the accumulator is the (weak head normal) result of each call. */
static void prim_foldlStrict(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.foldlStrict");
    eval_force_list(st, args[2], 0, "while evaluating the third argument passed to builtins.foldlStrict");
    size_t n = args[2]->len;
    if (n == 0) {
        eval_force(st, args[1], 0);
        *out = *args[1];
        return;
    }
    Value **src = val_list(args[2]);
    Value *cur = args[1];
    for (size_t i = 0; i < n; i++) {
        /* Each accumulator gets its own heap Value: op may capture it in its result. */
        Value *next = i == n - 1 ? out : val_alloc(st);
        Value *cargs[2] = {cur, src[i]};
        eval_call(st, args[0], 2, cargs, next, 0);
        cur = next;
    }
    eval_force(st, out, 0);
}

static void prim_genList(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    int64_t len = eval_force_int(st, args[1], 0, "while evaluating the second argument passed to builtins.genList");
    if (len < 0)
        eval_error(st, ERR_EVAL, 0, "cannot create list of size %lld", (long long)len);
    check_list_size(st, (uint64_t)len);
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.genList");
    size_t n = (size_t)len;
    if (n == 0) {
        set_list(out, NULL, 0);
        return;
    }
    Value **elems = val_list_alloc(st, n);
    Value *vals = prim_values(st, 2 * n); /* [0, n): the indices; [n, 2n): the thunks */
    for (size_t i = 0; i < n; i++) {
        val_set_int(&vals[i], (int64_t)i);
        Value *app = &vals[n + i];
        app->type = T_APP;
        app->app.fn = args[0];
        app->app.arg = &vals[i];
        elems[i] = app;
    }
    val_set_list(out, elems, n);
}

static void prim_elemAt(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    int64_t i = eval_force_int(st, args[1], 0, "while evaluating the second argument passed to 'builtins.elemAt'");
    eval_force_list(st, args[0], 0, "while evaluating the first argument passed to 'builtins.elemAt'");
    if (i < 0 || (uint64_t)i >= args[0]->len)
        eval_error(st, ERR_EVAL, 0, "'builtins.elemAt' called with index %lld on a list of size %u", (long long)i,
                   args[0]->len);
    Value *e = val_list(args[0])[i];
    eval_force(st, e, 0);
    *out = *e;
}

static void prim_head(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[0], 0, "while evaluating the first argument passed to 'builtins.head'");
    if (args[0]->len == 0)
        eval_error(st, ERR_EVAL, 0, "'builtins.head' called on an empty list");
    Value *e = val_list(args[0])[0];
    eval_force(st, e, 0);
    *out = *e;
}

/* Copies, as CppNix does: sharing the input's array would make two `tail l` results
 * the same list to the printer's «repeated» check, which CppNix never reports. */
static void prim_tail(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[0], 0, "while evaluating the first argument passed to 'builtins.tail'");
    size_t n = args[0]->len;
    if (n == 0)
        eval_error(st, ERR_EVAL, 0, "'builtins.tail' called on an empty list");
    Value **elems = val_list_alloc(st, n - 1);
    if (n > 1)
        memcpy(elems, val_list(args[0]) + 1, (n - 1) * sizeof *elems);
    set_list(out, elems, n - 1);
}

static void prim_length(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[0], 0, "while evaluating the first argument passed to builtins.length");
    val_set_int(out, args[0]->len);
}

static void prim_elem(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.elem");
    Value **src = val_list(args[1]);
    for (uint32_t i = 0; i < args[1]->len; i++)
        if (eval_equal(st, args[0], src[i], 0, "while searching for the presence of the given element in the list")) {
            val_set_bool(out, true);
            return;
        }
    val_set_bool(out, false);
}

static void prim_concatLists(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[0], 0, "while evaluating the first argument passed to builtins.concatLists");
    size_t nl = args[0]->len;
    Value **lists = val_list(args[0]);
    uint64_t len = 0;
    Value *nonempty = NULL;
    for (size_t i = 0; i < nl; i++) {
        eval_force_list(st, lists[i], 0, "while evaluating a value of the list passed to builtins.concatLists");
        len += lists[i]->len;
        if (lists[i]->len)
            nonempty = lists[i];
    }
    if (len == 0) {
        set_list(out, NULL, 0);
        return;
    }
    if (nonempty->len == len) { /* a single non-empty list: share it */
        *out = *nonempty;
        return;
    }
    check_list_size(st, len);
    Value **elems = val_list_alloc(st, len);
    size_t k = 0;
    for (size_t i = 0; i < nl; i++) {
        if (lists[i]->len)
            memcpy(elems + k, val_list(lists[i]), lists[i]->len * sizeof(Value *));
        k += lists[i]->len;
    }
    val_set_list(out, elems, len);
}

static void prim_concatMap(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.concatMap");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.concatMap");
    size_t n = args[1]->len;
    Value **src = val_list(args[1]);
    Value *res = prim_values(st, n);
    uint64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        eval_call(st, args[0], 1, &src[i], &res[i], 0);
        eval_force_list(st, &res[i], prim_value_pos(&res[i], prim_value_pos(args[0], 0)),
                        "while evaluating the return value of the function passed to builtins.concatMap");
        len += res[i].len;
    }
    check_list_size(st, len);
    Value **elems = val_list_alloc(st, len);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (res[i].len)
            memcpy(elems + k, val_list(&res[i]), res[i].len * sizeof(Value *));
        k += res[i].len;
    }
    set_list(out, elems, len);
}

static void any_or_all(EvalState *st, Value **args, Value *out, bool any)
{
    eval_force_function(st, args[0], 0,
                        any ? "while evaluating the first argument passed to builtins.any"
                            : "while evaluating the first argument passed to builtins.all");
    eval_force_list(st, args[1], 0,
                    any ? "while evaluating the second argument passed to builtins.any"
                        : "while evaluating the second argument passed to builtins.all");
    const char *ctx = any ? "while evaluating the return value of the function passed to builtins.any"
                          : "while evaluating the return value of the function passed to builtins.all";
    Value **src = val_list(args[1]);
    Value res;
    for (uint32_t i = 0; i < args[1]->len; i++) {
        eval_call(st, args[0], 1, &src[i], &res, 0);
        if (eval_force_bool(st, &res, 0, ctx) == any) {
            val_set_bool(out, any);
            return;
        }
    }
    val_set_bool(out, !any);
}

static void prim_any(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    any_or_all(st, args, out, true);
}

static void prim_all(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    any_or_all(st, args, out, false);
}

/* ---- sort: a stable merge sort that stays a permutation whatever the comparator says ---- */

typedef struct SortCtx {
    EvalState *st;
    Value *fn;
    bool is_less_than; /* fn is builtins.lessThan: compare directly, no call */
} SortCtx;

static bool sort_less(SortCtx *c, Value *a, Value *b)
{
    if (c->is_less_than)
        return eval_compare(c->st, a, b, 0, "while evaluating the ordering function passed to builtins.sort") < 0;
    Value res;
    Value *cargs[2] = {a, b};
    eval_call(c->st, c->fn, 2, cargs, &res, 0);
    return eval_force_bool(c->st, &res, 0,
                           "while evaluating the return value of the sorting function passed to builtins.sort");
}

static void merge_sort(SortCtx *c, Value **a, Value **tmp, size_t n)
{
    if (n <= 8) {
        for (size_t i = 1; i < n; i++) {
            Value *x = a[i];
            size_t j = i;
            while (j > 0 && sort_less(c, x, a[j - 1])) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    merge_sort(c, a, tmp, h);
    merge_sort(c, a + h, tmp, n - h);
    if (!sort_less(c, a[h], a[h - 1]))
        return; /* the halves are already in order (sorted input: n - 1 comparisons in all) */
    memcpy(tmp, a, h * sizeof *a);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        /* Take from the right half only if strictly less: keeps equal elements in order. */
        if (sort_less(c, a[j], tmp[i]))
            a[k++] = a[j++];
        else
            a[k++] = tmp[i++];
    }
    while (i < h)
        a[k++] = tmp[i++];
}

static void prim_sort(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.sort");
    size_t n = args[1]->len;
    if (n == 0) {
        *out = *args[1];
        return;
    }
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.sort");
    Value **a = val_list_alloc(st, n);
    memcpy(a, val_list(args[1]), n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        eval_force(st, a[i], 0);
    SortCtx c = {st, args[0], args[0]->type == T_PRIMOP && strcmp(args[0]->primop->name, "lessThan") == 0};
    Value **tmp = GC_MALLOC((n / 2 + 1) * sizeof *tmp);
    merge_sort(&c, a, tmp, n);
    val_set_list(out, a, n);
}

static void prim_partition(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.partition");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.partition");
    size_t n = args[1]->len;
    Value **src = val_list(args[1]);
    bool *right = GC_MALLOC_ATOMIC(n + 1);
    size_t nright = 0;
    Value res;
    for (size_t i = 0; i < n; i++) {
        eval_force(st, src[i], 0);
        eval_call(st, args[0], 1, &src[i], &res, 0);
        right[i] = eval_force_bool(st, &res, 0,
                                   "while evaluating the return value of the partition function passed to "
                                   "builtins.partition");
        nright += right[i];
    }
    Value **r = val_list_alloc(st, nright), **w = val_list_alloc(st, n - nright);
    size_t ir = 0, iw = 0;
    for (size_t i = 0; i < n; i++) {
        if (right[i])
            r[ir++] = src[i];
        else
            w[iw++] = src[i];
    }
    Value *lists = prim_values(st, 2);
    set_list(&lists[0], r, nright);
    set_list(&lists[1], w, n - nright);
    Bindings *b = attrs_alloc(st, 2);
    attrs_push(b, st->s.right, 0, &lists[0]);
    attrs_push(b, st->s.wrong, 0, &lists[1]);
    attrs_sort(b);
    val_set_attrs(out, b);
}

static void prim_groupBy(EvalState *st, PosIdx pos, Value **args, Value *out)
{
    eval_force_function(st, args[0], 0, "while evaluating the first argument passed to builtins.groupBy");
    eval_force_list(st, args[1], 0, "while evaluating the second argument passed to builtins.groupBy");
    size_t n = args[1]->len;
    Value **src = val_list(args[1]);
    uint32_t *group = GC_MALLOC_ATOMIC((n + 1) * sizeof(uint32_t)); /* element -> group */
    uint32_t *count = GC_MALLOC_ATOMIC((n + 1) * sizeof(uint32_t)); /* group -> size */
    Symbol *gsym = GC_MALLOC_ATOMIC((n + 1) * sizeof(Symbol));      /* group -> name */
    uint32_t ngroups = 0;
    PrimSymMap map;
    prim_symmap_init(&map, 8);
    Value res;
    for (size_t i = 0; i < n; i++) {
        eval_call(st, args[0], 1, &src[i], &res, 0);
        const char *name = eval_force_string_no_ctx(
            st, &res, 0, "while evaluating the return value of the grouping function passed to builtins.groupBy");
        Symbol s = sym_intern(st->symbols, name, res.len);
        bool added;
        uint32_t *g = prim_symmap_get(&map, s, &added);
        if (added) {
            *g = ngroups;
            gsym[ngroups] = s;
            count[ngroups++] = 0;
        }
        group[i] = *g;
        count[*g]++;
    }
    /* One element array for all groups, cut into consecutive slices. */
    Value **all = val_list_alloc(st, n);
    Value *lists = prim_values(st, ngroups);
    size_t off = 0;
    for (uint32_t g = 0; g < ngroups; g++) {
        val_set_list(&lists[g], all + off, count[g]);
        off += count[g];
        count[g] = 0; /* now the fill cursor */
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t g = group[i];
        val_list(&lists[g])[count[g]++] = src[i];
    }
    uint64_t *order = GC_MALLOC_ATOMIC((ngroups + 1) * sizeof(uint64_t));
    for (uint32_t g = 0; g < ngroups; g++)
        order[g] = (uint64_t)gsym[g] << 32 | g;
    prim_sort_u64(order, ngroups);
    Bindings *b = attrs_alloc(st, ngroups);
    for (uint32_t k = 0; k < ngroups; k++) {
        uint32_t g = (uint32_t)order[k];
        attrs_push(b, gsym[g], 0, &lists[g]);
    }
    val_set_attrs(out, b);
}

const PrimOp prim_lists[] = {
    {"map", 2, PRIM_GLOBAL, "f list",
     "Apply *f* to every element of *list*: `map (x: \"foo\" + x) [ \"bar\" \"bla\" ]` is "
     "`[ \"foobar\" \"foobla\" ]`. Lazy: the elements are unevaluated applications, so "
     "`builtins.length (map (x: throw \"no\") [ 1 ])` is `1`. Also bound globally as `map`.",
     prim_map},
    {"filter", 2, 0, "f list",
     "Return the elements of *list* for which *f* returns `true`: "
     "`builtins.filter (x: x > 1) [ 1 2 3 ]` is `[ 2 3 ]`. *f* must return a Boolean.",
     prim_filter},
    {"foldl'", 3, 0, "op nul list",
     "Reduce *list* from the left with the binary operator *op*, starting from *nul*: "
     "`builtins.foldl' (acc: x: acc + x) 0 [ 1 2 3 ]` is `6`. Strict: each intermediate result "
     "is evaluated (to weak head normal form), as is *nul* when *list* is empty; the elements "
     "themselves are not forced.",
     prim_foldlStrict},
    {"genList", 2, 0, "generator length",
     "Generate a list of *length* elements, element *i* being `generator i` (lazily): "
     "`builtins.genList (x: x * x) 5` is `[ 0 1 4 9 16 ]`. A negative length is an error.",
     prim_genList},
    {"elemAt", 2, 0, "xs n",
     "Return element *n* (counting from 0) of the list *xs*: `builtins.elemAt [ 1 2 3 ] 1` is `2`. "
     "An index out of range is an error.",
     prim_elemAt},
    {"head", 1, 0, "list",
     "Return the first element of *list*: `builtins.head [ 1 2 ]` is `1`. An error if *list* is empty.",
     prim_head},
    {"tail", 1, 0, "list",
     "Return *list* without its first element: `builtins.tail [ 1 2 3 ]` is `[ 2 3 ]`. An error if "
     "*list* is empty. Takes time linear in the length of *list*.",
     prim_tail},
    {"length", 1, 0, "e", "Return the number of elements of the list *e*: `builtins.length [ 1 2 ]` is `2`.",
     prim_length},
    {"elem", 2, 0, "x xs",
     "Return `true` if some element of *xs* equals *x* (as `==`): `builtins.elem 2 [ 1 2 ]` is `true`.",
     prim_elem},
    {"concatLists", 1, 0, "lists",
     "Concatenate a list of lists: `builtins.concatLists [ [ 1 ] [ 2 3 ] ]` is `[ 1 2 3 ]`.",
     prim_concatLists},
    {"concatMap", 2, 0, "f list",
     "Apply *f* (which must return a list) to each element of *list* and concatenate the results: "
     "`builtins.concatMap (x: [ x x ]) [ 1 2 ]` is `[ 1 1 2 2 ]`.",
     prim_concatMap},
    {"any", 2, 0, "pred list",
     "Return `true` if *pred* returns `true` for at least one element of *list* (stopping at the "
     "first): `builtins.any (x: x > 2) [ 1 3 ]` is `true`; `false` for an empty list.",
     prim_any},
    {"all", 2, 0, "pred list",
     "Return `true` if *pred* returns `true` for every element of *list* (stopping at the first "
     "`false`): `builtins.all (x: x > 0) [ 1 3 ]` is `true`; `true` for an empty list.",
     prim_all},
    {"sort", 2, 0, "comparator list",
     "Sort *list* with *comparator*, a function returning `true` if its first argument goes strictly "
     "before its second: `builtins.sort builtins.lessThan [ 3 1 2 ]` is `[ 1 2 3 ]`. Stable: equal "
     "elements keep their order. An inconsistent comparator gives some permutation, never an error.",
     prim_sort},
    {"partition", 2, 0, "pred list",
     "Split *list* into `{ right; wrong; }` by *pred*, keeping the order: "
     "`builtins.partition (x: x > 10) [ 1 23 9 3 42 ]` is `{ right = [ 23 42 ]; wrong = [ 1 9 3 ]; }`.",
     prim_partition},
    {"groupBy", 2, 0, "f list",
     "Group the elements of *list* into a set by the string *f* returns for each: "
     "`builtins.groupBy (x: if x > 2 then \"big\" else \"small\") [ 1 3 2 ]` is "
     "`{ big = [ 3 ]; small = [ 1 2 ]; }`. Elements keep their order within a group.",
     prim_groupBy},
    {0},
};
