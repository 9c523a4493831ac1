/* Unit tests of the evaluator core on hand-built ASTs: binder, thunks, calls, attrs, errors. */
#define GC_THREADS
#include <gc/gc.h>

#include "builtins/builtins.h"
#include "eval/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static EvalState *st;

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (cond)                                                                                \
            passed++;                                                                            \
        else {                                                                                   \
            failed++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                          \
            printf(__VA_ARGS__);                                                                 \
            printf("\n");                                                                        \
        }                                                                                        \
    } while (0)

static Symbol S(const char *s) { return sym_intern_cstr(st->symbols, s); }

static Expr *I(int64_t v)
{
    ExprInt *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_INT;
    e->value = v;
    return &e->base;
}

static Expr *V(const char *name)
{
    ExprVar *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_VAR;
    e->name = S(name);
    return &e->base;
}

static Expr *Str(const char *s)
{
    ExprString *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_STRING;
    e->s = s;
    e->len = (uint32_t)strlen(s);
    return &e->base;
}

static Expr *Bin(BinOp op, Expr *l, Expr *r)
{
    ExprBinOp *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_BINOP;
    e->op = op;
    e->lhs = l;
    e->rhs = r;
    return &e->base;
}

static Expr *If(Expr *c, Expr *t, Expr *f)
{
    ExprIf *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_IF;
    e->cond = c;
    e->then = t;
    e->else_ = f;
    return &e->base;
}

static Expr *Lam(const char *arg, Expr *body)
{
    ExprLambda *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_LAMBDA;
    e->arg = S(arg);
    e->body = body;
    return &e->base;
}

/* {a, b ? def}: body -- formals must be sorted by symbol id */
static Expr *LamF(int n, const char **names, Expr **defs, bool ellipsis, Expr *body)
{
    ExprLambda *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_LAMBDA;
    Formals *f = GC_MALLOC(sizeof *f);
    f->items = GC_MALLOC((size_t)n * sizeof(Formal));
    f->n = (uint32_t)n;
    f->ellipsis = ellipsis;
    for (int i = 0; i < n; i++)
        f->items[i] = (Formal){S(names[i]), 0, defs[i]};
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && f->items[j - 1].name > f->items[j].name; j--) {
            Formal t = f->items[j];
            f->items[j] = f->items[j - 1];
            f->items[j - 1] = t;
        }
    e->formals = f;
    e->body = body;
    return &e->base;
}

static Expr *Call(Expr *fn, Expr *arg)
{
    ExprCall *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_CALL;
    e->fn = fn;
    e->args = GC_MALLOC(sizeof(Expr *));
    e->args[0] = arg;
    e->nargs = 1;
    return &e->base;
}

static ExprAttrs *Attrs(bool rec, int n, const char **names, Expr **vals)
{
    ExprAttrs *a = GC_MALLOC(sizeof *a);
    a->base.kind = EXPR_ATTRS;
    a->rec = rec;
    a->attrs = GC_MALLOC((size_t)n * sizeof(AttrDef));
    a->nattrs = (uint32_t)n;
    for (int i = 0; i < n; i++)
        a->attrs[i] = (AttrDef){.name = S(names[i]), .kind = ATTR_PLAIN, .e = vals[i]};
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && a->attrs[j - 1].name > a->attrs[j].name; j--) {
            AttrDef t = a->attrs[j];
            a->attrs[j] = a->attrs[j - 1];
            a->attrs[j - 1] = t;
        }
    return a;
}

static Expr *Let(int n, const char **names, Expr **vals, Expr *body)
{
    ExprLet *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_LET;
    e->attrs = Attrs(true, n, names, vals);
    e->body = body;
    return &e->base;
}

static Expr *With(Expr *attrs, Expr *body)
{
    ExprWith *e = GC_MALLOC(sizeof *e);
    e->base.kind = EXPR_WITH;
    e->attrs = attrs;
    e->body = body;
    return &e->base;
}

static Expr *Sel(Expr *e, const char *name)
{
    ExprSelect *x = GC_MALLOC(sizeof *x);
    x->base.kind = EXPR_SELECT;
    x->e = e;
    x->path = GC_MALLOC(sizeof(AttrName));
    x->path[0].sym = S(name);
    x->npath = 1;
    return &x->base;
}

/* Evaluates e strictly; returns NULL on error and stores the message in *err. */
static Value *run(Expr *e, const char **err)
{
    TryFrame f;
    Value *v = GC_MALLOC(sizeof(Value));
    *err = NULL;
    if (EVAL_TRY(st, &f)) {
        eval_bind(st, e);
        eval_expr(st, e, v);
        eval_force_deep(st, v, 0);
        eval_try_leave(st, &f);
        return v;
    }
    *err = f.error->msg;
    return NULL;
}

static int64_t run_int(Expr *e)
{
    const char *err;
    Value *v = run(e, &err);
    if (!v) {
        printf("  error: %s\n", err);
        return -999999;
    }
    return v->type == T_INT ? v->integer : -888888;
}

static Expr *fib_expr(int n)
{
    /* let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib N */
    Expr *body = If(Bin(OP_LT, V("n"), I(2)), V("n"),
                    Bin(OP_ADD, Call(V("fib"), Bin(OP_SUB, V("n"), I(1))),
                        Call(V("fib"), Bin(OP_SUB, V("n"), I(2)))));
    const char *names[] = {"fib"};
    Expr *vals[] = {Lam("n", body)};
    return Let(1, names, vals, Call(V("fib"), I(n)));
}

static void test_attrs(void)
{
    Bindings *b = attrs_alloc(st, 4);
    attrs_push(b, S("zz"), 0, NULL);
    attrs_push(b, S("aa"), 0, NULL);
    attrs_push(b, S("mm"), 0, NULL);
    attrs_sort(b);
    bool sorted = b->attrs[0].name < b->attrs[1].name && b->attrs[1].name < b->attrs[2].name;
    CHECK(sorted, "attrs_sort orders by symbol id");
    CHECK(attrs_find(b, S("mm")) != NULL, "find present");
    CHECK(attrs_find(b, S("nope")) == NULL, "find absent");
    uint32_t *ord = attrs_sorted_by_name(st, b);
    CHECK(strcmp(sym_name(st->symbols, b->attrs[ord[0]].name), "aa") == 0 &&
              strcmp(sym_name(st->symbols, b->attrs[ord[2]].name), "zz") == 0,
          "lexicographic order");
}

/* Layered sets (eval/attrs.c): a long chain of one-attribute `//` updates over a large set,
 * checked against a model array after every 250 steps (lookups of present and absent
 * names, counts, the flat view), with an old version kept and rechecked at the end
 * (updates never change their operands). The chain copies O(n log n) attributes, not
 * O(n^2); Attr pointers from lookups survive flattening. */
enum { LK_BASE = 1000, LK_KEYS = 3000, LK_STEPS = 6000 };
static Symbol lk_sym[LK_KEYS];

static bool layered_matches(Bindings *b, const int64_t *model)
{
    uint32_t count = 0;
    for (int k = 0; k < LK_KEYS; k++) {
        Attr *a = attrs_find(b, lk_sym[k]);
        if (model[k] < 0 ? a != NULL : !a || a->value->integer != model[k])
            return false;
        count += model[k] >= 0;
    }
    if (attrs_count(b) != count || attrs_find(b, S("lk-absent")))
        return false;
    Bindings *f = attrs_flat(b);
    if (f->layered || f->size != count || attrs_flat(b) != f)
        return false;
    for (uint32_t i = 0; i < f->size; i++) {
        if (i && f->attrs[i - 1].name >= f->attrs[i].name)
            return false;
        Attr *a = attrs_find(b, f->attrs[i].name);
        if (!a || a->value != f->attrs[i].value)
            return false;
    }
    return true;
}

static void test_layered(void)
{
    char name[32];
    for (int k = 0; k < LK_KEYS; k++) {
        snprintf(name, sizeof name, "lk%d", k);
        lk_sym[k] = S(name);
    }
    static int64_t model[LK_KEYS], saved_model[LK_KEYS];
    Bindings *b = attrs_alloc(st, LK_BASE);
    for (int k = 0; k < LK_KEYS; k++)
        model[k] = -1;
    for (int k = 0; k < LK_BASE; k++) {
        Value *v = val_alloc(st);
        val_set_int(v, k);
        attrs_push(b, lk_sym[k], 0, v);
        model[k] = k;
    }
    attrs_sort(b);
    Bindings *saved = NULL;
    uint64_t copied = st->stats.update_copied;
    uint32_t seed = 7, max_layered = 0;
    bool ok = true;
    for (int step = 0; step < LK_STEPS && ok; step++) {
        seed = seed * 1103515245u + 12345u;
        /* mostly new names early, mostly shadowing later */
        int k = (int)((seed >> 8) % (uint32_t)(step < 2000 ? LK_KEYS : LK_BASE + 200));
        Bindings *one = attrs_alloc(st, 1);
        Value *v = val_alloc(st);
        val_set_int(v, LK_KEYS + step);
        attrs_push(one, lk_sym[k], 0, v);
        b = attrs_update(st, b, one);
        model[k] = LK_KEYS + step;
        max_layered |= b->layered;
        if (step % 250 == 249)
            ok = layered_matches(b, model);
        if (step == 3000) {
            saved = b;
            memcpy(saved_model, model, sizeof model);
        }
    }
    copied = st->stats.update_copied - copied;
    CHECK(ok, "layered chain agrees with the model");
    CHECK(max_layered != 0, "the chain made layered sets");
    CHECK(saved && layered_matches(saved, saved_model), "an old version is unchanged");
    CHECK(copied < 40u * LK_STEPS, "chain copied %llu attributes (quadratic would be ~%d)",
          (unsigned long long)copied, LK_STEPS * LK_BASE);

    /* A lookup's Attr pointer stays valid when its set is flattened afterwards. */
    Bindings *big = attrs_flat(saved ? saved : b);
    Bindings *one = attrs_alloc(st, 1);
    Value *v = val_alloc(st);
    val_set_int(v, -7);
    attrs_push(one, lk_sym[5], 0, v);
    Bindings *l = attrs_update(st, big, one);
    Attr *a = attrs_find(l, lk_sym[5]);
    CHECK(l->layered && a && a->value == v, "small update of a big set is layered");
    Bindings *f = attrs_flat(l);
    CHECK(a->name == lk_sym[5] && a->value == v && attrs_find(f, lk_sym[5])->value == v,
          "Attr pointers survive flattening");
    CHECK(attrs_update(st, l, attrs_alloc(st, 0)) == l && attrs_update(st, attrs_alloc(st, 0), l) == l,
          "update with an empty set returns the other operand");
}

static void test_context(void)
{
    const char *a[] = {"/nix/store/b", "/nix/store/a", "/nix/store/b"};
    const StrContext *c = ctx_from_array(a, 3);
    CHECK(c && c->n == 2 && strcmp(c->elems[0], "/nix/store/a") == 0, "ctx sorted, deduplicated");
    const StrContext *m = ctx_merge(c, ctx_single("/nix/store/0"));
    CHECK(m->n == 3 && strcmp(m->elems[0], "/nix/store/0") == 0, "ctx merge");
    CHECK(ctx_merge(c, c) == c && ctx_merge(NULL, c) == c, "ctx merge identity");
}

static void test_eval(void)
{
    CHECK(run_int(fib_expr(20)) == 6765, "fib 20");

    /* lexical variables shadow `with`; inner with shadows outer with */
    const char *n1[] = {"x"};
    Expr *v1[] = {I(1)};
    const char *wn[] = {"x", "y"};
    Expr *wv[] = {I(2), I(3)};
    CHECK(run_int(Let(1, n1, v1, With(&Attrs(false, 2, wn, wv)->base, Bin(OP_ADD, V("x"), V("y"))))) == 4,
          "let shadows with");
    const char *an[] = {"a"};
    Expr *av[] = {I(1)};
    const char *bn[] = {"a", "b"};
    Expr *bv[] = {I(2), I(30)};
    CHECK(run_int(With(&Attrs(false, 1, an, av)->base,
                       With(&Attrs(false, 2, bn, bv)->base, Bin(OP_ADD, V("a"), V("b"))))) == 32,
          "inner with wins");
    /* outer with is reached when the inner lacks the name */
    const char *cn[] = {"c"};
    Expr *cv[] = {I(5)};
    CHECK(run_int(With(&Attrs(false, 1, an, av)->base, With(&Attrs(false, 1, cn, cv)->base, V("a")))) == 1,
          "fall through to outer with");

    /* rec attrs see each other */
    const char *rn[] = {"p", "q"};
    Expr *rv[] = {I(7), Bin(OP_MUL, V("p"), I(6))};
    CHECK(run_int(Sel(&Attrs(true, 2, rn, rv)->base, "q")) == 42, "rec attrs");

    /* formals with defaults */
    const char *fn[] = {"a", "b"};
    Expr *fd[] = {NULL, I(2)};
    const char *argn[] = {"a"};
    Expr *argv_[] = {I(40)};
    CHECK(run_int(Call(LamF(2, fn, fd, false, Bin(OP_ADD, V("a"), V("b"))),
                       &Attrs(false, 1, argn, argv_)->base)) == 42,
          "formal default");

    const char *err;
    const char *xn[] = {"x"};
    Expr *xv[] = {V("x")};
    CHECK(!run(Let(1, xn, xv, V("x")), &err) && strcmp(err, "infinite recursion encountered") == 0,
          "infinite recursion: %s", err ? err : "(none)");
    CHECK(!run(Bin(OP_ADD, I(INT64_MAX), I(1)), &err) &&
              strcmp(err, "integer overflow in adding 9223372036854775807 + 1") == 0,
          "overflow: %s", err ? err : "(none)");
    CHECK(!run(Bin(OP_DIV, I(1), I(0)), &err) && strcmp(err, "division by zero") == 0, "div by zero");
    CHECK(!run(V("undefinedthing"), &err) && strstr(err, "undefined variable 'undefinedthing'"),
          "undefined variable");
    const char *on[] = {"a", "zzz"};
    Expr *ov[] = {I(1), I(2)};
    Expr *fe[] = {NULL, I(2)};
    CHECK(!run(Call(LamF(2, fn, fe, false, V("a")), &Attrs(false, 2, on, ov)->base), &err) &&
              strcmp(err, "function 'anonymous lambda' called with unexpected argument 'zzz'") == 0,
          "unexpected arg: %s", err ? err : "(none)");
    CHECK(!run(Call(V("throw"), Str("boom")), &err) && strcmp(err, "boom") == 0, "throw");

    /* after an error inside a thunk, forcing it again re-raises (not infinite recursion) */
    const char *tn[] = {"t", "u"};
    Expr *tv[] = {Call(V("throw"), Str("again")), Call(V("__seq"), V("t"))};
    Expr *prog = Let(2, tn, tv,
                     Sel(Call(V("__tryEval"), Call(Call(V("__seq"), V("t")), I(1))), "success"));
    Value *r = run(prog, &err);
    CHECK(r && r->type == T_BOOL && !r->boolean, "tryEval catches throw");

    /* deep non-tail recursion: f n = if n == 0 then 0 else 1 + f (n - 1) */
    Expr *fbody = If(Bin(OP_EQ, V("n"), I(0)), I(0), Bin(OP_ADD, I(1), Call(V("f"), Bin(OP_SUB, V("n"), I(1)))));
    const char *fnm[] = {"f"};
    Expr *fv[] = {Lam("n", fbody)};
    CHECK(run_int(Let(1, fnm, fv, Call(V("f"), I(200000)))) == 200000, "deep recursion");
    st->settings.max_call_depth = 1000;
    CHECK(!run(Let(1, fnm, fv, Call(V("f"), I(5000))), &err) &&
              strcmp(err, "stack overflow; max-call-depth exceeded") == 0,
          "max-call-depth");
    st->settings.max_call_depth = 1000000;
}

/* eval_state_new gives a bare state: no global is bound until the host opens a library. */
static void test_bare(EvalSettings *s)
{
    EvalState *full = st;
    st = eval_state_new(s);
    const char *err;
    CHECK(run_int(Bin(OP_ADD, I(1), I(2))) == 3, "bare state evaluates");
    CHECK(!run(V("true"), &err) && strcmp(err, "undefined variable 'true'") == 0, "bare state: %s",
          err ? err : "no error");
    CHECK(!run(V("builtins"), &err), "bare state has no builtins");
    Value *b[] = {val_true(st)};
    Symbol n[] = {S("yes")};
    eval_set_globals(st, n, b, 1);
    Value *v = run(V("yes"), &err);
    CHECK(v && v->type == T_BOOL && v->boolean, "eval_set_globals binds a global");
    st = full;
}

/* One reading of experimental-features for every user: split at any whitespace, whole
 * words only (the parser's check once missed "pipe-operators" after a tab). */
static void test_features(void)
{
    EvalSettings s = {0};
    CHECK(!eval_feature_enabled(&s, "pipe-operators"), "no features");
    s.experimental_features = "nix-command\tpipe-operators";
    CHECK(eval_feature_enabled(&s, "pipe-operators"), "feature after a tab");
    CHECK(eval_feature_enabled(&s, "nix-command"), "first feature");
    s.experimental_features = "  pipe-operators-x\nca-derivations ";
    CHECK(!eval_feature_enabled(&s, "pipe-operators"), "a longer name is another feature");
    CHECK(eval_feature_enabled(&s, "ca-derivations"), "feature after a newline");
    CHECK(!eval_feature_enabled(&s, "derivations"), "a suffix is not a feature");
}

static void body(void *arg)
{
    (void)arg;
    EvalSettings s;
    eval_settings_default(&s);
    st = eval_state_new(&s);
    bi_open_all(st, NULL);
    const char *fb = getenv("CNIX_TEST_FIB");
    if (fb) { /* timing aid: CNIX_TEST_FIB=32 build/tests/test_eval */
        printf("fib %s = %lld\n", fb, (long long)run_int(fib_expr(atoi(fb))));
        return;
    }
    test_bare(&s);
    test_features();
    test_attrs();
    test_layered();
    test_context();
    test_eval();
}

int main(void)
{
    GC_INIT();
    GC_allow_register_threads();
    eval_run_with_big_stack(body, NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
